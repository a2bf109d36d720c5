/**
 * Request routing for the Exotel-facing API (/v1, /v2_beta; Basic auth; faults; rate limit) and the control
 * endpoints under /_sim/ (no auth, loopback only).
 */
import type http from 'node:http';
import { callObject, parseBulkQuery, queryCalls, QueryError } from './calls';
import { formatExotel, formatIso, parseTime } from './clock';
import type { DeepPartial, SimAccount, SimConfig } from './config';
import { createCall, validateConnect } from './connect';
import { FormError, parseForm } from './form';
import { numberMetadata } from './numbers';
import { parseIndianNumber } from './phone';
import {
	HttpError,
	readBody,
	restException,
	sendError,
	sendExotel,
	sendJson,
	type Format,
} from './respond';
import { deriveRng } from './rng';
import { SheetError } from './sheets';
import { applyPatch, exoPhoneOverrides, logLine, resetState, type SimState } from './state';

export const AUTH_FAILED = 'Authentication failed. Check your API key and token.';

interface Ctx {
	state: SimState;
	req: http.IncomingMessage;
	res: http.ServerResponse;
	url: URL;
	/** Virtual time the request arrived. */
	at: number;
	format: Format;
}

function sleep(state: SimState, ms: number): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			state.sleeps.delete(timer);
			resolve();
		}, ms);
		timer.unref();
		state.sleeps.add(timer);
	});
}

function isLoopback(address: string | undefined): boolean {
	return (
		address === '127.0.0.1' ||
		address === '::1' ||
		address === '::ffff:127.0.0.1' ||
		(address ?? '').startsWith('127.')
	);
}

/** Finds the account for Basic credentials (username = apiKey, or the account sid for legacy clients). */
export function authenticate(state: SimState, header: string | undefined): SimAccount | undefined {
	const match = /^Basic\s+(.+)$/i.exec(header ?? '');
	if (!match) return undefined;
	const decoded = Buffer.from(match[1].trim(), 'base64').toString('utf8');
	const colon = decoded.indexOf(':');
	if (colon < 0) return undefined;
	const user = decoded.slice(0, colon);
	const password = decoded.slice(colon + 1);
	return state.config.accounts.find(
		(a) => a.apiToken === password && (a.apiKey === user || a.sid === user),
	);
}

export function createHandler(state: SimState): http.RequestListener {
	return (req, res) => {
		handle(state, req, res).catch((error: Error) => {
			if (!res.headersSent)
				sendJson(res, 500, restException(500, `Simulator error: ${error.message}`));
			else res.destroy();
		});
	};
}

async function handle(
	state: SimState,
	req: http.IncomingMessage,
	res: http.ServerResponse,
): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://simulator.local');
	const path = url.pathname;
	if (path.startsWith('/_sim/') || path === '/_sim' || path === '/') {
		if (!isLoopback(req.socket.remoteAddress))
			return sendJson(res, 403, { error: 'Control endpoints answer loopback clients only' });
		try {
			await control(state, req, res, url);
		} catch (error) {
			const status = error instanceof HttpError || error instanceof SheetError ? error.status : 400;
			sendJson(res, status, { error: (error as Error).message });
		}
		return;
	}
	await exotel(state, req, res, url);
}

// ---------------------------------------------------------------------------------------------------------------
// Exotel API

interface Route {
	method: string;
	pattern: RegExp;
	/** v2_beta answers JSON only. */
	jsonOnly?: boolean;
	/** POST Calls/connect: handled by postConnect with its own ledger bookkeeping. */
	connect?: boolean;
	handler?: (ctx: Ctx, account: SimAccount, params: string[]) => Promise<void> | void;
}

const SID = '([^/]+)';
const CALL_ROUTE: Route = {
	method: 'GET',
	pattern: new RegExp(`^/v1/Accounts/${SID}/Calls/([^/]+)$`),
	handler: getCall,
};
const ROUTES: Route[] = [
	{ method: 'GET', pattern: new RegExp(`^/v1/Accounts/${SID}$`), handler: getAccount },
	{
		method: 'GET',
		pattern: new RegExp(`^/v1/Accounts/${SID}/Numbers/([^/]+)$`),
		handler: getNumber,
	},
	{ method: 'POST', pattern: new RegExp(`^/v1/Accounts/${SID}/Calls/connect$`), connect: true },
	{ method: 'GET', pattern: new RegExp(`^/v1/Accounts/${SID}/Calls$`), handler: getCalls },
	CALL_ROUTE,
	{
		method: 'GET',
		pattern: new RegExp(`^/v2_beta/Accounts/${SID}/IncomingPhoneNumbers(?:/([^/]+))?$`),
		handler: getExoPhones,
		jsonOnly: true,
	},
];

function matchRoute(
	path: string,
):
	| { route: Route; params: string[]; format: Format }
	| { methods: string[]; format: Format }
	| undefined {
	// The documented Call Uri form "/v1/Accounts/<sid>/Calls.json/<CallSid>".
	const legacyUri = /^\/v1\/Accounts\/([^/]+)\/Calls\.json\/([^/]+)$/.exec(path);
	if (legacyUri) return { route: CALL_ROUTE, params: [legacyUri[1], legacyUri[2]], format: 'json' };
	const json = path.endsWith('.json');
	const bare = json ? path.slice(0, -'.json'.length) : path;
	const found = ROUTES.filter((r) => r.pattern.test(bare));
	if (found.length === 0) return undefined;
	return {
		methods: found.map((r) => r.method),
		format: json || found[0].jsonOnly ? 'json' : 'xml',
	};
}

function decodeSegment(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		throw new HttpError(400, `Malformed URL segment "${segment}"`);
	}
}

async function exotel(
	state: SimState,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	url: URL,
): Promise<void> {
	const { config, clock, ledger } = state;
	const at = clock.now();
	const path = url.pathname;
	const method = req.method ?? 'GET';
	const seq = ++state.counters.requests;
	const finish = (status: number) => {
		ledger.addRequest({ at, method, path, httpStatus: status });
		logLine(state, `${method} ${path}${url.search} -> ${status}`);
	};
	const connectEntry = (
		httpStatus: number,
		reason: string,
		accountSid: string | null,
		sid?: string,
	) =>
		ledger.addConnectRequest({
			at,
			atIso: formatIso(at),
			accountSid,
			httpStatus,
			reason,
			...(sid ? { sid } : {}),
		});

	const matched = matchRoute(path);
	if (!matched) {
		sendError(res, 404, `No such resource: ${path}`, path.endsWith('.json') ? 'json' : 'xml');
		return finish(404);
	}
	let route: Route | undefined;
	let params: string[] = [];
	if ('route' in matched) {
		route = method === 'GET' ? matched.route : undefined;
		params = matched.params;
	} else {
		const bare = path.endsWith('.json') ? path.slice(0, -5) : path;
		route = ROUTES.find((r) => r.method === method && r.pattern.test(bare));
		if (route)
			params = (route.pattern.exec(bare) as RegExpExecArray)
				.slice(1)
				.map((p) => (p === undefined ? '' : p));
	}
	const format = matched.format;
	const isConnect = route?.connect === true;
	if (!route) {
		sendError(res, 405, `Method ${method} is not allowed here`, format);
		return finish(405);
	}

	// Body first, so that the connection stays healthy whatever we answer.
	const body = method === 'POST' || method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
	if (isConnect && state.onConnect) await state.onConnect(req.socket.remotePort);

	const latency = config.faults.latencyMs;
	if (latency.max > 0)
		await sleep(state, deriveRng(config.seed, 'latency', seq).int(latency.min, latency.max));

	const pathSid = decodeSegment(params[0]);
	const account = authenticate(state, req.headers.authorization);
	if (!account) {
		sendError(res, 401, AUTH_FAILED, format);
		if (isConnect) connectEntry(401, 'auth', null);
		return finish(401);
	}
	if (account.sid !== pathSid) {
		sendError(
			res,
			403,
			`These credentials belong to account ${account.sid}, not ${pathSid}`,
			format,
		);
		if (isConnect) connectEntry(403, 'forbidden', account.sid);
		return finish(403);
	}
	if (config.faults.serverErrorRate > 0) {
		const rng = deriveRng(config.seed, 'fault', seq);
		if (rng.chance(config.faults.serverErrorRate)) {
			const status = rng.pick([500, 502, 503]);
			sendError(
				res,
				status,
				status === 503 ? 'Service temporarily unavailable. Please retry.' : 'Internal server error',
				format,
			);
			if (isConnect) connectEntry(status, 'server-error', account.sid);
			return finish(status);
		}
	}

	const ctx: Ctx = { state, req, res, url, at, format };
	if (isConnect) {
		try {
			const sid = await postConnect(ctx, account, body);
			connectEntry(200, 'accepted', account.sid, sid);
			return finish(200);
		} catch (error) {
			const e =
				error instanceof HttpError
					? error
					: new HttpError(500, (error as Error).message, 'server-error');
			sendError(res, e.status, e.message, format);
			connectEntry(e.status, e.reason ?? 'error', account.sid);
			return finish(e.status);
		}
	}
	try {
		if (!route.handler) throw new HttpError(405, `Method ${method} is not allowed here`);
		await route.handler(ctx, account, params.slice(1).map(decodeSegment));
		finish(res.statusCode);
	} catch (error) {
		const e =
			error instanceof HttpError
				? error
				: error instanceof QueryError
					? new HttpError(400, error.message)
					: new HttpError(500, (error as Error).message);
		sendError(res, e.status, e.message, format);
		finish(e.status);
	}
}

function getAccount(ctx: Ctx, account: SimAccount): void {
	const created = formatExotel(parseTime('2020-01-01T10:00:00+05:30'));
	sendExotel(
		ctx.res,
		200,
		{
			Account: {
				Sid: account.sid,
				FriendlyName: account.friendlyName ?? account.sid,
				Type: 'Full',
				Status: 'active',
				DateCreated: created,
				DateUpdated: created,
				Uri: `/v1/Accounts/${account.sid}`,
			},
		},
		ctx.format,
	);
}

function getNumber(ctx: Ctx, _account: SimAccount, [raw]: string[]): void {
	const parsed = parseIndianNumber(raw);
	if (!parsed) throw new HttpError(400, `"${raw}" is not a valid Indian phone number`);
	const { config } = ctx.state;
	const meta = numberMetadata(
		parsed.national,
		config.seed,
		config.numbers,
		exoPhoneOverrides(config),
	);
	sendExotel(
		ctx.res,
		200,
		{
			Numbers: {
				PhoneNumber: meta.phoneNumber,
				Circle: meta.circle,
				CircleName: meta.circleName,
				Type: meta.type,
				Operator: meta.operator,
				OperatorName: meta.operatorName,
				DND: meta.dnd ? 'Yes' : 'No',
			},
		},
		ctx.format,
	);
}

async function postConnect(ctx: Ctx, account: SimAccount, body: Buffer): Promise<string> {
	const { state, at } = ctx;
	const { config } = state;
	if (config.faults.insufficientBalance || account.insufficientBalance) {
		throw new HttpError(
			402,
			'Insufficient balance: recharge your Exotel account to place calls',
			'insufficient-balance',
		);
	}
	if (config.faults.storms.some((w) => parseTime(w.from) <= at && at < parseTime(w.to))) {
		throw new HttpError(429, 'Too many requests. Please slow down and retry later.', 'storm');
	}
	if (config.rateLimit.enabled) {
		const verdict = state.limiter.check(account.sid, at);
		if (!verdict.allowed) {
			throw new HttpError(
				429,
				`Rate limit exceeded: more than ${config.rateLimit.limit} call requests in ${config.rateLimit.windowMs / 1000} seconds. Try again in ${Math.ceil(verdict.retryAfterMs / 1000)} seconds.`,
				'rate-limit',
			);
		}
	}
	let pairs;
	try {
		pairs = parseForm(body, ctx.req.headers['content-type']);
	} catch (error) {
		if (error instanceof FormError)
			throw new HttpError(400, error.message, `validation: ${error.message}`);
		throw error;
	}
	const params = validateConnect(pairs, account);
	const call = createCall(state, account, params, at);
	if (config.rateLimit.enabled) state.limiter.record(account.sid, at);
	sendExotel(ctx.res, 200, { Call: callObject(call, at, 0, false) }, ctx.format);
	return call.sid;
}

function detailsLagMs(state: SimState): number {
	return state.config.calls.detailsLagSeconds * 1000;
}

function getCall(ctx: Ctx, account: SimAccount, [callSid]: string[]): void {
	const call = ctx.state.callsBySid.get(callSid);
	if (!call || call.accountSid !== account.sid)
		throw new HttpError(404, `Call ${callSid} was not found`);
	const details = ctx.url.searchParams.get('details') === 'true';
	sendExotel(
		ctx.res,
		200,
		{ Call: callObject(call, ctx.at, detailsLagMs(ctx.state), details) },
		ctx.format,
	);
}

function getCalls(ctx: Ctx, account: SimAccount): void {
	const { state, url, at } = ctx;
	const query = parseBulkQuery(url.searchParams, at);
	const page = queryCalls(state.calls, query, account.sid, at);
	const base = `/v1/Accounts/${account.sid}/Calls${ctx.format === 'json' ? '.json' : ''}`;
	const pageUri = (cursor?: [string, string]) => {
		const params = new URLSearchParams(url.searchParams);
		params.delete('After');
		params.delete('Before');
		params.set('PageSize', String(query.pageSize));
		if (cursor) params.set(cursor[0], cursor[1]);
		return `${base}?${params.toString()}`;
	};
	sendExotel(
		ctx.res,
		200,
		{
			Metadata: {
				Total: page.total,
				PageSize: query.pageSize,
				FirstPageUri: pageUri(),
				PrevPageUri: page.before ? pageUri(['Before', page.before]) : null,
				NextPageUri: page.after ? pageUri(['After', page.after]) : null,
			},
			Calls: page.calls.map((call) => callObject(call, at, detailsLagMs(state), query.details)),
		},
		ctx.format,
	);
}

function exoPhoneItem(account: SimAccount, index: number) {
	const phone = account.exoPhones[index];
	const parsed = parseIndianNumber(phone.number);
	const national = parsed ? parsed.national : phone.number;
	const sid = phone.sid ?? '0' + national;
	const created = '2020-01-01T04:30:00Z';
	return {
		sid,
		date_created: created,
		date_updated: created,
		account_sid: account.sid,
		friendly_name: '0' + national,
		phone_number: '+91' + national,
		voice_url: phone.voiceUrl ?? null,
		sms_url: null,
		capabilities: { voice: true, sms: false },
		country: 'IN',
		region: phone.circle,
		number_type: phone.type ?? 'Landline',
		uri: `/v2_beta/Accounts/${account.sid}/IncomingPhoneNumbers/${sid}`,
	};
}

function getExoPhones(ctx: Ctx, account: SimAccount, [exoPhoneSid]: string[]): void {
	const { state, url } = ctx;
	const items = account.exoPhones.map((_, i) => exoPhoneItem(account, i));
	if (exoPhoneSid) {
		const item = items.find(
			(p) => p.sid === exoPhoneSid || p.phone_number === parseIndianNumber(exoPhoneSid)?.e164,
		);
		if (!item) throw new HttpError(404, `ExoPhone ${exoPhoneSid} was not found`);
		sendJson(ctx.res, 200, { incoming_phone_number: item });
		return;
	}
	const page = Number(url.searchParams.get('Page') ?? '0');
	const pageSize = Number(url.searchParams.get('PageSize') ?? '50');
	if (!Number.isInteger(page) || page < 0)
		throw new HttpError(400, 'Page must be a whole number starting at 0');
	if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
		throw new HttpError(400, 'PageSize must be between 1 and 100');
	const base = `${state.url}/v2_beta/Accounts/${account.sid}/IncomingPhoneNumbers`;
	const uri = (p: number) => `${base}?Page=${p}&PageSize=${pageSize}`;
	const hasNext = (page + 1) * pageSize < items.length;
	sendJson(ctx.res, 200, {
		page,
		page_size: pageSize,
		uri: uri(page),
		first_page_uri: uri(0),
		next_page_uri: hasNext ? uri(page + 1) : null,
		previous_page_uri: page > 0 ? uri(page - 1) : null,
		incoming_phone_numbers: items.slice(page * pageSize, (page + 1) * pageSize),
	});
}

// ---------------------------------------------------------------------------------------------------------------
// Control endpoints

async function readJson(req: http.IncomingMessage): Promise<unknown> {
	const body = await readBody(req);
	if (body.length === 0) return undefined;
	try {
		return JSON.parse(body.toString('utf8'));
	} catch {
		throw new HttpError(400, 'Body must be JSON');
	}
}

export function clockInfo(state: SimState) {
	const now = state.clock.now();
	// realMs: the host's clock at the same instant, so a client can extrapolate virtual time:
	// virtualNow ≈ epochMs + (Date.now() - realMs) * factor (until the factor changes).
	return {
		now: formatIso(now),
		epochMs: now,
		exotel: formatExotel(now),
		factor: state.clock.factor,
		realMs: Date.now(),
	};
}

async function control(
	state: SimState,
	req: http.IncomingMessage,
	res: http.ServerResponse,
	url: URL,
): Promise<void> {
	const method = req.method ?? 'GET';
	const path = url.pathname;
	const is = (m: string, p: string) => method === m && path === p;

	if (is('GET', '/') || is('GET', '/_sim')) {
		const account = state.config.accounts[0];
		return sendJson(res, 200, {
			name: 'Exotel simulator',
			url: state.url,
			account: { sid: account.sid, apiKey: account.apiKey, apiToken: account.apiToken },
			apiRoot: `${state.url}/v1/Accounts/${account.sid}`,
			clock: clockInfo(state),
			control: [
				'GET /_sim/clock',
				'POST /_sim/clock {advanceMs?, set?, factor?}',
				'GET /_sim/ledger',
				'GET /_sim/config',
				'POST /_sim/config <partial config>',
				'POST /_sim/reset {sheets?: boolean}',
				'GET|PUT|POST /_sim/sheets/:name/rows',
				'POST /_sim/sheets/:name/update[?matchOn=column]',
			],
		});
	}
	if (is('GET', '/_sim/clock')) return sendJson(res, 200, clockInfo(state));
	if (is('POST', '/_sim/clock')) {
		const body = ((await readJson(req)) ?? {}) as {
			advanceMs?: number;
			set?: string | number;
			factor?: number;
		};
		if (body.factor !== undefined) applyPatch(state, { clock: { factor: body.factor } });
		if (body.set !== undefined) state.clock.set(body.set);
		if (body.advanceMs !== undefined) state.clock.advance(Number(body.advanceMs));
		return sendJson(res, 200, clockInfo(state));
	}
	if (is('GET', '/_sim/ledger')) return sendJson(res, 200, state.ledger);
	if (is('GET', '/_sim/config')) return sendJson(res, 200, state.config);
	if (is('POST', '/_sim/config')) {
		const patch = (await readJson(req)) as DeepPartial<SimConfig> | undefined;
		if (patch === undefined || typeof patch !== 'object' || Array.isArray(patch))
			throw new HttpError(400, 'Body must be a JSON object');
		applyPatch(state, patch);
		return sendJson(res, 200, state.config);
	}
	if (is('POST', '/_sim/reset')) {
		const body = ((await readJson(req)) ?? {}) as { sheets?: boolean };
		resetState(state, { sheets: body.sheets === true });
		return sendJson(res, 200, { ok: true, clock: clockInfo(state) });
	}
	const recording = /^\/_sim\/recordings\/([0-9a-f]{32})\.mp3$/.exec(path);
	if (recording && method === 'GET') {
		if (!state.callsBySid.has(recording[1])) throw new HttpError(404, 'No such recording');
		res.writeHead(200, { 'Content-Type': 'audio/mpeg', 'Content-Length': 0 });
		res.end();
		return;
	}
	const sheet = /^\/_sim\/sheets\/([^/]+)\/(rows|update)$/.exec(path);
	if (sheet) {
		const name = decodeSegment(sheet[1]);
		if (sheet[2] === 'rows' && method === 'GET') return sendJson(res, 200, state.sheets.rows(name));
		if (sheet[2] === 'rows' && method === 'PUT')
			return sendJson(res, 200, state.sheets.replace(name, await readJson(req)));
		if (sheet[2] === 'rows' && method === 'POST')
			return sendJson(res, 200, state.sheets.append(name, await readJson(req)));
		if (sheet[2] === 'update' && method === 'POST') {
			const matchOn = url.searchParams.get('matchOn') || 'row_number';
			return sendJson(res, 200, state.sheets.update(name, await readJson(req), matchOn));
		}
		throw new HttpError(405, `Method ${method} is not allowed here`);
	}
	if (is('GET', '/_sim/sheets')) return sendJson(res, 200, state.sheets.names());
	throw new HttpError(404, `No control endpoint ${method} ${path}`);
}
