import { CIRCLE_CODES } from '../../nodes/core/circles';
import {
	Ledger,
	SimClock,
	SlidingWindowLimiter,
	createRng,
	decideCall,
	defaultModelConfig,
	deriveRng,
	formatExotel,
	mixFor,
	numberMetadata,
	parseExotel,
	parseIndianNumber,
	DEFAULT_NUMBERS_CONFIG,
	LUNCH_DIP_CURVE,
	type CallOutcome,
} from '../../simulator';
import { buildConfig } from '../../simulator/config';

const AT = Date.parse('2025-01-06T04:30:00Z'); // 10:00 IST

describe('rng', () => {
	it('is deterministic per seed and independent per derived stream', () => {
		const a = createRng(42);
		const b = createRng(42);
		const xs = Array.from({ length: 5 }, () => a.next());
		expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
		expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
		expect(deriveRng(1, 'sid', 3).hex(32)).toBe(deriveRng(1, 'sid', 3).hex(32));
		expect(deriveRng(1, 'sid', 3).hex(32)).toMatch(/^[0-9a-f]{32}$/);
		expect(deriveRng(1, 'sid', 3).hex(32)).not.toBe(deriveRng(1, 'sid', 4).hex(32));
		expect(createRng('seed').next()).toBe(createRng('seed').next());
	});

	it('draws integers in range and respects weights', () => {
		const rng = createRng(7);
		const counts = { a: 0, b: 0 };
		const ints = new Set<number>();
		for (let i = 0; i < 10_000; i++) {
			ints.add(rng.int(3, 5));
			counts[rng.weighted({ a: 3, b: 1 })]++;
		}
		expect([...ints].sort()).toEqual([3, 4, 5]);
		expect(counts.a / 10_000).toBeGreaterThan(0.72);
		expect(counts.a / 10_000).toBeLessThan(0.78);
	});
});

describe('clock', () => {
	it('maps real to virtual time with the factor and formats Exotel timestamps in IST', () => {
		let real = 1_000_000;
		const clock = new SimClock(
			{ factor: 10, virtualStart: '2025-01-06T10:00:00+05:30' },
			() => real,
		);
		expect(clock.now()).toBe(AT);
		real += 1500;
		expect(clock.now()).toBe(AT + 15_000);
		expect(formatExotel(clock.now())).toBe('2025-01-06 10:00:15');
		clock.setFactor(1);
		real += 1000;
		expect(clock.now()).toBe(AT + 16_000); // no jump when the factor changes
		expect(parseExotel('2025-01-06 10:00:16')).toBe(AT + 16_000);
		expect(new SimClock({ virtualStart: '2025-01-06T10:00:00' }, () => 0).now()).toBe(AT); // no offset = IST
		clock.stop();
	});

	it('runs scheduled timers in order at their own virtual instant', () => {
		const clock = new SimClock({ factor: 0, virtualStart: AT }, () => 0);
		const seen: Array<[string, number]> = [];
		clock.schedule(AT + 2000, () => seen.push(['b', clock.now()]));
		clock.schedule(AT + 1000, () => {
			seen.push(['a', clock.now()]);
			clock.after(500, () => seen.push(['a2', clock.now()]));
		});
		const cancelled = clock.schedule(AT + 1500, () => seen.push(['x', clock.now()]));
		cancelled.cancel();
		clock.advance(999);
		expect(seen).toEqual([]);
		clock.advance(5000);
		expect(seen).toEqual([
			['a', AT + 1000],
			['a2', AT + 1500],
			['b', AT + 2000],
		]);
		expect(clock.now()).toBe(AT + 5999);
		expect(clock.pendingTimers).toBe(0);
		clock.stop();
	});
});

describe('phone numbers and metadata', () => {
	it('parses Indian number forms', () => {
		expect(parseIndianNumber('+91 98765-43210')).toEqual({
			national: '9876543210',
			zeroPrefixed: '09876543210',
			e164: '+919876543210',
		});
		expect(parseIndianNumber('011 2345 6789')?.national).toBe('1123456789');
		expect(parseIndianNumber('0123')).toBeNull();
		expect(parseIndianNumber('00000000000')).toBeNull();
	});

	it('is deterministic per seed, covers every circle and flags about 8% DND', () => {
		const circles = new Set<string>();
		let dnd = 0;
		for (let i = 0; i < 3000; i++) {
			const national = `9${String(100_000_000 + i * 7919).padStart(9, '0')}`;
			const meta = numberMetadata(national, 42, DEFAULT_NUMBERS_CONFIG);
			expect(numberMetadata(national, 42, DEFAULT_NUMBERS_CONFIG)).toEqual(meta);
			expect(meta.type).toBe('Mobile');
			circles.add(meta.circle);
			if (meta.dnd) dnd++;
		}
		expect([...circles].sort()).toEqual([...CIRCLE_CODES].sort());
		expect(dnd / 3000).toBeGreaterThan(0.06);
		expect(dnd / 3000).toBeLessThan(0.1);
		const seeds = [1, 2, 3, 4, 5].map(
			(seed) => numberMetadata('9876543210', seed, DEFAULT_NUMBERS_CONFIG).circle,
		);
		expect(new Set(seeds).size).toBeGreaterThan(1);
	});
});

describe('outcome model', () => {
	const config = defaultModelConfig();
	const many = (
		n: number,
		input: Partial<Parameters<typeof decideCall>[1]>,
		cfg = config,
	): CallOutcome[] =>
		Array.from({ length: n }, (_, i) =>
			decideCall(
				deriveRng(1, 'call', i),
				{ circle: 'KA', number: '9876543210', at: AT, variant: 'flow', ...input },
				cfg,
			),
		);

	it('is pure: same rng state and input give the same outcome', () => {
		const input = { circle: 'MH' as const, number: '9876543210', at: AT };
		expect(decideCall(createRng(5), input, config)).toEqual(
			decideCall(createRng(5), input, config),
		);
	});

	it('follows the per-circle mix', () => {
		const ka = many(4000, { circle: 'KA' });
		const answered = ka.filter((o) => o.status === 'completed').length / ka.length;
		expect(answered).toBeGreaterThan(0.59);
		expect(answered).toBeLessThan(0.65);
		const jk = many(4000, { circle: 'JK' }).filter((o) => o.status === 'completed').length / 4000;
		expect(jk).toBeGreaterThan(0.35);
		expect(jk).toBeLessThan(0.41);
		const mix = mixFor('KA', AT, config);
		expect(mix.answer + mix.busy + mix.noAnswer + mix.failed).toBeCloseTo(1, 10);
	});

	it('keeps durations, legs and price consistent', () => {
		for (const o of many(500, { variant: 'number' })) {
			expect(o.legs).toHaveLength(2);
			expect(o.durationSeconds).toBeGreaterThan(0);
			if (o.status === 'completed') {
				expect(o.legs[1].onCallDuration).toBe(o.talkSeconds);
				expect(o.answeredAt).toHaveLength(2);
				expect(o.price).toBe(Math.ceil(o.durationSeconds / 60) * 1.5);
			} else {
				expect(o.talkSeconds).toBe(0);
				expect(o.leg2Status).toBe(o.status);
			}
		}
		for (const o of many(500, { variant: 'flow' })) {
			expect(o.legs).toHaveLength(1);
			if (o.status !== 'completed') expect(o.price).toBe(0);
		}
	});

	it('applies hard and silent outages only inside their window and circle', () => {
		const cfg = {
			...config,
			outages: [
				{ circle: 'KA' as const, kind: 'hard' as const, from: AT, to: AT + 60_000 },
				{
					circle: 'TN' as const,
					kind: 'silent' as const,
					from: '2025-01-06 10:00:00',
					to: '2025-01-06 10:01:00',
				},
			],
		};
		const hard = many(200, { circle: 'KA' }, cfg);
		expect(hard.every((o) => o.status === 'failed' && o.durationSeconds <= 5)).toBe(true);
		const silent = many(200, { circle: 'TN', timeOutSeconds: 45 }, cfg);
		expect(silent.every((o) => o.status === 'no-answer' && o.durationSeconds === 45)).toBe(true);
		expect(
			many(200, { circle: 'KA', at: AT + 60_000 }, cfg).some((o) => o.status === 'completed'),
		).toBe(true);
		expect(many(200, { circle: 'MH' }, cfg).some((o) => o.status === 'completed')).toBe(true);
	});

	it('honours fixtures, TimeLimit and the time-of-day curve', () => {
		const cfg = {
			...config,
			fixtures: { '9000000001': { status: 'busy' as const, ringSeconds: 7 } },
		};
		expect(
			many(10, { number: '9000000001' }, cfg).every(
				(o) => o.status === 'busy' && o.durationSeconds === 7,
			),
		).toBe(true);
		expect(many(300, { timeLimitSeconds: 20 }).every((o) => o.talkSeconds <= 20)).toBe(true);
		const curve = { ...config, answerByHourIST: LUNCH_DIP_CURVE };
		const lunch = Date.parse('2025-01-06T08:00:00Z'); // 13:30 IST
		const noon = many(3000, { at: lunch }, curve).filter((o) => o.status === 'completed').length;
		const morning = many(3000, { at: AT }, curve).filter((o) => o.status === 'completed').length;
		expect(noon).toBeLessThan(morning * 0.85);
	});
});

describe('rate limiter and ledger', () => {
	it('allows exactly `limit` per sliding window', () => {
		const limiter = new SlidingWindowLimiter(() => ({ limit: 3, windowMs: 1000 }));
		const tryAt = (t: number) => {
			const ok = limiter.check('a', t).allowed;
			if (ok) limiter.record('a', t);
			return ok;
		};
		expect([tryAt(0), tryAt(10), tryAt(20), tryAt(30)]).toEqual([true, true, true, false]);
		expect(limiter.check('a', 999).retryAfterMs).toBe(1);
		expect(tryAt(999)).toBe(false);
		expect(tryAt(1000)).toBe(true);
		expect(tryAt(1001)).toBe(false);
		expect(tryAt(1010)).toBe(true);
		expect(limiter.check('b', 0).allowed).toBe(true);
	});

	it('measures the busiest window', () => {
		const ledger = new Ledger();
		for (const at of [0, 100, 59_999, 60_000, 60_001, 200_000]) {
			ledger.addConnectRequest({
				at,
				atIso: '',
				accountSid: 'a',
				httpStatus: at === 60_000 ? 429 : 200,
				reason: '',
			});
		}
		expect(ledger.maxRequestsInAnyWindow(60_000)).toBe(4); // 100, 59999, 60000, 60001
		expect(ledger.maxRequestsInAnyWindow(60_000, 'accepted')).toBe(3);
	});
});

describe('config', () => {
	it('deep-merges partial config, replacing arrays', () => {
		const cfg = buildConfig({
			clock: { factor: 5 },
			model: { circles: { KA: { answer: 0.9 } }, outages: [] },
			numbers: { dndShare: 0 },
		});
		expect(cfg.clock).toEqual({ factor: 5, virtualStart: null });
		expect(cfg.model.circles.KA).toEqual({ answer: 0.9 });
		expect(cfg.model.circles.TN).toEqual({ answer: 0.63 });
		expect(cfg.accounts[0]).toMatchObject({
			sid: 'simaccount',
			apiKey: 'sim-key',
			apiToken: 'sim-token',
		});
		expect(cfg.rateLimit).toEqual({ enabled: true, limit: 200, windowMs: 60_000 });
	});
});
