/**
 * Exotel (or a proxy in front of it) answering garbage, seeded: a proxy forwards every request to the simulator and
 * mutates its real answer (a field's value swapped for junk of another type, a key dropped, the body cut short,
 * another status code, an HTML page, bytes). Whatever comes back, each node either outputs a well-formed item or
 * fails with an n8n error an ops person can read (never a TypeError), keeps the API token out of every message,
 * never sends a call twice, and answers within a few seconds. FUZZ_SEED=<n> replays or varies a run.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { ExotelCallDetails } from '../../nodes/ExotelCallDetails/ExotelCallDetails.node';
import { ExotelConnectCall } from '../../nodes/ExotelConnectCall/ExotelConnectCall.node';
import { ExotelNumberLookup } from '../../nodes/ExotelNumberLookup/ExotelNumberLookup.node';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { check, fuzzSeed, Gen } from '../helpers/fuzz';
import { executeNode, simCredentials } from '../helpers';

const TOKEN = 'sim-token';
const CASES = 60;
/** n8n's own error classes: what the editor shows as a readable error. */
const N8N_ERRORS = new Set(['NodeApiError', 'NodeOperationError']);

type Mutation = { kind: string; status: number; contentType: string; body: Buffer };

function junk(g: Gen): unknown {
	return g.pick<() => unknown>([
		() => null,
		() => g.int(-1e6, 1e6),
		() => 'x'.repeat(g.int(0, 5000)),
		() => [],
		() => ({}),
		() => g.chance(0.5),
		() => '<html>',
		() => ({ __proto__: { polluted: true } }),
		() => '2025-13-45 99:99:99',
		() => NaN,
	])();
}

/** Every [object, key] pair of a parsed JSON value (for picking what to change). */
function slots(
	value: unknown,
	out: Array<[Record<string, unknown>, string]> = [],
): Array<[Record<string, unknown>, string]> {
	if (value && typeof value === 'object') {
		for (const key of Object.keys(value)) {
			out.push([value as Record<string, unknown>, key]);
			slots((value as Record<string, unknown>)[key], out);
		}
	}
	return out;
}

function mutate(g: Gen, status: number, contentType: string, body: Buffer): Mutation {
	const kind = g.pick(['keep', 'value', 'value', 'drop', 'truncate', 'status', 'html', 'bytes']);
	let parsed: unknown;
	try {
		parsed = JSON.parse(body.toString('utf8'));
	} catch {
		parsed = undefined;
	}
	const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? '', 'utf8');
	switch (kind) {
		case 'value':
		case 'drop': {
			const all = slots(parsed);
			if (!all.length) return { kind: 'keep', status, contentType, body };
			const [obj, key] = g.pick(all);
			if (kind === 'value') obj[key] = junk(g);
			else delete obj[key];
			return { kind: `${kind} ${key}`, status, contentType, body: json(parsed) };
		}
		case 'truncate':
			return {
				kind,
				status,
				contentType,
				body: body.subarray(0, g.int(0, Math.max(0, body.length - 1))),
			};
		case 'status':
			// not 429: Connect Call then waits for Exotel's 60-s window (test/nodes/connectCallRateLimit.test.ts)
			return {
				kind: 'status',
				status: g.pick([200, 201, 204, 301, 400, 401, 403, 404, 500, 502, 503]),
				contentType,
				body,
			};
		case 'html':
			return {
				kind,
				status: g.pick([200, 502]),
				contentType: 'text/html',
				body: Buffer.from('<html><body>Gateway</body></html>'),
			};
		case 'bytes':
			return {
				kind,
				status: 200,
				contentType: 'application/json',
				body: Buffer.from(Array.from({ length: g.int(1, 300) }, () => g.int(0, 255))),
			};
		default:
			return { kind: 'keep', status, contentType, body };
	}
}

/** A proxy to the simulator that mutates each answer with the case's generator; counts connect requests. */
class GarbleProxy {
	server!: http.Server;
	url = '';
	g = new Gen(1);
	connects = 0;
	applied: string[] = [];
	constructor(private readonly target: string) {}

	async start(): Promise<void> {
		this.server = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				if ((req.url ?? '').includes('/Calls/connect')) this.connects++;
				const upstream = http.request(
					`${this.target}${req.url}`,
					{ method: req.method, headers: req.headers },
					(up) => {
						const body: Buffer[] = [];
						up.on('data', (c: Buffer) => body.push(c));
						up.on('end', () => {
							const m = mutate(
								this.g,
								up.statusCode ?? 200,
								String(up.headers['content-type'] ?? 'application/json'),
								Buffer.concat(body),
							);
							this.applied.push(m.kind);
							res.writeHead(m.status, { 'Content-Type': m.contentType });
							res.end(m.status === 204 ? undefined : m.body);
						});
					},
				);
				upstream.end(Buffer.concat(chunks));
			});
		});
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise((r) => this.server.close(r));
	}
}

let sim: RunningSimulator;
let proxy: GarbleProxy;

beforeAll(async () => {
	sim = await startSimulator({ seed: 9 });
	sim.update({
		rateLimit: { enabled: false },
		faults: { serverErrorRate: 0, latencyMs: { min: 0, max: 0 } },
	});
	proxy = new GarbleProxy(sim.url);
	await proxy.start();
});

afterAll(async () => {
	await proxy.stop();
	await sim.stop();
});

interface Outcome {
	error?: { name: string; message: string; description?: string };
	json?: IDataObject[];
	ms: number;
}

async function runCase(
	node: Parameters<typeof executeNode>[0],
	opts: Parameters<typeof executeNode>[1],
): Promise<Outcome> {
	const t0 = Date.now();
	try {
		const res = await executeNode(node, {
			credentials: { exotelApi: simCredentials(proxy.url) },
			...opts,
		});
		return { json: res.json, ms: Date.now() - t0 };
	} catch (e) {
		const err = e as { name: string; message: string; description?: string };
		return {
			error: { name: err.name, message: String(err.message), description: err.description },
			ms: Date.now() - t0,
		};
	}
}

/** How often each kind of result came up: a fuzz run that only ever succeeded (or failed) proved nothing. */
const tally = { ok: 0, failed: 0 };

function commonChecks(seed: number, k: number, o: Outcome, what: string): void {
	if (o.error || (o.json ?? []).some((j) => j.error !== undefined)) tally.failed++;
	else tally.ok++;
	const where = `${what} case ${k} (${proxy.applied.join(', ')})`;
	check(
		!o.error || N8N_ERRORS.has(o.error.name),
		seed,
		`${where}: failed with ${o.error?.name} instead of an n8n error:`,
		() => o.error,
	);
	check(
		!o.error || o.error.message.length > 10,
		seed,
		`${where}: an error without a readable message:`,
		() => o.error,
	);
	const text = JSON.stringify(o);
	check(
		!text.includes(TOKEN),
		seed,
		`${where}: the API token appears in the output or error:`,
		() => text.slice(0, 400),
	);
	check(o.ms < 15_000, seed, `${where}: took ${o.ms} ms`);
}

describe('garbled Exotel answers (seeded)', () => {
	const seed = fuzzSeed(20261206);

	beforeEach(() => {
		tally.ok = 0;
		tally.failed = 0;
	});
	afterEach(() => {
		// the mutations both broke answers and left some usable: each test saw successes and failures
		expect(tally.ok).toBeGreaterThan(0);
		expect(tally.failed).toBeGreaterThan(0);
	});

	it('Number Lookup: a well-formed lookup or a readable error, per item', async () => {
		const g = new Gen(seed);
		for (let k = 0; k < CASES; k++) {
			proxy.g = new Gen(seed * 7919 + k);
			proxy.applied = [];
			const items = [{ phone: `98${String(g.int(10000000, 99999999))}` }];
			const o = await runCase(new ExotelNumberLookup(), { items, continueOnFail: g.chance(0.5) });
			commonChecks(seed, k, o, 'Number Lookup');
			for (const j of o.json ?? []) {
				if (j.error !== undefined) {
					check(
						typeof j.error === 'string' && j.error.length > 10,
						seed,
						`Number Lookup case ${k}: unreadable item error`,
						() => j,
					);
					continue;
				}
				check(
					typeof j.phoneNumber === 'string' && /^\+91\d{10}$/.test(String(j.phoneNumber)),
					seed,
					`Number Lookup case ${k}: phoneNumber`,
					() => j,
				);
				check(
					j.circle === null ||
						(typeof j.circle === 'string' && /^[A-Z]{2,4}$/.test(String(j.circle))),
					seed,
					`Number Lookup case ${k}: circle`,
					() => j,
				);
				check(
					j.dnd === true || j.dnd === false || j.dnd === 'unavailable',
					seed,
					`Number Lookup case ${k}: dnd`,
					() => j,
				);
			}
		}
	});

	it('Connect Call: never sends a call twice; a CallSid or a readable "may have been placed" / "not placed" item', async () => {
		const g = new Gen(seed + 1);
		for (let k = 0; k < CASES; k++) {
			proxy.g = new Gen(seed * 7919 + 1000 + k);
			proxy.applied = [];
			proxy.connects = 0;
			const items = [
				{
					phoneNumber: `+9198${String(g.int(10000000, 99999999))}`,
					callerId: '02040000001',
					circle: 'MH',
				},
			];
			const o = await runCase(new ExotelConnectCall(), {
				items,
				parameters: { flow: '234567', options: { maxRetries: 2, timeout: 5000 } },
				continueOnFail: g.chance(0.5),
			});
			commonChecks(seed, k, o, 'Connect Call');
			check(
				proxy.connects <= 1,
				seed,
				`Connect Call case ${k}: ${proxy.connects} connect requests for one item (${proxy.applied.join(', ')})`,
			);
			for (const j of o.json ?? []) {
				if (j.error !== undefined) {
					check(
						typeof j.error === 'string' && j.error.length > 10,
						seed,
						`Connect Call case ${k}: unreadable item error`,
						() => j,
					);
					continue;
				}
				check(
					typeof j.callSid === 'string' && String(j.callSid).length > 0,
					seed,
					`Connect Call case ${k}: success without a CallSid`,
					() => j,
				);
			}
		}
	});

	it('Call Details (Get): the call or a readable error', async () => {
		const placed = await executeNode(new ExotelConnectCall(), {
			credentials: { exotelApi: simCredentials(sim.url) },
			items: [{ phoneNumber: '+919810000077', callerId: '02040000001', circle: 'MH' }],
			parameters: { flow: '234567' },
		});
		const callSid = String(placed.json[0].callSid);
		for (let k = 0; k < CASES; k++) {
			proxy.g = new Gen(seed * 7919 + 2000 + k);
			proxy.applied = [];
			const o = await runCase(new ExotelCallDetails(), {
				items: [{}],
				parameters: { operation: 'get', callSid },
				continueOnFail: k % 2 === 0,
			});
			commonChecks(seed, k, o, 'Call Details');
			for (const j of o.json ?? []) {
				if (j.error !== undefined) continue;
				check(
					j.callSid === callSid,
					seed,
					`Call Details case ${k}: another call's details`,
					() => j,
				);
				check(typeof j.status === 'string', seed, `Call Details case ${k}: status`, () => j);
			}
		}
	});
});
