/**
 * Fuzzing the Exotel Status Trigger's body reading (issue 11: anyone who has the callback URL and its secret can
 * post anything). Random and huge bodies in every shape n8n hands a trigger: the webhook always answers (an
 * execution, 200 without one, 400 or 413), never throws, never blocks the event loop, and what it emits is plain
 * data. Seeded (test/helpers/fuzz.ts); a failure names its FUZZ_SEED.
 */
import type { IDataObject, INodeExecutionData, IWebhookResponseData } from 'n8n-workflow';

import { encodeCorrelation } from '../../nodes/core/correlation';
import { isTerminalStatus, normaliseStatus } from '../../nodes/core/pacing/statuses';
import { readCallback } from '../../nodes/ExotelStatusTrigger/callbackBody';
import { ExotelStatusTrigger } from '../../nodes/ExotelStatusTrigger/ExotelStatusTrigger.node';
import { check, fuzzSeed, Gen, PROTO_KEYS } from '../helpers/fuzz';
import { callWebhook } from '../helpers/triggerRequest';

const SEED = fuzzSeed(1101);
const SECRET = 'Xq7p2L9vR4mT8wKc3Fz6';
const node = new ExotelStatusTrigger();

interface Answer {
	result: IWebhookResponseData;
	statusCode?: number;
	sent?: unknown;
	ms: number;
}

/** webhook() with a minimal fake context (the full one is in test/nodes/statusTrigger.test.ts). */
async function post(
	body: unknown,
	opts: { rawBody?: Buffer; events?: string; secret?: string; includeRawBody?: boolean } = {},
): Promise<Answer> {
	const params = {
		secret: SECRET,
		events: opts.events ?? 'terminal',
		options: opts.includeRawBody ? { includeRawBody: true } : {},
	};
	const req = {
		body,
		query: { secret: opts.secret ?? SECRET },
		headers: {},
		rawBody: opts.rawBody,
	};
	const t0 = performance.now();
	const { out, code, sent } = await callWebhook(node, req, params);
	const ms = performance.now() - t0;
	return { statusCode: code, sent, result: out, ms } as Answer;
}

function emitted(a: Answer): IDataObject[] {
	return ((a.result.workflowData ?? [[]]) as INodeExecutionData[][])[0].map((i) => i.json);
}

/** Plain data only: strings, finite numbers, booleans, null, arrays and objects of those (no functions). */
function plainData(v: unknown, depth = 0): boolean {
	if (depth > 20) return false;
	if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
	if (typeof v === 'number') return Number.isFinite(v);
	if (Array.isArray(v)) return v.every((x) => plainData(x, depth + 1));
	if (typeof v === 'object')
		return Object.values(v as object).every((x) => plainData(x, depth + 1));
	return false;
}

const STATUSES = [
	'completed',
	'busy',
	'no-answer',
	'failed',
	'canceled',
	'ringing',
	'in-progress',
	'queued',
	'COMPLETED',
	' Busy ',
	'',
	'answered',
	'ok',
	'__proto__',
];

/** A random callback-like record: real field names with random values, extra junk keys, prototype names. */
function randomFields(g: Gen): Record<string, unknown> {
	const f: Record<string, unknown> = {};
	if (g.chance(0.9)) f.CallSid = g.chance(0.8) ? g.text(40) || 'sid' : g.value();
	if (g.chance(0.8)) f.Status = g.chance(0.8) ? g.pick(STATUSES) : g.value();
	if (g.chance(0.5)) f.EventType = g.pick(['terminal', 'answered', '', 'Answered', 'x']);
	if (g.chance(0.6)) {
		f.CustomField = g.chance(0.5)
			? encodeCorrelation({
					campaign: g.text(8).replace(/\s/g, ''),
					contact: `+9198${g.int(10000000, 99999999)}`,
					attempt: g.int(1, 5),
					circle: 'MH',
					releasedAt: g.int(0, 2e12),
				})
			: g.value();
	}
	for (const k of [
		'ConversationDuration',
		'DateCreated',
		'StartTime',
		'EndTime',
		'From',
		'To',
		'RecordingUrl',
		'Direction',
	])
		if (g.chance(0.4)) f[k] = g.value(1);
	if (g.chance(0.3)) f['Legs[0][Status]'] = g.value(0);
	if (g.chance(0.3)) f.Legs = g.value(2);
	for (let i = g.int(0, 5); i > 0; i--)
		Object.defineProperty(f, g.chance(0.5) ? g.pick(PROTO_KEYS) : g.text(10), {
			value: g.value(1),
			enumerable: true,
			configurable: true,
			writable: true,
		});
	return f;
}

function urlencoded(g: Gen, fields: Record<string, unknown>): string {
	const parts: string[] = [];
	for (const [k, v] of Object.entries(fields)) {
		const enc = (x: unknown) =>
			`${encodeURIComponent(k)}=${encodeURIComponent(typeof x === 'string' ? x : (JSON.stringify(x) ?? ''))}`;
		parts.push(enc(v));
		if (g.chance(0.1)) parts.push(enc(v)); // repeated key
	}
	if (g.chance(0.2)) parts.push(g.pick(['%', '%zz', '=', '&&', '%E0%A4', '+', 'a=b=c']));
	return parts.join('&');
}

/** One random request: which body n8n would hand over for it, and optionally raw bytes. */
function randomRequest(g: Gen): { body: unknown; rawBody?: Buffer } {
	const fields = randomFields(g);
	switch (g.int(0, 7)) {
		case 0:
			return { body: fields }; // urlencoded, parsed by n8n
		case 1:
			return { body: { data: fields, files: {} } }; // multipart
		case 2:
			return { body: urlencoded(g, fields) }; // text/plain
		case 3:
			return { body: {}, rawBody: Buffer.from(urlencoded(g, fields)) };
		case 4:
			return { body: JSON.stringify(fields) ?? '' };
		case 5:
			return { body: {}, rawBody: Buffer.from(g.text(200)) };
		case 6:
			return { body: g.value(3) };
		default:
			return {
				body: `${' '.repeat(g.int(0, 3))}{"CallSid": ${JSON.stringify(g.text(5))}, "Status": "completed"${g.chance(0.5) ? '' : ', "x": '}`,
			};
	}
}

/** Time of a call that looked slow, measured again: a real block repeats, a GC pause on a busy machine does not. */
async function slowest(a: Answer, again: () => Promise<Answer>): Promise<number> {
	if (a.ms < 100) return a.ms;
	let best = a.ms;
	for (let i = 0; i < 3 && best >= 100; i++) best = Math.min(best, (await again()).ms);
	return best;
}

describe(`Status Trigger fuzz (FUZZ_SEED=${SEED})`, () => {
	it('3,000 random bodies: always an answer (execution, 200, 400 or 413), no throw, no block, plain data out', async () => {
		const g = new Gen(SEED);
		const codes = new Map<string, number>();
		for (let i = 0; i < 3000; i++) {
			const req = randomRequest(g);
			const events = g.pick(['terminal', 'answeredToo']);
			const send = () => post(req.body, { rawBody: req.rawBody, events, includeRawBody: true });
			let a: Answer;
			try {
				a = await send();
			} catch (error) {
				check(false, SEED, `case ${i}: webhook threw ${(error as Error).message}`, () => req);
				return;
			}
			check((await slowest(a, send)) < 100, SEED, `case ${i}: webhook took ${a.ms.toFixed(0)} ms`);
			const out = emitted(a);
			const kind = out.length
				? 'execution'
				: String(a.statusCode ?? (a.result.webhookResponse === '' ? 200 : 'none'));
			codes.set(kind, (codes.get(kind) ?? 0) + 1);
			check(
				['execution', '200', '400', '413'].includes(kind),
				SEED,
				`case ${i}: answered ${kind}`,
				() => req,
			);
			if (kind === '400' || kind === '413')
				check(
					/CallSid|too large/i.test(String(a.sent)),
					SEED,
					`case ${i}: unclear message ${String(a.sent)}`,
				);
			for (const json of out) {
				// the event is plain data; so are the fields the trigger parsed itself (an object body n8n parsed is passed on as is)
				const { rawBody, ...event } = json;
				const parsedHere = typeof req.body === 'string' || req.rawBody !== undefined;
				check(
					plainData(event) && (!parsedHere || plainData(rawBody)),
					SEED,
					`case ${i}: output is not plain data`,
					() => json,
				);
				check(
					typeof json.callSid === 'string' && json.callSid !== '',
					SEED,
					`case ${i}: emitted without a CallSid`,
					() => json,
				);
				// Terminal Only (issue 11 row 6): a live status starts nothing
				if (events === 'terminal') {
					check(
						json.eventType !== 'answered' && isTerminalStatus(normaliseStatus(json.status)),
						SEED,
						`case ${i}: non-terminal event emitted`,
						() => json,
					);
				}
			}
		}
		// the generator reaches every kind of answer
		expect([...codes.keys()].sort()).toEqual(
			['200', '400', '413', 'execution'].filter((k) => codes.has(k)).sort(),
		);
		expect(codes.get('execution')).toBeGreaterThan(100);
		expect(codes.get('400')).toBeGreaterThan(100);
	});

	it('a wrong secret gets 401 whatever the body, and nothing runs', async () => {
		const g = new Gen(SEED + 1);
		for (let i = 0; i < 300; i++) {
			const req = randomRequest(g);
			const a = await post(req.body, {
				rawBody: req.rawBody,
				secret: g.chance(0.5) ? SECRET.slice(0, -1) : g.text(30),
			});
			check(
				a.statusCode === 401 && !a.result.workflowData,
				SEED,
				`case ${i}: wrong secret answered ${a.statusCode}`,
			);
		}
	});

	it('form keys named like Object members (toString, __proto__, …) come out as the values sent', async () => {
		for (const key of PROTO_KEYS) {
			const text = `CallSid=a1&Status=completed&${encodeURIComponent(key)}=x&${encodeURIComponent(key)}=y&${encodeURIComponent(key)}=z`;
			const fields = readCallback(text).fields!;
			expect(Object.getOwnPropertyDescriptor(fields, key)?.value).toEqual(['x', 'y', 'z']);
			const single = readCallback(`CallSid=a1&${encodeURIComponent(key)}=x`).fields!;
			expect(Object.getOwnPropertyDescriptor(single, key)?.value).toBe('x');
			const a = await post(text, { includeRawBody: true });
			const raw = emitted(a)[0].rawBody as IDataObject;
			expect(plainData(raw)).toBe(true);
			expect(Object.getOwnPropertyDescriptor(raw, key)?.value).toEqual(['x', 'y', 'z']);
		}
	});

	it('huge bodies are read in linear time: 20,000 repeated keys (80 KB and 60 KB) in < 200 ms, as text or raw bytes', async () => {
		const repeated = (n: number, pair: string) => `CallSid=c1&` + Array(n).fill(pair).join('&');
		for (const text of [repeated(20_000, 'Legs=1'), repeated(20_000, 'a=')]) {
			for (const req of [{ body: text }, { body: {}, rawBody: Buffer.from(text) }]) {
				const send = () => post(req.body, { rawBody: req.rawBody });
				const a = await send();
				expect(await slowest(a, send)).toBeLessThan(200);
				expect(a.statusCode).toBe(413);
			}
		}
		// under both caps (64 KiB, 200 fields): one 60 KB value, and 200 fields of 300 bytes
		const big = `CallSid=c2&Status=completed&CustomField=${'%7C'.repeat(20_000)}`;
		const many =
			`CallSid=c3&Status=completed&` +
			Array.from({ length: 198 }, (_, k) => `k${k}=${'v'.repeat(300)}`).join('&');
		for (const text of [big, many]) {
			const send = () => post(text);
			const a = await send();
			expect(await slowest(a, send)).toBeLessThan(200);
			expect(emitted(a)).toHaveLength(1);
		}
	});
});
