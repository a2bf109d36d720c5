/**
 * The only place that talks HTTP to Exotel (via n8n's httpRequestWithAuthentication, so the credential's
 * basic auth is applied by n8n). Requests come from the pure builders in core/exotel/requests.ts.
 *
 * Behaviour is identical in real n8n and in tests because we always ask for the full response and never let
 * n8n throw on HTTP status (`returnFullResponse` + `ignoreHttpStatusErrors`): we map status codes ourselves.
 *
 * Retries: bounded exponential backoff with jitter for 429, 5xx and timeouts, honouring Retry-After.
 * A request that is not idempotent (Connect places a call) is retried only on 429 — Exotel refused it, so no
 * call exists — unless the caller passes `retryUnsafe: true`. After a timeout or 5xx the call may exist.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, sleep as n8nSleep } from 'n8n-workflow';

import {
	classifyNetworkError,
	describeHttpError,
	describeNetworkError,
	parseRestException,
	type DescribedError,
} from '../core/exotel/errors';
import { parseExotelBody } from '../core/exotel/mapping';
import { resolveBaseUrl, type ExotelCluster, type ExotelRequest } from '../core/exotel/requests';

export type ExotelContext =
	| IExecuteFunctions
	| ILoadOptionsFunctions
	| IHookFunctions
	| IWebhookFunctions;

export const EXOTEL_CREDENTIAL = 'exotelApi';

export interface ExotelAccount {
	accountSid: string;
	cluster: ExotelCluster;
	/** Resolved base URL without trailing slash (`https://api.exotel.com`, or the custom one). */
	baseUrl: string;
	/** Strings that must never appear in a message. */
	secrets: string[];
}

export interface ExotelApiRequestOptions {
	/** Per-attempt timeout in ms (default 30 000). */
	timeout?: number;
	/** Retries after the first attempt (default 3). 0 disables retrying. */
	maxRetries?: number;
	/** Allow retrying a non-idempotent request (Connect) after a timeout/5xx. Default false. */
	retryUnsafe?: boolean;
	/**
	 * Retry 429 answers here (default true). Connect Call passes false and waits for a free place in Exotel's
	 * window itself (nodes/core/requestSpacing.ts): Exotel sends no Retry-After, and a backoff of seconds cannot
	 * clear a 60-second window.
	 */
	retryRateLimited?: boolean;
	/** For NodeApiError.itemIndex and per-item credentials. */
	itemIndex?: number;
	/** Injectable wait (tests); defaults to n8n-workflow's sleep. */
	sleep?: (ms: number) => Promise<void>;
	/** Injectable randomness for jitter, 0 ≤ x < 1. */
	random?: () => number;
	/** First backoff step in ms (default 500); doubles per retry, capped by maxDelayMs (default 8 000). */
	baseDelayMs?: number;
	maxDelayMs?: number;
	/** Upper bound for an honoured Retry-After (default 60 000 ms). */
	maxRetryAfterMs?: number;
	/** Already-resolved account (saves a getCredentials call per request). */
	account?: ExotelAccount;
	/** Called before each retry (logging / tests). */
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface ExotelApiResponse<T = IDataObject> {
	statusCode: number;
	headers: Record<string, unknown>;
	/** Parsed body: JSON as is, `<TwilioResponse>` XML converted to the same JSON shape. */
	body: T;
	/** Number of HTTP attempts made (1 = no retry). */
	attempts: number;
}

/** Limits enforced here whatever a node's UI or an expression allows. */
export const MIN_TIMEOUT_MS = 1000;
export const MAX_TIMEOUT_MS = 300_000;
export const MAX_RETRIES = 10;

/** A whole number within [min, max]; the fallback when not a finite number. */
function bounded(value: number | undefined, fallback: number, min: number, max: number): number {
	const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
	return Math.min(max, Math.max(min, n));
}

function str(v: unknown): string {
	return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** Reads the `exotelApi` credential and resolves the base URL. */
export async function getExotelAccount(
	this: ExotelContext,
	itemIndex?: number,
): Promise<ExotelAccount> {
	const creds =
		itemIndex === undefined
			? await this.getCredentials(EXOTEL_CREDENTIAL)
			: await (this as IExecuteFunctions).getCredentials(EXOTEL_CREDENTIAL, itemIndex);
	const cluster = (str(creds.cluster) || 'singapore') as ExotelCluster;
	let baseUrl: string;
	try {
		baseUrl = resolveBaseUrl({
			cluster,
			baseUrl: str(creds.baseUrl),
			allowUnencryptedHttp: creds.allowUnencryptedHttp === true,
		});
	} catch (e) {
		throw new NodeApiError(this.getNode(), { message: (e as Error).message } as JsonObject, {
			message: (e as Error).message,
			description:
				'Open the Exotel credential and fix the Base URL, or pick the Singapore or Mumbai cluster.',
			itemIndex,
		});
	}
	const apiKey = str(creds.apiKey);
	const apiToken = str(creds.apiToken);
	const secrets = [apiToken];
	if (apiKey && apiToken) secrets.push(Buffer.from(`${apiKey}:${apiToken}`).toString('base64'));
	return { accountSid: str(creds.accountSid).trim(), cluster, baseUrl, secrets };
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
	for (const [k, v] of Object.entries(headers ?? {})) {
		if (k.toLowerCase() === name) return Array.isArray(v) ? str(v[0]) : str(v);
	}
	return undefined;
}

/** Retry-After in ms (seconds or HTTP date), or undefined. */
export function retryAfterMs(
	value: string | undefined,
	now: number = Date.now(),
): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const at = Date.parse(trimmed);
	return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Exponential backoff with "equal jitter": between half and all of min(max, base·2^attempt). */
export function backoffDelay(
	attempt: number,
	baseMs = 500,
	maxMs = 8000,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function toApiError(
	ctx: ExotelContext,
	d: DescribedError,
	itemIndex?: number,
	extra: IDataObject = {},
): NodeApiError {
	const errorResponse: IDataObject = { message: d.message, description: d.description, ...extra };
	if (d.httpCode) errorResponse.httpCode = d.httpCode;
	if (d.exotel) errorResponse.exotel = d.exotel as IDataObject;
	return new NodeApiError(ctx.getNode(), errorResponse as JsonObject, {
		message: d.message,
		description: d.description,
		httpCode: d.httpCode,
		itemIndex,
	});
}

/** Whether a 2xx body carries one of the keys the request expects (an HTML page or empty body carries none). */
function hasEnvelope(request: ExotelRequest, body: Record<string, unknown>): boolean {
	if (!request.envelope) return true;
	return request.envelope.some((key) => body[key] !== undefined && body[key] !== null);
}

function missingEnvelope(request: ExotelRequest, status: number): DescribedError {
	return {
		message:
			'Exotel answered without the expected data (an HTML page?) — check the API host / proxy',
		description: `The ${request.label} answer (HTTP ${status}) has no ${request.envelope?.join(' or ')}. Check the cluster / Base URL in the Exotel credential and any proxy between n8n and Exotel.`,
		httpCode: String(status),
	};
}

/** Status code carried by an error thrown despite ignoreHttpStatusErrors (defensive; n8n versions differ). */
function thrownHttpStatus(err: unknown): { status: number; body: unknown } | undefined {
	type HttpLike = { status?: unknown; data?: unknown };
	const e = err as
		| {
				response?: HttpLike;
				cause?: { response?: HttpLike };
				httpCode?: unknown;
				context?: { data?: unknown };
		  }
		| undefined;
	if (!e || typeof e !== 'object') return undefined;
	const response = e.response ?? e.cause?.response;
	const status = Number(response?.status ?? e.httpCode);
	if (!Number.isInteger(status) || status < 100) return undefined;
	return { status, body: response?.data ?? e.context?.data };
}

/**
 * Sends one Exotel request with retries and returns the full parsed response.
 * Throws NodeApiError (Exotel's own message + an ops hint as description, httpCode, itemIndex).
 */
export async function exotelApiRequestFull(
	this: ExotelContext,
	request: ExotelRequest,
	opts: ExotelApiRequestOptions = {},
): Promise<ExotelApiResponse> {
	const account = opts.account ?? (await getExotelAccount.call(this, opts.itemIndex));
	const wait = opts.sleep ?? n8nSleep;
	const random = opts.random ?? Math.random;
	const maxRetries = bounded(opts.maxRetries, 3, 0, MAX_RETRIES);
	const retryAfterCap = opts.maxRetryAfterMs ?? 60_000;
	const safeToRepeat = request.idempotent || opts.retryUnsafe === true;
	const secrets = account.secrets;

	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${account.baseUrl}${request.path}`,
		headers: { Accept: 'application/json' },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: bounded(opts.timeout, 30_000, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS),
	};
	if (request.qs && Object.keys(request.qs).length) options.qs = { ...request.qs };
	if (request.form) {
		// URLSearchParams makes n8n send application/x-www-form-urlencoded, which v1 endpoints expect.
		options.body = new URLSearchParams(request.form);
		options.headers = { ...options.headers, 'Content-Type': 'application/x-www-form-urlencoded' };
	}

	for (let attempt = 0; ; attempt++) {
		const canRetry = attempt < maxRetries;
		let response: { statusCode?: number; headers?: Record<string, unknown>; body?: unknown };
		try {
			response = await this.helpers.httpRequestWithAuthentication.call(
				this,
				EXOTEL_CREDENTIAL,
				options,
			);
		} catch (err) {
			const http = thrownHttpStatus(err);
			if (http) {
				response = { statusCode: http.status, headers: {}, body: http.body };
			} else {
				const kind = classifyNetworkError(err) ?? 'other';
				// Timeouts and dropped connections may have reached Exotel; refused/DNS errors are configuration.
				const transient = kind === 'timeout' || kind === 'reset';
				if (transient && safeToRepeat && canRetry) {
					const delayMs = backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs, random);
					opts.onRetry?.({ attempt: attempt + 1, delayMs, reason: kind });
					await wait(delayMs);
					continue;
				}
				throw toApiError(
					this,
					describeNetworkError({
						kind,
						label: request.label,
						baseUrl: account.baseUrl,
						mayHaveSideEffect: !request.idempotent,
						secrets,
					}),
					opts.itemIndex,
				);
			}
		}

		const status = Number(response.statusCode ?? 0);
		const headers = (response.headers ?? {}) as Record<string, unknown>;
		let body: Record<string, unknown>;
		try {
			body = parseExotelBody(response.body);
		} catch {
			body = { value: str(response.body).slice(0, 500) };
		}
		// Some Indian carrier APIs answer errors with 200; a RestException in the body wins over the status.
		const embedded = status < 300 ? parseRestException(body) : null;
		const effective = embedded?.status && embedded.status >= 400 ? embedded.status : status;

		if (effective >= 200 && effective < 300) {
			if (typeof response.body === 'string' && 'value' in body && Object.keys(body).length === 1) {
				throw toApiError(
					this,
					{
						message: `Exotel ${request.label} failed: the answer was neither JSON nor XML`,
						description:
							'Check the cluster / custom base URL in the Exotel credential: it does not look like an Exotel API.',
						httpCode: String(status),
					},
					opts.itemIndex,
				);
			}
			if (!hasEnvelope(request, body))
				throw toApiError(this, missingEnvelope(request, status), opts.itemIndex);
			return { statusCode: status, headers, body: body as IDataObject, attempts: attempt + 1 };
		}

		const retryable =
			(effective === 429 && opts.retryRateLimited !== false) || (effective >= 500 && safeToRepeat);
		if (retryable && canRetry) {
			const hinted = retryAfterMs(header(headers, 'retry-after'));
			const delayMs =
				hinted !== undefined
					? Math.min(hinted, retryAfterCap)
					: backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs, random);
			opts.onRetry?.({ attempt: attempt + 1, delayMs, reason: `HTTP ${effective}` });
			await wait(delayMs);
			continue;
		}
		const described = describeHttpError({ status: effective, body, label: request.label, secrets });
		if (effective >= 500 && !request.idempotent) {
			described.description +=
				' The call may have been placed anyway: check Call Details before dialling this number again.';
		}
		throw toApiError(this, described, opts.itemIndex, { attempts: attempt + 1 });
	}
}

/** Like exotelApiRequestFull but returns only the parsed body. */
export async function exotelApiRequest(
	this: ExotelContext,
	request: ExotelRequest,
	opts: ExotelApiRequestOptions = {},
): Promise<IDataObject> {
	const res = await exotelApiRequestFull.call(this, request, opts);
	return res.body;
}
