/** Transport behaviour (retries, backoff, unsafe requests, parsing) against a scripted local HTTP server. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeApiError } from 'n8n-workflow';

import { connectCallRequest, numberMetadataRequest } from '../../nodes/core/exotel/requests';
import {
	backoffDelay,
	exotelApiRequest,
	exotelApiRequestFull,
	retryAfterMs,
} from '../../nodes/transport/exotelApi';
import { createExecuteContext, simCredentials } from '../helpers';

type Reply = {
	status: number;
	body?: string | object;
	headers?: Record<string, string>;
	delayMs?: number;
};

describe('exotelApiRequest', () => {
	let server: http.Server;
	let url: string;
	let script: Reply[] = [];
	let received: Array<{
		method?: string;
		url?: string;
		headers: http.IncomingHttpHeaders;
		body: string;
	}> = [];

	beforeAll(async () => {
		server = http.createServer((req, res) => {
			let body = '';
			req.on('data', (c) => (body += c));
			req.on('end', () => {
				received.push({ method: req.method, url: req.url, headers: req.headers, body });
				const reply: Reply = script.shift() ?? { status: 200, body: { Numbers: {} } };
				const send = () => {
					if (res.destroyed) return;
					const text =
						typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
					res.writeHead(reply.status, {
						'Content-Type': typeof reply.body === 'string' ? 'text/xml' : 'application/json',
						...(reply.headers ?? {}),
					});
					res.end(text);
				};
				if (reply.delayMs) setTimeout(send, reply.delayMs);
				else send();
			});
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
	});
	beforeEach(() => {
		script = [];
		received = [];
	});

	const ctx = (token = 'sim-token') =>
		createExecuteContext(undefined, {
			credentials: { exotelApi: simCredentials(url, { apiToken: token }) },
		}).context;
	const lookup = numberMetadataRequest('simaccount', '9876543210');
	const connect = connectCallRequest('simaccount', {
		from: '9876543210',
		to: '9123456789',
		callerId: '08040000001',
		statusCallback: 'http://cb',
		statusCallbackEvents: ['terminal'],
	});
	const noWait = () => jest.fn(async (_ms: number) => undefined);

	it('sends basic auth, Accept JSON and returns the parsed body', async () => {
		script = [{ status: 200, body: { Numbers: { PhoneNumber: '09876543210' } } }];
		const body = await exotelApiRequest.call(ctx(), lookup);
		expect(body).toEqual({ Numbers: { PhoneNumber: '09876543210' } });
		expect(received[0].url).toBe('/v1/Accounts/simaccount/Numbers/09876543210.json');
		expect(received[0].headers.authorization).toBe(
			`Basic ${Buffer.from('sim-key:sim-token').toString('base64')}`,
		);
		expect(received[0].headers.accept).toBe('application/json');
	});

	it('sends Connect as a urlencoded form with indexed StatusCallbackEvents', async () => {
		script = [{ status: 200, body: { Call: { Sid: 'abc', Status: 'in-progress' } } }];
		await exotelApiRequest.call(ctx(), connect);
		expect(received[0].method).toBe('POST');
		expect(received[0].headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		expect(Object.fromEntries(new URLSearchParams(received[0].body))).toEqual({
			From: '+919876543210',
			To: '+919123456789',
			CallerId: '08040000001',
			StatusCallback: 'http://cb',
			'StatusCallbackEvents[0]': 'terminal',
		});
	});

	it('parses XML answers', async () => {
		script = [
			{
				status: 200,
				body: '<?xml version="1.0"?><TwilioResponse><Call><Sid>x</Sid><Status>completed</Status></Call></TwilioResponse>',
			},
		];
		expect(await exotelApiRequest.call(ctx(), { ...lookup, envelope: ['Call'] })).toEqual({
			Call: { Sid: 'x', Status: 'completed' },
		});
	});

	it('retries 429 honouring Retry-After, then succeeds', async () => {
		script = [
			{
				status: 429,
				headers: { 'Retry-After': '2' },
				body: { RestException: { Status: 429, Message: 'slow down' } },
			},
			{ status: 200, body: { Numbers: {} } },
		];
		const sleep = noWait();
		const res = await exotelApiRequestFull.call(ctx(), lookup, { sleep });
		expect(res.attempts).toBe(2);
		expect(sleep).toHaveBeenCalledWith(2000);
	});

	it('caps Retry-After', async () => {
		script = [
			{ status: 429, headers: { 'Retry-After': '3600' } },
			{ status: 200, body: { Numbers: {} } },
		];
		const sleep = noWait();
		await exotelApiRequest.call(ctx(), lookup, { sleep, maxRetryAfterMs: 5000 });
		expect(sleep).toHaveBeenCalledWith(5000);
	});

	it('retries 5xx on GET with exponential backoff and jitter', async () => {
		script = [
			{ status: 503 },
			{ status: 502 },
			{ status: 500 },
			{ status: 200, body: { Numbers: {} } },
		];
		const sleep = noWait();
		const onRetry = jest.fn();
		const res = await exotelApiRequestFull.call(ctx(), lookup, { sleep, random: () => 0, onRetry });
		expect(res.attempts).toBe(4);
		expect(sleep.mock.calls.map((c) => c[0])).toEqual([250, 500, 1000]);
		expect(onRetry.mock.calls.map((c) => c[0].reason)).toEqual([
			'HTTP 503',
			'HTTP 502',
			'HTTP 500',
		]);
	});

	it('gives up after maxRetries with the 429 hint', async () => {
		script = Array.from({ length: 5 }, () => ({
			status: 429,
			body: { RestException: { Status: 429, Message: 'Rate limit exceeded' } },
		}));
		const err = await exotelApiRequest
			.call(ctx(), lookup, { sleep: noWait(), maxRetries: 3, itemIndex: 4 })
			.catch((e) => e);
		expect(received).toHaveLength(4);
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.message).toBe('Exotel number lookup failed: Rate limit exceeded (HTTP 429)');
		expect(err.description).toMatch(/rate limit/);
		expect(err.httpCode).toBe('429');
		expect(err.context.itemIndex).toBe(4);
	});

	it('never retries Connect after a 5xx (the call may exist) unless retryUnsafe', async () => {
		script = [{ status: 503 }, { status: 200, body: { Call: { Sid: 'a' } } }];
		const err = await exotelApiRequest.call(ctx(), connect, { sleep: noWait() }).catch((e) => e);
		expect(received).toHaveLength(1);
		expect(err.httpCode).toBe('503');
		expect(err.description).toMatch(/may have been placed/);

		received = [];
		script = [{ status: 503 }, { status: 200, body: { Call: { Sid: 'a' } } }];
		const body = await exotelApiRequest.call(ctx(), connect, {
			sleep: noWait(),
			retryUnsafe: true,
		});
		expect(body).toEqual({ Call: { Sid: 'a' } });
		expect(received).toHaveLength(2);
	});

	it('always retries Connect on 429 (Exotel refused it, no call exists)', async () => {
		script = [{ status: 429 }, { status: 200, body: { Call: { Sid: 'a' } } }];
		expect(await exotelApiRequest.call(ctx(), connect, { sleep: noWait() })).toEqual({
			Call: { Sid: 'a' },
		});
		expect(received).toHaveLength(2);
	});

	it('timeouts: GET is retried, Connect is not', async () => {
		script = [
			{ status: 200, delayMs: 1400 },
			{ status: 200, body: { Numbers: {} } },
		];
		const res = await exotelApiRequestFull.call(ctx(), lookup, { sleep: noWait(), timeout: 1000 });
		expect(res.attempts).toBe(2);

		received = [];
		script = [{ status: 200, delayMs: 1400, body: { Call: { Sid: 'late' } } }];
		const err = await exotelApiRequest
			.call(ctx(), connect, { sleep: noWait(), timeout: 1000 })
			.catch((e) => e);
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.message).toBe('Exotel connect call failed: no answer in time');
		expect(err.description).toMatch(/check the cluster \/ base URL/);
		expect(err.description).toMatch(/may have been placed/);
		expect(received).toHaveLength(1);
	});

	it('maxRetries 0 disables retrying', async () => {
		script = [{ status: 503 }, { status: 200 }];
		const err = await exotelApiRequest
			.call(ctx(), lookup, { sleep: noWait(), maxRetries: 0 })
			.catch((e) => e);
		expect(err.httpCode).toBe('503');
		expect(received).toHaveLength(1);
	});

	it('a RestException inside a 200 is an error', async () => {
		script = [
			{ status: 200, body: { RestException: { Status: 400, Message: 'From number is invalid' } } },
		];
		const err = await exotelApiRequest.call(ctx(), lookup).catch((e) => e);
		expect(err.httpCode).toBe('400');
		expect(err.message).toBe('Exotel number lookup failed: From number is invalid (HTTP 400)');
	});

	it('a 200 that is neither JSON nor XML points at the base URL', async () => {
		script = [{ status: 200, body: 'hello, this is not exotel' }];
		const err = await exotelApiRequest.call(ctx(), lookup).catch((e) => e);
		expect(err.message).toMatch(/neither JSON nor XML/);
		expect(err.description).toMatch(/base URL/);
	});

	it('never puts the token in a message, even if the server echoes it', async () => {
		const token = 'very-secret-token-123';
		script = [
			{ status: 401, body: { RestException: { Status: 401, Message: `bad token ${token}` } } },
		];
		const err = await exotelApiRequest.call(ctx(token), lookup).catch((e) => e);
		expect(
			JSON.stringify({
				m: err.message,
				d: err.description,
				r: err.errorResponse,
				msgs: err.messages,
			}),
		).not.toContain(token);
		expect(err.description).toMatch(/API key and API token/);
	});

	it('enforces timeout >= 1000 ms and maxRetries <= 10 whatever the caller passes', async () => {
		script = [{ status: 200, delayMs: 300, body: { Numbers: {} } }];
		const res = await exotelApiRequestFull.call(ctx(), lookup, {
			sleep: noWait(),
			timeout: 50,
			maxRetries: 0,
		});
		expect(res.attempts).toBe(1); // 50 ms would have timed out; 1000 ms did not
		script = Array.from({ length: 20 }, () => ({ status: 429 }));
		await exotelApiRequest.call(ctx(), lookup, { sleep: noWait(), maxRetries: 50 }).catch((e) => e);
		expect(received).toHaveLength(11 + 1);
	});

	const withBase = (baseUrl: string, extra: Record<string, unknown> = {}) =>
		createExecuteContext(undefined, {
			credentials: { exotelApi: simCredentials(baseUrl, { apiToken: 'tok-SECRET-42', ...extra }) },
		}).context;

	it('refuses a base URL with user:token@ and never repeats the token', async () => {
		for (const base of [
			`http://sim-key:tok-SECRET-42@127.0.0.1:1`,
			`https://user:tok-SECRET-42@api.example.com`,
			'key:tok-SECRET-42@api.example.com',
		]) {
			const err = await exotelApiRequest.call(withBase(base), lookup).catch((e) => e);
			expect(err.name).toBe('NodeApiError');
			expect(err.message).toMatch(/user name or password/);
			expect(
				JSON.stringify({
					m: err.message,
					d: err.description,
					r: err.errorResponse,
					msgs: err.messages,
				}),
			).not.toContain('tok-SECRET-42');
		}
		expect(received).toHaveLength(0);
	});

	it('refuses http:// to another machine unless Allow Unencrypted HTTP is on; loopback is always fine', async () => {
		const err = await exotelApiRequest
			.call(withBase('http://exotel-proxy.example.com:8080'), lookup)
			.catch((e) => e);
		expect(err.message).toMatch(/unencrypted http:\/\/ .*Allow Unencrypted HTTP/);
		const allowed = await exotelApiRequest
			.call(withBase('http://exotel-proxy.example.invalid', { allowUnencryptedHttp: true }), lookup)
			.catch((e) => e);
		expect(allowed.message).not.toMatch(/unencrypted/); // it got as far as the network
		for (const loopback of [
			url,
			url.replace('127.0.0.1', 'localhost'),
			url.replace('127.0.0.1', 'LOCALHOST'),
			url.replace('127.0.0.1', '127.0.0.1') + '/',
		]) {
			script = [{ status: 200, body: { Numbers: {} } }];
			await expect(exotelApiRequest.call(withBase(loopback), lookup)).resolves.toEqual({
				Numbers: {},
			});
		}
	});

	it('a custom cluster without a base URL is a clear error', async () => {
		const context = createExecuteContext(undefined, {
			credentials: { exotelApi: simCredentials('') },
		}).context;
		await expect(exotelApiRequest.call(context, lookup)).rejects.toThrow(
			'custom base URL but none is set',
		);
	});
});

describe('backoff helpers', () => {
	it('retryAfterMs reads seconds and HTTP dates', () => {
		expect(retryAfterMs('3')).toBe(3000);
		expect(retryAfterMs('0.5')).toBe(500);
		expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
		expect(retryAfterMs('soon')).toBeUndefined();
		expect(retryAfterMs(undefined)).toBeUndefined();
	});
	it('backoffDelay grows, caps and jitters', () => {
		expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, 500, 8000, () => 0))).toEqual([
			250, 500, 1000, 2000, 4000, 4000,
		]);
		expect(backoffDelay(10, 500, 8000, () => 0.999999)).toBe(8000);
	});
});
