/**
 * Exotel Status Trigger: webhook() with a fake IWebhookFunctions for every body shape n8n 1.123 hands a trigger,
 * and the same node behind a real local HTTP server that parses requests the way n8n 1.123 does
 * (multipart -> `{ data, files }` with one-element arrays unwrapped, urlencoded -> querystring, JSON -> object).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQueryString } from 'node:querystring';

import axios from 'axios';
import { Readable } from 'node:stream';
import type {
	IDataObject,
	IHookFunctions,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { encodeCorrelation } from '../../nodes/core/correlation';
import { callbackFields } from '../../nodes/ExotelStatusTrigger/callbackBody';
import {
	ExotelStatusTrigger,
	secretProblem,
	secretsMatch,
} from '../../nodes/ExotelStatusTrigger/ExotelStatusTrigger.node';

const SECRET = 'Xq7p2L9vR4mT8wKc3Fz6';
const RELEASED_AT = Date.UTC(2024, 4, 14, 5, 52, 40); // 11:22:40 IST
const CUSTOM_FIELD = encodeCorrelation({
	campaign: 'diwali-2024',
	contact: 'row-42',
	attempt: 2,
	circle: 'MH',
	releasedAt: RELEASED_AT,
});
const CALL_SID = 'c3f9a1d2b4e5f60718293a4b5c6d7e8f';
const RECORDING =
	'https://recordings.exotel.com/exotelrecordings/acme1/c3f9a1d2b4e5f60718293a4b5c6d7e8f.mp3';

// ---------------------------------------------------------------- Exotel bodies (as Exotel sends them)

/** A terminal callback in form encoding (multipart default, or urlencoded): flat bracket keys, string values. */
const terminalForm: Record<string, string> = {
	CallSid: CALL_SID,
	DateUpdated: '2024-05-14 11:23:45',
	Status: 'completed',
	RecordingUrl: RECORDING,
	EventType: 'terminal',
	DateCreated: '2024-05-14 11:22:58',
	To: '09876543210',
	From: '09123456780',
	PhoneNumberSid: '02248900000',
	StartTime: '2024-05-14 11:22:58',
	EndTime: '2024-05-14 11:23:45',
	ConversationDuration: '21',
	Direction: 'outbound-api',
	CustomField: CUSTOM_FIELD,
	'Legs[0][Status]': 'completed',
	'Legs[0][OnCallDuration]': '38',
	'Legs[0][AnsweredBy]': 'Human',
	'Legs[1][Status]': 'completed',
	'Legs[1][OnCallDuration]': '21',
};

/** The same callback with StatusCallbackContentType=application/json: Legs is a real array, durations numbers. */
const terminalJson = {
	CallSid: CALL_SID,
	DateUpdated: '2024-05-14 11:23:45',
	Status: 'completed',
	RecordingUrl: RECORDING,
	EventType: 'terminal',
	DateCreated: '2024-05-14 11:22:58',
	To: '09876543210',
	From: '09123456780',
	PhoneNumberSid: '02248900000',
	StartTime: '2024-05-14 11:22:58',
	EndTime: '2024-05-14 11:23:45',
	ConversationDuration: 21,
	Direction: 'outbound-api',
	CustomField: CUSTOM_FIELD,
	Legs: [
		{ Status: 'completed', OnCallDuration: 38, AnsweredBy: 'Human' },
		{ Status: 'completed', OnCallDuration: 21 },
	],
};

/** Leg 1 picked up, leg 2 still ringing (frappe/crm's observed shape). */
const answeredForm: Record<string, string> = {
	CallSid: CALL_SID,
	DateUpdated: '2024-05-14 11:23:02',
	Status: 'in-progress',
	RecordingUrl: '',
	EventType: 'answered',
	DateCreated: '2024-05-14 11:22:58',
	To: '09876543210',
	From: '09123456780',
	PhoneNumberSid: '02248900000',
	StartTime: '2024-05-14 11:22:58',
	EndTime: '',
	ConversationDuration: '0',
	Direction: 'outbound-api',
	CustomField: CUSTOM_FIELD,
	'Legs[0][Status]': 'in-progress',
	'Legs[0][OnCallDuration]': '0',
	'Legs[1][Status]': '',
	'Legs[1][OnCallDuration]': '0',
};

/** Nobody answered; no recording ("null"), second leg never attempted, a user's own CustomField. */
const noAnswerForm: Record<string, string> = {
	CallSid: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5',
	DateUpdated: '2024-05-14 11:24:40',
	Status: 'no-answer',
	RecordingUrl: 'null',
	EventType: 'terminal',
	DateCreated: '2024-05-14 11:24:00',
	To: '09876543210',
	From: '09123456781',
	PhoneNumberSid: '02248900000',
	StartTime: '2024-05-14 11:24:00',
	EndTime: '2024-05-14 11:24:40',
	ConversationDuration: '0',
	Direction: 'outbound-api',
	CustomField: 'order-7781',
	'Legs[0][Status]': 'no-answer',
	'Legs[0][OnCallDuration]': '0',
	'Legs[1][Status]': 'null',
	'Legs[1][OnCallDuration]': '0',
};

/** What the StatusEvent for `terminalForm` / `terminalJson` must contain, whatever the encoding. */
const expectedTerminal = {
	callSid: CALL_SID,
	status: 'completed',
	eventType: 'terminal',
	answered: true,
	direction: 'outbound-api',
	from: '+919123456780',
	to: '+919876543210',
	callerId: '02248900000',
	dateCreated: '2024-05-14T11:22:58+05:30',
	dateUpdated: '2024-05-14T11:23:45+05:30',
	startTime: '2024-05-14T11:22:58+05:30',
	endTime: '2024-05-14T11:23:45+05:30',
	conversationDuration: 21,
	leg1Status: 'completed',
	leg2Status: 'completed',
	legs: [
		{ id: 1, status: 'completed', onCallDuration: 38, answeredBy: 'Human' },
		{ id: 2, status: 'completed', onCallDuration: 21 },
	],
	recordingUrl: RECORDING,
	answeredBy: 'Human',
	customField: CUSTOM_FIELD,
	correlation: {
		campaign: 'diwali-2024',
		contact: 'row-42',
		attempt: 2,
		circle: 'MH',
		releasedAt: RELEASED_AT,
	},
};

const ISO_IST = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+05:30$/;

// ---------------------------------------------------------------- fake IWebhookFunctions

interface FakeRequest {
	body?: unknown;
	query?: Record<string, unknown>;
	headers?: Record<string, string | string[] | undefined>;
	rawBody?: Buffer;
	/** The request as a stream: what n8n leaves unread for a version-2 node and an unknown content type. */
	stream?: Readable;
	params?: Record<string, unknown>;
}

interface FakeResponse {
	statusCode?: number;
	sent?: unknown;
	ended: boolean;
	status(code: number): FakeResponse;
	send(body: unknown): FakeResponse;
	end(): FakeResponse;
}

function fakeResponse(): FakeResponse {
	const res: FakeResponse = {
		ended: false,
		status(code) {
			res.statusCode = code;
			return res;
		},
		send(body) {
			res.sent = body;
			res.ended = true;
			return res;
		},
		end() {
			res.ended = true;
			return res;
		},
	};
	return res;
}

function fakeContext(req: FakeRequest, res: FakeResponse = fakeResponse()) {
	const params: Record<string, unknown> = {
		secret: SECRET,
		events: 'terminal',
		options: {},
		...req.params,
	};
	const getWorkflowStaticData = jest.fn(() => ({}));
	const context = {
		getNodeParameter: (name: string, fallback?: unknown) =>
			name in params ? params[name] : fallback,
		getBodyData: () => req.body,
		getQueryData: () => req.query ?? {},
		getHeaderData: () => req.headers ?? {},
		getRequestObject: () => {
			const fields = {
				body: req.body,
				query: req.query ?? {},
				headers: req.headers ?? {},
				rawBody: req.rawBody,
			};
			return req.stream ? Object.assign(req.stream, fields) : fields;
		},
		getResponseObject: () => res,
		getNode: () => ({
			id: 'n1',
			name: 'Exotel Status Trigger',
			type: 'n8n-nodes-exotel-campaigns.exotelStatusTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: params,
		}),
		getMode: () => 'webhook',
		getWorkflowStaticData,
		helpers: {},
	};
	return { context: context as unknown as IWebhookFunctions, res, getWorkflowStaticData };
}

const node = new ExotelStatusTrigger();

async function run(req: FakeRequest) {
	const fake = fakeContext(req);
	const result = await node.webhook.call(fake.context);
	// The trigger must never touch static data (it races with the execution's own copy).
	expect(fake.getWorkflowStaticData).not.toHaveBeenCalled();
	return { result, res: fake.res };
}

function onlyItem(result: IWebhookResponseData): IDataObject {
	expect(result.workflowData).toHaveLength(1);
	const items = (result.workflowData as INodeExecutionData[][])[0];
	expect(items).toHaveLength(1);
	return items[0].json;
}

const withSecret = { query: { secret: SECRET } };

// ---------------------------------------------------------------- description

describe('description', () => {
	const d = node.description;
	it('is a POST webhook trigger that answers at once', () => {
		expect(d.name).toBe('exotelStatusTrigger');
		expect(d.displayName).toBe('Exotel Status Trigger');
		expect(d.group).toEqual(['trigger']);
		expect(d.inputs).toEqual([]);
		expect(d.outputs).toEqual(['main']);
		expect(d.webhooks).toEqual([
			expect.objectContaining({
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'exotel-status',
			}),
		]);
		expect(d.usableAsTool).toBeUndefined();
	});
	it('is version 2 by default; version 1 (saved workflows) keeps working', () => {
		expect(d.version).toEqual([1, 2]);
		expect(d.defaultVersion).toBe(2);
	});
	it('has a required, masked Secret, the Events choice and no options.binaryData (which would stop n8n parsing bodies)', () => {
		const secret = d.properties.find((p) => p.name === 'secret');
		expect(secret).toMatchObject({ type: 'string', required: true });
		// n8n's verification scan requires sensitive parameters to be password fields (eslint-disable is not honoured).
		expect(secret?.typeOptions?.password).toBe(true);
		const events = d.properties.find((p) => p.name === 'events');
		expect(events?.default).toBe('terminal');
		expect(events?.options?.map((o) => ('value' in o ? o.value : undefined))).toEqual([
			'answeredToo',
			'terminal',
		]);
		const options = d.properties.find((p) => p.name === 'options');
		expect(options?.options?.map((o) => o.name)).toEqual(['includeRawBody']);
		const notice = d.properties.find((p) => p.type === 'notice');
		expect(notice?.displayName).toMatch(/Production URL/);
		expect(notice?.displayName).toMatch(/\?secret=/);
	});
});

describe('webhookMethods (nothing to register on Exotel)', () => {
	const hook = (secret: string) =>
		({
			getNodeParameter: (name: string, fallback?: unknown) =>
				name === 'secret' ? secret : fallback,
			getNode: () => ({ name: 'Exotel Status Trigger' }),
		}) as unknown as IHookFunctions;
	it('checkExists/create/delete return true', async () => {
		await expect(node.webhookMethods.default.checkExists.call(hook(SECRET))).resolves.toBe(true);
		await expect(node.webhookMethods.default.create.call(hook(SECRET))).resolves.toBe(true);
		await expect(node.webhookMethods.default.delete.call(hook(SECRET))).resolves.toBe(true);
	});
	it.each([
		['the Google Sheets example placeholder', 'REPLACE-WITH-A-LONG-RANDOM-SECRET'],
		['the local example placeholder', 'change-me-to-a-long-random-secret'],
		["the Secret field's own placeholder", '7f3a9c2e5b8d41f6a0c4e9b2'],
		['one repeated character', 'aaaaaaaaaaaaaaaaaaaa'],
		['few distinct characters', 'abcabcabcabcabcabcab1'],
		['one repeated pattern', 'abcdefghabcdefghabcdefgh'],
	])('refuses activation and every callback with %s', async (_name, weak) => {
		await expect(node.webhookMethods.default.checkExists.call(hook(weak))).rejects.toThrow(
			/Secret/,
		);
		const problem = await node.webhookMethods.default.checkExists
			.call(hook(weak))
			.catch((e: { description?: string }) => e);
		expect((problem as { description?: string }).description).toMatch(/openssl rand -hex 24/);
		const fake = fakeContext({
			query: { secret: weak },
			body: { ...terminalForm },
			params: { secret: weak },
		});
		const result = await node.webhook.call(fake.context);
		expect(fake.res.statusCode).toBe(500);
		expect(String(fake.res.sent)).toMatch(/openssl rand -hex 24/);
		expect(result).toEqual({ noWebhookResponse: true });
	});
	it('accepts the secrets the tests, the demo and the e2e suite use', () => {
		for (const s of [
			SECRET,
			'e2e-status-secret-0123456789',
			'demo-status-secret-2f7c9a41b8',
			'pacing-test-secret-0123',
		]) {
			expect(secretProblem(s)).toBeUndefined();
		}
	});
	it('refuses activation with a too short secret', async () => {
		await expect(node.webhookMethods.default.checkExists.call(hook('short'))).rejects.toThrow(
			/at least 16 characters/,
		);
		await expect(node.webhookMethods.default.checkExists.call(hook(''))).rejects.toThrow(
			/at least 16 characters/,
		);
	});
});

// ---------------------------------------------------------------- webhook(): bodies

describe('webhook(): the three encodings give the same StatusEvent', () => {
	it('multipart/form-data as n8n 1.123 delivers it: { data: { flat bracket keys }, files }', async () => {
		const { result } = await run({ ...withSecret, body: { data: { ...terminalForm }, files: {} } });
		const event = onlyItem(result);
		expect(event).toMatchObject(expectedTerminal);
		expect(event.receivedAt).toMatch(ISO_IST);
		expect(event).not.toHaveProperty('rawBody');
	});

	it('application/x-www-form-urlencoded (querystring: flat bracket keys)', async () => {
		const { result } = await run({ ...withSecret, body: { ...terminalForm } });
		expect(onlyItem(result)).toMatchObject(expectedTerminal);
	});

	it('application/json (Legs array, numeric durations)', async () => {
		const { result } = await run({ ...withSecret, body: terminalJson });
		expect(onlyItem(result)).toMatchObject(expectedTerminal);
	});

	it('Legs already nested by a body parser: array of objects, or an object with numeric keys', async () => {
		const flat = Object.fromEntries(
			Object.entries(terminalForm).filter(([k]) => !k.startsWith('Legs[')),
		);
		const asArray = {
			...flat,
			Legs: [
				{ Status: 'completed', OnCallDuration: '38', AnsweredBy: 'Human' },
				{ Status: 'completed', OnCallDuration: '21' },
			],
		};
		const asObject = {
			...flat,
			Legs: {
				'0': { Status: 'completed', OnCallDuration: '38', AnsweredBy: 'Human' },
				'1': { Status: 'completed', OnCallDuration: '21' },
			},
		};
		expect(onlyItem((await run({ ...withSecret, body: asArray })).result)).toMatchObject(
			expectedTerminal,
		);
		expect(onlyItem((await run({ ...withSecret, body: { data: asObject } })).result)).toMatchObject(
			expectedTerminal,
		);
	});

	it('an unparsed body (unknown content type) is read from the raw bytes, JSON or urlencoded', async () => {
		const json = await run({
			...withSecret,
			body: {},
			rawBody: Buffer.from(JSON.stringify(terminalJson)),
		});
		expect(onlyItem(json.result)).toMatchObject(expectedTerminal);
		const form = await run({
			...withSecret,
			body: undefined,
			rawBody: Buffer.from(new URLSearchParams(terminalForm).toString()),
		});
		expect(onlyItem(form.result)).toMatchObject(expectedTerminal);
		const text = await run({ ...withSecret, body: JSON.stringify(terminalJson) });
		expect(onlyItem(text.result)).toMatchObject(expectedTerminal);
	});

	it('"null" recording URL, unattempted leg and numeric zero durations; a foreign CustomField gives correlation null', async () => {
		const { result } = await run({ ...withSecret, body: { data: noAnswerForm, files: {} } });
		const event = onlyItem(result);
		expect(event).toMatchObject({
			callSid: noAnswerForm.CallSid,
			status: 'no-answer',
			eventType: 'terminal',
			answered: false,
			recordingUrl: null,
			conversationDuration: 0,
			legs: [
				{ id: 1, status: 'no-answer', onCallDuration: 0 },
				{ id: 2, status: null, onCallDuration: 0 },
			],
			customField: 'order-7781',
			correlation: null,
		});
		expect(typeof event.conversationDuration).toBe('number');
		const empty = onlyItem(
			(await run({ ...withSecret, body: { ...noAnswerForm, RecordingUrl: '' } })).result,
		);
		expect(empty.recordingUrl).toBeNull();
	});

	it('a minimal callback (no StatusCallbackEvents: CallSid, Status, DateUpdated, RecordingUrl only) is a terminal event', async () => {
		const minimal = {
			CallSid: CALL_SID,
			Status: 'busy',
			DateUpdated: '2024-05-14 11:23:45',
			RecordingUrl: 'null',
		};
		const event = onlyItem(
			(await run({ ...withSecret, body: { data: minimal, files: {} } })).result,
		);
		expect(event).toMatchObject({
			callSid: CALL_SID,
			status: 'busy',
			eventType: 'terminal',
			dateUpdated: '2024-05-14T11:23:45+05:30',
			legs: [],
			recordingUrl: null,
			customField: null,
			correlation: null,
		});
	});

	it('adds the fields exactly as received under rawBody when asked (and never the secret)', async () => {
		const { result } = await run({
			...withSecret,
			body: { data: { ...terminalForm }, files: {} },
			params: { options: { includeRawBody: true } },
		});
		const event = onlyItem(result);
		expect(event.rawBody).toEqual(terminalForm);
		expect(JSON.stringify(event)).not.toContain(SECRET);
	});
});

// ---------------------------------------------------------------- webhook(): events filter

describe('webhook(): answered vs terminal', () => {
	it('Terminal Only (default) answers 200 to an answered event but starts no execution', async () => {
		const { result, res } = await run({ ...withSecret, body: { data: answeredForm, files: {} } });
		expect(result.workflowData).toBeUndefined();
		expect(result.noWebhookResponse).toBeUndefined();
		expect(result.webhookResponse).toBe('');
		expect(res.statusCode).toBeUndefined(); // n8n sends its default 200
	});

	it('Answered Too emits the answered event', async () => {
		const { result } = await run({
			...withSecret,
			body: { data: answeredForm, files: {} },
			params: { events: 'answeredToo' },
		});
		expect(onlyItem(result)).toMatchObject({
			eventType: 'answered',
			status: 'in-progress',
			legs: [
				{ id: 1, status: 'in-progress', onCallDuration: 0 },
				{ id: 2, status: null, onCallDuration: 0 },
			],
			recordingUrl: null,
			endTime: null,
			correlation: expectedTerminal.correlation,
		});
	});

	it('Answered Too still emits terminal events', async () => {
		const { result } = await run({
			...withSecret,
			body: terminalJson,
			params: { events: 'answeredToo' },
		});
		expect(onlyItem(result)).toMatchObject({ eventType: 'terminal' });
	});
});

// ---------------------------------------------------------------- webhook(): rejections

describe('webhook(): answered events', () => {
	it('EventType=answered gives answered: true although ConversationDuration is still 0', async () => {
		const { result } = await run({
			...withSecret,
			body: { data: { ...answeredForm }, files: {} },
			params: { events: 'answeredToo' },
		});
		expect(onlyItem(result)).toMatchObject({
			eventType: 'answered',
			status: 'in-progress',
			conversationDuration: 0,
			answered: true,
		});
	});
});

describe('webhook(): non-terminal statuses without EventType', () => {
	it.each([['ringing'], ['in-progress'], ['queued'], ['']])(
		'Status=%s without EventType: 200 and no execution, in both modes',
		async (status) => {
			const { EventType: _dropped, ...noEventType } = terminalForm;
			for (const events of ['terminal', 'answeredToo']) {
				const { result, res } = await run({
					...withSecret,
					body: { ...noEventType, Status: status },
					params: { events },
				});
				expect(result.workflowData).toBeUndefined();
				expect(res.statusCode ?? 200).toBe(200);
			}
		},
	);
	it('a terminal status without EventType still starts the workflow', async () => {
		const { EventType: _dropped, ...noEventType } = terminalForm;
		const { result } = await run({ ...withSecret, body: { ...noEventType, Status: 'busy' } });
		expect(onlyItem(result)).toMatchObject({ status: 'busy', eventType: 'terminal' });
	});
});

describe('webhook(): rejected requests start nothing', () => {
	const body = { data: { ...terminalForm }, files: {} };

	it.each([
		['no secret', {}, {}],
		['wrong secret', { secret: 'Xq7p2L9vR4mT8wKc3Fz7' }, {}],
		['secret with a different length', { secret: SECRET + 'x' }, {}],
		['empty secret', { secret: '' }, {}],
		['wrong header secret', {}, { 'x-exotel-secret': 'nope-nope-nope-nope' }],
		[
			'wrong secret in both places',
			{ secret: 'nope-nope-nope-nope' },
			{ 'x-exotel-secret': SECRET.slice(1) },
		],
	])('%s -> 401', async (_name, query, headers) => {
		const { result, res } = await run({ body, query, headers });
		expect(res.statusCode).toBe(401);
		expect(res.ended).toBe(true);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('accepts the secret from the X-Exotel-Secret header, and a repeated query parameter', async () => {
		expect(
			onlyItem((await run({ body, headers: { 'x-exotel-secret': SECRET } })).result),
		).toMatchObject({ callSid: CALL_SID });
		expect(
			onlyItem((await run({ body, query: { secret: [SECRET, SECRET] } })).result),
		).toMatchObject({ callSid: CALL_SID });
		// Either place may carry it: a stale query value does not block a correct header, and vice versa.
		const both = await run({
			body,
			query: { secret: 'stale-secret-0000000' },
			headers: { 'x-exotel-secret': SECRET },
		});
		expect(onlyItem(both.result)).toMatchObject({ callSid: CALL_SID });
	});

	it('a node whose Secret is shorter than 16 characters rejects everything (even a matching secret)', async () => {
		const { result, res } = await run({
			body,
			query: { secret: 'short' },
			params: { secret: 'short' },
		});
		expect(res.statusCode).toBe(500);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it.each([
		['an empty multipart body', { data: {}, files: {} }],
		['an empty body', {}],
		['no body at all', undefined],
		['fields without CallSid', { Status: 'completed', 'Legs[0][Status]': 'completed' }],
		['a blank CallSid', { data: { ...terminalForm, CallSid: '  ' } }],
		['a non-callback text body', 'hello'],
	])('%s -> 400', async (_name, badBody) => {
		const { result, res } = await run({ ...withSecret, body: badBody });
		expect(res.statusCode).toBe(400);
		expect(String(res.sent)).toMatch(/CallSid/);
		expect(result).toEqual({ noWebhookResponse: true });
	});
});

describe('webhook(): oversized bodies are refused quickly', () => {
	const repeated = (n: number, pair: string) =>
		`CallSid=${CALL_SID}&` + Array(n).fill(pair).join('&');

	it.each([
		['80 KB text/plain with 20,000 repeated keys', repeated(20_000, 'Legs=1')],
		['40 KB with 20,000 repeated keys (under the size cap)', repeated(20_000, 'a')],
		[
			'201 distinct keys',
			repeated(201, 'x').replace(/x/g, () => `k${Math.random().toString(36).slice(2)}=1`),
		],
	])('%s -> 413 in < 100 ms, no execution', async (_name, text) => {
		const started = Date.now();
		const { result, res } = await run({ ...withSecret, body: text });
		expect(Date.now() - started).toBeLessThan(100);
		expect(res.statusCode).toBe(413);
		expect(String(res.sent)).toMatch(/Payload too large/);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('version 2: a body n8n left unread (unknown content type) is read from the request, at most 64 KiB + 1 byte', async () => {
		const json = await run({
			...withSecret,
			body: {},
			stream: Readable.from([Buffer.from(JSON.stringify(terminalJson))]),
		});
		expect(onlyItem(json.result)).toMatchObject(expectedTerminal);
		const form = new URLSearchParams(terminalForm).toString();
		const split = await run({
			...withSecret,
			body: {},
			stream: Readable.from([Buffer.from(form.slice(0, 20)), Buffer.from(form.slice(20))]),
		});
		expect(onlyItem(split.result)).toMatchObject(expectedTerminal);

		let pulled = 0;
		const endless = Readable.from(
			(function* () {
				for (let i = 0; i < 1000; i++) {
					pulled += 4096;
					yield Buffer.alloc(4096, 'a');
				}
			})(),
		);
		const big = await run({ ...withSecret, body: {}, stream: endless });
		expect(big.res.statusCode).toBe(413);
		expect(pulled).toBeLessThan(200 * 1024);
	});

	it('a request stream n8n already read (or an empty one) is not waited for', async () => {
		const consumed = Readable.from([Buffer.from('CallSid=x')]);
		for await (const _chunk of consumed) void _chunk;
		expect((await run({ ...withSecret, body: {}, stream: consumed })).res.statusCode).toBe(400);
		expect((await run({ ...withSecret, body: {}, stream: Readable.from([]) })).res.statusCode).toBe(
			400,
		);
	});

	it('the same limits hold for raw bytes, parsed form bodies and JSON', async () => {
		const text = repeated(20_000, 'a');
		expect(
			(await run({ ...withSecret, body: {}, rawBody: Buffer.from(text) })).res.statusCode,
		).toBe(413);
		const manyKeys: Record<string, string> = { ...terminalForm };
		for (let i = 0; i < 300; i++) manyKeys[`junk${i}`] = '1';
		expect((await run({ ...withSecret, body: manyKeys })).res.statusCode).toBe(413);
		expect((await run({ ...withSecret, body: { data: manyKeys, files: {} } })).res.statusCode).toBe(
			413,
		);
		expect((await run({ ...withSecret, body: JSON.stringify(manyKeys) })).res.statusCode).toBe(413);
	});
});

describe('helpers', () => {
	it('secretsMatch compares in constant time and handles any lengths', () => {
		expect(secretsMatch(SECRET, SECRET)).toBe(true);
		expect(secretsMatch(SECRET.slice(0, -1), SECRET)).toBe(false);
		expect(secretsMatch('', SECRET)).toBe(false);
	});
	it('callbackFields unwraps n8n envelopes and leaves unknown shapes out', () => {
		expect(callbackFields({ data: { CallSid: 'x' }, files: {} })).toEqual({ CallSid: 'x' });
		expect(callbackFields({ CallSid: 'x', data: 'y' })).toEqual({ CallSid: 'x', data: 'y' });
		expect(callbackFields({ data: { Other: 1 } })).toBeUndefined();
		expect(callbackFields('CallSid=a&Dup=1&Dup=2')).toEqual({ CallSid: 'a', Dup: ['1', '2'] });
		expect(callbackFields('{not json')).toBeUndefined();
	});
});

// ---------------------------------------------------------------- real HTTP, parsed the way n8n 1.123 parses

/** A minimal multipart/form-data reader giving what formidable 3 (multiples: true) gives n8n: name -> string[]. */
function parseMultipart(body: Buffer, contentType: string): Record<string, string[]> {
	const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
	if (!m) throw new Error('multipart without boundary');
	const delimiter = Buffer.from(`--${m[1] ?? m[2].trim()}`);
	const fields: Record<string, string[]> = {};
	let pos = body.indexOf(delimiter);
	while (pos !== -1) {
		let start = pos + delimiter.length;
		if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
		start += 2; // CRLF after the delimiter
		const next = body.indexOf(delimiter, start);
		if (next === -1) break;
		const part = body.subarray(start, next - 2); // the CRLF before the next delimiter belongs to it
		const split = part.indexOf('\r\n\r\n');
		const head = part.subarray(0, split).toString('utf8');
		const value = part.subarray(split + 4).toString('utf8');
		const name = /name="([^"]*)"/i.exec(head)?.[1];
		if (name !== undefined && !/filename=/i.test(head)) (fields[name] ??= []).push(value);
		pos = next;
	}
	return fields;
}

/** n8n's normalizeFormData: one-element arrays become the element. */
function unwrapSingles(values: Record<string, unknown>): Record<string, unknown> {
	for (const [k, v] of Object.entries(values))
		if (Array.isArray(v) && v.length === 1) values[k] = v[0];
	return values;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** Express-like `res` as getResponseObject() returns it, over a plain ServerResponse. */
function expressLike(res: ServerResponse) {
	const wrapper = {
		status(code: number) {
			res.statusCode = code;
			return wrapper;
		},
		send(body: unknown) {
			if (!res.writableEnded) res.end(typeof body === 'string' ? body : JSON.stringify(body));
			return wrapper;
		},
		end() {
			if (!res.writableEnded) res.end();
			return wrapper;
		},
	};
	return wrapper;
}

interface Harness {
	url: string;
	/** The items each started "execution" received. */
	executions: IDataObject[];
	params: Record<string, unknown>;
	close(): Promise<void>;
}

/** Mirrors n8n 1.123's executeWebhook for an onReceived trigger with responseData 'noData'. */
async function startHarness(): Promise<Harness> {
	const executions: IDataObject[] = [];
	const params: Record<string, unknown> = { secret: SECRET, events: 'terminal', options: {} };
	const server: Server = createServer((req, res) => {
		void (async () => {
			const url = new URL(req.url ?? '/', 'http://localhost');
			const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
			const raw = await readAll(req);
			let body: unknown;
			let rawBody: Buffer | undefined;
			if (contentType === 'multipart/form-data') {
				body = {
					data: unwrapSingles(parseMultipart(raw, String(req.headers['content-type']))),
					files: {},
				};
			} else {
				rawBody = raw;
				if (contentType === 'application/json') body = JSON.parse(raw.toString('utf8'));
				else if (contentType === 'application/x-www-form-urlencoded')
					body = { ...parseQueryString(raw.toString('utf8')) };
				else if (contentType === 'text/plain') body = raw.toString('utf8');
			}
			const query: Record<string, string | string[]> = {};
			for (const [k, v] of url.searchParams)
				query[k] = k in query ? ([] as string[]).concat(query[k], v) : v;
			const request = { body, query, headers: req.headers, rawBody };
			const context = {
				getNodeParameter: (name: string, fallback?: unknown) =>
					name in params ? params[name] : fallback,
				getBodyData: () => request.body,
				getQueryData: () => request.query,
				getHeaderData: () => request.headers,
				getRequestObject: () => request,
				getResponseObject: () => expressLike(res),
				getNode: () => ({ name: 'Exotel Status Trigger' }),
				getMode: () => 'webhook',
				helpers: {},
			} as unknown as IWebhookFunctions;
			let result: IWebhookResponseData;
			try {
				result = await node.webhook.call(context);
			} catch (error) {
				// n8n answers 500 and still records a failed execution.
				res.statusCode = 500;
				res.end(String(error));
				executions.push({ error: String(error) });
				return;
			}
			if (result.noWebhookResponse) {
				if (!res.writableEnded) res.end();
				return;
			}
			if (result.workflowData === undefined) {
				res.statusCode = 200;
				res.end(
					result.webhookResponse === undefined
						? JSON.stringify({ message: 'Webhook call received' })
						: String(result.webhookResponse),
				);
				return;
			}
			res.statusCode = 200;
			res.end(); // responseData 'noData'
			for (const item of result.workflowData[0]) executions.push(item.json);
		})();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook/4c1e6a2b-1f0e-4d8a-9a51-0e3f5b7c9d11/exotel-status`,
		executions,
		params,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function multipart(fields: Record<string, string>): FormData {
	const form = new FormData();
	for (const [k, v] of Object.entries(fields)) form.append(k, v);
	return form;
}

describe('real HTTP: Exotel bodies POSTed to a server that parses like n8n 1.123', () => {
	let h: Harness;
	beforeAll(async () => {
		h = await startHarness();
	});
	afterAll(async () => {
		await h.close();
	});
	beforeEach(() => {
		h.executions.length = 0;
		h.params.events = 'terminal';
	});
	const post = (url: string, data: unknown, headers: Record<string, string> = {}) =>
		axios.post(url, data, {
			headers,
			validateStatus: () => true,
			responseType: 'text',
			transformResponse: (d: unknown) => d,
		});

	it('multipart/form-data (Exotel default) with ?secret= -> 200 and one StatusEvent', async () => {
		const r = await post(`${h.url}?secret=${SECRET}`, multipart(terminalForm));
		expect(r.status).toBe(200);
		expect(String(r.headers['content-type'] ?? '')).not.toMatch(/json/);
		expect(h.executions).toHaveLength(1);
		expect(h.executions[0]).toMatchObject(expectedTerminal);
	});

	it('application/x-www-form-urlencoded -> the same event', async () => {
		const r = await post(
			`${h.url}?secret=${SECRET}`,
			new URLSearchParams(terminalForm).toString(),
			{
				'Content-Type': 'application/x-www-form-urlencoded',
			},
		);
		expect(r.status).toBe(200);
		expect(h.executions).toEqual([expect.objectContaining(expectedTerminal)]);
	});

	it('application/json (StatusCallbackContentType=application/json) -> the same event', async () => {
		const r = await post(`${h.url}?secret=${SECRET}`, terminalJson, {
			'Content-Type': 'application/json',
		});
		expect(r.status).toBe(200);
		expect(h.executions).toEqual([expect.objectContaining(expectedTerminal)]);
	});

	it('JSON sent as text/plain -> the same event', async () => {
		const r = await post(`${h.url}?secret=${SECRET}`, JSON.stringify(terminalJson), {
			'Content-Type': 'text/plain',
		});
		expect(r.status).toBe(200);
		expect(h.executions).toEqual([expect.objectContaining(expectedTerminal)]);
	});

	it('the secret in the X-Exotel-Secret header works too', async () => {
		const r = await post(h.url, multipart(noAnswerForm), { 'X-Exotel-Secret': SECRET });
		expect(r.status).toBe(200);
		expect(h.executions).toEqual([
			expect.objectContaining({ status: 'no-answer', recordingUrl: null, correlation: null }),
		]);
	});

	it('without the secret, or with a wrong one -> 401 and no execution', async () => {
		const none = await post(h.url, multipart(terminalForm));
		const wrong = await post(`${h.url}?secret=not-the-secret-123`, terminalJson, {
			'Content-Type': 'application/json',
		});
		const urlencoded = await post(
			`${h.url}?secret=${SECRET.toLowerCase()}`,
			new URLSearchParams(terminalForm).toString(),
			{
				'Content-Type': 'application/x-www-form-urlencoded',
			},
		);
		expect([none.status, wrong.status, urlencoded.status]).toEqual([401, 401, 401]);
		expect(h.executions).toHaveLength(0);
	});

	it('no CallSid -> 400 and no execution', async () => {
		const r = await post(`${h.url}?secret=${SECRET}`, multipart({ Status: 'completed' }));
		expect(r.status).toBe(400);
		expect(String(r.data)).toMatch(/CallSid/);
		expect(h.executions).toHaveLength(0);
	});

	it('answered events: 200 without an execution (Terminal Only), one execution each with Answered Too', async () => {
		const ignored = await post(`${h.url}?secret=${SECRET}`, multipart(answeredForm));
		expect(ignored.status).toBe(200);
		expect(h.executions).toHaveLength(0);
		h.params.events = 'answeredToo';
		const both = { ...answeredForm, 'Legs[1][Status]': 'in-progress' };
		await post(`${h.url}?secret=${SECRET}`, multipart(answeredForm));
		await post(`${h.url}?secret=${SECRET}`, multipart(both));
		await post(`${h.url}?secret=${SECRET}`, multipart(terminalForm));
		expect(h.executions.map((e) => [e.eventType, e.leg1Status, e.leg2Status])).toEqual([
			['answered', 'in-progress', null],
			['answered', 'in-progress', 'in-progress'],
			['terminal', 'completed', 'completed'],
		]);
	});

	it('a burst of 50 concurrent callbacks gives 50 events, one per CallSid', async () => {
		const sids = Array.from({ length: 50 }, (_, i) => `sid${String(i).padStart(29, '0')}`);
		const responses = await Promise.all(
			sids.map((sid, i) =>
				i % 2 === 0
					? post(`${h.url}?secret=${SECRET}`, multipart({ ...terminalForm, CallSid: sid }))
					: post(
							`${h.url}?secret=${SECRET}`,
							{ ...terminalJson, CallSid: sid },
							{ 'Content-Type': 'application/json' },
						),
			),
		);
		expect(responses.every((r) => r.status === 200)).toBe(true);
		expect(h.executions.map((e) => e.callSid).sort()).toEqual([...sids].sort());
	});
});
