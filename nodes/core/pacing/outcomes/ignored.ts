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
	return {
		...base,
		action: 'ignored',
		message: 'Ignored: the release time in the correlation id lies in the future.',
	};
}

/**
 * The correlation id carries a signature that is not this campaign's: forged or altered, or issued by another copy
 * of the campaign (another workflow, or before a Reset). It changes no call, known or not. One warning for the batch.
 */
export function ignoreForged(b: OutcomeBatch, base: ResultBase): OutcomeResult {
	b.state.totals.ignoredForged++;
	b.ignored.forged++;
	return {
		...base,
		action: 'ignored',
		message:
			"Ignored: the correlation id does not carry this campaign's signature (forged or altered, or from another copy of the campaign); not counted.",
	};
}

/**
 * A signed correlation id of a call in flight under another CallSid: copied from a real callback. One warning for
 * the batch.
 */
export function ignoreReplayed(b: OutcomeBatch, base: ResultBase, otherSid: string): OutcomeResult {
	b.state.totals.ignoredForged++;
	b.ignored.replayed++;
	return {
		...base,
		action: 'ignored',
		message: `Ignored: this correlation id belongs to call ${otherSid}, still in flight; another CallSid with it is a copy, not counted.`,
	};
}

/**
 * A call the state does not know, vouched for only by an unsigned correlation id (x1: an older version's, Connect
 * Call's own, or invented): not counted on its word. A real one is still counted: its row's lastCallSid brings it
 * back into flight (release/repair.ts) and Call Details reports it (reconcile.ts). One warning for the batch.
 */
export function ignoreUnsigned(b: OutcomeBatch, base: ResultBase): OutcomeResult {
	b.state.totals.ignoredUnsigned++;
	b.ignored.unsigned++;
	return {
		...base,
		action: 'ignored',
		message:
			"Not counted: this campaign does not know this call and its correlation id is unsigned. If the call is real, its row's CallSid brings it back and Call Details counts it.",
	};
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
	return {
		...base,
		action: 'ignored',
		message: `Not registered: ${b.settings.maxInFlight} calls are already in flight.`,
	};
}

/** The call was counted already (it is in the dedupe memory). */
export function ignoreDuplicate(b: OutcomeBatch, base: ResultBase, message: string): OutcomeResult {
	b.state.totals.duplicatesIgnored++;
	return { ...base, action: 'duplicate', message };
}

/** Placed before the watermark: a late report of a call whose memory was pruned, so taken as counted. */
export function ignoreLate(b: OutcomeBatch, base: ResultBase): OutcomeResult {
	b.state.totals.lateIgnored++;
	return {
		...base,
		action: 'late',
		message: 'Placed before the dedupe horizon; treated as already counted.',
	};
}
