/**
 * Sliding-window rate limiter in virtual time (pure apart from its own state): at most `limit` accepted requests in
 * any `windowMs`. A request at t is allowed when fewer than `limit` accepted requests have t_i > t - windowMs.
 * Rejected requests are not recorded here, so they never count against the window.
 */
export class SlidingWindowLimiter {
	private readonly accepted = new Map<string, number[]>();

	constructor(private readonly settings: () => { limit: number; windowMs: number }) {}

	/** Would a request at `at` be allowed? Does not record anything. */
	check(key: string, at: number): { allowed: boolean; retryAfterMs: number } {
		const { limit, windowMs } = this.settings();
		const times = this.prune(key, at, windowMs);
		if (times.length < limit) return { allowed: true, retryAfterMs: 0 };
		const oldestBlocking = times[times.length - limit];
		return { allowed: false, retryAfterMs: Math.max(1, oldestBlocking + windowMs - at) };
	}

	/** Records an accepted request at `at`. */
	record(key: string, at: number): void {
		const times = this.accepted.get(key) ?? [];
		// Keep sorted even if virtual time was moved backwards.
		let i = times.length;
		while (i > 0 && times[i - 1] > at) i--;
		times.splice(i, 0, at);
		this.accepted.set(key, times);
	}

	/** Accepted requests currently inside the window ending at `at`. */
	count(key: string, at: number): number {
		return this.prune(key, at, this.settings().windowMs).length;
	}

	reset(): void {
		this.accepted.clear();
	}

	private prune(key: string, at: number, windowMs: number): number[] {
		const times = this.accepted.get(key) ?? [];
		let drop = 0;
		while (drop < times.length && times[drop] <= at - windowMs) drop++;
		if (drop > 0) times.splice(0, drop);
		this.accepted.set(key, times);
		return times;
	}
}
