/**
 * The event loop under hostile input, node side (issue 11: "no event loop block over 100 ms"). A LoopWatch
 * (test/helpers/eventLoop.ts) samples the loop while the nodes take hostile input; each figure is the best of up to
 * 3 runs of the same seeded input, in CPU time (the machine may be loaded). What holds:
 *   - Status Trigger: each request is one synchronous step; < 100 ms for random bodies, 20,000 repeated keys and
 *     64 KiB bodies.
 *   - Record Outcome: forged live events arrive one per webhook execution (the trigger emits one item per
 *     request); each execution < 100 ms, and they leave at most Max In Flight calls in flight. 20,000 reports in
 *     one execution are recorded in slices, yielding between them (nodes/transport/wait.ts): each block < 100 ms.
 *   - Release: reads the rows and writes their items in slices, yielding between them (nodes/transport/wait.ts);
 *     each block < 100 ms for 500, 2,000 and 20,000 hostile rows (100,000 rows through the engine alone:
 *     test/pacing/fuzzEventLoop.test.ts).
 * The engine's own steps are in test/pacing/fuzzEventLoop.test.ts.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { CIRCLE_CODES } from '../../nodes/core/circles';
import { encodeCorrelation } from '../../nodes/core/correlation';
import { migrateState } from '../../nodes/core/pacing';
import { istIso } from '../../nodes/core/time';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { ExotelStatusTrigger } from '../../nodes/ExotelStatusTrigger/ExotelStatusTrigger.node';
import { bestOf, loopFigure, watchLoop } from '../helpers/eventLoop';
import { check, fuzzSeed, Gen } from '../helpers/fuzz';
import { createExecuteContext, executeNode, type ExecuteNodeOptions } from '../helpers';
import { callWebhook } from '../helpers/triggerRequest';

jest.setTimeout(240_000);

const SEED = fuzzSeed(1141);
const LIMIT_MS = 100;
const SECRET = 'Xq7p2L9vR4mT8wKc3Fz6';
const NOW = '2025-03-03T10:00:00+05:30';
const NOW_MS = Date.parse(NOW);
const trigger = new ExotelStatusTrigger();
const pacing = new ExotelPacingController();

/** webhook() with a minimal fake context (as test/nodes/fuzzTrigger.test.ts); resolves the status code. */
async function post(body: unknown, rawBody?: Buffer): Promise<number | 'execution' | 'empty'> {
	const params = { secret: SECRET, events: 'answeredToo', options: {} };
	const req = { body, query: { secret: SECRET }, headers: {}, rawBody };
	const { out, code } = await callWebhook(trigger, req, params);
	if (out.workflowData) return 'execution';
	return code ?? 'empty';
}

function triggerBodies(g: Gen): Array<{ body: unknown; rawBody?: Buffer }> {
	const out: Array<{ body: unknown; rawBody?: Buffer }> = [];
	const repeated = (n: number, pair: string) => `CallSid=c1&` + Array(n).fill(pair).join('&');
	for (const text of [
		repeated(20_000, 'Legs=1'),
		repeated(20_000, 'a='),
		repeated(16_000, 'x=%zz'),
	])
		out.push({ body: text }, { body: {}, rawBody: Buffer.from(text) });
	// just under and just over 64 KiB: one long value, many fields, percent escapes everywhere
	const kib64 = 64 * 1024;
	for (const size of [kib64 - 64, kib64 + 10]) {
		const head = 'CallSid=c2&Status=completed&CustomField=';
		out.push({ body: head + 'v'.repeat(size - head.length) });
		out.push({ body: head + '%7C'.repeat(Math.floor((size - head.length) / 3)) });
		out.push({ body: {}, rawBody: Buffer.from(head + '%E0%A4'.repeat((size - head.length) / 6)) });
		out.push({
			body: JSON.stringify({ CallSid: 'c3', Status: 'completed', Legs: 'x'.repeat(size) }),
		});
	}
	out.push({
		body:
			`CallSid=c4&Status=completed&` +
			Array.from({ length: 199 }, (_, k) => `k${k}=${'v'.repeat(320)}`).join('&'),
	});
	for (let i = 0; i < 300; i++) {
		const fields: Record<string, unknown> = {
			CallSid: g.text(20) || 'sid',
			Status: g.pick(['completed', 'ringing', '']),
		};
		for (let k = g.int(0, 30); k > 0; k--) fields[g.text(8)] = g.value(2);
		out.push(
			g.pick([
				{ body: fields },
				{ body: { data: fields, files: {} } },
				{ body: JSON.stringify(fields) ?? '' },
				{
					body: {},
					rawBody: Buffer.from(
						Object.entries(fields)
							.map(
								([k, v]) =>
									`${encodeURIComponent(k)}=${encodeURIComponent(JSON.stringify(v) ?? '')}`,
							)
							.join('&'),
					),
				},
			]),
		);
	}
	return out;
}

/** Items as Google Sheets hands a hostile contact sheet to Release: strings, free text in the circle column. */
function sheetItems(g: Gen, rows: number): IDataObject[] {
	const towns = Array.from({ length: 3000 }, (_, i) => `Town ${i} ${g.text(6)}`);
	return Array.from({ length: rows }, (_, i) => ({
		row_number: i + 2,
		phoneNumber: g.chance(0.97) ? `+9196${String(i).padStart(8, '0')}` : g.phone(),
		circle: g.chance(0.5) ? g.pick(towns) : g.pick([...CIRCLE_CODES, ' mh ', '', '__proto__']),
		dnd: g.pick(['FALSE', 'TRUE', '', 'unavailable', 'maybe']),
		attempts: g.pick(['', '', '1', '9', '-1', '1e300', 'x']),
		lastStatus: g.pick(['', '', 'busy', 'completed', 'in-progress', '???']),
		lastAttemptAt: g.pick(['', '', istIso(NOW_MS - g.int(0, 7_200_000)), 'yesterday']),
		nextRetryAt: '',
		lastCallSid: '',
		refunded: '',
	}));
}

function releaseRun(staticData: Record<string, unknown>, items: IDataObject[]) {
	return {
		mode: 'trigger' as const,
		staticData,
		items,
		parameters: {
			operation: 'release',
			campaign: 'hostile',
			reconcile: false,
			settings: { callingEnd: '23:59', maxInFlight: 150 },
			options: { currentTime: NOW },
		},
	};
}

async function release(staticData: Record<string, unknown>, items: IDataObject[]) {
	return await executeNode(pacing, releaseRun(staticData, items));
}

/**
 * The node's execute() alone under the watch: executeNode's check that the input is unchanged (two JSON copies of
 * every item, ~85 ms for 20,000) is the harness's work, not the node's, so the context is made outside it.
 */
async function watchedExecute(run: ExecuteNodeOptions) {
	const { context } = createExecuteContext(pacing, run);
	return await watchLoop(
		async () => (await pacing.execute.call(context)) as INodeExecutionData[][],
	);
}

/** The campaign as saved in static data. */
function savedState(staticData: Record<string, unknown>): IDataObject {
	const blob = staticData.exotelPacing as { campaigns: Record<string, { state: IDataObject }> };
	return blob.campaigns.hostile.state;
}

describe(`event loop, nodes (FUZZ_SEED=${SEED})`, () => {
	it('Status Trigger: every hostile body (20,000 repeated keys, 64 KiB, random) is answered in one step < 100 ms', async () => {
		const bodies = triggerBodies(new Gen(SEED));
		const answers = new Map<string, number>();
		const best = await bestOf(3, LIMIT_MS, async () =>
			watchLoop(async (watch) => {
				answers.clear();
				for (const b of bodies) {
					await watch.settle();
					const a = String(await post(b.body, b.rawBody));
					answers.set(a, (answers.get(a) ?? 0) + 1);
				}
			}),
		);
		console.log(loopFigure(`Status Trigger, ${bodies.length} hostile bodies`, best));
		// the big ones are refused as too large, the rest start an execution or get 400
		expect(answers.get('413')).toBeGreaterThanOrEqual(10);
		expect(answers.get('execution')).toBeGreaterThan(50);
		expect(best.maxBlockMs).toBeLessThan(LIMIT_MS);
	});

	it('Record Outcome: 2,000 forged live events, one webhook execution each: each < 100 ms, in flight ≤ 150', async () => {
		const g = new Gen(SEED + 1);
		const contacts = Array.from({ length: 20 }, (_, i) => ({
			row_number: i + 2,
			phoneNumber: `+9198${String(i).padStart(8, '0')}`,
			circle: 'MH',
		}));
		// forged with a key of another campaign, or unsigned: what someone with the URL and secret can send
		const other = (
			Object.values(
				(
					await (async () => {
						const sd: Record<string, unknown> = {};
						await release(sd, contacts);
						return sd.exotelPacing as IDataObject;
					})()
				).campaigns as IDataObject,
			)[0] as IDataObject
		).state as IDataObject;
		const events: IDataObject[] = Array.from({ length: 1_000 }, (_, i) => {
			const c = {
				campaign: 'hostile',
				contact: `+9197${String(i).padStart(8, '0')}`,
				attempt: 1,
				circle: g.pick(CIRCLE_CODES),
				releasedAt: NOW_MS - g.int(0, 60_000),
			};
			return {
				callSid: `forged${i}`,
				status: g.pick(['in-progress', 'ringing', 'completed']),
				eventType: g.pick(['answered', 'terminal']),
				customField: g.chance(0.5) ? encodeCorrelation(c, String(other.key)) : encodeCorrelation(c),
			};
		});
		let inFlight = 0;
		let executions = 0;
		const best = await bestOf(3, LIMIT_MS, async () => {
			const staticData: Record<string, unknown> = {};
			await release(staticData, contacts); // first run: saves the settings
			await release(staticData, contacts); // reserves the 20 contacts
			const r = await watchLoop(async (watch) => {
				executions = 0;
				for (const e of events) {
					await watch.settle();
					await executeNode(pacing, {
						mode: 'webhook',
						staticData,
						items: [e],
						parameters: {
							operation: 'recordOutcome',
							campaign: 'hostile',
							options: { currentTime: NOW },
						},
					});
					executions++;
				}
			});
			inFlight = migrateState(savedState(staticData), 'hostile', NOW_MS).state.inFlight.length;
			return r;
		});
		console.log(
			loopFigure(`Record Outcome, ${executions} forged live events, 1 per execution`, best),
		);
		check(inFlight <= 150, SEED, `${inFlight} calls in flight after forged events`);
		expect(executions).toBe(1_000);
		expect(inFlight).toBeGreaterThan(0);
		expect(best.maxBlockMs).toBeLessThan(LIMIT_MS);
	});

	it('Record Outcome: 20,000 signed live reports in ONE execution, each block < 100 ms', async () => {
		const contacts = Array.from({ length: 20 }, (_, i) => ({
			row_number: i + 2,
			phoneNumber: `+9198${String(i).padStart(8, '0')}`,
			circle: 'MH',
		}));
		// what a workflow batching reports hands over (e.g. Call Details Get Many): signed with the campaign's own
		// key, so every report costs an HMAC check and goes as far as the call table
		const staticData: Record<string, unknown> = {};
		await release(staticData, contacts); // first run: saves the settings
		await release(staticData, contacts); // reserves the 20 contacts
		const key = String(savedState(staticData).key);
		const g = new Gen(SEED + 3);
		const reports: IDataObject[] = Array.from({ length: 20_000 }, (_, i) => ({
			callSid: `forged${i}`,
			status: 'in-progress',
			eventType: 'answered',
			customField: encodeCorrelation(
				{
					campaign: 'hostile',
					contact: `+9197${String(i).padStart(8, '0')}`,
					attempt: 1,
					circle: g.pick(CIRCLE_CODES),
					releasedAt: NOW_MS - g.int(0, 60_000),
				},
				key,
			),
		}));
		let out = [0, 0];
		let inFlight = 0;
		const best = await bestOf(3, LIMIT_MS, async () => {
			const run = structuredClone(staticData); // the same start each time
			const r = await watchedExecute({
				mode: 'trigger',
				staticData: run,
				items: reports,
				parameters: {
					operation: 'recordOutcome',
					campaign: 'hostile',
					options: { currentTime: NOW },
				},
			});
			out = r.value.map((o) => o.length);
			inFlight = migrateState(savedState(run), 'hostile', NOW_MS).state.inFlight.length;
			return r;
		});
		console.log(loopFigure('Record Outcome, 20,000 signed live reports in ONE execution', best));
		expect(out[0] + out[1]).toBe(20_000);
		expect(inFlight).toBe(150);
		expect(best.maxBlockMs).toBeLessThan(LIMIT_MS);
	});

	it('Release over a hostile sheet with free-text circles: 500, 2,000 and 20,000 rows, each block < 100 ms', async () => {
		const items = sheetItems(new Gen(SEED + 2), 20_000);
		const measure = async (n: number) => {
			let dialled = 0;
			const best = await bestOf(3, LIMIT_MS, async () => {
				const staticData: Record<string, unknown> = {};
				await release(staticData, items.slice(0, 10)); // first run: saves the settings
				const r = await watchedExecute(releaseRun(staticData, items.slice(0, n)));
				dialled = r.value[0].length;
				check(
					r.value[0].length + r.value[1].length === n,
					SEED,
					`Release: ${n} rows in, ${r.value[0].length} + ${r.value[1].length} out`,
				);
				return r;
			});
			console.log(loopFigure(`Release, ${n} hostile rows (${dialled} dialled)`, best));
			expect(dialled).toBeGreaterThan(0);
			expect(best.maxBlockMs).toBeLessThan(LIMIT_MS);
		};
		// Release reads the rows and writes their items a slice at a time, with the event loop's turns in between
		// (nodes/transport/wait.ts); the decision itself is one step (releaseTick, test/pacing/fuzzEventLoop.test.ts).
		await measure(500);
		await measure(2_000);
		await measure(20_000);
	});
});
