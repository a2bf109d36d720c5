/**
 * Exotel's account limit as the benchmark models it: at most `limit` ACCEPTED requests (connect and call details
 * alike) in any sliding 60 s of virtual time; the request that would be the (limit+1)-th gets 429 and does not
 * count. Same rule as simulator/ratelimit.ts, but for a single account with times arriving in order (O(1)).
 */
export class SlidingLimiter {
	private readonly times: number[] = [];
	private head = 0;

	constructor(
		readonly limit = 200,
		readonly windowMs = 60_000,
	) {}

	/** Try a request at t (t never decreases between calls). */
	tryAccept(t: number): boolean {
		const from = t - this.windowMs;
		while (this.head < this.times.length && this.times[this.head] <= from) this.head++;
		if (this.head > 4096) {
			this.times.splice(0, this.head);
			this.head = 0;
		}
		if (this.times.length - this.head >= this.limit) return false;
		this.times.push(t);
		return true;
	}
}

/**
 * Over-limit accounting over every request SENT (accepted or refused): the number of whole-second instants s
 * at which the 60 s window (s - 60 s, s] holds more than `limit` sent requests ("window-seconds over the limit"),
 * and the largest count in any window. `sent` must be ascending.
 */
export function overLimitWindows(
	sent: readonly number[],
	limit = 200,
	windowMs = 60_000,
): { windows: number; maxInWindow: number } {
	let maxInWindow = 0;
	let lo = 0;
	for (let hi = 0; hi < sent.length; hi++) {
		while (sent[lo] <= sent[hi] - windowMs) lo++;
		maxInWindow = Math.max(maxInWindow, hi - lo + 1);
	}
	if (maxInWindow <= limit) return { windows: 0, maxInWindow };
	// Count seconds s whose window (s - 60 s, s] holds > limit: a window's count only changes at request times,
	// so walk the seconds between the first and last request + 60 s.
	let windows = 0;
	const first = Math.ceil(sent[0] / 1000) * 1000;
	const last = sent[sent.length - 1] + windowMs;
	let a = 0; // first index > s - windowMs
	let b = 0; // first index > s
	for (let s = first; s <= last; s += 1000) {
		while (b < sent.length && sent[b] <= s) b++;
		while (a < sent.length && sent[a] <= s - windowMs) a++;
		if (b - a > limit) windows++;
		if (b === sent.length && a === sent.length) break;
	}
	return { windows, maxInWindow };
}
