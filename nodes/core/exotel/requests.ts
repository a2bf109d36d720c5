/**
 * Pure request builders for every Exotel endpoint we call (docs/exotel-api.md §1–§6).
 * They validate input and return `{ method, path, qs?, form? }`; the transport adds the base URL, auth,
 * encoding and retries. Paths are case-sensitive on Exotel's side, so they are spelled exactly as documented.
 */
import { normalizeIndianPhone } from '../phone';
import { dateCreatedFilter, type TimeInput } from '../time';
import { CUSTOM_FIELD_MAX_LENGTH } from '../correlation';

export type ExotelCluster = 'singapore' | 'mumbai' | 'custom';

export const CLUSTER_BASE_URLS: Record<Exclude<ExotelCluster, 'custom'>, string> = {
	singapore: 'https://api.exotel.com',
	mumbai: 'https://api.in.exotel.com',
};

export interface ExotelAccountConfig {
	accountSid: string;
	cluster?: ExotelCluster | string;
	/** Only used when cluster is `custom` (e.g. the simulator `http://127.0.0.1:4010`). */
	baseUrl?: string;
	/** Allow http:// to a host other than this machine (testing only). */
	allowUnencryptedHttp?: boolean;
}

export type ExotelHttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ExotelRequest {
	method: ExotelHttpMethod;
	/** Path below the cluster base URL, starting with `/` (e.g. `/v1/Accounts/<sid>/Numbers/09876543210.json`). */
	path: string;
	qs?: Record<string, string | number>;
	/** Form fields in order; sent as application/x-www-form-urlencoded. */
	form?: Record<string, string>;
	/**
	 * False when repeating the request could repeat a side effect (Connect places a call). The transport then
	 * retries only answers that prove Exotel did nothing (429), unless told `retryUnsafe`.
	 */
	idempotent: boolean;
	/** Short plain-language name for messages ("number lookup"). */
	label: string;
	/** Keys of which a 2xx answer must carry at least one (`Numbers`, `Call`…); without, the answer is an error. */
	envelope?: string[];
}

export const MAX_TIME_LIMIT_SECONDS = 14400;
export const MAX_BULK_SIDS = 100;
export const MAX_PAGE_SIZE = 100;

/** `scheme://user:password@host`: credentials in the URL would end up in logs and messages. */
const USERINFO_RE = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;
/** http:// to this machine: localhost, 127.0.0.0/8 or [::1]. Mirrored in credentials/ExotelApi.credentials.ts. */
const LOOPBACK_HTTP_RE = /^http:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d*)?([/?#]|$)/i;

/** Refuses a custom base URL with user/password, or plain http:// to another host unless allowed. */
function checkCustomBaseUrl(url: string, allowUnencryptedHttp: boolean): void {
	if (USERINFO_RE.test(url)) {
		throw new Error(
			'The custom base URL contains a user name or password (user:token@host); remove them: the API key and token have their own fields',
		);
	}
	if (/^http:/i.test(url) && !allowUnencryptedHttp && !LOOPBACK_HTTP_RE.test(url)) {
		throw new Error(
			'The custom base URL uses unencrypted http:// to another machine; use https://, or turn on "Allow Unencrypted HTTP (Testing Only)" in the credential',
		);
	}
}

/**
 * `https://api.exotel.com` / `https://api.in.exotel.com` / the custom base URL without trailing slash. Messages
 * never repeat the URL (it may hold a token). The credential test mirrors this (credentials/ExotelApi.credentials.ts).
 */
export function resolveBaseUrl(
	config: Pick<ExotelAccountConfig, 'cluster' | 'baseUrl' | 'allowUnencryptedHttp'>,
): string {
	const cluster = (config.cluster ?? 'singapore') as ExotelCluster;
	if (cluster === 'custom') {
		const raw = (config.baseUrl ?? '').trim();
		if (!raw) throw new Error('The Exotel credential uses a custom base URL but none is set');
		const withScheme = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`;
		const url = withScheme.replace(/\/+$/, '');
		checkCustomBaseUrl(url, config.allowUnencryptedHttp === true);
		return url;
	}
	return CLUSTER_BASE_URLS[cluster] ?? CLUSTER_BASE_URLS.singapore;
}

function sidSegment(accountSid: string): string {
	const sid = (accountSid ?? '').trim();
	if (!sid) throw new Error('The Exotel credential has no Account SID');
	return encodeURIComponent(sid);
}

const v1 = (accountSid: string) => `/v1/Accounts/${sidSegment(accountSid)}`;
const v2beta = (accountSid: string) => `/v2_beta/Accounts/${sidSegment(accountSid)}`;

/**
 * The flow URL for Connect's number→flow variant. An app id (digits) becomes
 * `http://my.exotel.com/<sid>/exoml/start_voice/<appId>` (Singapore) or `http://my.in.exotel.com/…` (Mumbai);
 * a full URL passes through unchanged.
 */
export function buildFlowUrl(
	accountSid: string,
	appIdOrUrl: string | number,
	cluster?: ExotelCluster | string,
	baseUrl?: string,
): string {
	const value = String(appIdOrUrl ?? '').trim();
	if (!value) throw new Error('The call flow (App ID or flow URL) is empty');
	if (/^https?:\/\//i.test(value)) return value;
	if (!/^\d+$/.test(value)) {
		throw new Error(
			`"${value}" is not a flow App ID (digits, from the flow's page in App Bazaar) or a flow URL`,
		);
	}
	const mumbai =
		cluster === 'mumbai' || (cluster === 'custom' && /\.in\.exotel\./i.test(baseUrl ?? ''));
	const host = mumbai ? 'my.in.exotel.com' : 'my.exotel.com';
	return `http://${host}/${sidSegment(accountSid)}/exoml/start_voice/${value}`;
}

// ---------------------------------------------------------------- number metadata

/** `GET /v1/Accounts/<sid>/Numbers/<0XXXXXXXXXX>.json`. Valid Indian numbers are sent in national form. */
export function numberMetadataRequest(accountSid: string, phone: string): ExotelRequest {
	const parsed = normalizeIndianPhone(phone);
	const segment = parsed.ok ? parsed.national : String(phone ?? '').trim();
	if (!segment) throw new Error('The phone number is empty');
	return {
		method: 'GET',
		path: `${v1(accountSid)}/Numbers/${encodeURIComponent(segment)}.json`,
		idempotent: true,
		label: 'number lookup',
		envelope: ['Numbers'],
	};
}

// ---------------------------------------------------------------- connect

export type StatusCallbackEvent = 'terminal' | 'answered';

export interface ConnectCallParams {
	/** Dialled first (agent / or the customer in the flow variant). */
	from: string;
	/** Number variant: dialled once `from` answers. Exactly one of `to` / `url`. */
	to?: string;
	/** Flow variant: flow URL (see buildFlowUrl). */
	url?: string;
	/** The ExoPhone shown to the callee, as configured. */
	callerId: string;
	callType?: 'trans';
	/** Seconds, ≤ 14400. */
	timeLimit?: number;
	/** Ring time in seconds. */
	timeOut?: number;
	statusCallback?: string;
	statusCallbackEvents?: StatusCallbackEvent[];
	statusCallbackContentType?: 'multipart/form-data' | 'application/json';
	customField?: string;
	record?: boolean;
	recordingChannels?: 'single' | 'dual';
	recordingFormat?: 'mp3' | 'mp3-hq';
	waitUrl?: string;
	startPlaybackToNew?: 'Callee' | 'Both' | string;
	startPlaybackValueNew?: string;
	streamUrl?: string;
	streamBegin?: string;
	streamType?: string;
	maxRetries?: number;
}

function phoneField(name: string, value: string): string {
	const r = normalizeIndianPhone(value);
	if (!r.ok) throw new Error(`${name}: ${r.message}`);
	return r.e164;
}

function positiveInt(name: string, value: number, max?: number): string {
	if (!Number.isFinite(value) || value <= 0 || Math.floor(value) !== value) {
		throw new Error(`${name} must be a whole number of seconds above 0 (got ${value})`);
	}
	if (max !== undefined && value > max)
		throw new Error(`${name} can be at most ${max} seconds (got ${value})`);
	return String(value);
}

/** `POST /v1/Accounts/<sid>/Calls/connect.json` with the form fields of exotel-api.md §3.1. */
export function connectCallRequest(accountSid: string, p: ConnectCallParams): ExotelRequest {
	const hasTo = !!(p.to && String(p.to).trim());
	const hasUrl = !!(p.url && String(p.url).trim());
	if (hasTo === hasUrl) {
		throw new Error(
			'Connect needs exactly one of "To" (connect two numbers) or "Url" (connect to a call flow)',
		);
	}
	const callerId = String(p.callerId ?? '').trim();
	if (!callerId) throw new Error('Caller ID (an ExoPhone of the account) is required');

	const form: Record<string, string> = {};
	form.From = phoneField('From', p.from);
	if (hasTo) form.To = phoneField('To', p.to as string);
	if (hasUrl) form.Url = String(p.url).trim();
	form.CallerId = callerId;
	if (p.callType) form.CallType = p.callType;
	if (p.timeLimit !== undefined && p.timeLimit !== null)
		form.TimeLimit = positiveInt('Time limit', p.timeLimit, MAX_TIME_LIMIT_SECONDS);
	if (p.timeOut !== undefined && p.timeOut !== null)
		form.TimeOut = positiveInt('Ring timeout', p.timeOut);
	if (p.statusCallback) {
		form.StatusCallback = p.statusCallback;
		// Indexed keys are what real clients send and what Exotel documents as an array.
		const events = Array.from(new Set(p.statusCallbackEvents ?? []));
		events.forEach((e, i) => {
			if (e !== 'terminal' && e !== 'answered')
				throw new Error(`Unknown status callback event "${e}" (terminal or answered)`);
			form[`StatusCallbackEvents[${i}]`] = e;
		});
		if (p.statusCallbackContentType) form.StatusCallbackContentType = p.statusCallbackContentType;
	}
	if (p.customField !== undefined && p.customField !== null && p.customField !== '') {
		if (p.customField.length > CUSTOM_FIELD_MAX_LENGTH) {
			throw new Error(
				`CustomField is ${p.customField.length} characters; Exotel allows ${CUSTOM_FIELD_MAX_LENGTH}`,
			);
		}
		form.CustomField = p.customField;
	}
	if (p.record !== undefined) form.Record = p.record ? 'true' : 'false';
	if (p.recordingChannels) form.RecordingChannels = p.recordingChannels;
	if (p.recordingFormat) form.RecordingFormat = p.recordingFormat;
	if (p.waitUrl) form.WaitUrl = p.waitUrl;
	if (p.startPlaybackToNew) form.StartPlaybackToNew = p.startPlaybackToNew;
	if (p.startPlaybackValueNew) form.StartPlaybackValueNew = p.startPlaybackValueNew;
	if (p.streamUrl) form.StreamUrl = p.streamUrl;
	if (p.streamBegin) form.StreamBegin = p.streamBegin;
	if (p.streamType) form.StreamType = p.streamType;
	if (p.maxRetries !== undefined && p.maxRetries !== null)
		form.MaxRetries = String(Math.max(0, Math.floor(p.maxRetries)));

	return {
		method: 'POST',
		path: `${v1(accountSid)}/Calls/connect.json`,
		form,
		idempotent: false,
		label: 'connect call',
	};
}

// ---------------------------------------------------------------- call details

const CALL_SID_RE = /^[A-Za-z0-9_-]+$/;

function callSidSegment(callSid: string): string {
	const sid = String(callSid ?? '').trim();
	if (!sid) throw new Error('The Call SID is empty');
	if (!CALL_SID_RE.test(sid))
		throw new Error(
			`"${sid}" is not a Call SID (letters and digits, e.g. c5797dcbaaeed7678c4062a4a3ed2f8a)`,
		);
	return sid;
}

/** `GET /v1/Accounts/<sid>/Calls/<CallSid>.json?details=true` */
export function callDetailsRequest(
	accountSid: string,
	callSid: string,
	options: { details?: boolean } = {},
): ExotelRequest {
	const req: ExotelRequest = {
		method: 'GET',
		path: `${v1(accountSid)}/Calls/${callSidSegment(callSid)}.json`,
		idempotent: true,
		label: 'call details',
		envelope: ['Call'],
	};
	if (options.details !== false) req.qs = { details: 'true' };
	return req;
}

export interface BulkCallFilters {
	/** ≤ 100 Call SIDs (use chunk() first). */
	sids?: string[];
	/** A ready `gte:…;lte:…` string, or bounds (bare dates mean whole IST days). */
	dateCreated?: string | { from?: TimeInput | null; to?: TimeInput | null };
	status?: string | string[];
	to?: string[];
	from?: string[];
	direction?: string;
	/** ExoPhones, ≤ 5. */
	phoneNumber?: string[];
	pageSize?: number;
	sortBy?: string;
	/** Cursor taken from Metadata.NextPageUri (see pageCursor). */
	after?: string;
	before?: string;
	details?: boolean;
}

/** Splits a list into chunks of `size` (Exotel's bulk Sid filter takes at most 100). */
export function chunk<T>(items: readonly T[], size: number = MAX_BULK_SIDS): T[][] {
	if (!(size > 0)) throw new Error('chunk size must be above 0');
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

/** Accepts `"a, b"`, `["a","b"]`, `"a\nb"`; trims, drops blanks and duplicates, keeps order. */
export function parseSidList(value: unknown): string[] {
	const raw: unknown[] = Array.isArray(value)
		? value
		: typeof value === 'string'
			? value.split(/[\s,;]+/)
			: value === null || value === undefined
				? []
				: [value];
	const seen = new Set<string>();
	const out: string[] = [];
	for (const v of raw) {
		if (v === null || v === undefined) continue;
		const s = String(v).trim();
		if (s && !seen.has(s)) {
			seen.add(s);
			out.push(s);
		}
	}
	return out;
}

function numberList(name: string, values: string[] | undefined, max: number): string | undefined {
	if (!values?.length) return undefined;
	if (values.length > max) throw new Error(`The ${name} filter takes at most ${max} numbers`);
	return values.map((v) => phoneField(name, v)).join(',');
}

/** `GET /v1/Accounts/<sid>/Calls.json?Sid=…&DateCreated=…&Status=…&PageSize=…&After=…` */
export function bulkCallDetailsRequest(accountSid: string, f: BulkCallFilters = {}): ExotelRequest {
	const qs: Record<string, string | number> = {};
	if (f.sids?.length) {
		if (f.sids.length > MAX_BULK_SIDS)
			throw new Error(
				`Exotel takes at most ${MAX_BULK_SIDS} Call SIDs per request (got ${f.sids.length})`,
			);
		qs.Sid = f.sids.map(callSidSegment).join(',');
	}
	if (f.dateCreated) {
		const dc =
			typeof f.dateCreated === 'string'
				? f.dateCreated
				: dateCreatedFilter(f.dateCreated.from, f.dateCreated.to);
		if (dc) qs.DateCreated = dc;
	}
	const statuses = Array.isArray(f.status) ? f.status : f.status ? [f.status] : [];
	if (statuses.length) qs.Status = statuses.join(',');
	const to = numberList('To', f.to, 5);
	if (to) qs.To = to;
	const from = numberList('From', f.from, 5);
	if (from) qs.From = from;
	if (f.direction) qs.Direction = f.direction;
	if (f.phoneNumber?.length) {
		if (f.phoneNumber.length > 5) throw new Error('The ExoPhone filter takes at most 5 numbers');
		qs.PhoneNumber = f.phoneNumber.join(',');
	}
	if (f.pageSize !== undefined) {
		if (!Number.isInteger(f.pageSize) || f.pageSize < 1 || f.pageSize > MAX_PAGE_SIZE) {
			throw new Error(`Page size must be 1–${MAX_PAGE_SIZE} (got ${f.pageSize})`);
		}
		qs.PageSize = f.pageSize;
	}
	if (f.sortBy) qs.SortBy = f.sortBy;
	if (f.after) qs.After = f.after;
	if (f.before) qs.Before = f.before;
	if (f.details) qs.details = 'true';
	return {
		method: 'GET',
		path: `${v1(accountSid)}/Calls.json`,
		qs,
		idempotent: true,
		label: 'bulk call details',
		envelope: ['Calls', 'Metadata'],
	};
}

function queryParam(uri: string | null | undefined, name: string): string | undefined {
	if (!uri || typeof uri !== 'string') return undefined;
	const q = uri.indexOf('?');
	if (q < 0) return undefined;
	const params = new URLSearchParams(uri.slice(q + 1));
	for (const [k, v] of params) if (k.toLowerCase() === name.toLowerCase()) return v;
	return undefined;
}

/** The `After` cursor of a bulk Metadata.NextPageUri (`…/Calls.json?…&After=abc`); undefined on the last page. */
export function nextPageCursor(
	metadata: { NextPageUri?: string | null } | null | undefined,
): string | undefined {
	return queryParam(metadata?.NextPageUri, 'After') || undefined;
}

/** Both cursors of a page URI. */
export function pageCursor(uri: string | null | undefined): { after?: string; before?: string } {
	const out: { after?: string; before?: string } = {};
	const after = queryParam(uri, 'After');
	const before = queryParam(uri, 'Before');
	if (after) out.after = after;
	if (before) out.before = before;
	return out;
}

// ---------------------------------------------------------------- ExoPhones

/** `GET /v2_beta/Accounts/<sid>/IncomingPhoneNumbers?Page=&PageSize=` (JSON only, no `.json`). */
export function incomingPhoneNumbersRequest(
	accountSid: string,
	options: { page?: number; pageSize?: number } = {},
): ExotelRequest {
	const page = options.page ?? 0;
	const pageSize = options.pageSize ?? 100;
	if (!Number.isInteger(page) || page < 0) throw new Error(`Page must be 0 or more (got ${page})`);
	if (!Number.isInteger(pageSize) || pageSize < 1)
		throw new Error(`Page size must be above 0 (got ${pageSize})`);
	return {
		method: 'GET',
		path: `${v2beta(accountSid)}/IncomingPhoneNumbers`,
		qs: { Page: page, PageSize: pageSize },
		idempotent: true,
		label: 'list ExoPhones',
		envelope: ['incoming_phone_numbers'],
	};
}

/** The next page number of an IncomingPhoneNumbers page, or undefined when there is none. */
export function nextIncomingPhoneNumbersPage(
	body:
		| {
				page?: number | string;
				page_size?: number | string;
				next_page_uri?: string | null;
				incoming_phone_numbers?: unknown[];
		  }
		| null
		| undefined,
): number | undefined {
	if (!body || !body.next_page_uri) return undefined;
	const fromUri = queryParam(body.next_page_uri, 'Page');
	if (fromUri !== undefined && /^\d+$/.test(fromUri)) {
		const n = Number(fromUri);
		return n > Number(body.page ?? -1) ? n : undefined;
	}
	return body.page !== undefined ? Number(body.page) + 1 : undefined;
}

// ---------------------------------------------------------------- account (credential test)

/** `GET /v1/Accounts/<sid>.json` — account details (cheap authenticated call). */
export function accountRequest(accountSid: string): ExotelRequest {
	return {
		method: 'GET',
		path: `${v1(accountSid)}.json`,
		idempotent: true,
		label: 'account check',
	};
}

/** The fixed number the credential test looks up: cheap, authenticated, documented for every account. */
export const CREDENTIAL_TEST_NUMBER = '09876543210';
