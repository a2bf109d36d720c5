import { SEND_WINDOW_MS } from '../core/requestSpacing';

/**
 * After Exotel refuses calls as over the account's limit (429, no Retry-After), Connect Call waits for places in
 * Exotel's 60-second window, at most this long in one execution beyond its own spreading. Calls that would wait
 * longer are handed back to pacing as not placed (rate limited), which pauses releasing and calls them later.
 */
export const RATE_LIMIT_GRACE_MS = SEND_WINDOW_MS + 4_000;

/** Whether Exotel answered 429 (too many requests) to this request. */
export function isRateLimited(error: unknown): boolean {
	return String((error as { httpCode?: unknown } | null)?.httpCode ?? '') === '429';
}

/** What an ops person should change when Exotel's limit is lower than the configured one. */
export function limitAdvice(learnt: number | undefined, configured: number): string {
	if (learnt === undefined || learnt >= configured) {
		return 'Exotel refused calls as too many per minute (429). Pacing pauses releasing for a while and calls these contacts later.';
	}
	return (
		`Exotel accepted only ${learnt} calls in 60 seconds on this account (Max Requests Per Minute is ${configured}), ` +
		`so it limits the account to about ${learnt} per minute (429), or another system calls on the same account. ` +
		`Lower Max Calls per Minute in the Pacing Settings to ${learnt} or ask Exotel to raise the limit. ` +
		'Pacing pauses releasing for a while and calls these contacts later.'
	);
}
