/**
 * Reports that change no call: malformed, another campaign's, not ours, a duplicate of a counted call, or too late
 * to tell. Each is counted in the state's totals and answered with 'ignored', 'duplicate' or 'late'.
 */
import type { OutcomeBatch } from './batch';
import type { ResultBase } from './report';
import type { OutcomeResult } from './types';

/** Fields that cannot be trusted (report.ts, invalidReport); one warning for the batch. */
export function ignoreInvalid(b: OutcomeBatch, base: ResultBase, problem: string): OutcomeResult {
	b.state.totals.ignoredInvalid++;
	b.ignored.invalid++;
	b.ignored.firstProblem ??= problem;
	return { ...base, action: 'ignored', message: `Ignored: ${problem}.` };
}

/**
 * A release time beyond now + the skew. Release plans send times at most a tick ahead: a later release time is
 * forged or garbled, and a call kept in flight from it would never reach its lease or abandonment
 * (docs/pacing-design.md). One warning for the batch.
 */
export function ignoreFutureRelease(b: OutcomeBatch, base: ResultBase): OutcomeResult {
	b.state.totals.ignoredInvalid++;
	b.ignored.future++;
	return { ...base, action: 'ignored', message: 'Ignored: the release time in the correlation id lies in the future.' };
}

/** Not a call of this campaign (another campaign's, no CallSid, or unknown without a correlation id). */
export function ignoreUnmatched(b: OutcomeBatch, base: ResultBase, message: string): OutcomeResult {
	b.state.totals.unmatched++;
	return { ...base, action: 'ignored', message };
}

export function ignoreUnknownStatus(base: ResultBase, rawStatus: string): OutcomeResult {
	return { ...base, action: 'ignored', message: `Unknown status "${rawStatus}".` };
}

/**
 * A live report of an unknown call when maxInFlight calls are in flight: forged live reports must not grow the
 * state (or block Release) beyond what Release itself allows. One warning for the batch.
 */
export function ignoreOverflow(b: OutcomeBatch, base: ResultBase): OutcomeResult {
	b.state.totals.ignoredUnknown++;
	b.ignored.overflow++;
	return { ...base, action: 'ignored', message: `Not registered: ${b.settings.maxInFlight} calls are already in flight.` };
}

/** The call was counted already (it is in the dedupe memory). */
export function ignoreDuplicate(b: OutcomeBatch, base: ResultBase, message: string): OutcomeResult {
	b.state.totals.duplicatesIgnored++;
	return { ...base, action: 'duplicate', message };
}

/** Placed before the watermark: a late report of a call whose memory was pruned, so taken as counted. */
export function ignoreLate(b: OutcomeBatch, base: ResultBase): OutcomeResult {
	b.state.totals.lateIgnored++;
	return { ...base, action: 'late', message: 'Placed before the dedupe horizon; treated as already counted.' };
}
