import { maxInAnyWindow } from '../../nodes/core/pacing';
import { countInWindow, planSendTimes, refillTokens } from '../../nodes/core/pacing/guards';
import { allocate, interleave, type Demand } from '../../nodes/core/pacing/allocation';
import { mulberry32 } from './helpers';

describe('sliding 60 s guard', () => {
	test('count in (t - 60 s, t]', () => {
		const log = [0, 1000, 59999, 60000, 61000];
		expect(countInWindow(log, 60000)).toBe(3); // 1000, 59999, 60000 (0 is exactly 60 s old: out)
		expect(countInWindow(log, 59999)).toBe(3); // 0, 1000, 59999
	});

	test('spreads calls evenly over the span', () => {
		expect(planSendTimes([], 0, 15000, 3, 190)).toEqual([0, 5000, 10000]);
	});

	test('never lets any 60 s window exceed the limit, counting earlier plans (random property)', () => {
		const rng = mulberry32(42);
		for (let trial = 0; trial < 60; trial++) {
			const limit = 1 + Math.floor(rng() * 50);
			let log: number[] = [];
			let now = 0;
			for (let tick = 0; tick < 40; tick++) {
				now += Math.floor(rng() * 30000); // irregular, sometimes the same instant
				const span = 1000 + Math.floor(rng() * 90000);
				const n = Math.floor(rng() * limit * 2);
				const add = planSendTimes(log, now, now + span, n, limit);
				expect(add.length).toBeLessThanOrEqual(n);
				for (const t of add) expect(t).toBeGreaterThanOrEqual(now);
				log = log.concat(add);
				expect(maxInAnyWindow(log)).toBeLessThanOrEqual(limit);
				log = log.filter((t) => t > now - 120000);
			}
		}
	});

	test('steady ticks reach the limit: 190 per minute with 15 s ticks', () => {
		let log: number[] = [];
		const all: number[] = [];
		for (let k = 0; k < 40; k++) {
			const now = k * 15000;
			const add = planSendTimes(log, now, now + 15000, 48, 190);
			log = log.concat(add).filter((t) => t > now - 60000);
			all.push(...add);
		}
		expect(maxInAnyWindow(all)).toBeLessThanOrEqual(190);
		expect(all.filter((t) => t >= 300000 && t < 600000).length).toBeGreaterThanOrEqual(5 * 188);
	});

	test('token bucket: one tick worth, fractional carry, no catch-up burst after idling', () => {
		expect(refillTokens(0, null, 0, 190, 15).tokens).toBeCloseTo(47.5);
		expect(refillTokens(0.5, 0, 15000, 190, 15).tokens).toBeCloseTo(48);
		expect(refillTokens(0, 0, 3600000, 190, 15).tokens).toBeCloseTo(48.5);
	});
});

describe('allocation', () => {
	const d = (circle: string, backlog: number, extra: Partial<Demand> = {}): Demand => ({
		circle,
		backlog,
		weight: 1,
		cap: backlog,
		probe: false,
		carry: 0,
		...extra,
	});

	test('proportional to backlog x weight, summing to the budget', () => {
		const a = allocate(100, [d('A', 3000), d('B', 1000), d('C', 1000, { weight: 0.5 })]);
		expect([a.get('A')!.n, a.get('B')!.n, a.get('C')!.n]).toEqual([67, 22, 11]);
	});

	test('work-conserving: what a small circle cannot use goes to the others', () => {
		const a = allocate(100, [d('A', 60), d('B', 60, { weight: 0.25 })]);
		expect(a.get('A')!.n).toBe(60); // its weighted share (80) is more than it has
		expect(a.get('B')!.n).toBe(40); // the rest is not wasted
		const all = allocate(100, [d('A', 5), d('B', 7)]);
		expect(all.get('A')!.n + all.get('B')!.n).toBe(12);
	});

	test('half-open circles get their probe slots first, never more', () => {
		const a = allocate(10, [d('A', 100), d('P', 50, { probe: true, cap: 3 })]);
		expect(a.get('P')!.n).toBe(3);
		expect(a.get('A')!.n).toBe(7);
	});

	test('carry: tiny shares still get their turn (deficit round robin)', () => {
		const circles = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];
		const carry = new Map(circles.map((c) => [c, 0]));
		const got = new Map(circles.map((c) => [c, 0]));
		for (let tick = 0; tick < 100; tick++) {
			const a = allocate(
				3,
				circles.map((c, i) => d(c, (i + 1) * 100, { carry: carry.get(c)! })),
			);
			let sum = 0;
			for (const c of circles) {
				got.set(c, got.get(c)! + a.get(c)!.n);
				carry.set(c, a.get(c)!.carry);
				sum += a.get(c)!.n;
			}
			expect(sum).toBe(3);
		}
		// each circle's total within 2 calls of its exact share (300 x weight / 55)
		circles.forEach((c, i) =>
			expect(Math.abs(got.get(c)! - (300 * (i + 1)) / 55)).toBeLessThanOrEqual(2),
		);
	});

	test('interleave spreads every circle over the tick', () => {
		const order = interleave([
			['A', 4],
			['B', 2],
			['C', 1],
		]);
		expect(order).toHaveLength(7);
		const posB = order.map((c, i) => (c === 'B' ? i : -1)).filter((i) => i >= 0);
		expect(posB[1] - posB[0]).toBeGreaterThanOrEqual(3);
		expect(order[0]).toBe('A');
	});
});
