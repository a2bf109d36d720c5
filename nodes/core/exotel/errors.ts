/**
 * Exotel error bodies and plain-language hints.
 * v1 errors look like `{"RestException":{"Status":401,"Message":"…"}}` (or the XML equivalent), v2 uses an
 * envelope with `error_data` (docs/exotel-api.md §7). The hint tells an ops person what to change;
 * secrets never make it into a message (callers pass them to redactSecrets via describe*).
 */
import { looksLikeXml, parseTwilioResponse } from './xml';

export interface ExotelErrorInfo {
	status?: number;
	message?: string;
	code?: string | number;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
	return v && typeof v === 'object' && !Array.isArray(v)
		? (v as Record<string, unknown>)
		: undefined;
}

function num(v: unknown): number | undefined {
	const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
	return Number.isFinite(n) ? n : undefined;
}

function str(v: unknown): string | undefined {
	if (typeof v === 'string' && v.trim() !== '') return v.trim();
	if (typeof v === 'number') return String(v);
	return undefined;
}

function fromRestException(rex: Record<string, unknown>): ExotelErrorInfo {
	const info: ExotelErrorInfo = {};
	const status = num(rex.Status);
	if (status !== undefined) info.status = status;
	const message = str(rex.Message) ?? str(rex.message);
	if (message) info.message = message;
	const code = rex.Code ?? rex.code;
	if (typeof code === 'string' || typeof code === 'number') info.code = code;
	return info;
}

/** Finds Exotel's own error in a body (object, JSON string, XML string, v2 envelope); null when there is none. */
export function parseRestException(body: unknown): ExotelErrorInfo | null {
	let b: unknown = body;
	if (typeof b === 'string') {
		const s = b.trim();
		if (!s) return null;
		if (looksLikeXml(s)) {
			try {
				b = parseTwilioResponse(s);
			} catch {
				return null;
			}
		} else if (s.startsWith('{')) {
			try {
				b = JSON.parse(s);
			} catch {
				return null;
			}
		} else return null;
	}
	const obj = asRecord(b);
	if (!obj) return null;
	const rex = asRecord(obj.RestException);
	if (rex) return fromRestException(rex);
	// v2 envelope: { http_code, response: {code, error_data:{code,message,description}} } (response may be an array)
	const resp = Array.isArray(obj.response) ? asRecord(obj.response[0]) : asRecord(obj.response);
	const errorData = resp ? asRecord(resp.error_data) : undefined;
	if (errorData) {
		const info: ExotelErrorInfo = {};
		const status = num(resp?.code) ?? num(obj.http_code);
		if (status !== undefined) info.status = status;
		const msg = [str(errorData.message), str(errorData.description)].filter(Boolean).join(': ');
		if (msg) info.message = msg;
		const code = errorData.code;
		if (typeof code === 'string' || typeof code === 'number') info.code = code;
		return info;
	}
	// 202-style `{"Status":…, "Message":…}` bodies
	if (
		obj.Status !== undefined &&
		typeof obj.Message === 'string' &&
		num(obj.Status) !== undefined &&
		(num(obj.Status) as number) >= 400
	) {
		return fromRestException(obj);
	}
	return null;
}

/** What the ops person should check, by HTTP status. */
export function hintForStatus(status: number | undefined): string {
	switch (status) {
		case 400:
			return 'Exotel could not accept the request as sent: check the phone numbers, Caller ID and other values named in the message.';
		case 401:
			return 'Check the API key and API token in the Exotel credential (Exotel dashboard → Settings → API Settings).';
		case 402:
			return 'The Exotel account balance or plan does not allow this: recharge the account or ask Exotel to enable the feature.';
		case 403:
			return "Check the Account SID in the Exotel credential and the account's access to this API (and the server IP, if Exotel IP allow-listing is on).";
		case 404:
			return 'Exotel has no such resource: check the Account SID, the cluster (Singapore or Mumbai) in the credential, and the Call SID or number.';
		case 409:
			return 'Exotel reports a conflict with a concurrent change: try again.';
		case 429:
			return "Exotel's rate limit was reached (by default 200 calls per minute per account): slow the campaign down or ask Exotel for a higher limit. The request was already retried.";
		default:
			if (status !== undefined && status >= 500) {
				return 'Exotel had a problem on its side: try again later; if it persists, contact Exotel support.';
			}
			if (status !== undefined && status >= 400)
				return 'Exotel rejected the request: check the values named in the message.';
			return 'Unexpected answer from Exotel: check the cluster / base URL in the Exotel credential.';
	}
}

export type NetworkFailure = 'timeout' | 'refused' | 'dns' | 'reset' | 'unreachable' | 'other';

const NETWORK_CODES: Record<string, NetworkFailure> = {
	ECONNABORTED: 'timeout',
	ETIMEDOUT: 'timeout',
	ESOCKETTIMEDOUT: 'timeout',
	UND_ERR_CONNECT_TIMEOUT: 'timeout',
	ECONNREFUSED: 'refused',
	ENOTFOUND: 'dns',
	EAI_AGAIN: 'dns',
	ECONNRESET: 'reset',
	EPIPE: 'reset',
	EHOSTUNREACH: 'unreachable',
	ENETUNREACH: 'unreachable',
	EADDRNOTAVAIL: 'unreachable',
};

/**
 * Classifies a thrown request error (axios error, or n8n's NodeApiError wrapping one in `cause`).
 * Returns null when it carries an HTTP response (then it is not a network failure).
 */
export function classifyNetworkError(err: unknown): NetworkFailure | null {
	const seen = new Set<unknown>();
	let cur: unknown = err;
	const texts: string[] = [];
	for (let depth = 0; cur && typeof cur === 'object' && !seen.has(cur) && depth < 6; depth++) {
		seen.add(cur);
		const e = cur as Record<string, unknown>;
		const code = typeof e.code === 'string' ? e.code.toUpperCase() : undefined;
		if (code && NETWORK_CODES[code]) return NETWORK_CODES[code];
		if (typeof e.message === 'string') texts.push(e.message);
		if (Array.isArray(e.messages))
			for (const m of e.messages) if (typeof m === 'string') texts.push(m);
		cur = e.cause ?? e.reason ?? e.error;
	}
	const all = texts.join(' ');
	if (/timeout|timed out/i.test(all)) return 'timeout';
	for (const [code, kind] of Object.entries(NETWORK_CODES))
		if (all.toUpperCase().includes(code)) return kind;
	if (/socket hang up/i.test(all)) return 'reset';
	return null;
}

export function hintForNetwork(kind: NetworkFailure, baseUrl?: string): string {
	const where = baseUrl ? ` (${baseUrl})` : '';
	switch (kind) {
		case 'timeout':
			return `Exotel did not answer in time${where}: check the cluster / base URL in the Exotel credential and the network, or raise the timeout.`;
		case 'refused':
		case 'dns':
		case 'unreachable':
			return `Could not reach Exotel${where}: check the cluster (Singapore api.exotel.com / Mumbai api.in.exotel.com) or the custom base URL in the Exotel credential, and the network.`;
		case 'reset':
			return `The connection to Exotel${where} was dropped: try again; if it persists, check the network or proxy.`;
		default:
			return `The request to Exotel${where} failed: check the cluster / base URL in the Exotel credential and the network.`;
	}
}

const NETWORK_WORDS: Record<NetworkFailure, string> = {
	timeout: 'no answer in time',
	refused: 'connection refused',
	dns: 'host name not found',
	unreachable: 'host unreachable',
	reset: 'connection dropped',
	other: 'network error',
};

/**
 * Whether a failed request that places a call (Connect) may still have placed it: yes after a 5xx, a 2xx/3xx
 * answer it could not use, a timeout or a dropped connection; no after a 4xx (Exotel refused it) or when the
 * request never reached Exotel (the transport's words for it: NETWORK_WORDS refused, dns, unreachable).
 */
export function mayHaveBeenPlaced(error: unknown): boolean {
	const httpCode = Number((error as { httpCode?: unknown }).httpCode);
	if (Number.isInteger(httpCode) && httpCode > 0) return httpCode >= 500 || httpCode < 400;
	const message = String((error as Error)?.message ?? '');
	// Requests that never reached Exotel: nothing can have been placed.
	if (/connection refused|host name not found|host unreachable/i.test(message)) return false;
	return true;
}

/** Replaces every given secret (pass the token and its base64 basic-auth form) with `***`; ignores ones under 4 chars. */
export function redactSecrets(
	text: string,
	secrets: ReadonlyArray<string | undefined | null> = [],
): string {
	let out = text;
	const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
	for (const s of list) out = out.split(s).join('***');
	return out;
}

export interface DescribedError {
	message: string;
	description: string;
	/** HTTP status as a string, for NodeApiError's httpCode; absent for network failures. */
	httpCode?: string;
	status?: number;
	exotel?: ExotelErrorInfo;
}

/** Message + hint for a non-2xx Exotel answer. `label` is what we tried ("number lookup"). */
export function describeHttpError(args: {
	status: number;
	body?: unknown;
	label: string;
	secrets?: ReadonlyArray<string | undefined | null>;
}): DescribedError {
	const exotel = parseRestException(args.body) ?? undefined;
	if (exotel?.message) exotel.message = redactSecrets(exotel.message, args.secrets);
	const detail = exotel?.message ?? `HTTP ${args.status}`;
	const message = redactSecrets(
		`Exotel ${args.label} failed: ${detail}${exotel?.message ? ` (HTTP ${args.status})` : ''}`,
		args.secrets,
	);
	return {
		message,
		description: redactSecrets(hintForStatus(args.status), args.secrets),
		httpCode: String(args.status),
		status: args.status,
		exotel,
	};
}

/** Message + hint for a request that got no HTTP answer. */
export function describeNetworkError(args: {
	kind: NetworkFailure;
	label: string;
	baseUrl?: string;
	/** Set for Connect: after a timeout the call may have been placed. */
	mayHaveSideEffect?: boolean;
	secrets?: ReadonlyArray<string | undefined | null>;
}): DescribedError {
	let description = hintForNetwork(args.kind, args.baseUrl);
	if (args.mayHaveSideEffect && (args.kind === 'timeout' || args.kind === 'reset')) {
		description +=
			' The call may have been placed anyway: check Call Details before dialling this number again.';
	}
	return {
		message: redactSecrets(
			`Exotel ${args.label} failed: ${NETWORK_WORDS[args.kind]}`,
			args.secrets,
		),
		description: redactSecrets(description, args.secrets),
	};
}
