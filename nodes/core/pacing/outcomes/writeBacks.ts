/** What a report makes the workflow write to the contact's row (../types.ts, WriteBack). */
import type { Category } from '../statuses';
import type { PacingSettings } from '../settings';
import { retryGapMs } from '../settings';
import type { InFlightCall } from '../state';
import type { WriteBack } from '../types';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { max } = Math;

/** The row after a call's final outcome: attempts, status, the next retry (none when final or refunded). */
export function outcomeWriteBack(
	settings: PacingSettings,
	o: {
		contact: string;
		attempt: number;
		callSid: string;
		status: string;
		category: Category;
		placedAt: number;
		at: number;
		refunded: boolean;
	},
): WriteBack {
	const final = o.category === 'completed' || (!o.refunded && o.attempt >= settings.maxAttempts);
	const gap = retryGapMs(settings, o.category);
	return {
		contact: o.contact,
		attemptsToWrite: o.refunded ? o.attempt - 1 : o.attempt,
		lastStatus: o.status,
		lastCallSid: o.callSid,
		lastAttemptAt: o.placedAt,
		nextRetryAt: final || o.refunded || gap === null ? null : max(o.at, o.placedAt) + gap,
		final,
		refunded: o.refunded,
	};
}

/** The row of a call just registered: live, its CallSid, nothing planned yet. */
export function registrationWriteBack(f: InFlightCall, status: string): WriteBack {
	return {
		contact: f.contact,
		attemptsToWrite: f.attempt,
		lastStatus: status,
		lastCallSid: f.callSid,
		lastAttemptAt: f.sendAt,
		nextRetryAt: null,
		final: false,
		refunded: false,
	};
}

/** The row after Connect Call failed: the attempt is not counted, and the contact is retried after a gap. */
export function notPlacedWriteBack(
	settings: PacingSettings,
	contact: string,
	attempt: number,
	attemptAt: number,
	now: number,
): WriteBack {
	return {
		contact,
		attemptsToWrite: max(0, attempt - 1),
		lastStatus: 'not-placed',
		lastAttemptAt: attemptAt,
		nextRetryAt: now + settings.retryGapMinutes.notPlaced * 60000,
		final: false,
		refunded: false,
	};
}
