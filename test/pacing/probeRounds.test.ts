/**
 * Probe rounds of a paused circle (probes.ts): a round reopens the circle only on outcomes a healthy circle gives
 * by chance in at most 1 round in 100. Under the old rule (3 probes, none answered) a healthy circle whose calls
 * ring out 38% of the time was paused again in about 1 round of 14, for twice as long each time.
 */
import {
	migrateState,
	recordOutcomes,
	release,
	storedState,
	type CampaignState,
	type OutcomeInput,
	type PacingSettings,
} from '../../nodes/core/pacing';
import { onProbeOutcome } from '../../nodes/core/pacing/breaker';
import {
	healthyShares,
	outageLikelihood,
	PROBE_BAD_LUCK_ODDS,
	probeRoundLimit,
	probeSlots,
} from '../../nodes/core/pacing/probes';
import type { Expected } from '../../nodes/core/pacing/health';
import { emptyCircle } from '../../nodes/core/pacing/state';
import type { Category } from '../../nodes/core/pacing/statuses';
import { Feed, healthyAll, OTHERS, type Status } from './feed';
import { mulberry32, settingsWith } from './helpers';

/** MH paused by a hard outage (as in breaker.test.ts), at the end of its cooldown. */
function pausedMH(s: PacingSettings): { state: CampaignState; until: number } {
	const f = new Feed(s);
	f.run(600, healthyAll(['MH', ...OTHERS]));
	f.run(60, (ff) => [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'failed')]);
	expect(f.mode('MH')).toBe('open');
	return { state: f.state, until: f.state.circles.MH.breaker.until };
}

/**
 * Plays a probe round: releases what Release lets into MH every 5 s and answers each probe 40 s later with the
 * next status, until the statuses run out or MH leaves half-open.
 */
function playRound(s: PacingSettings, statuses: Status[]) {
	let { state, until: now } = pausedMH(s);
	const before = { ...state.circles.MH.counters };
	const contacts = [...Array(40)].map((_, i) => ({ key: `+9198${i}`, circle: 'MH' }));
	const pending: Array<{ due: number; report: OutcomeInput }> = [];
	const transitions: string[] = [];
	let released = 0;
	let mostOut = 0;
	let answered = 0;
	for (let step = 0; step < 200; step++) {
		const r = release(state, contacts.slice(released), now, s);
		state = r.state;
		transitions.push(...r.transitions.map((t) => `${t.to}:${t.reason}`));
		for (const c of r.released) {
			const status = statuses[released++];
			if (status)
				pending.push({
					due: now + 40000,
					report: { callSid: `P${released}`, status, correlation: c.correlation },
				});
		}
		mostOut = Math.max(mostOut, released - answered);
		now += 5000;
		const due = pending.filter((p) => p.due <= now);
		pending.splice(0, due.length);
		if (due.length) {
			const res = recordOutcomes(
				state,
				due.map((p) => p.report),
				now,
				s,
			);
			state = res.state;
			answered += due.length;
			transitions.push(...res.transitions.map((t) => `${t.to}:${t.reason}`));
		}
		if (transitions.length > 1) break; // half-open, then closed or open again
	}
	const after = state.circles.MH.counters;
	const counted = {
		failed: after.failed - before.failed,
		noAnswer: after.noAnswer - before.noAnswer,
	};
	return { state, transitions, released, mostOut, counted, breaker: state.circles.MH.breaker };
}

describe('probe rounds', () => {
	test('ring-outs a healthy circle gives now and then do not pause it again: more probes, then it closes', () => {
		const s = settingsWith();
		const r = playRound(s, ['no-answer', 'no-answer', 'no-answer', 'no-answer', 'completed']);
		expect(r.transitions).toEqual(['half-open:cooldown_over', 'closed:a probe call completed']);
		expect(r.released).toBeLessThanOrEqual(5 + s.probeCalls - 1);
		expect(r.mostOut).toBeLessThanOrEqual(s.probeCalls);
	});

	test('a silent outage: about 7 ring-outs reopen it (a healthy circle gives them in < 1 round in 100)', () => {
		const s = settingsWith();
		const r = playRound(s, Array<Status>(20).fill('no-answer'));
		expect(r.transitions).toEqual(['half-open:cooldown_over', 'open:probe_failed']);
		expect(r.breaker.cooldownLevel).toBe(1);
		// MH rings out ~38% of the time when healthy: 7 ring-outs are 109 times likelier in an outage, 6 only 47
		// (probes out when the round ended are counted too: up to probeCalls - 1 more)
		expect(r.counted.noAnswer).toBeGreaterThanOrEqual(6);
		expect(r.counted.noAnswer).toBeLessThanOrEqual(8 + s.probeCalls - 1);
		expect(r.mostOut).toBeLessThanOrEqual(s.probeCalls);
	});

	test('a hard outage: two failed probes are enough', () => {
		const s = settingsWith();
		const r = playRound(s, ['failed', 'failed', 'failed']);
		expect(r.transitions).toEqual(['half-open:cooldown_over', 'open:probe_failed']);
		// the third probe's failure arrived after the round had ended: it judges nothing
		expect(r.breaker).toMatchObject({ mode: 'open', probeOutcomes: 0, probeFailed: 0 });
		expect(r.counted.failed).toBe(3);
	});

	test('a hard outage: no probe beyond the first 3 while their failures are still coming in', () => {
		const s = settingsWith();
		const { state, until } = pausedMH(s);
		const contacts = [...Array(10)].map((_, i) => ({ key: `+9198${i}`, circle: 'MH' }));
		const first = release(state, contacts, until, s);
		expect(first.released).toHaveLength(3);
		const failed = recordOutcomes(
			first.state,
			[{ callSid: 'P1', status: 'failed', correlation: first.released[0].correlation }],
			until + 5000,
			s,
		);
		expect(failed.state.circles.MH.breaker.mode).toBe('half-open');
		// the 2 probes still out decide the round if they fail too: nothing more goes into MH
		expect(release(failed.state, contacts.slice(3), until + 10000, s).released).toHaveLength(0);
		// ring-outs are weaker evidence: one failed and two rung out do not end the round, and more probes follow
		const rang = recordOutcomes(
			failed.state,
			first.released.slice(1).map((c, i) => ({
				callSid: `P${i + 2}`,
				status: 'no-answer',
				correlation: c.correlation,
			})),
			until + 50000,
			s,
		);
		expect(rang.state.circles.MH.breaker.mode).toBe('half-open');
		expect(release(rang.state, contacts.slice(3), until + 55000, s).released).toHaveLength(3);
	});

	test('a round ends after 4 x Probe Calls probes whatever the odds (canceled calls say nothing)', () => {
		const s = settingsWith({ probeCalls: 2 });
		expect(probeRoundLimit(s)).toBe(8);
		const r = playRound(s, Array<Status>(20).fill('canceled' as Status));
		expect(r.transitions).toEqual(['half-open:cooldown_over', 'open:probe_failed']);
		expect(r.released).toBe(8);
		expect(r.mostOut).toBeLessThanOrEqual(2);
	});

	test('bad luck pauses a healthy circle again in at most 1 probe round in 100 (seeded, 20,000 rounds)', () => {
		const s = settingsWith();
		const exp: Expected = {
			p: 0.5,
			qna: 0.38,
			qf: 0.04,
			hasBaseline: true,
			baselineP: 0.5,
			baselineN: 100,
		};
		const rng = mulberry32(11);
		const draw = (): Category => {
			const x = rng();
			return x < 0.5 ? 'completed' : x < 0.58 ? 'busy' : x < 0.62 ? 'failed' : 'noAnswer';
		};
		let reopened = 0;
		let probes = 0;
		const rounds = 20_000;
		for (let i = 0; i < rounds; i++) {
			const c = emptyCircle(0);
			c.breaker = { ...c.breaker, mode: 'half-open' };
			for (;;) {
				const slots = probeSlots(c, s, exp);
				c.breaker = { ...c.breaker, probesReleased: c.breaker.probesReleased + slots };
				probes += slots;
				// a round never stalls: a probe is out, or one may be released
				expect(c.breaker.probesReleased).toBeGreaterThan(c.breaker.probeOutcomes);
				const t = onProbeOutcome('MH', c, draw(), 0, s, exp);
				if (t) {
					if (t.to === 'open') reopened++;
					break;
				}
			}
		}
		const share = reopened / rounds;
		expect(share).toBeLessThanOrEqual(PROBE_BAD_LUCK_ODDS);
		expect(share).toBeGreaterThan(0);
		// most rounds end with the first answered call: the 3 probes released at once, rarely more
		expect(probes / rounds).toBeGreaterThanOrEqual(3);
		expect(probes / rounds).toBeLessThan(3.5);
	});

	test('evidence: an outage likelihood of failed! rangOut! / (n + 1)!, healthy shares within 2-90%', () => {
		expect(outageLikelihood(0, 0)).toBe(1);
		expect(outageLikelihood(0, 6)).toBeCloseTo(1 / 7);
		expect(outageLikelihood(1, 2)).toBeCloseTo(1 / 12);
		expect(outageLikelihood(2, 0)).toBeCloseTo(1 / 3);
		const exp = { qna: 0.99, qf: 0.001 } as Expected;
		expect(healthyShares(exp)).toEqual({ failed: 0.02, noAnswer: 0.9 });
		expect(healthyShares(undefined)).toEqual({ failed: 0.05, noAnswer: 0.35 });
	});

	test('a damaged stored round (huge counts) loads bounded and ends at the next outcome', () => {
		const s = settingsWith();
		const { state } = pausedMH(s);
		const c = state.circles.MH;
		c.breaker = { ...c.breaker, mode: 'half-open', probesReleased: 1 };
		const stored = storedState(state) as unknown as {
			circles: Record<string, { br: Record<string, unknown> }>;
		};
		stored.circles.MH.br.pf = 1e300;
		stored.circles.MH.br.pn = -5;
		const back = migrateState(stored, state.campaign, state.updatedAt).state;
		expect(back.circles.MH.breaker).toMatchObject({ probeFailed: 1000, probeRangOut: 0 });
		const t = onProbeOutcome('MH', back.circles.MH, 'noAnswer', state.updatedAt, s, undefined);
		expect(t).toMatchObject({ to: 'open', reason: 'probe_failed' });
	});
});
