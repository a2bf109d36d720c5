/**
 * An Exotel status callback as it arrives over HTTP: who may send one (the shared secret), how large a body may be,
 * how the body becomes fields and then a StatusEvent, and which events count. The Exotel Status Trigger and Record
 * Outcome behind n8n's Webhook node both use these, so both accept and read exactly the same callbacks.
 */
import { isTerminalStatus, normaliseStatus } from '../pacing/statuses';
import { secretsMatch } from '../secret';
import { parseStatusCallback, type StatusEvent } from './mapping';

export type CallbackFields = Record<string, unknown>;

/** Query parameter (and, alternatively, header) that must carry the secret. */
export const SECRET_QUERY_PARAMETER = 'secret';
export const SECRET_HEADER = 'x-exotel-secret';
/** What to do about an unusable Secret (core/secret.ts secretProblem). */
export const HOW_TO_MAKE_A_SECRET =
	"Make one with `openssl rand -hex 24` and put the same value into Connect Call's Status Callback URL (?secret=…).";

/** The Events setting: which callbacks count. */
export const CALLBACK_EVENTS = ['terminal', 'answeredToo'] as const;
export type CallbackEvents = (typeof CALLBACK_EVENTS)[number];

/** An Exotel callback has about 20 fields and well under 4 KB; anything far bigger is not one. */
export const MAX_CALLBACK_BYTES = 64 * 1024;
export const MAX_CALLBACK_FIELDS = 200;

export function isRecord(value: unknown): value is CallbackFields {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstString(value: unknown): string | undefined {
	if (Array.isArray(value)) return firstString(value[0]);
	return typeof value === 'string' ? value : undefined;
}

/** The secrets a request offers: the `secret` query parameter and the `X-Exotel-Secret` header (lower case). */
export function offeredSecrets(query: unknown, headers: unknown): string[] {
	const q = isRecord(query) ? query : {};
	const h = isRecord(headers) ? headers : {};
	return [firstString(q[SECRET_QUERY_PARAMETER]), firstString(h[SECRET_HEADER])].filter(
		(value): value is string => value !== undefined && value !== '',
	);
}

/** Whether the request carries `expected` (a usable secret: check secretProblem first). */
export function carriesSecret(expected: string, query: unknown, headers: unknown): boolean {
	// Every candidate is compared (no early exit), each in constant time.
	const matches = offeredSecrets(query, headers).map((given) => secretsMatch(given, expected));
	return matches.includes(true);
}

// ---------------------------------------------------------------- the body

/** What the body holds: the callback's fields, or why it is too large to be a callback. */
export interface CallbackRead {
	fields?: CallbackFields;
	tooLarge?: string;
}

const TOO_MANY_FIELDS = `more than ${MAX_CALLBACK_FIELDS} fields`;

/** A record as the callback, unless it has more than MAX_CALLBACK_FIELDS fields. */
function fromRecord(value: CallbackFields): CallbackRead {
	return Object.keys(value).length > MAX_CALLBACK_FIELDS
		? { tooLarge: TOO_MANY_FIELDS }
		: { fields: value };
}

/**
 * urlencoded text -> fields; repeated keys become arrays (appended in place: linear, see test/nodes/statusTrigger.test.ts).
 * Collected in a Map: on a plain object a key such as `toString` or `__proto__` read the inherited member as a
 * previous value (test/nodes/fuzzTrigger.test.ts).
 */
function parseForm(text: string): CallbackRead {
	const form = new Map<string, string | string[]>();
	let count = 0;
	for (const [key, value] of new URLSearchParams(text)) {
		if (++count > MAX_CALLBACK_FIELDS) return { tooLarge: TOO_MANY_FIELDS };
		const previous = form.get(key);
		if (previous === undefined) form.set(key, value);
		else if (Array.isArray(previous)) previous.push(value);
		else form.set(key, [previous, value]);
	}
	return form.has('CallSid') ? { fields: Object.fromEntries(form) } : {};
}

function parseJson(text: string): CallbackRead {
	try {
		const parsed: unknown = JSON.parse(text);
		return isRecord(parsed) && parsed.CallSid !== undefined ? fromRecord(parsed) : {};
	} catch {
		return {};
	}
}

/**
 * The callback's fields as a flat-ish object, from whatever n8n put in the body:
 * - multipart/form-data (Exotel's default): `{ data: { CallSid, 'Legs[0][Status]', … }, files }` (formidable);
 * - application/x-www-form-urlencoded: `{ CallSid, 'Legs[0][Status]', … }` (querystring, flat keys);
 * - application/json: `{ CallSid, Legs: [{ Status, OnCallDuration }] }`;
 * - a string (or `rawBody`, the bytes n8n left unparsed): read as JSON or urlencoded.
 * Bodies over MAX_CALLBACK_BYTES or MAX_CALLBACK_FIELDS come back as `tooLarge`.
 */
export function readCallback(body: unknown, rawBody?: string): CallbackRead {
	if (isRecord(body)) {
		if (body.CallSid !== undefined) return fromRecord(body);
		if (isRecord(body.data) && body.data.CallSid !== undefined) return fromRecord(body.data);
	}
	const text = typeof body === 'string' ? body : rawBody;
	if (text === undefined || text.trim() === '') return {};
	if (text.length > MAX_CALLBACK_BYTES)
		return { tooLarge: `more than ${MAX_CALLBACK_BYTES} bytes` };
	const trimmed = text.trim();
	return trimmed.startsWith('{') ? parseJson(trimmed) : parseForm(trimmed);
}

/** readCallback's fields (undefined when there are none, or the body is too large). */
export function callbackFields(body: unknown, rawBody?: string): CallbackFields | undefined {
	return readCallback(body, rawBody).fields;
}

// ---------------------------------------------------------------- the event

/** The event a read body holds, or why it holds none. */
export type CallbackParse =
	| { event: StatusEvent; fields: CallbackFields }
	| { refused: 'too large'; detail: string }
	| { refused: 'not a callback' };

/** The StatusEvent of a read body; `now` (epoch ms) stamps receivedAt. */
export function callbackEvent(read: CallbackRead, now: number): CallbackParse {
	if (read.tooLarge) return { refused: 'too large', detail: read.tooLarge };
	if (!read.fields) return { refused: 'not a callback' };
	try {
		return { event: parseStatusCallback(read.fields, now), fields: read.fields };
	} catch {
		return { refused: 'not a callback' }; // no usable CallSid
	}
}

/**
 * Whether an event counts: a terminal status (core/pacing/statuses.ts), or an "answered" event when asked for.
 * Anything else (e.g. Status=ringing without EventType) is neither.
 */
export function wantedEvent(event: StatusEvent, events: CallbackEvents): boolean {
	if (event.eventType === 'answered') return events === 'answeredToo';
	return isTerminalStatus(normaliseStatus(event.status));
}

/** Why a request is not a callback to count. */
export type CallbackRefusal = 'wrong secret' | 'too large' | 'not a callback' | 'not wanted';

export type CallbackVerdict =
	| { event: StatusEvent; fields: CallbackFields }
	| { refused: CallbackRefusal; detail?: string };

/** An HTTP request as n8n's Webhook node hands it on (its output item's json). */
export interface CallbackRequest {
	query?: unknown;
	headers?: unknown;
	body?: unknown;
}

/**
 * A whole request, in the Status Trigger's order: the secret first (nothing of the body is read without it), then
 * the body, then the Events filter. `secret` must be usable (secretProblem) and `events` one of CALLBACK_EVENTS.
 */
export function acceptCallback(
	request: CallbackRequest,
	secret: string,
	events: CallbackEvents,
	now: number,
): CallbackVerdict {
	if (!carriesSecret(secret, request.query, request.headers)) return { refused: 'wrong secret' };
	const parsed = callbackEvent(readCallback(request.body), now);
	if ('refused' in parsed) return parsed;
	return wantedEvent(parsed.event, events) ? parsed : { refused: 'not wanted' };
}
