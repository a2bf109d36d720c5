/**
 * Refunds: failed / no-answer attempts into a circle that trips within the health window of the attempt do not
 * count against the contact's maximum — whether the trip comes before the outcome, in the same batch, or later.
 */
import {
	createState,
	recordOutcomes,
	release,
	type CampaignState,
	type OutcomeInput,
} from '../../nodes/core/pacing';
import { MON_10, settingsWith, signed } from './helpers';

const s = settingsWith();
const W = s.healthWindowSeconds * 1000;
/** Every state here is made from this one, so they share its signing key. */
const BASE = createState('camp', 0);

function campaignAt(now: number): CampaignState {
	return { ...createState('camp', now), key: BASE.key };
}

/** A signed correlation (the calls here are reported without registration: lost registrations). */
function corr(contact: string, attempt: number, placedAt: number, circle = 'MH') {
	return signed(BASE, { campaign: 'camp', contact, attempt, circle, releasedAt: placedAt });
}

/** A state where MH opened at time T (tripped by a run of failures; DL is the healthy rest). */
function trippedAt(T: number): {
	state: CampaignState;
	firstFailure: number;
	batch: ReturnType<typeof recordOutcomes>;
} {
	let st = campaignAt(T - 3600000);
	let seq = 0;
	for (let t = T - 600000; t < T - 60000; t += 5000) {
		const status = ++seq % 2 ? 'completed' : 'no-answer';
		const out: OutcomeInput[] = [
			{ callSid: `hd${seq}`, status, at: t, correlation: corr(`d${seq}`, 1, t - 30000, 'DL') },
			{ callSid: `hm${seq}`, status, at: t, correlation: corr(`m${seq}`, 1, t - 30000) },
		];
		st = recordOutcomes(st, out, t, s).state;
	}
	const fails: OutcomeInput[] = [...Array(8)].map((_, i) => ({
		callSid: `f${i}`,
		status: 'failed',
		at: T,
		correlation: corr(`+91f${i}`, 2, T - 4000 + i * 100),
	}));
	const batch = recordOutcomes(st, fails, T, s);
	expect(batch.state.circles.MH.breaker.mode).toBe('open');
	expect(batch.state.circles.MH.trips).toEqual([T]);
	return { state: batch.state, firstFailure: T - 4000, batch };
}

describe('refunds', () => {
	test('outcomes that tripped the breaker in the same batch are refunded in their write-backs', () => {
		const { batch } = trippedAt(MON_10);
		// the first outcomes of the batch were counted before the trip; all are refunded
		expect(batch.writeBacks).toHaveLength(8);
		for (const wb of batch.writeBacks)
			expect(wb).toMatchObject({
				attemptsToWrite: 1,
				refunded: true,
				final: false,
				nextRetryAt: null,
				lastStatus: 'failed',
			});
		expect(batch.state.totals.refunded).toBe(8);
		expect(batch.state.circles.MH.counters.refunded).toBe(8);
	});

	test('an outcome arriving after the trip, for a call placed since the outage began (the run test change point), is refunded', () => {
		const T = MON_10;
		const { state } = trippedAt(T);
		const r = recordOutcomes(
			state,
			[
				{ callSid: 'late-na', status: 'no-answer', correlation: corr('a', 3, T - 3000) },
				// placed before the run of failures began: a genuine no-answer, not the outage's
				{ callSid: 'before-onset', status: 'no-answer', correlation: corr('e', 3, T - 60000) },
				{ callSid: 'late-busy', status: 'busy', correlation: corr('b', 1, T - 60000) },
				{ callSid: 'too-old', status: 'failed', correlation: corr('c', 1, T - W - 1000) },
				{ callSid: 'other-circle', status: 'failed', correlation: corr('d', 1, T - 60000, 'DL') },
			],
			T + 30000,
			s,
		);
		const [na, before, busy, old, other] = r.results;
		expect(na.writeBack).toMatchObject({
			attemptsToWrite: 2,
			refunded: true,
			final: false,
			nextRetryAt: null,
		});
		expect(before.writeBack).toMatchObject({ attemptsToWrite: 3, refunded: false });
		expect(busy.writeBack).toMatchObject({ attemptsToWrite: 1, refunded: false });
		expect(old.writeBack).toMatchObject({ attemptsToWrite: 1, refunded: false });
		expect(other.writeBack).toMatchObject({ refunded: false });
	});

	test('an outcome already written before the trip is refunded by Release from the row (no per-contact state)', () => {
		const T = MON_10;
		const { state } = trippedAt(T);
		// The row of a contact whose 3rd (last) attempt rang out in the outage, 2 s before the trip: final, all used.
		const row = {
			key: '+919822222222',
			circle: 'MH',
			attempts: 3,
			lastStatus: 'no-answer',
			lastAttemptAt: T - 2000,
			nextRetryAt: null,
			refunded: false,
		};
		const stillOpen = release(state, [row], T + 60000, s, { includeHeld: true });
		expect(stillOpen.holds[0].reason).toBe('circle_paused');
		// after the cooldown, the circle is half-open: the contact is a probe candidate again, with attempt 3 re-used
		const r = release(state, [row], T + 120000, s);
		expect(r.released).toHaveLength(1);
		expect(r.released[0]).toMatchObject({ attempt: 3, refunded: true, probe: true });
		expect(r.state.totals.refunded).toBe(state.totals.refunded + 1);
		// once the refund is written (refunded = true, attempts 2) it is not applied twice
		const written = { ...row, attempts: 2, refunded: true };
		expect(release(state, [written], T + 120000, s).released[0]).toMatchObject({
			attempt: 3,
			refunded: false,
		});
		// the new attempt's outcome writes the corrected count
		const reg = recordOutcomes(
			r.state,
			[{ callSid: 'N1', status: 'in-progress', correlation: r.released[0].correlation }],
			T + 121000,
			s,
		);
		expect(reg.writeBacks[0]).toMatchObject({ attemptsToWrite: 3, refunded: false });
	});

	test('no refund when the trip came before the attempt or more than the window after it', () => {
		const T = MON_10;
		const { state } = trippedAt(T);
		const later = {
			key: 'k',
			circle: 'MH',
			attempts: 3,
			lastStatus: 'failed',
			lastAttemptAt: T + 1000,
		};
		const earlier = {
			key: 'k2',
			circle: 'MH',
			attempts: 3,
			lastStatus: 'failed',
			lastAttemptAt: T - W - 1000,
		};
		const busy = {
			key: 'k3',
			circle: 'MH',
			attempts: 3,
			lastStatus: 'busy',
			lastAttemptAt: T - 60000,
		};
		const r = release(state, [later, earlier, busy], T + 120000, s, { includeHeld: true });
		expect(r.released).toHaveLength(0);
		expect(r.holds.map((h) => h.reason)).toEqual([
			'attempts_used',
			'attempts_used',
			'attempts_used',
		]);
	});

	test('refunds can be switched off', () => {
		const off = settingsWith({ refundOutageAttempts: false });
		const T = MON_10;
		const { state } = trippedAt(T);
		const r = recordOutcomes(
			state,
			[{ callSid: 'x', status: 'failed', correlation: corr('a', 2, T - 60000) }],
			T + 1000,
			off,
		);
		expect(r.writeBacks[0]).toMatchObject({ attemptsToWrite: 2, refunded: false });
	});
});
