import {
	LIMIT_MEMORY_MS,
	RequestSpacer,
	SEND_WINDOW_MS,
	SendLog,
	createSpacingState,
	planWaits,
	recordSend,
	waitBeforeNext,
	type SpacingSettings,
} from '../../nodes/core/requestSpacing';

const T0 = 1_700_000_000_000;

/** Absolute send times from a plan of waits (sends take `duration` ms). */
function sendTimes(waits: number[], duration = 0): number[] {
	const times: number[] = [];
	let now = T0;
	for (const w of waits) {
		now += w;
		times.push(now);
		now += duration;
	}
	return times;
}

/** Largest number of sends inside any window [t, t + windowMs). */
function maxInAnyWindow(times: number[], windowMs = 60_000): number {
	let best = 0;
	for (let i = 0; i < times.length; i++) {
		let count = 0;
		for (let j = i; j < times.length && times[j] < times[i] + windowMs; j++) count++;
		best = Math.max(best, count);
	}
	return best;
}

describe('requestSpacing', () => {
	it('sends everything at once when under the limit and no spread is asked for', () => {
		expect(planWaits(5, { maxPerWindow: 200, spreadSeconds: 0 }, T0)).toEqual([0, 0, 0, 0, 0]);
	});

	it('never exceeds the sliding-window limit and waits exactly until a slot frees up', () => {
		const settings: SpacingSettings = { maxPerWindow: 3, spreadSeconds: 0 };
		const waits = planWaits(7, settings, T0);
		expect(waits).toEqual([0, 0, 0, 60_000, 0, 0, 60_000]);
		expect(maxInAnyWindow(sendTimes(waits))).toBe(3);
	});

	it('accounts for time spent sending (slow requests need less waiting)', () => {
		const waits = planWaits(4, { maxPerWindow: 2, spreadSeconds: 0 }, T0, 10_000);
		// sends at 0, 10s, then #3 must wait for 0+60s (now 20s -> 40s), #4 for 10s+60s=70s (now 70s -> 0)
		expect(waits).toEqual([0, 0, 40_000, 0]);
		expect(maxInAnyWindow(sendTimes(waits, 10_000))).toBe(2);
	});

	it('200 per minute: 450 sends take three windows and never more than 200 in any 60 s', () => {
		const waits = planWaits(450, { maxPerWindow: 200, spreadSeconds: 0 }, T0, 50);
		const times = sendTimes(waits, 50);
		expect(maxInAnyWindow(times)).toBe(200);
		expect(times[200] - times[0]).toBe(60_000);
		expect(times[400] - times[200]).toBe(60_000);
	});

	it('spreads sends evenly over the given seconds', () => {
		const waits = planWaits(4, { maxPerWindow: 200, spreadSeconds: 60 }, T0);
		expect(waits).toEqual([0, 15_000, 15_000, 15_000]);
	});

	it('spread counts from the first send, not from when the plan was made', () => {
		let state = createSpacingState(2);
		const settings = { maxPerWindow: 10, spreadSeconds: 10 };
		expect(waitBeforeNext(state, settings, T0)).toBe(0);
		state = recordSend(state, settings, T0 + 3_000);
		expect(waitBeforeNext(state, settings, T0 + 4_000)).toBe(4_000); // target = T0+3s+5s
		expect(waitBeforeNext(state, settings, T0 + 9_000)).toBe(0);
	});

	it('the stricter of spread and limit wins', () => {
		// 6 sends spread over 6 s would be 1/s, but only 2 per 10 s window are allowed
		const settings = { maxPerWindow: 2, spreadSeconds: 6, windowMs: 10_000 };
		const times = sendTimes(planWaits(6, settings, T0));
		expect(times.map((t) => t - T0)).toEqual([0, 1_000, 10_000, 11_000, 20_000, 21_000]);
		expect(maxInAnyWindow(times, 10_000)).toBe(2);
	});

	it('recordSend does not change its input and keeps only the window-relevant history', () => {
		const settings = { maxPerWindow: 2, spreadSeconds: 0 };
		const s0 = createSpacingState(3);
		const s1 = recordSend(s0, settings, T0);
		const s2 = recordSend(s1, settings, T0 + 1);
		const s3 = recordSend(s2, settings, T0 + 2);
		expect(s0).toEqual({ total: 3, sent: 0, startedAt: null, recent: [] });
		expect(s3.recent).toEqual([T0 + 1, T0 + 2]);
		expect(s3.sent).toBe(3);
		expect(s3.startedAt).toBe(T0);
	});

	it('rejects nonsense settings with a readable message', () => {
		expect(() => planWaits(1, { maxPerWindow: 0, spreadSeconds: 0 }, T0)).toThrow(/1 or more/);
		expect(() => planWaits(1, { maxPerWindow: 5, spreadSeconds: -1 }, T0)).toThrow(/0 or more/);
	});

	it('RequestSpacer works with an injected clock', () => {
		let now = T0;
		const spacer = new RequestSpacer(3, { maxPerWindow: 2, spreadSeconds: 0 }, () => now);
		const observed: number[] = [];
		for (let i = 0; i < 3; i++) {
			const wait = spacer.nextWait();
			observed.push(wait);
			now += wait; // what sleep(wait) would do
			spacer.markSent();
			now += 500; // the HTTP request
		}
		expect(observed).toEqual([0, 0, 59_000]);
		expect(spacer.snapshot.sent).toBe(3);
	});
	it('two spacers sharing a SendLog keep one limit together (overlapping executions)', () => {
		let now = T0;
		const log = new SendLog();
		const a = new RequestSpacer(3, { maxPerWindow: 4, spreadSeconds: 0 }, () => now, log);
		const b = new RequestSpacer(3, { maxPerWindow: 4, spreadSeconds: 0 }, () => now, log);
		const sends: number[] = [];
		// a and b take turns, as two ticks running at once would.
		for (const spacer of [a, b, a, b, a, b]) {
			const wait = spacer.nextWait();
			now += wait;
			spacer.markSent();
			sends.push(now);
		}
		expect(sends.map((t) => t - T0)).toEqual([0, 0, 0, 0, 60_000, 60_000]);
		// Without the shared log each would have sent its 3 at once: 6 in the first minute.
		const solo = T0;
		const c = new RequestSpacer(3, { maxPerWindow: 4, spreadSeconds: 0 }, () => solo);
		const d = new RequestSpacer(3, { maxPerWindow: 4, spreadSeconds: 0 }, () => solo);
		expect([c, d, c, d, c, d].map((s) => (s.markSent(), s.nextWait()))).toEqual([0, 0, 0, 0, 0, 0]);
	});

	it('with the send window Connect Call keeps, Exotel never sees more than the limit arrive in 60 s', () => {
		// Batches of sends take 900 ms or 50 ms to arrive, in turn: timed on a bare 60 s window, a fast send
		// 60 s after a slow one arrives inside the 60 s that Exotel counts from the slow one's arrival.
		const arrivalsWith = (windowMs: number): number[] => {
			let now = T0;
			const log = new SendLog(windowMs);
			const spacer = new RequestSpacer(
				400,
				{ maxPerWindow: 170, spreadSeconds: 0, windowMs },
				() => now,
				log,
			);
			const arrivals: number[] = [];
			for (let i = 0; i < 400; i++) {
				now += spacer.nextWait();
				spacer.markSent();
				arrivals.push(now + (Math.floor(i / 170) % 2 === 0 ? 900 : 50));
			}
			return arrivals.sort((x, y) => x - y);
		};
		expect(maxInAnyWindow(arrivalsWith(60_000))).toBeGreaterThan(170);
		expect(maxInAnyWindow(arrivalsWith(SEND_WINDOW_MS))).toBe(170);
	});

	it('SendLog forgets sends older than the window and stays bounded', () => {
		const log = new SendLog(60_000, 5);
		for (let i = 0; i < 12; i++) log.record(T0 + i);
		expect(log.recent(T0 + 11)).toHaveLength(5);
		expect(log.recent(T0 + 60_008)).toEqual([T0 + 9, T0 + 10, T0 + 11]);
		expect(log.recent(T0 + 120_000)).toEqual([]);
	});
});

describe('a limit learnt from Exotel refusing a send (429)', () => {
	it('drops the refused send, keeps what Exotel accepted as the limit, and forgets it after LIMIT_MEMORY_MS', () => {
		let now = 1_000_000;
		const log = new SendLog(SEND_WINDOW_MS);
		const spacer = new RequestSpacer(
			10,
			{ maxPerWindow: 200, spreadSeconds: 0, windowMs: SEND_WINDOW_MS },
			() => now,
			log,
		);
		for (let k = 0; k < 5; k++) {
			expect(spacer.nextWait()).toBe(0);
			spacer.markSent();
			now += 100;
		}
		spacer.markSent(); // the sixth is refused
		spacer.markRefused();
		expect(spacer.learntLimit()).toBe(5);
		expect(log.recent(now)).toHaveLength(5);
		// The next place frees when the first send leaves the window.
		expect(spacer.nextWait()).toBe(1_000_000 + SEND_WINDOW_MS - now);

		// Another execution on the same account sees the same limit.
		const other = new RequestSpacer(
			3,
			{ maxPerWindow: 200, spreadSeconds: 0, windowMs: SEND_WINDOW_MS },
			() => now,
			log,
		);
		expect(other.learntLimit()).toBe(5);
		expect(other.nextWait()).toBeGreaterThan(0);

		now += LIMIT_MEMORY_MS;
		expect(spacer.learntLimit()).toBeUndefined();
		expect(spacer.nextWait()).toBe(0);
	});

	it('a later refusal can only lower the learnt limit while it is remembered', () => {
		let now = 0;
		const log = new SendLog(SEND_WINDOW_MS);
		for (let k = 0; k < 4; k++) log.record(now++);
		log.record(now);
		log.refused(now, now);
		expect(log.learntLimit(now)).toBe(4);
		now += SEND_WINDOW_MS + 1; // the window is empty again
		log.record(now);
		log.refused(now, now);
		expect(log.learntLimit(now)).toBe(1);
	});
});
