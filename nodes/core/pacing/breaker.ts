/**
 * The per-circle circuit breaker.
 *
 *   closed --(a trip rule fires)--> open --(cooldown over)--> half-open --(a probe completes or is busy)--> closed
 *                                     ^                              |
 *                                     +-----(every probe failed or rang out; k + 1)-----+
 *
 * Cooldown = cooldownSeconds x 2^k, capped at cooldownMaxSeconds; k counts consecutive failed probe rounds, and a
 * circle that trips again within cooldownMaxSeconds of closing keeps its k + 1 (flapping backs off too).
 * A half-open circle receives at most `probeCalls` calls. A busy probe counts as success: the network reached a
 * person. On closing, the circle's health window and run statistics start afresh, and calls placed before the
 * close no longer feed them.
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
import type { CircleHealth } from './health';
import { wilsonLower, wilsonUpper } from './health';
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
	probe_failed: 'the probe calls did not connect',
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
 * A probe's outcome (owned state). Completed or busy closes the circle. Once every probe of the round has been
 * resolved without success, the circle opens again with a longer cooldown.
 */
export function onProbeOutcome(
	circle: string,
	c: CircleState,
	cat: Category,
	now: number,
	s: PacingSettings,
): BreakerTransition | null {
	if (c.breaker.mode !== 'half-open') return null;
	c.breaker = { ...c.breaker, probeOutcomes: c.breaker.probeOutcomes + 1 };
	if (cat === 'completed' || cat === 'busy') {
		return closeBreaker(
			circle,
			c,
			now,
			cat === 'completed' ? 'a probe call completed' : 'a probe call reached a busy line',
		);
	}
	if (c.breaker.probeOutcomes >= s.probeCalls)
		return openBreaker(circle, c, now, 'probe_failed', s);
	return null;
}

/**
 * A half-open circle whose released probes all vanished (abandoned, expired) without reaching probeCalls
 * outcomes would wait forever; count the missing ones as failed once none is in flight.
 */
export function settleVanishedProbes(
	circle: string,
	c: CircleState,
	probesInFlight: number,
	now: number,
	s: PacingSettings,
): BreakerTransition | null {
	if (
		c.breaker.mode !== 'half-open' ||
		probesInFlight > 0 ||
		c.breaker.probesReleased <= c.breaker.probeOutcomes
	)
		return null;
	c.breaker = { ...c.breaker, probeOutcomes: c.breaker.probesReleased };
	if (c.breaker.probeOutcomes >= s.probeCalls)
		return openBreaker(circle, c, now, 'probe_failed', s);
	return null;
}

/** Probe calls that may still be released into a half-open circle. */
export function probeSlots(c: CircleState, s: PacingSettings): number {
	return c.breaker.mode === 'half-open' ? Math.max(0, s.probeCalls - c.breaker.probesReleased) : 0;
}
