/**
 * The per-circle circuit breaker.
 *
 *   closed --(a trip rule fires)--> open --(cooldown over)--> half-open --(a probe completes or is busy)--> closed
 *                                     ^                              |
 *                                     +--(probes no healthy circle would give; k + 1)--+
 *
 * Cooldown = cooldownSeconds x 2^k, capped at cooldownMaxSeconds; k counts consecutive failed probe rounds, and a
 * circle that trips again within cooldownMaxSeconds of closing keeps its k + 1 (flapping backs off too).
 * A half-open circle has at most `probeCalls` probes out at once. A busy probe counts as success: the network
 * reached a person. A round without one reopens the circle only on outcomes a healthy circle gives by chance in
 * at most 1 round in 100 (probes.ts): two failed probes, or about 7 ring-outs. On closing, the circle's health
 * window and run statistics start afresh, and calls placed before the close no longer feed them.
 *
 * Trip rules (closed circles only; see health.ts for the expectations):
 *   failed_burst   >= fastMinResolved resolved in the last fastWindowSeconds, >= fastFailedShare failed
 *   failed_run     CUSUM of "failed" against the circle's normal failed share >= failedRunThreshold
 *   silent_run     CUSUM of "no-answer" against its expected no-answer share >= silentRunThreshold
 *   failed_share   >= minVolume in the window and the lower bound of the failed share >= failedShareToTrip
 *   low_completion >= minVolume, a baseline from the other circles, and the upper bound of completion
 *                  <= completionRatioToTrip x expected completion
 */
import type { Category } from './statuses';
import type { PacingSettings } from './settings';
import type { BreakerMode, CircleState } from './state';
import type { CircleHealth, Expected } from './health';
import { wilsonLower, wilsonUpper } from './health';
import { probeRoundFailed } from './probes';
import { resetRuns } from './runs';

export type TripReason =
	| 'failed_burst'
	| 'failed_run'
	| 'silent_run'
	| 'failed_share'
	| 'low_completion'
	| 'probe_failed';

export const TRIP_WORDS: Record<TripReason, string> = {
	failed_burst: 'most calls in the last minute failed',
	failed_run: 'a run of failed calls far beyond what is normal for this circle',
	silent_run:
		'a run of unanswered calls far beyond what is normal for this circle (calls ring out: silent outage)',
	failed_share: 'at least half of the calls in the health window failed',
	low_completion: 'completion far below what the other circles show right now',
	probe_failed: 'the probe calls reached nobody, beyond what a healthy circle gives by chance',
};

export interface BreakerTransition {
	circle: string;
	from: BreakerMode;
	to: BreakerMode;
	at: number;
	reason: string;
	/** Plain words for logs and the node's output. */
	message: string;
	/** When open: when it will be probed. */
	until?: number;
}

export function cooldownMs(k: number, s: PacingSettings): number {
	return Math.min(s.cooldownMaxSeconds, s.cooldownSeconds * Math.pow(2, Math.min(k, 30))) * 1000;
}

/** Which rule (if any) says this closed circle is down. */
export function evaluateTrip(
	h: CircleHealth | undefined,
	c: CircleState,
	s: PacingSettings,
): TripReason | null {
	if (c.breaker.mode !== 'closed') return null;
	if (h) {
		const f = h.fast;
		if (f.n >= s.fastMinResolved && f.fail >= s.fastFailedShare * f.n) return 'failed_burst';
	}
	if (c.cusum[0] >= s.failedRunThreshold) return 'failed_run';
	if (c.cusum[1] >= s.silentRunThreshold) return 'silent_run';
	if (!h) return null;
	const w = h.win;
	if (w.n >= s.minVolume) {
		if (wilsonLower(w.fail, w.n, s.confidenceZ) >= s.failedShareToTrip) return 'failed_share';
		if (
			h.exp.hasBaseline &&
			wilsonUpper(w.comp, w.n, s.confidenceZ) <= s.completionRatioToTrip * h.exp.p
		) {
			return 'low_completion';
		}
	}
	return null;
}

/** closed/half-open -> open (owned state). */
export function openBreaker(
	circle: string,
	c: CircleState,
	now: number,
	reason: TripReason,
	s: PacingSettings,
): BreakerTransition {
	const from = c.breaker.mode;
	const roundStart = c.breaker.since;
	let k = 0;
	if (from === 'half-open') k = c.breaker.cooldownLevel + 1;
	else if (c.breaker.why !== '' && now - c.breaker.since < s.cooldownMaxSeconds * 1000)
		k = c.breaker.cooldownLevel + 1;
	const until = now + cooldownMs(k, s);
	c.breaker = {
		mode: 'open',
		since: now,
		until,
		cooldownLevel: k,
		why: reason,
		probesReleased: 0,
		probeOutcomes: 0,
		probeFailed: 0,
		probeRangOut: 0,
		closedAt: c.breaker.closedAt,
	};
	// How far back the outage began: the run tests' change point, the fast rule's window, else the health window.
	// Refunds cover only calls placed since then, not genuine failures from before the outage.
	const windowMs = s.healthWindowSeconds * 1000;
	let back = windowMs;
	const starts = c.runStarts;
	if (reason === 'failed_run' && starts && starts[0] > 0) back = now - starts[0] * 1000;
	else if (reason === 'silent_run' && starts && starts[1] > 0) back = now - starts[1] * 1000;
	else if (reason === 'failed_burst') back = (s.fastWindowSeconds + s.failFastSeconds) * 1000;
	else if (from === 'half-open') back = now - roundStart; // only this round's probes: earlier calls were judged
	back = Math.max(0, Math.min(windowMs, back));
	const tl =
		c.tripLookback && c.tripLookback.length === c.trips.length
			? c.tripLookback
			: c.trips.map(() => windowMs);
	tl.push(back);
	c.tripLookback = tl;
	c.trips.push(now);
	resetRuns(c);
	return {
		circle,
		from,
		to: 'open',
		at: now,
		reason,
		until,
		message: `Circle ${circle} paused: ${TRIP_WORDS[reason]}. Probing again in ${Math.round((until - now) / 1000)} s.`,
	};
}

/** open -> half-open once the cooldown is over (owned state). The transition is dated at the cooldown's end. */
export function advanceBreaker(
	circle: string,
	c: CircleState,
	now: number,
): BreakerTransition | null {
	if (c.breaker.mode === 'open' && now >= c.breaker.until) {
		const at = c.breaker.until;
		c.breaker = {
			...c.breaker,
			mode: 'half-open',
			since: at,
			until: 0,
			probesReleased: 0,
			probeOutcomes: 0,
			probeFailed: 0,
			probeRangOut: 0,
		};
		return {
			circle,
			from: 'open',
			to: 'half-open',
			at,
			reason: 'cooldown_over',
			message: `Circle ${circle} half-open: releasing up to a few probe calls.`,
		};
	}
	return null;
}

/** half-open -> closed (owned state). */
export function closeBreaker(
	circle: string,
	c: CircleState,
	now: number,
	reason: string,
): BreakerTransition {
	const from = c.breaker.mode;
	c.breaker = {
		...c.breaker,
		mode: 'closed',
		since: now,
		until: 0,
		probesReleased: 0,
		probeOutcomes: 0,
		probeFailed: 0,
		probeRangOut: 0,
		closedAt: now,
	};
	c.healthWindow = [];
	resetRuns(c);
	return {
		circle,
		from,
		to: 'closed',
		at: now,
		reason,
		message: `Circle ${circle} closed again: ${reason}.`,
	};
}

/**
 * A probe's outcome (owned state). Completed or busy closes the circle. A failed or rung-out probe adds to the
 * round's evidence; the circle opens again, with a longer cooldown, once the round has failed (probes.ts).
 */
export function onProbeOutcome(
	circle: string,
	c: CircleState,
	cat: Category,
	now: number,
	s: PacingSettings,
	exp: Expected | undefined,
): BreakerTransition | null {
	if (c.breaker.mode !== 'half-open') return null;
	const b = c.breaker;
	c.breaker = {
		...b,
		probeOutcomes: b.probeOutcomes + 1,
		probeFailed: b.probeFailed + (cat === 'failed' ? 1 : 0),
		probeRangOut: b.probeRangOut + (cat === 'noAnswer' ? 1 : 0),
	};
	if (cat === 'completed' || cat === 'busy') {
		return closeBreaker(
			circle,
			c,
			now,
			cat === 'completed' ? 'a probe call completed' : 'a probe call reached a busy line',
		);
	}
	return probeRoundFailed(c.breaker, s, exp)
		? openBreaker(circle, c, now, 'probe_failed', s)
		: null;
}

/**
 * A half-open circle whose released probes all vanished (abandoned, expired) without an outcome would wait
 * forever; once none is in flight the missing ones count as failed calls.
 */
export function settleVanishedProbes(
	circle: string,
	c: CircleState,
	probesInFlight: number,
	now: number,
	s: PacingSettings,
	exp: Expected | undefined,
): BreakerTransition | null {
	const b = c.breaker;
	if (b.mode !== 'half-open' || probesInFlight > 0 || b.probesReleased <= b.probeOutcomes)
		return null;
	c.breaker = {
		...b,
		probeOutcomes: b.probesReleased,
		probeFailed: b.probeFailed + b.probesReleased - b.probeOutcomes,
	};
	return probeRoundFailed(c.breaker, s, exp)
		? openBreaker(circle, c, now, 'probe_failed', s)
		: null;
}
