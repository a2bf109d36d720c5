import {
	createState,
	getStats,
	pauseCampaign,
	recordOutcomes,
	release,
	resetCampaign,
	type OutcomeInput,
	storedState,
} from '../../nodes/core/pacing';
import { campaignWithFinishedCalls, MON_10, mulberry32, settingsWith, signed } from './helpers';

const s = settingsWith();

describe('getStats', () => {
	test('totals, per-circle rows and guards', () => {
		const done = campaignWithFinishedCalls(
			'camp',
			['DL', 'MH', 'MH'],
			MON_10 + 30000,
			MON_10 + 30000,
			s,
		);
		const st = getStats(done, MON_10 + 30000, s);
		expect(st.totals).toMatchObject({
			attempted: 49,
			completed: 5,
			busy: 5,
			noAnswer: 5,
			failed: 5,
			inFlight: 29,
			reserved: 0,
			resolved: 20,
			completionPct: 25,
		});
		expect(st.guards).toMatchObject({
			windowLimit: 190,
			requestsLast60s: 49,
			headroom: 141,
			inFlight: 29,
			maxInFlight: 250,
			inFlightHeadroom: 221,
			reconcileReserve: 10,
		});
		const mh = st.circles.find((c) => c.circle === 'MH')!;
		expect(mh).toMatchObject({
			circleName: 'Maharashtra Telecom Circle (excludes Mumbai)',
			breaker: 'closed',
			probeAt: null,
			weight: 1,
		});
		expect(mh.attempted + st.circles.find((c) => c.circle === 'DL')!.attempted).toBe(49);
		expect(mh.backlog).toBe(40);
		expect(mh.window.resolved).toBeGreaterThan(0);
		expect(mh.nextReleaseBudget).toBeGreaterThan(0);
		expect(st.rule.description).toMatch(/No campaign completion target/);
		expect(st.callingWindow.open).toBe(true);
		expect(st.stateBytes).toBe(JSON.stringify(storedState(done)).length);
	});

	test('pause shows in stats; reset returns a fresh state', () => {
		const p = pauseCampaign(createState('camp', MON_10), MON_10 + 5);
		expect(getStats(p, MON_10 + 10, s)).toMatchObject({ paused: true, pausedAt: MON_10 + 5 });
		const fresh = resetCampaign(p, 'camp', MON_10 + 20);
		// a new signing key: correlation ids issued before the Reset no longer vouch for a call
		expect(fresh).toEqual({ ...createState('camp', MON_10 + 20), key: expect.any(String) });
		expect(fresh.key).not.toBe(p.key);
	});
});

describe('completion target', () => {
	/** Everyone at 20% completion for 10 minutes. */
	function lowEverywhere(settings = s) {
		let st = createState('camp', MON_10 - 3600000);
		const rng = mulberry32(3);
		let seq = 0;
		for (let t = MON_10 - 600000; t < MON_10; t += 5000) {
			const out: OutcomeInput[] = ['MH', 'DL', 'KA', 'TN'].map((circle) => ({
				callSid: `x${seq++}`,
				status: rng() < 0.2 ? 'completed' : 'no-answer',
				correlation: signed(st, {
					campaign: 'camp',
					contact: `c${seq}`,
					attempt: 1,
					circle,
					releasedAt: t - 40000,
				}),
			}));
			st = recordOutcomes(st, out, t, settings).state;
		}
		return st;
	}
	const contacts = [...Array(200)].map((_, i) => ({
		key: `k${i}`,
		circle: ['MH', 'DL', 'KA', 'TN'][i % 4],
	}));

	test('by default a shortfall shared by all circles does not cut the rate (reported only)', () => {
		const t = settingsWith({ targetCompletionPct: 60 });
		const st = lowEverywhere(t);
		const r = release(st, contacts, MON_10, t);
		expect(r.budget.rateFactor).toBe(1);
		expect(r.released.length).toBe(49);
		const stats = getStats(r.state, MON_10, t);
		expect(stats.rule.description).toMatch(/reported only/);
		expect(stats.circles.every((c) => c.belowTarget === true)).toBe(true);
	});

	test('opt-in: the whole campaign slows in proportion to completion / target', () => {
		const t = settingsWith({ targetCompletionPct: 60, throttleWhenAllBelowTarget: true });
		const st = lowEverywhere(t);
		const r = release(st, contacts, MON_10, t);
		expect(r.budget.rateFactor).toBeGreaterThan(0.25);
		expect(r.budget.rateFactor).toBeLessThan(0.6);
		expect(r.released.length).toBeLessThan(30);
		expect(getStats(r.state, MON_10, t).rule.description).toMatch(/whole campaign slows/);
	});
});
