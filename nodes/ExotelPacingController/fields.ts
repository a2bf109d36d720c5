/** Conversions between n8n item fields (sheet columns) and the engine's inputs and write-backs. */
import type { IDataObject } from 'n8n-workflow';

import type { ContactInput, OutcomeInput, PartialSettings, WriteBack } from '../core/pacing';
import { decodeCorrelation } from '../core/correlation';
import { normalizeIndianPhone } from '../core/phone';
import { istIso, toEpochMs } from '../core/time';

export function isoOrEmpty(ms: number | null | undefined): string {
	return typeof ms === 'number' && Number.isFinite(ms) ? istIso(ms) : '';
}

/** Sheets hand booleans over as TRUE/"true"/"Yes"; n8n items as booleans. */
export function toBool(value: unknown): boolean {
	if (typeof value === 'boolean') return value;
	if (typeof value === 'number') return value !== 0;
	if (typeof value !== 'string') return false;
	return ['true', 'yes', 'y', '1'].includes(value.trim().toLowerCase());
}

const DND_YES = ['true', 'yes', 'y', '1'];
const DND_NO = ['false', 'no', 'n', '0', ''];

/**
 * DND as Number Lookup writes it (true/false, 'unavailable') or a person typed it (yes/no). An empty cell is "not
 * on the list"; anything else ('unavailable', 'N/A', 'maybe', 2) is unknown, never silently callable.
 */
export function toDnd(value: unknown): boolean | 'unknown' {
	if (value === null || value === undefined || typeof value === 'boolean') return value === true;
	if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : 'unknown';
	if (typeof value !== 'string') return 'unknown';
	const text = value.trim().toLowerCase();
	return DND_YES.includes(text) ? true : DND_NO.includes(text) ? false : 'unknown';
}

function toCount(value: unknown): number | undefined {
	if (value === '' || value === null || value === undefined) return undefined;
	const n = Number(value);
	return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

function toText(value: unknown): string | undefined {
	if (value === null || value === undefined) return undefined;
	const s = String(value).trim();
	return s === '' ? undefined : s;
}

/**
 * An instant from a cell or parameter: an ISO date, Exotel's "YYYY-MM-DD HH:mm:ss" (India time), or epoch
 * milliseconds — as a number or as text (a sheet hands numbers over as strings). null = not a time.
 */
export function toInstant(value: unknown): number | null {
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
	return toEpochMs(value);
}

function toTime(value: unknown): number | undefined {
	if (value === '' || value === null || value === undefined) return undefined;
	return toInstant(value) ?? undefined;
}

/** Contact key: the E.164 number, so every form of one number is one contact. Undefined = not a valid number. */
export function contactKey(phone: unknown): string | undefined {
	const parsed = normalizeIndianPhone(phone, { allowLandline: true });
	return parsed.ok ? parsed.e164 : undefined;
}

export function contactInput(raw: Record<string, unknown>): ContactInput {
	return {
		key: contactKey(raw.phoneNumber) ?? '',
		circle: toText(raw.circle)?.toUpperCase(),
		dnd: toDnd(raw.dnd),
		attempts: toCount(raw.attempts),
		lastStatus: toText(raw.lastStatus),
		lastAttemptAt: toTime(raw.lastAttemptAt),
		nextRetryAt: toTime(raw.nextRetryAt) ?? null,
		lastCallSid: toText(raw.lastCallSid),
		refunded: toBool(raw.refunded),
	};
}

/** The columns a workflow writes back to the contact's row (flat, so "Update Row" can map them by name). */
export function writeBackFields(w: WriteBack): IDataObject {
	const fields: IDataObject = {
		phoneNumber: w.contact,
		attempts: w.attemptsToWrite,
		lastStatus: w.lastStatus,
		lastAttemptAt: isoOrEmpty(w.lastAttemptAt),
		nextRetryAt: isoOrEmpty(w.nextRetryAt),
		final: w.final,
		refunded: w.refunded,
	};
	if (w.lastCallSid !== undefined) fields.lastCallSid = w.lastCallSid;
	return fields;
}

/**
 * Reads an outcome from the items this package produces: Exotel Status Trigger events, Call Details results and
 * Connect Call answers (including its continue-on-fail error items).
 */
export function outcomeFromItem(json: IDataObject): OutcomeInput | { skip: string } {
	const customField = typeof json.customField === 'string' ? json.customField : undefined;
	// Release's own correlation id rides along in `pacing` through Connect Call, also when the user gave Connect
	// Call a CustomField of their own.
	const pacing =
		typeof json.pacing === 'object' && json.pacing !== null
			? (json.pacing as IDataObject)
			: undefined;
	const correlation =
		(json.correlation as OutcomeInput['correlation']) ??
		(customField ? decodeCorrelation(customField) : null) ??
		decodeCorrelation(pacing?.customField) ??
		null;
	const callSid = toText(json.callSid);
	if (json.error !== undefined && (!callSid || typeof json.callMayHaveBeenPlaced === 'boolean')) {
		// A Connect Call that failed. Only a clear refusal frees the contact; an unclear one keeps it blocked
		// until its lease ends, because the call may be live.
		if (json.callMayHaveBeenPlaced === true) {
			return {
				skip: 'Exotel did not confirm this call; the contact stays blocked until its lease ends.',
			};
		}
		const message = String(json.error);
		return {
			status: 'not-placed',
			correlation,
			source: 'connect',
			rateLimited: /429|rate limit|too many/i.test(message + String(json.errorDescription ?? '')),
		};
	}
	// Connect Call keeps the contact row's own fields, which may include columns such as "status": read its answer
	// from the call it adds, not from the top level.
	const connect =
		!json.eventType &&
		json.exotelResponse !== undefined &&
		typeof json.call === 'object' &&
		json.call !== null
			? (json.call as IDataObject)
			: undefined;
	const source = connect ?? json;
	const status = connect
		? (toText(connect.status) ?? toText(json.callStatus))
		: (toText(json.status) ?? toText(json.callStatus));
	if (!status) return { skip: 'The item has no call status.' };
	const at = toTime(source.dateUpdated) ?? toTime(source.endTime);
	const duration = source.conversationDuration;
	return {
		callSid,
		status,
		eventType: toText(json.eventType),
		at,
		correlation,
		source: json.eventType ? 'callback' : connect ? 'connect' : 'details',
		conversationDuration: typeof duration === 'number' ? duration : null,
	};
}

/** The "Pacing Settings" collection as engine settings. */
export function settingsFromParameters(p: IDataObject): PartialSettings {
	const s: PartialSettings & Record<string, unknown> = {};
	const copy = [
		'accountLimitPerMinute',
		'allowDnd',
		'callDndUnavailable',
		'callingDays',
		'callingEnd',
		'callingStart',
		'cooldownSeconds',
		'maxAttempts',
		'maxCallSeconds',
		'maxInFlight',
		'probeCalls',
		'refundOutageAttempts',
		'reserveForReconciliation',
		'ringTimeoutSeconds',
		'slowDegradedCircles',
		'throttleWhenAllBelowTarget',
		'targetCompletionPct',
		'tickSeconds',
		'verifyCallsPerMinute',
	];
	for (const key of copy)
		if (p[key] !== undefined)
			s[key] = key === 'callingDays' ? (p[key] as unknown[]).map(Number) : p[key];
	if (p.maxCallsPerMinute !== undefined)
		s.maxCallsPerMinute = Number(p.maxCallsPerMinute) > 0 ? Number(p.maxCallsPerMinute) : null;
	const gaps: Record<string, number> = {};
	if (p.retryBusyMinutes !== undefined) gaps.busy = Number(p.retryBusyMinutes);
	if (p.retryNoAnswerMinutes !== undefined) gaps.noAnswer = Number(p.retryNoAnswerMinutes);
	if (p.retryFailedMinutes !== undefined) gaps.failed = Number(p.retryFailedMinutes);
	if (Object.keys(gaps).length) s.retryGapMinutes = gaps;
	return s;
}
