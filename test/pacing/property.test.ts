/**
 * Seeded random runs over simulated hours: irregular ticks, lost and duplicated callbacks, hard and silent
 * outages. Whatever happens, no 60 s window ever holds more connect requests than the limit, no contact ever has
 * two live calls, and once everything has drained the campaign's counts equal the truth.
 */
import { getStats, maxInAnyWindow } from '../../nodes/core/pacing';
import { MON_10, runSerial, World } from './helpers';

const HOUR = 3600000;

describe.each([11, 23])('random campaign (seed %i)', (seed) => {
	const w = new World({
		seed,
		contacts: 30000,
		hopper: 5000,
		lostCallbacks: 0.05,
		duplicateCallbacks: 0.05,
		outages: [
			{ circle: 'MH', from: MON_10 + 0.3 * HOUR, to: MON_10 + 0.5 * HOUR, kind: 'hard' },
			{ circle: 'UE', from: MON_10 + 0.6 * HOUR, to: MON_10 + 0.8 * HOUR, kind: 'silent' },
		],
		settings: { maxInFlight: 200 },
	});
	const releasedWhileLive: string[] = [];
	runSerial(w, MON_10 + 1.25 * HOUR, {
		tickInterval: (ww) => 1000 + Math.floor(ww.rng() * 40) * 1000, // 1-40 s, often shorter than tickSeconds
		stopReleasingAt: MON_10 + 0.95 * HOUR,
		onTick: (ww, released) => {
			// Release never picks a contact whose call the state still tracks
			const live = new Set(
				ww.state.inFlight
					.filter((f) => !released.some((r) => r.contact === f.contact && r.placedAt === f.sendAt))
					.map((f) => f.contact),
			);
			for (const r of released) if (live.has(r.contact)) releasedWhileLive.push(r.contact);
		},
	});

	test('no 60 s window exceeds accountLimitPerMinute, dial and Call Details requests together', () => {
		const times = w.sendTimes.slice().sort((a, b) => a - b);
		expect(times.length).toBeGreaterThan(5000);
		// dialling borrows at most the reserve minus a margin of 2
		expect(maxInAnyWindow(times)).toBeLessThanOrEqual(198);
		expect(maxInAnyWindow([...times, ...w.detailsTimes].sort((a, b) => a - b))).toBeLessThanOrEqual(
			200,
		);
	});

	test('never a second live call to a contact; never released while in flight', () => {
		expect(w.violations).toEqual([]);
		expect(releasedWhileLive).toEqual([]);
	});

	test('after draining, the counts equal the truth exactly (lost callbacks reconciled, duplicates ignored)', () => {
		const st = getStats(w.state, w.now, w.settings);
		const truth = w.truthCounts();
		expect(st.totals.inFlight).toBe(0);
		expect(st.totals).toMatchObject({
			attempted: truth.attempted,
			completed: truth.completed,
			busy: truth.busy,
			noAnswer: truth['no-answer'],
			failed: truth.failed,
			other: 0,
		});
		expect(st.totals.reconciled).toBeGreaterThan(0);
		expect(st.totals.duplicatesIgnored).toBeGreaterThan(0);
	});

	test('the outages were contained and refunded', () => {
		const st = getStats(w.state, w.now, w.settings);
		expect(st.circles.find((c) => c.circle === 'MH')!.trips).toBeGreaterThan(0);
		expect(st.circles.find((c) => c.circle === 'UE')!.trips).toBeGreaterThan(0);
		expect(st.totals.refunded).toBeGreaterThan(0);
		// no attempt ever beyond the maximum
		expect(Math.max(...[...w.truth.values()].map((c) => c.attempt))).toBeLessThanOrEqual(
			w.settings.maxAttempts,
		);
	});
});
