/**
 * Hostile status callbacks (issue 11): the callback URL and its secret can leak, so callback content is untrusted.
 * Each block pins one finding of the attacker review.
 */
import { createState, recordOutcomes, type OutcomeInput } from '../../nodes/core/pacing';
import { MON_10, settingsWith } from './helpers';

const S = settingsWith({ callingEnd: '23:59' });

describe('row 11: correlation fields are validated', () => {
	test('a numeric circle or an absurd attempt is ignored with one warning; the other items go on', () => {
		const state = createState('camp', MON_10);
		const outcomes = [
			{ callSid: 'a1', status: 'completed', correlation: { campaign: 'camp', contact: '+919800000001', attempt: 1, circle: 42 as unknown as string, releasedAt: MON_10 - 60000 } },
			{ callSid: 'a2', status: 'busy', correlation: { campaign: 'camp', contact: '+919800000002', attempt: 1e300, circle: 'MH', releasedAt: MON_10 - 60000 } },
			{ callSid: 'a3', status: 'busy', correlation: { campaign: 'camp', contact: '+919800000003', attempt: 1, circle: 'MH', releasedAt: MON_10 - 60000 } },
		] as OutcomeInput[];
		const r = recordOutcomes(state, outcomes, MON_10, S);
		expect(r.results.map((x) => x.action)).toEqual(['ignored', 'ignored', 'counted']);
		expect(r.writeBacks.map((w) => w.attemptsToWrite)).toEqual([1]);
		expect(r.state.totals.ignoredInvalid).toBe(2);
		expect(r.state.totals.attempted).toBe(1);
		expect(r.warnings.filter((w) => /invalid fields/.test(w))).toHaveLength(1);
	});
});

describe('row 3: a release time must lie in a sane window', () => {
	const live = (i: number, releasedAt: number): OutcomeInput => ({
		callSid: `f${i}`,
		status: 'ringing',
		source: 'callback',
		correlation: { campaign: 'camp', contact: `+9198${String(i).padStart(8, '0')}`, attempt: 1, circle: 'MH', releasedAt },
	});

	test('160 live callbacks released a month ahead are ignored with one counted warning', () => {
		const month = 30 * 24 * 3600000;
		const r = recordOutcomes(createState('camp', MON_10), Array.from({ length: 160 }, (_, i) => live(i, MON_10 + month)), MON_10, S);
		expect(r.state.inFlight).toHaveLength(0);
		expect(r.state.totals.ignoredInvalid).toBe(160);
		expect(r.results.every((x) => x.action === 'ignored')).toBe(true);
		expect(r.warnings.filter((w) => /in the future/.test(w))).toHaveLength(1);
	});

	test('a release time slightly ahead (clock skew) registers; the lease counts from now', () => {
		const r = recordOutcomes(createState('camp', MON_10), [live(1, MON_10 + 60000)], MON_10, S);
		expect(r.results[0].action).toBe('registered');
		expect(r.state.inFlight[0].r).toBe(MON_10);
	});

	test('an old release time does not create a record (dedupe horizon)', () => {
		const r = recordOutcomes(createState('camp', MON_10), [live(1, MON_10 - (S.dedupeHorizonMinutes + 1) * 60000)], MON_10, S);
		expect(r.results[0].action).toBe('late');
		expect(r.state.inFlight).toHaveLength(0);
	});
});

describe('row 4: live reports of unknown calls are bounded by maxInFlight', () => {
	test('20,000 forged live events put at most maxInFlight calls in flight; the rest are counted as dropped', () => {
		const s = settingsWith({ callingEnd: '23:59', maxInFlight: 150 });
		const outcomes: OutcomeInput[] = Array.from({ length: 20000 }, (_, i) => ({
			callSid: `forged${i}`,
			status: 'in-progress',
			source: 'callback',
			correlation: { campaign: 'camp', contact: `+9197${String(i).padStart(8, '0')}`, attempt: 1, circle: 'DL', releasedAt: MON_10 - 5000 },
		}));
		const r = recordOutcomes(createState('camp', MON_10), outcomes, MON_10, s);
		expect(r.state.inFlight).toHaveLength(150);
		expect(r.state.totals.ignoredUnknown).toBe(20000 - 150);
		expect(r.warnings.filter((w) => /Max In Flight/.test(w))).toHaveLength(1);
		expect(JSON.stringify(r.state).length).toBeLessThan(64 * 1024);
		// a second wave adds nothing
		const again = recordOutcomes(r.state, outcomes.map((o) => ({ ...o, callSid: `${o.callSid}b` })), MON_10 + 1000, s);
		expect(again.state.inFlight).toHaveLength(150);
	});
});
