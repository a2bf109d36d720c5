/**
 * Judging a paused circle's probe round (breaker.ts). A round that reaches nobody is evidence of an outage only
 * as far as a healthy circle would rarely give the same outcomes: three ring-outs happen to a healthy circle whose
 * calls ring out 38% of the time in about 1 round of 18, and three probes without an answered call at all in about
 * 1 of 14 (the old rule, which then paused the circle for twice as long).
 *
 * The test is a sequential likelihood ratio (Wald): how much likelier the round's failed and rung-out probes are
 * if no call reaches anyone (the share of failures among them unknown, uniform) than from a healthy circle now
 * (its expected shares, health.ts). The round reopens the circle once that ratio reaches 1 / PROBE_BAD_LUCK_ODDS;
 * a healthy circle then reaches it by chance in at most 1 round in 100 (Ville's inequality), while two failed
 * probes, or about 7 ring-outs, are enough in an outage. A round gives up after PROBE_ROUND_CALLS_PER_SLOT x
 * probeCalls probes, so a circle where most calls ring out anyway is not probed without end.
 */
import type { Expected } from './health';
import { PRIOR_FAILED, PRIOR_NO_ANSWER } from './health';
import type { PacingSettings } from './settings';
import type { BreakerState, CircleState } from './state';

/** At most this share of a healthy circle's probe rounds reopen it by chance. */
export const PROBE_BAD_LUCK_ODDS = 0.01;
/** A round without an answered call ends (reopens the circle) after this many probes per `probeCalls`. */
export const PROBE_ROUND_CALLS_PER_SLOT = 4;

export function probeRoundLimit(s: PacingSettings): number {
	return PROBE_ROUND_CALLS_PER_SLOT * s.probeCalls;
}

// (NaN, from a damaged expectation, reads as the floor)
const clampShare = (x: number): number => (!(x >= 0.02) ? 0.02 : x > 0.9 ? 0.9 : x);

/** A healthy circle's expected failed and no-answer shares now, kept within 2-90% (no probe is conclusive alone). */
export function healthyShares(exp: Expected | undefined): { failed: number; noAnswer: number } {
	return {
		failed: clampShare(exp?.qf ?? PRIOR_FAILED),
		noAnswer: clampShare(exp?.qna ?? PRIOR_NO_ANSWER),
	};
}

/**
 * Probability of `failed` failed and `rangOut` rung-out calls in a given order when no call reaches anyone and the
 * share of failures is unknown (uniform): failed! rangOut! / (failed + rangOut + 1)!.
 */
export function outageLikelihood(failed: number, rangOut: number): number {
	let p = 1 / (failed + rangOut + 1);
	for (let i = 1; i <= failed; i++) p *= i / (rangOut + i);
	return p;
}

/** How many times likelier the round's probes are in an outage than in a healthy circle now. */
export function probeEvidence(b: BreakerState, exp: Expected | undefined): number {
	const q = healthyShares(exp);
	const healthy = Math.pow(q.failed, b.probeFailed) * Math.pow(q.noAnswer, b.probeRangOut);
	return outageLikelihood(b.probeFailed, b.probeRangOut) / healthy;
}

/** The round is over without an answered call: an outage beyond bad luck, or every probe of the round used. */
export function probeRoundFailed(
	b: BreakerState,
	s: PacingSettings,
	exp: Expected | undefined,
): boolean {
	return probeEvidence(b, exp) * PROBE_BAD_LUCK_ODDS >= 1 || b.probeOutcomes >= probeRoundLimit(s);
}

/**
 * Probe calls that may be released into a half-open circle now: probeCalls out at once, within the round's limit,
 * and only while the probes still out could not end the round even if every one failed (the strongest evidence):
 * in a hard outage the first probes decide it, and no further call goes into the dead circle.
 */
export function probeSlots(c: CircleState, s: PacingSettings, exp: Expected | undefined): number {
	const b = c.breaker;
	if (b.mode !== 'half-open') return 0;
	const out = b.probesReleased - b.probeOutcomes;
	const room = Math.min(s.probeCalls - out, probeRoundLimit(s) - b.probesReleased);
	if (room <= 0) return 0;
	const ifAllFail = {
		...b,
		probeOutcomes: b.probeOutcomes + out,
		probeFailed: b.probeFailed + out,
	};
	return out > 0 && probeRoundFailed(ifAllFail, s, exp) ? 0 : room;
}
