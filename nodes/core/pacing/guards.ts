/**
 * Hard guards: the 60-second request limit and the in-flight cap, plus the rate token bucket.
 *
 * The sliding log holds the PLANNED send time of every connect request released in the last 60 s (and any
 * planned later). Release spreads a tick's calls evenly over the tick and gives each a `sendAt`; the dispatcher
 * must not send before it. A new call at time t is accepted only if the log plus the calls accepted so far hold
 * fewer than `limit` entries in (t - 60 s, t]. New times are never earlier than the latest logged time, so
 * windows ending at earlier entries do not change: after every release, EVERY 60 s window (whatever its
 * position) contains at most `limit` planned requests, counting earlier ticks.
 */

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { floor, max, min } = Math;
export const MINUTE_MS = 60000;

/** Index of the first element > x in an ascending array (binary search). */
function upperBound(a: readonly number[], x: number): number {
	let lo = 0;
	let hi = a.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (a[mid] <= x) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** Number of times in (t - 60 s, t]. `times` ascending. */
export function countInWindow(times: readonly number[], t: number): number {
	return upperBound(times, t) - upperBound(times, t - MINUTE_MS);
}

/** The largest number of entries in any 60 s window (for tests and stats). `times` ascending. */
export function maxInAnyWindow(times: readonly number[]): number {
	let best = 0;
	let lo = 0;
	for (let hi = 0; hi < times.length; hi++) {
		while (times[lo] <= times[hi] - MINUTE_MS) lo++;
		best = max(best, hi - lo + 1);
	}
	return best;
}

/**
 * Plans up to `n` send times in [start, end) spread evenly, each accepted only if the 60 s window ending at it
 * stays within `limit` (counting `existing`, ascending, and the times accepted before it).
 * `start` is raised to the latest existing time so that new entries never precede logged ones.
 */
export function planSendTimes(
	existing: readonly number[],
	start: number,
	end: number,
	n: number,
	limit: number,
): number[] {
	const out: number[] = [];
	if (n <= 0) return out;
	const last = existing.length ? existing[existing.length - 1] : -Infinity;
	const from = max(start, last);
	if (from >= end) return out;
	const span = end - from;
	let lo = 0; // first existing entry inside the current window
	let accLo = 0; // first accepted entry inside the current window
	for (let i = 0; i < n; i++) {
		const t = from + floor((i * span) / n);
		while (lo < existing.length && existing[lo] <= t - MINUTE_MS) lo++;
		while (accLo < out.length && out[accLo] <= t - MINUTE_MS) accLo++;
		const inWindow = existing.length - lo + (out.length - accLo);
		if (inWindow + 1 <= limit) out.push(t);
	}
	return out;
}

/** Token bucket refill: tokens accrue at `ratePerMinute`, capped at one tick's worth plus one. */
export function refillTokens(
	tokens: number,
	lastAt: number | null,
	now: number,
	ratePerMinute: number,
	tickSeconds: number,
): { tokens: number; cap: number } {
	const cap = (ratePerMinute * tickSeconds) / 60 + 1;
	const elapsed = lastAt === null ? tickSeconds * 1000 : max(0, now - lastAt);
	return { tokens: min(cap, max(0, tokens) + (ratePerMinute * elapsed) / MINUTE_MS), cap };
}

/** Calls that may still be started without exceeding the in-flight cap. */
export function inFlightHeadroom(inFlight: number, maxInFlight: number): number {
	return max(0, maxInFlight - inFlight);
}
