/**
 * Exotel wire shapes -> the flat, typed objects our nodes output (docs/contracts.md).
 * Tolerant by design: JSON or XML bodies, numbers as strings, "null"/"" for absent values, and the three
 * StatusCallback encodings (JSON with a Legs array, flat form keys `Legs[0][Status]`, n8n's `{data:{…}}` wrap).
 */
import { CIRCLES, toCircleCode } from '../circles';
import { decodeCorrelation, type Correlation } from '../correlation';
import { normalizeIndianPhone } from '../phone';
import { exotelToIso, istIso } from '../time';
import { nextPageCursor } from './requests';
import type { ExotelCall, ExotelIncomingPhoneNumber } from './types';
import { looksLikeXml, parseTwilioResponse } from './xml';

export interface NormalizedLeg {
	id: number;
	status: string | null;
	onCallDuration: number | null;
	answeredBy?: string | null;
}

export interface NormalizedCall {
	callSid: string;
	parentCallSid: string | null;
	accountSid: string | null;
	/** queued|ringing|in-progress|completed|failed|busy|no-answer|canceled */
	status: string;
	/** completed, or any conversation time */
	answered: boolean;
	direction: string | null;
	/** E.164 when the number is Indian, else as Exotel sent it. */
	from: string | null;
	to: string | null;
	/** The ExoPhone (PhoneNumberSid), as Exotel sent it. */
	callerId: string | null;
	dateCreated: string | null;
	dateUpdated: string | null;
	startTime: string | null;
	endTime: string | null;
	duration: number | null;
	price: number | null;
	conversationDuration: number | null;
	leg1Status: string | null;
	leg2Status: string | null;
	legs: NormalizedLeg[];
	recordingUrl: string | null;
	answeredBy: string | null;
}

export interface StatusEvent extends Partial<NormalizedCall> {
	callSid: string;
	status: string;
	eventType: 'terminal' | 'answered';
	customField: string | null;
	correlation: Correlation | null;
	receivedAt: string;
}

export interface NumberLookupFields {
	/** E.164 */
	phoneNumber: string;
	circle: string | null;
	circleName: string | null;
	/** `Mobile` | `Landline` (as Exotel says), null when unknown */
	numberType: string | null;
	operator: string | null;
	operatorName: string | null;
	/** true for "Yes", false for "No"; 'unavailable' when Exotel does not know (held by Pacing unless DND is allowed). */
	dnd: boolean | 'unavailable';
	/** ISO, +05:30 */
	lookedUpAt: string;
}

export interface Exophone {
	/** 0-prefixed national form (Exotel's friendly_name) — what Connect expects as CallerId. */
	number: string;
	e164: string | null;
	/** Circle code, or null when Exotel does not say. */
	region: string | null;
	sid: string;
}

// ---------------------------------------------------------------- scalar helpers

/** Trimmed string, or null for null/undefined/""/"null"/"None". Arrays of one (formidable fields) are unwrapped. */
export function cleanString(v: unknown): string | null {
	if (Array.isArray(v)) return v.length === 1 ? cleanString(v[0]) : null;
	if (v === null || v === undefined) return null;
	if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return null;
	const s = String(v).trim();
	if (
		s === '' ||
		s.toLowerCase() === 'null' ||
		s.toLowerCase() === 'none' ||
		s.toLowerCase() === 'undefined'
	)
		return null;
	return s;
}

/** Number from number or numeric string ("17", "1.500"); null otherwise. */
export function toNumberOrNull(v: unknown): number | null {
	if (typeof v === 'number') return Number.isFinite(v) ? v : null;
	const s = cleanString(v);
	if (s === null) return null;
	const n = Number(s);
	return Number.isFinite(n) ? n : null;
}

function phoneOut(v: unknown): string | null {
	const s = cleanString(v);
	if (s === null) return null;
	const r = normalizeIndianPhone(s);
	return r.ok ? r.e164 : s;
}

function lower(v: unknown): string | null {
	const s = cleanString(v);
	return s === null ? null : s.toLowerCase();
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
	return v && typeof v === 'object' && !Array.isArray(v)
		? (v as Record<string, unknown>)
		: undefined;
}

// ---------------------------------------------------------------- bodies

/** Body as an object: JSON strings and `<TwilioResponse>` XML are parsed; anything else is returned as `{}`. */
export function parseExotelBody(body: unknown): Record<string, unknown> {
	if (typeof body === 'string') {
		const s = body.trim();
		if (!s) return {};
		if (looksLikeXml(s)) return parseTwilioResponse(s) as Record<string, unknown>;
		try {
			const parsed: unknown = JSON.parse(s);
			return asRecord(parsed) ?? { value: parsed };
		} catch {
			return { value: s };
		}
	}
	if (Buffer.isBuffer(body)) return parseExotelBody(body.toString('utf8'));
	return asRecord(body) ?? {};
}

// ---------------------------------------------------------------- calls

function isAnswered(status: string, conversationDuration: number | null): boolean {
	return status === 'completed' || (conversationDuration ?? 0) > 0;
}

/** Accepts `{Call:{…}}`, a bare Call, or either as XML/JSON text. Throws when there is no call Sid. */
export function normalizeCall(raw: unknown): NormalizedCall {
	const body = parseExotelBody(raw);
	const call = (asRecord(body.Call) ?? body) as Partial<ExotelCall> & Record<string, unknown>;
	const callSid = cleanString(call.Sid);
	if (!callSid) throw new Error('Exotel answered without a call Sid');
	const details = asRecord(call.Details);
	const leg1Status = lower(details?.Leg1Status);
	const leg2Status = lower(details?.Leg2Status);
	const legStatuses = [leg1Status, leg2Status];
	const rawLegs = Array.isArray(details?.Legs) ? (details?.Legs as unknown[]) : [];
	const legs: NormalizedLeg[] = rawLegs.map((item, index) => {
		const wrapped = asRecord(item);
		const leg = asRecord(wrapped?.Leg) ?? wrapped ?? {};
		const id = toNumberOrNull(leg.Id) ?? index + 1;
		const out: NormalizedLeg = {
			id,
			status: lower(leg.Status) ?? legStatuses[id - 1] ?? null,
			onCallDuration: toNumberOrNull(leg.OnCallDuration),
		};
		const answeredBy = cleanString(leg.AnsweredBy);
		if (answeredBy !== null) out.answeredBy = answeredBy;
		return out;
	});
	const status = lower(call.Status) ?? 'unknown';
	const conversationDuration = toNumberOrNull(details?.ConversationDuration);
	return {
		callSid,
		parentCallSid: cleanString(call.ParentCallSid),
		accountSid: cleanString(call.AccountSid),
		status,
		answered: isAnswered(status, conversationDuration),
		direction: cleanString(call.Direction),
		from: phoneOut(call.From),
		to: phoneOut(call.To),
		callerId: cleanString(call.PhoneNumberSid),
		dateCreated: exotelToIso(cleanString(call.DateCreated)),
		dateUpdated: exotelToIso(cleanString(call.DateUpdated)),
		startTime: exotelToIso(cleanString(call.StartTime)),
		endTime: exotelToIso(cleanString(call.EndTime)),
		duration: toNumberOrNull(call.Duration),
		price: toNumberOrNull(call.Price),
		conversationDuration,
		leg1Status,
		leg2Status,
		legs,
		recordingUrl: cleanString(call.RecordingUrl),
		answeredBy: cleanString(call.AnsweredBy),
	};
}

export interface BulkCallsPage {
	calls: NormalizedCall[];
	/** Raw Call objects, in the same order. */
	raw: Record<string, unknown>[];
	/** `After` cursor for the next page; undefined on the last page. */
	nextAfter?: string;
	total?: number;
}

/** A bulk Call Details page (`{Metadata, Calls}`), JSON or XML. */
export function mapBulkCalls(body: unknown): BulkCallsPage {
	const b = parseExotelBody(body);
	const metadata = asRecord(b.Metadata) ?? {};
	const rawCalls = (
		Array.isArray(b.Calls) ? b.Calls : asRecord(b.Calls) ? [b.Calls] : []
	) as unknown[];
	const raw = rawCalls.map((c) => asRecord(asRecord(c)?.Call) ?? asRecord(c) ?? {});
	const page: BulkCallsPage = { calls: raw.map((c) => normalizeCall(c)), raw };
	const next = nextPageCursor(metadata as { NextPageUri?: string | null });
	if (next) page.nextAfter = next;
	const total = toNumberOrNull(metadata.Total);
	if (total !== null) page.total = total;
	return page;
}

// ---------------------------------------------------------------- number metadata

function titleCase(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

function dndOf(raw: unknown): boolean | 'unavailable' {
	const value = (cleanString(raw) ?? '').toLowerCase();
	return value === 'yes' ? true : value === 'unavailable' ? 'unavailable' : false;
}

/**
 * `{Numbers:{…}}` -> Number Lookup fields. `phoneNumber` is the E.164 of what we asked for (falls back to
 * Exotel's reformatted PhoneNumber). DND is true for "Yes", 'unavailable' for "Unavailable", false otherwise.
 */
export function mapNumberMetadata(
	body: unknown,
	options: { phoneNumber?: string; now?: number } = {},
): NumberLookupFields {
	const b = parseExotelBody(body);
	const n = asRecord(b.Numbers) ?? b;
	const circleRaw = cleanString(n.Circle);
	// a code we do not know yet passes (Exotel may add circles); anything that is not a short code (an HTML page, a
	// sentence) is no circle, so it never reaches the sheet (test/nodes/fuzzExotelAnswers.test.ts)
	const circle =
		toCircleCode(circleRaw) ??
		(circleRaw && /^[A-Za-z]{2,4}$/.test(circleRaw) ? circleRaw.toUpperCase() : null);
	const circleName =
		cleanString(n.CircleName) ??
		(circle && toCircleCode(circle) ? CIRCLES[toCircleCode(circle)!] : null);
	const type = cleanString(n.Type);
	const asked = options.phoneNumber ? normalizeIndianPhone(options.phoneNumber) : undefined;
	const phoneNumber = asked?.ok
		? asked.e164
		: (phoneOut(n.PhoneNumber) ?? options.phoneNumber ?? '');
	return {
		phoneNumber,
		circle,
		circleName,
		numberType: type ? titleCase(type) : null,
		operator: cleanString(n.Operator),
		operatorName: cleanString(n.OperatorName),
		dnd: dndOf(n.DND),
		lookedUpAt: istIso(options.now ?? Date.now()),
	};
}

// ---------------------------------------------------------------- status callback

const LEG_KEY = /^Legs\[(\d+)\]\[([A-Za-z]+)\]$/;

function collectLegs(body: Record<string, unknown>): Record<string, unknown>[] {
	const legs: Record<string, unknown>[] = [];
	const put = (index: number, field: string, value: unknown) => {
		if (index > 50) return; // a callback never has more than a couple of legs; ignore junk
		legs[index] = legs[index] ?? {};
		legs[index][field] = Array.isArray(value) && value.length === 1 ? value[0] : value;
	};
	const raw = body.Legs;
	if (Array.isArray(raw)) {
		raw.forEach((leg, i) => {
			const rec = asRecord(leg);
			const inner = asRecord(rec?.Leg) ?? rec;
			if (inner) for (const [k, v] of Object.entries(inner)) put(i, k, v);
		});
	} else if (asRecord(raw)) {
		// qs-style nesting with numeric keys: { "0": { Status } }
		for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
			const rec = asRecord(v);
			if (/^\d+$/.test(k) && rec) for (const [f, fv] of Object.entries(rec)) put(Number(k), f, fv);
		}
	}
	for (const [key, value] of Object.entries(body)) {
		const m = LEG_KEY.exec(key);
		if (m) put(Number(m[1]), m[2], value);
	}
	return Array.from(legs, (l) => l ?? {});
}

/**
 * A StatusCallback body (as n8n hands it to the trigger) -> StatusEvent. Throws when there is no CallSid.
 * `now` (epoch ms) stamps receivedAt.
 */
export function parseStatusCallback(body: unknown, now: number = Date.now()): StatusEvent {
	let b = parseExotelBody(body);
	// n8n wraps multipart bodies as {data:{…}, files?}
	const data = asRecord(b.data);
	if (data && b.CallSid === undefined && (data.CallSid !== undefined || data.Status !== undefined))
		b = data;
	const callSid = cleanString(b.CallSid) ?? cleanString(b.Sid);
	if (!callSid) throw new Error('The status callback has no CallSid');
	const status = lower(b.Status) ?? 'unknown';
	const eventType = lower(b.EventType) === 'answered' ? 'answered' : 'terminal';
	const legs: NormalizedLeg[] = collectLegs(b).map((leg, i) => {
		const out: NormalizedLeg = {
			id: toNumberOrNull(leg.Id) ?? i + 1,
			status: lower(leg.Status),
			onCallDuration: toNumberOrNull(leg.OnCallDuration),
		};
		const answeredBy = cleanString(leg.AnsweredBy);
		if (answeredBy !== null) out.answeredBy = answeredBy;
		return out;
	});
	const conversationDuration = toNumberOrNull(b.ConversationDuration);
	const customField = cleanString(b.CustomField);
	const answeredBy =
		cleanString(b.AnsweredBy) ?? legs.find((l) => l.answeredBy)?.answeredBy ?? null;
	return {
		callSid,
		status,
		eventType,
		// An "answered" event is sent when a leg picks up, before any conversation time exists.
		answered: eventType === 'answered' || isAnswered(status, conversationDuration),
		direction: cleanString(b.Direction),
		from: phoneOut(b.From),
		to: phoneOut(b.To),
		callerId: cleanString(b.PhoneNumberSid),
		dateCreated: exotelToIso(cleanString(b.DateCreated)),
		dateUpdated: exotelToIso(cleanString(b.DateUpdated)),
		startTime: exotelToIso(cleanString(b.StartTime)),
		endTime: exotelToIso(cleanString(b.EndTime)),
		conversationDuration,
		leg1Status: legs[0]?.status ?? null,
		leg2Status: legs[1]?.status ?? null,
		legs,
		recordingUrl: cleanString(b.RecordingUrl),
		answeredBy,
		customField,
		correlation: decodeCorrelation(customField),
		receivedAt: istIso(now),
	};
}

// ---------------------------------------------------------------- ExoPhones

/** IncomingPhoneNumbers page (or its list) -> [{number, e164, region, sid}], skipping entries without a number. */
export function mapExophones(body: unknown): Exophone[] {
	const b = Array.isArray(body) ? { incoming_phone_numbers: body } : parseExotelBody(body);
	const list = (
		Array.isArray(b.incoming_phone_numbers) ? b.incoming_phone_numbers : []
	) as unknown[];
	const out: Exophone[] = [];
	for (const item of list) {
		const e = (asRecord(item) ?? {}) as Partial<ExotelIncomingPhoneNumber>;
		const friendly = cleanString(e.friendly_name);
		const phone = cleanString(e.phone_number);
		const parsedFriendly = friendly ? normalizeIndianPhone(friendly) : undefined;
		const parsedPhone = phone ? normalizeIndianPhone(phone) : undefined;
		const parsed = parsedFriendly?.ok ? parsedFriendly : parsedPhone?.ok ? parsedPhone : undefined;
		// friendly_name is usually the 0-prefixed number; if someone renamed it, derive from phone_number.
		const number = parsedFriendly?.ok
			? (friendly as string)
			: parsed?.ok
				? parsed.national
				: (friendly ?? phone);
		if (!number) continue;
		const regionRaw = cleanString(e.region);
		out.push({
			number,
			e164: parsed?.ok ? parsed.e164 : null,
			region: toCircleCode(regionRaw) ?? (regionRaw ? regionRaw.toUpperCase() : null),
			sid: cleanString(e.sid) ?? number,
		});
	}
	return out;
}
