/**
 * n8n's node settings that re-run a node, fuzzed (issue 11 row 9: "never re-send a call that was placed, whatever
 * n8n's Retry On Fail / On Error settings are"). runLikeN8n() below does what n8n's WorkflowExecute does with a
 * node's settings (n8n-core 1.123 and 2.41, execution-engine/workflow-execute.js): Retry On Fail runs the node
 * again with the same input items, in the same execution, up to Max Tries (2..5) times, after a throw or when
 * the first item of the first output carries `json.error`; On Error = continue passes the input items on when
 * every try threw. Seeded combinations of those settings, random item counts and a random failure on item k of n
 * (a timeout, a 5xx, a 429, garbage, a dropped connection; before or after Exotel placed the call) are driven
 * through a fault proxy against the in-process simulator, whose ledger is the truth: no call is placed twice,
 * every item ends as an output item (pairedItem kept) or a readable n8n error, and the token never shows.
 * The Pacing Controller part re-runs Release and Record Outcome with the same items. FUZZ_SEED=<n> replays.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject, INode, INodeExecutionData, INodeType } from 'n8n-workflow';

import { ExotelCallDetails } from '../../nodes/ExotelCallDetails/ExotelCallDetails.node';
import { ExotelConnectCall } from '../../nodes/ExotelConnectCall/ExotelConnectCall.node';
import { ExotelNumberLookup } from '../../nodes/ExotelNumberLookup/ExotelNumberLookup.node';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { istIso } from '../../nodes/core/time';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { check, fuzzSeed, Gen } from '../helpers/fuzz';
import { executeNode, simCredentials, type ExecuteNodeOptions } from '../helpers';

jest.setTimeout(240_000);

/**
 * n8n-workflow's sleep (how the nodes wait: Connect Call's spacing after a 429, transport backoff) moves a fake
 * clock instead of waiting, as in test/nodes/connectCallRateLimit.test.ts, so a 60-second window passes at once.
 */
let offsetMs = 0;
const realNow = Date.now.bind(Date);
jest.mock('n8n-workflow', () => {
	const actual = jest.requireActual('n8n-workflow');
	return {
		...actual,
		sleep: jest.fn(async (ms: number) => {
			offsetMs += ms;
			await new Promise((resolve) => setImmediate(resolve));
		}),
	};
});

const SEED = fuzzSeed(1151);
const TOKEN = 'sim-token';
const N8N_ERRORS = new Set(['NodeApiError', 'NodeOperationError']);

type OnError = 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
interface Settings {
	retryOnFail: boolean;
	maxTries: number;
	waitBetweenTries: number;
	onError: OnError;
}

interface N8nRun {
	/** How often n8n ran the node. */
	runs: number;
	/** The node's output of its last run, or the input items n8n passed on (On Error = continue, every try threw). */
	output?: INodeExecutionData[][];
	passedOn?: boolean;
	/** The error the execution stopped with. */
	error?: { name: string; message: string; description?: string };
}

/** One node in a workflow, run the way n8n runs it with these settings (see the file comment). */
async function runLikeN8n(
	node: INodeType,
	opts: ExecuteNodeOptions,
	s: Settings,
	executionId: string,
): Promise<N8nRun> {
	const maxTries = s.retryOnFail ? Math.min(5, Math.max(2, s.maxTries || 3)) : 1;
	const wait = s.retryOnFail ? Math.min(5000, Math.max(0, s.waitBetweenTries || 1000)) : 0;
	let error: N8nRun['error'];
	let runs = 0;
	for (let tryIndex = 0; tryIndex < maxTries; tryIndex++) {
		if (tryIndex > 0) offsetMs += wait;
		runs++;
		try {
			const res = await executeNode(node, {
				...opts,
				executionId,
				...(s.onError === 'stopWorkflow' ? {} : { onError: s.onError as INode['onError'] }),
			});
			error = undefined;
			const failed = res.output[0]?.[0]?.json?.error;
			if (failed !== undefined && failed !== null && failed !== false && tryIndex < maxTries - 1)
				continue;
			return { runs, output: res.output };
		} catch (e) {
			const err = e as { name: string; message: string; description?: string };
			error = { name: err.name, message: String(err.message), description: err.description };
		}
	}
	if (s.onError !== 'stopWorkflow') {
		const items = (opts.items ?? []).map((it, i) => ({
			json: it as IDataObject,
			pairedItem: { item: i },
		}));
		return { runs, output: [items], passedOn: true, error };
	}
	return { runs, error };
}

// ------------------------------------------------------------------ fault proxy

type Fault =
	| 'timeout'
	| '5xx-after'
	| '5xx-before'
	| '429'
	| 'garbage-after'
	| 'drop-after'
	| 'drop-before';
const FAULTS: Fault[] = [
	'timeout',
	'5xx-after',
	'5xx-before',
	'429',
	'garbage-after',
	'drop-after',
	'drop-before',
];

/**
 * Forwards /c<case>/… to the simulator. The first request that names `faultOn` (a phone number in the form body or
 * the path) gets `fault` once: "-after" faults reach the simulator first (the call exists, the answer is lost),
 * "-before" ones and 429 never do. Requests that name the token in the path are not expected; counted anyway.
 */
class FaultProxy {
	server!: http.Server;
	url = '';
	fault?: Fault;
	faultOn?: string;
	applied = 0;
	/** How long a 'timeout' answer is held back (longer than the node's timeout). */
	holdMs = 1500;
	constructor(private readonly target: string) {}

	async start(): Promise<void> {
		this.server = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				const body = Buffer.concat(chunks);
				const path = (req.url ?? '').replace(/^\/[cl]\d+/, '');
				const text = decodeURIComponent(`${path} ${body.toString('utf8')}`.replace(/\+/g, ' '));
				const fault =
					this.fault && this.faultOn && text.includes(this.faultOn) ? this.fault : undefined;
				if (fault) {
					this.fault = undefined;
					this.applied++;
				}
				if (fault === 'drop-before') {
					req.socket.destroy();
					return;
				}
				if (fault === '5xx-before' || fault === '429') {
					const status = fault === '429' ? 429 : 503;
					res.writeHead(status, { 'Content-Type': 'application/json' });
					{
						res.end(
							JSON.stringify({ RestException: { Status: status, Message: 'Fault injected' } }),
						);
						return;
					}
				}
				const upstream = http.request(
					`${this.target}${path}`,
					{ method: req.method, headers: req.headers },
					(up) => {
						const answer: Buffer[] = [];
						up.on('data', (c: Buffer) => answer.push(c));
						up.on('end', () => {
							if (fault === 'drop-after') {
								req.socket.destroy();
								return;
							}
							if (fault === 'timeout') {
								setTimeout(() => req.socket.destroy(), this.holdMs);
								return;
							}
							if (fault === '5xx-after') {
								res.writeHead(502, { 'Content-Type': 'text/html' });
								{
									res.end('<html><body>502 Bad Gateway</body></html>');
									return;
								}
							}
							if (fault === 'garbage-after') {
								res.writeHead(200, { 'Content-Type': 'text/html' });
								{
									res.end('<html><body>Maintenance</body></html>');
									return;
								}
							}
							res.writeHead(up.statusCode ?? 200, {
								'Content-Type': String(up.headers['content-type'] ?? 'application/json'),
							});
							res.end(Buffer.concat(answer));
						});
					},
				);
				upstream.on('error', () => req.socket.destroy());
				upstream.end(body);
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
let proxy: FaultProxy;

beforeAll(async () => {
	jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
	sim = await startSimulator({ seed: 15 });
	sim.update({
		rateLimit: { enabled: false },
		faults: { serverErrorRate: 0, latencyMs: { min: 0, max: 0 } },
	});
	proxy = new FaultProxy(sim.url);
	await proxy.start();
});

afterAll(async () => {
	await proxy.stop();
	await sim.stop();
	jest.restoreAllMocks();
});

function randomSettings(g: Gen): Settings {
	return {
		retryOnFail: g.chance(0.7),
		maxTries: g.pick([0, 2, 3, 5, 9]),
		waitBetweenTries: g.pick([0, 1000, 5000]),
		onError: g.pick<OnError>(['stopWorkflow', 'continueRegularOutput', 'continueErrorOutput']),
	};
}

/** Every failure of the run is readable and an n8n error; nothing shows the token. */
function commonChecks(where: string, r: N8nRun): void {
	check(
		!r.error || N8N_ERRORS.has(r.error.name),
		SEED,
		`${where}: stopped with ${r.error?.name} instead of an n8n error`,
		() => r.error,
	);
	check(
		!r.error ||
			(r.error.message.length > 10 && !/TypeError|undefined|\[object/.test(r.error.message)),
		SEED,
		`${where}: unreadable error`,
		() => r.error,
	);
	for (const item of (r.output ?? []).flat()) {
		const e = item.json.error;
		if (e !== undefined)
			check(
				typeof e === 'string' && e.length > 10 && !/TypeError|\[object/.test(e),
				SEED,
				`${where}: unreadable item error`,
				() => item.json,
			);
	}
	const text = JSON.stringify(r);
	check(!text.includes(TOKEN), SEED, `${where}: the API token shows`, () => text.slice(0, 300));
}

/** Each input item shows once in the output, paired with itself (unless the execution stopped with an error). */
function checkItems(where: string, r: N8nRun, n: number): void {
	if (!r.output) {
		check(r.error !== undefined, SEED, `${where}: neither output nor error`);
		return;
	}
	const paired = r.output
		.flat()
		.map((i) => (i.pairedItem as { item: number } | undefined)?.item)
		.sort((a, b) => (a ?? -1) - (b ?? -1));
	check(
		JSON.stringify(paired) === JSON.stringify(Array.from({ length: n }, (_, i) => i)),
		SEED,
		`${where}: items out do not pair one to one with the ${n} items in`,
		() => paired,
	);
}

const tally = { cases: 0, runs: 0, reRuns: 0, faults: 0, placed: 0, connectRequests: 0 };

describe(`n8n settings that re-run a node (FUZZ_SEED=${SEED})`, () => {
	afterAll(() => {
		console.log(`settings fuzz: ${JSON.stringify(tally)}`);
	});

	it('Connect Call: Retry On Fail × On Error × a fault on item k of n: never a call placed twice', async () => {
		const g = new Gen(SEED);
		const faultsSeen = new Set<Fault>();
		for (let k = 0; k < 60; k++) {
			const s = randomSettings(g);
			const n = g.int(1, 6);
			const items = Array.from({ length: n }, (_, i) => ({
				phoneNumber: `+9198${String(k).padStart(4, '0')}${String(i).padStart(4, '0')}`,
				callerId: '02040000001',
				circle: 'MH',
				...(g.chance(0.3)
					? { pacing: { customField: `x1|rerun|row-${k}-${i}|1|MH|1715665960000` } }
					: {}),
			}));
			// a timeout costs a real second: one case in eight
			const fault = g.chance(0.12) ? 'timeout' : g.pick(FAULTS.filter((f) => f !== 'timeout'));
			const target = g.int(0, n - 1);
			proxy.fault = g.chance(0.9) ? fault : undefined;
			proxy.faultOn = items[target].phoneNumber;
			const before = sim.ledger.calls.length;
			const connectsBefore = sim.ledger.connectRequests.length;
			const where = `Connect Call case ${k} (${JSON.stringify(s)}, ${n} items, ${proxy.fault ?? 'no fault'} on item ${target})`;
			const r = await runLikeN8n(
				new ExotelConnectCall(),
				{
					credentials: { exotelApi: simCredentials(`${proxy.url}/c${k}`) },
					parameters: {
						flow: '234567',
						options: { timeout: 1000, maxRetries: g.pick([0, 1, 2]) },
					},
					items,
				},
				s,
				`rerun-exec-${SEED}-${k}`,
			);
			if (proxy.fault === undefined && fault) faultsSeen.add(fault);
			proxy.fault = undefined;
			tally.cases++;
			tally.runs += r.runs;
			tally.reRuns += r.runs - 1;
			commonChecks(where, r);
			checkItems(where, r, n);
			// the ledger: each contact of this case called at most once
			const calls = sim.ledger.calls.slice(before);
			tally.placed += calls.length;
			tally.connectRequests += sim.ledger.connectRequests.length - connectsBefore;
			const perContact = new Map<string, number>();
			for (const c of calls) perContact.set(c.from, (perContact.get(c.from) ?? 0) + 1);
			check(
				[...perContact.values()].every((v) => v === 1),
				SEED,
				`${where}: a contact was called twice (${r.runs} runs)`,
				() => [...perContact].filter(([, v]) => v > 1),
			);
			// every success names a call of the ledger
			for (const item of (r.output ?? []).flat()) {
				if (item.json.error !== undefined || r.passedOn) continue;
				check(
					calls.some((c) => c.sid === item.json.callSid),
					SEED,
					`${where}: an output CallSid the ledger does not have`,
					() => item.json,
				);
			}
		}
		tally.faults = faultsSeen.size;
		expect(faultsSeen.size).toBe(FAULTS.length);
		expect(tally.reRuns).toBeGreaterThan(10);
	});

	it('Number Lookup and Call Details: re-runs give one readable result per item', async () => {
		const g = new Gen(SEED + 1);
		const placed = await executeNode(new ExotelConnectCall(), {
			credentials: { exotelApi: simCredentials(sim.url) },
			items: [{ phoneNumber: '+919810000077', callerId: '02040000001', circle: 'MH' }],
			parameters: { flow: '234567' },
		});
		const callSid = String(placed.json[0].callSid);
		for (let k = 0; k < 40; k++) {
			const s = randomSettings(g);
			const n = g.int(1, 5);
			const lookup = k % 2 === 0;
			const phones = Array.from({ length: n }, (_, i) =>
				g.chance(0.85) ? `98${String(k).padStart(4, '0')}${String(i).padStart(4, '0')}` : g.phone(),
			);
			const target = g.int(0, n - 1);
			proxy.fault = g.chance(0.85) ? g.pick(FAULTS.filter((f) => f !== 'timeout')) : undefined;
			proxy.faultOn = lookup ? phones[target].replace(/\D/g, '').slice(-10) : callSid;
			const where = `${lookup ? 'Number Lookup' : 'Call Details'} case ${k} (${JSON.stringify(s)}, ${proxy.fault ?? 'no fault'} on item ${target})`;
			const r = await runLikeN8n(
				lookup ? new ExotelNumberLookup() : new ExotelCallDetails(),
				{
					credentials: { exotelApi: simCredentials(`${proxy.url}/l${k}`) },
					parameters: lookup
						? { phoneNumber: '={{ $json.phone }}', options: { timeout: 1000 } }
						: { operation: 'get', callSid: '={{ $json.sid }}', options: { timeout: 1000 } },
					items: phones.map((p) => (lookup ? { phone: p } : { sid: callSid })),
				},
				s,
				`lookup-exec-${SEED}-${k}`,
			);
			proxy.fault = undefined;
			tally.cases++;
			tally.runs += r.runs;
			tally.reRuns += r.runs - 1;
			commonChecks(where, r);
			checkItems(where, r, n);
		}
	});
});

// ------------------------------------------------------------------ Pacing Controller

const pacingNode = new ExotelPacingController();
const START_MS = Date.parse('2025-01-06T10:00:00+05:30');

async function pacing(
	operation: string,
	staticData: Record<string, unknown>,
	items: IDataObject[],
	executionId: string,
	mode: 'trigger' | 'webhook' = 'trigger',
) {
	return await executeNode(pacingNode, {
		mode,
		staticData,
		items,
		executionId,
		parameters: {
			operation,
			campaign: 'rerun',
			reconcile: false,
			settings: { callingEnd: '23:59', maxInFlight: 40, maxCallsPerMinute: 60 },
			options: { currentTime: istIso(START_MS) },
		},
	});
}

/** The counters a user reads (ignored and duplicate counters grow on a re-run by design). */
function counted(staticData: Record<string, unknown>): Record<string, number> {
	const blob = staticData.exotelPacing as { campaigns: Record<string, { state: IDataObject }> };
	const totals = blob.campaigns.rerun.state.totals as Record<string, number>;
	return Object.fromEntries(
		Object.entries(totals).filter(([k]) => !/ignored|duplicate|unmatched|late/i.test(k)),
	);
}

describe(`Pacing Controller re-run with the same items (FUZZ_SEED=${SEED})`, () => {
	it('Release re-run never reserves a contact twice; Record Outcome re-run never counts an outcome twice', async () => {
		const g = new Gen(SEED + 2);
		let reserved = 0;
		let outcomes = 0;
		for (let k = 0; k < 25; k++) {
			const staticData: Record<string, unknown> = {};
			const n = g.int(1, 30);
			const rows = Array.from({ length: n }, (_, i) => ({
				row_number: i + 2,
				phoneNumber: `+9197${String(k).padStart(4, '0')}${String(i).padStart(4, '0')}`,
				circle: g.pick(['MH', 'KA', 'DL', 'Town 9', '']),
				dnd: g.pick(['FALSE', 'FALSE', 'TRUE', '']),
				attempts: g.pick(['', '', '1', '3']),
				lastStatus: g.pick(['', '', 'busy', 'no-answer']),
				lastAttemptAt: '',
				nextRetryAt: '',
				lastCallSid: '',
				refunded: '',
			}));
			await pacing('release', staticData, rows, `p-${k}-0`); // first run: saves the settings
			const tries = g.int(2, 5);
			const dialled: string[] = [];
			let lastDial: IDataObject[] = [];
			for (let t = 0; t < tries; t++) {
				const r = await pacing('release', staticData, rows, `p-${k}-1`);
				dialled.push(...r.output[0].map((i) => String(i.json.phoneNumber)));
				if (t === 0) lastDial = r.output[0].map((i) => i.json);
				check(
					r.output[0].length + r.output[1].length === n,
					SEED,
					`Release case ${k} try ${t}: ${n} rows in, not ${n} decisions out`,
				);
			}
			check(
				new Set(dialled).size === dialled.length,
				SEED,
				`Release case ${k}: a contact reserved twice over ${tries} runs`,
				() => dialled,
			);
			reserved += dialled.length;
			const dialItems = lastDial;
			if (dialItems.length === 0) continue;
			// Connect Call's answers, then the terminal callbacks: each Record Outcome run again with the same items
			const answers = dialItems.map((d, i) => ({
				...d,
				callSid: `CA${k}x${i}`,
				callStatus: 'in-progress',
				call: { callSid: `CA${k}x${i}`, status: 'in-progress' },
				exotelResponse: {},
			}));
			const callbacks = dialItems.map((d, i) => ({
				callSid: `CA${k}x${i}`,
				status: g.pick(['completed', 'busy', 'no-answer', 'failed']),
				eventType: 'terminal',
				customField: (d.pacing as IDataObject).customField,
			}));
			for (const [what, batch, mode] of [
				['answers', answers, 'trigger'],
				['callbacks', callbacks, 'webhook'],
			] as const) {
				const once = await pacing('recordOutcome', staticData, batch, `r-${k}-${what}`, mode);
				const after = counted(staticData);
				for (let t = g.int(1, 4); t > 0; t--)
					await pacing('recordOutcome', staticData, batch, `r-${k}-${what}`, mode);
				check(
					JSON.stringify(counted(staticData)) === JSON.stringify(after),
					SEED,
					`Record Outcome case ${k}: ${what} counted again on a re-run`,
					() => [after, counted(staticData)],
				);
				outcomes += once.output[0].length;
			}
			check(
				counted(staticData).attempted === dialItems.length,
				SEED,
				`Record Outcome case ${k}: ${counted(staticData).attempted} attempts for ${dialItems.length} calls`,
				() => counted(staticData),
			);
		}
		console.log(
			`settings fuzz, Pacing Controller: ${reserved} contacts reserved, ${outcomes} outcomes written`,
		);
		expect(reserved).toBeGreaterThan(20);
		expect(outcomes).toBeGreaterThan(20);
	});
});
