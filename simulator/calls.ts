/**
 * Simulated calls: the stored record, the Exotel `Call` object as seen at a virtual instant, and the bulk query
 * (filters, sort, cursors) of GET /Calls.json. Pure functions of (records, query, now).
 */
import type { CircleCode } from '../nodes/core/circles';
import { formatExotel, parseExotel } from './clock';
import type { CallOutcome, CallVariant } from './model';
import { parseIndianNumber } from './phone';

export type CallbackEvent = 'terminal' | 'answered';

export interface CallRecord {
	seq: number;
	sid: string;
	accountSid: string;
	variant: CallVariant;
	/** 0-prefixed national numbers as echoed by Exotel. */
	from: string;
	to: string;
	callerId: string;
	/** National number of the customer (To for number calls, From for flow calls). */
	customer: string;
	circle: CircleCode;
	dnd: boolean;
	customField: string | null;
	statusCallback: string | null;
	events: CallbackEvent[];
	contentType: 'multipart/form-data' | 'application/json';
	record: boolean;
	createdAt: number;
	endAt: number;
	outcome: CallOutcome;
	recordingUrl: string | null;
}

export interface CallView {
	ended: boolean;
	detailsReady: boolean;
}

export function viewAt(call: CallRecord, now: number, detailsLagMs: number): CallView {
	return { ended: now >= call.endAt, detailsReady: now >= call.endAt + detailsLagMs };
}

/** As documented by Exotel ("/v1/Accounts/<sid>/Calls.json/<CallSid>"); the simulator also serves this path. */
export function callUri(call: CallRecord): string {
	return `/v1/Accounts/${call.accountSid}/Calls.json/${call.sid}`;
}

/** The `Call` object (plus `Details` when asked) as Exotel would show it at virtual time `now`. */
export function callObject(
	call: CallRecord,
	now: number,
	detailsLagMs: number,
	withDetails: boolean,
): Record<string, unknown> {
	const { ended, detailsReady } = viewAt(call, now, detailsLagMs);
	const o = call.outcome;
	const result: Record<string, unknown> = {
		Sid: call.sid,
		ParentCallSid: null,
		DateCreated: formatExotel(call.createdAt),
		DateUpdated: formatExotel(ended ? call.endAt : call.createdAt),
		AccountSid: call.accountSid,
		To: call.to,
		From: call.from,
		PhoneNumberSid: call.callerId,
		Status: ended ? o.status : 'in-progress',
		StartTime: formatExotel(call.createdAt),
		EndTime: detailsReady ? formatExotel(call.endAt) : null,
		Duration: detailsReady ? String(o.durationSeconds) : null,
		Price: detailsReady ? o.price.toFixed(3) : null,
		Direction: 'outbound-api',
		AnsweredBy: null,
		ForwardedFrom: null,
		CallerName: null,
		Uri: callUri(call),
		RecordingUrl: ended ? call.recordingUrl : null,
	};
	if (withDetails) {
		result.Details = {
			ConversationDuration: ended ? o.talkSeconds : 0,
			Leg1Status: ended ? o.leg1Status : null,
			Leg2Status: ended ? o.leg2Status : null,
			Legs: o.legs.map((leg) => ({
				Leg: { Id: leg.id, OnCallDuration: ended ? leg.onCallDuration : 0 },
			})),
		};
	}
	return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Bulk query

export interface BulkQuery {
	sids?: string[];
	createdFrom?: number;
	createdTo?: number;
	statuses?: string[];
	to?: string[];
	from?: string[];
	pageSize: number;
	sort: 'asc' | 'desc';
	after?: string;
	before?: string;
	details: boolean;
}

export class QueryError extends Error {}

const DAY_MS = 86_400_000;

/** Reads the query string of GET /Calls(.json); throws QueryError with Exotel-style messages. */
export function parseBulkQuery(params: URLSearchParams, now: number): BulkQuery {
	const query: BulkQuery = {
		pageSize: 50,
		sort: 'desc',
		details: params.get('details') === 'true',
	};
	const sid = params.get('Sid');
	if (sid !== null) {
		const sids = sid
			.split(',')
			.map((s) => s.trim())
			.filter(Boolean);
		if (sids.length > 100)
			throw new QueryError(`Sid accepts at most 100 call Sids; got ${sids.length}`);
		query.sids = sids;
	}
	const created = params.get('DateCreated');
	if (created !== null) {
		for (const part of created.split(';').filter((p) => p.trim() !== '')) {
			const m = /^\s*(gte|lte|gt|lt|eq):(.+)$/.exec(part);
			const at = m ? parseExotel(m[2]) : undefined;
			if (!m || at === undefined)
				throw new QueryError(
					`DateCreated must look like "gte:YYYY-MM-DD HH:mm:ss;lte:YYYY-MM-DD HH:mm:ss"; got "${created}"`,
				);
			if (m[1] === 'gte' || m[1] === 'eq') query.createdFrom = at;
			if (m[1] === 'gt') query.createdFrom = at + 1000;
			if (m[1] === 'lte' || m[1] === 'eq') query.createdTo = at + 999;
			if (m[1] === 'lt') query.createdTo = at - 1;
		}
	} else {
		// Exotel searches only the last 31 days when DateCreated is absent.
		query.createdFrom = now - 31 * DAY_MS;
	}
	const status = params.get('Status');
	if (status !== null) {
		const allowed = [
			'queued',
			'ringing',
			'in-progress',
			'completed',
			'failed',
			'busy',
			'no-answer',
			'canceled',
		];
		query.statuses = status.split(',').map((s) => s.trim());
		const bad = query.statuses.find((s) => !allowed.includes(s));
		if (bad) throw new QueryError(`Status "${bad}" is not one of ${allowed.join(', ')}`);
	}
	for (const key of ['To', 'From'] as const) {
		const raw = params.get(key);
		if (raw === null) continue;
		const numbers = raw.split(',').map((n) => parseIndianNumber(n)?.national);
		if (numbers.length > 5) throw new QueryError(`${key} accepts at most 5 numbers`);
		if (numbers.some((n) => n === undefined))
			throw new QueryError(`${key} contains an invalid phone number`);
		query[key === 'To' ? 'to' : 'from'] = numbers as string[];
	}
	const pageSize = params.get('PageSize');
	if (pageSize !== null) {
		const n = Number(pageSize);
		if (!Number.isInteger(n) || n < 1 || n > 100)
			throw new QueryError('PageSize must be an integer between 1 and 100');
		query.pageSize = n;
	}
	const sortBy = params.get('SortBy');
	if (sortBy !== null) {
		const m = /^DateCreated:(asc|desc)$/.exec(sortBy);
		if (!m) throw new QueryError('SortBy must be DateCreated:asc or DateCreated:desc');
		query.sort = m[1] as 'asc' | 'desc';
	}
	const after = params.get('After');
	const before = params.get('Before');
	if (after !== null && before !== null)
		throw new QueryError('Use either After or Before, not both');
	if (after !== null) query.after = after;
	if (before !== null) query.before = before;
	return query;
}

export interface BulkPage {
	total: number;
	calls: CallRecord[];
	/** Cursor values for the previous / next page (undefined = no such page). */
	before?: string;
	after?: string;
}

/** Filters, sorts and pages ended calls. Cursors are call Sids; unknown cursors throw QueryError. */
export function queryCalls(
	records: readonly CallRecord[],
	query: BulkQuery,
	accountSid: string,
	now: number,
): BulkPage {
	const matches = records.filter((c) => {
		if (c.accountSid !== accountSid) return false;
		if (now < c.endAt) return false; // ongoing calls are never listed
		if (query.sids && !query.sids.includes(c.sid)) return false;
		if (query.createdFrom !== undefined && c.createdAt < query.createdFrom) return false;
		if (query.createdTo !== undefined && c.createdAt > query.createdTo) return false;
		if (query.statuses && !query.statuses.includes(c.outcome.status)) return false;
		if (query.to && !query.to.includes(c.to.slice(1))) return false;
		if (query.from && !query.from.includes(c.from.slice(1))) return false;
		return true;
	});
	const direction = query.sort === 'asc' ? 1 : -1;
	matches.sort((a, b) => direction * (a.createdAt - b.createdAt || a.seq - b.seq));

	let start = 0;
	let end = Math.min(matches.length, query.pageSize);
	const cursor = query.after ?? query.before;
	if (cursor !== undefined) {
		const index = matches.findIndex((c) => c.sid === cursor);
		if (index < 0) throw new QueryError(`Unknown or expired page cursor "${cursor}"`);
		if (query.after !== undefined) {
			start = index + 1;
			end = Math.min(matches.length, start + query.pageSize);
		} else {
			end = index;
			start = Math.max(0, end - query.pageSize);
		}
	}
	const page = matches.slice(start, end);
	return {
		total: matches.length,
		calls: page,
		before: start > 0 && page.length > 0 ? page[0].sid : undefined,
		after: end < matches.length && page.length > 0 ? page[page.length - 1].sid : undefined,
	};
}
