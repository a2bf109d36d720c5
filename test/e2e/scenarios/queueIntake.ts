/**
 * Queue mode, example 3's callback path (Exotel Status Trigger → Queue Callback: one row of the Data table
 * `exotel_callbacks` per callback; the tick counts them, queueFull.ts): 500 terminal callbacks, 20 in flight, to the
 * webhook processor with one worker, then on a fresh campaign with a second worker added, in the same stack and run.
 * Checks: every callback answered 200, and the table holds each exactly once (0 lost, 0 twice). Prints callbacks/s
 * with 1 and 2 workers and their ratio against issue 12's target (2 workers >= 1.6 x 1 worker).
 *
 *   npx tsx test/e2e/run.ts --only queue-intake --n8n 2.41.1     (about 4 minutes)
 *
 * Env: E2E_QUEUE_CALLBACKS (default 500), E2E_QUEUE_IN_FLIGHT (20), E2E_QUEUE_WORKER_CONCURRENCY (10).
 */
import { callbackPayload } from '../../../simulator/callbacks';
import { pickTablesFromList, prepareQueueTables } from '../../../scripts/demo/run';
import { localWorkflow, webhookPaths } from '../../../scripts/demo/campaign';
import { QUEUE_TABLES } from '../../../scripts/demo/examples';
import {
	fireConcurrent,
	suitePackage,
	withQueueStack,
	type Logger,
	type QueueStack,
} from '../harness';
import type { Json } from '../harness/json';
import { SECRET } from '../lib/context';
import type { Checks } from '../lib/runner';
import { syntheticCalls } from './queueCallbacks';

const CALLS = Number(process.env.E2E_QUEUE_CALLBACKS ?? 500);
const IN_FLIGHT = Number(process.env.E2E_QUEUE_IN_FLIGHT ?? 20);
const WORKER_CONCURRENCY = Number(process.env.E2E_QUEUE_WORKER_CONCURRENCY ?? 10);
const SCALE_TARGET = 1.6;
const CALLBACK_NODES = ['Exotel Status Trigger', 'Queue Callback'];

interface Phase {
	workers: number;
	answered: number;
	errors: string[];
	rows: number;
	distinctSids: number;
	/** From the first callback sent to the last row written (the row's createdAt in PostgreSQL). */
	drainedInS: number;
	perSecond: number;
}

/** Example 3's callback path alone, on its own campaign, imported and active. */
async function deployCallbackPath(
	stack: QueueStack,
	campaign: string,
): Promise<{ id: string; statusPath: string }> {
	const full = localWorkflow({
		queue: true,
		simUrl: 'http://127.0.0.1:9',
		n8nUrl: 'http://127.0.0.1',
		secret: SECRET,
		campaign,
		credentialId: 'unused',
		scheduleSeconds: 10,
		factor: 1,
		statusWebhookId: `${campaign}-status`,
		name: `E2E queue intake ${campaign}`,
	});
	const nodes = (full.nodes as Json[]).filter((n) => CALLBACK_NODES.includes(n.name));
	const connections: Json = { [CALLBACK_NODES[0]]: full.connections[CALLBACK_NODES[0]] };
	const wf = { name: full.name, nodes, connections, settings: full.settings ?? {} };
	const main = stack.main!;
	const tables = await prepareQueueTables(main, campaign);
	pickTablesFromList(main, wf, tables);
	const imported = await main.client.importWorkflow(wf, { activate: true });
	return { id: imported.id, statusPath: webhookPaths(full).status };
}

async function callbackRows(stack: QueueStack, campaign: string): Promise<string[][]> {
	const pg = stack.postgres!;
	const [table] = await pg.query(
		`select id from data_table where name = '${QUEUE_TABLES.callbacks}'`,
	);
	return await pg.query(
		`select "event"::json->>'callSid', extract(epoch from "createdAt") * 1000 from "data_table_user_${table[0]}" ` +
			`where campaign = '${campaign}'`,
	);
}

async function phase(stack: QueueStack, log: Logger): Promise<Phase> {
	const workers = stack.workers.filter((w) => w.running).length;
	const campaign = `e2e-intake-${workers}w`;
	const path = await deployCallbackPath(stack, campaign);
	const calls = syntheticCalls(CALLS);
	const t0 = Date.now();
	const sent = await fireConcurrent(CALLS, IN_FLIGHT, async (i) => {
		const res = await stack.main!.client.webhook(
			path.statusPath,
			callbackPayload(calls[i], { type: 'terminal' }, true),
			{ query: { secret: SECRET }, timeoutMs: 60_000 },
		);
		if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
		return res.status;
	});
	let rows: string[][] = [];
	for (const deadline = Date.now() + 5 * 60_000; Date.now() < deadline; ) {
		rows = await callbackRows(stack, campaign);
		if (rows.length >= CALLS - sent.errors.length) break;
		await new Promise((r) => setTimeout(r, 1000));
	}
	const last = Math.max(...rows.map((r) => Number(r[1])), t0);
	const drainedInS = (last - t0) / 1000;
	const result: Phase = {
		workers,
		answered: CALLS - sent.errors.length,
		errors: sent.errors.slice(0, 3).map((e) => e.error.message),
		rows: rows.length,
		distinctSids: new Set(rows.map((r) => r[0])).size,
		drainedInS,
		perSecond: rows.length / Math.max(drainedInS, 0.001),
	};
	log(
		`  ${workers} worker(s): ${result.answered}/${CALLS} answered 200, ${result.rows} rows (${result.distinctSids} calls) in ${drainedInS.toFixed(1)} s = ${result.perSecond.toFixed(1)} callbacks/s`,
	);
	await stack.main!.client.deactivateWorkflow(path.id).catch(() => undefined);
	return result;
}

export async function queueIntake(
	env: { log: Logger; shared: Json },
	checks: Checks,
): Promise<void> {
	const { log } = env;
	const pkg = suitePackage();
	await withQueueStack(
		{ workers: 1, workerConcurrency: WORKER_CONCURRENCY, packages: [pkg], log },
		async (stack) => {
			const phases: Phase[] = [];
			for (const workers of [1, 2]) {
				while (stack.workers.length < workers) await stack.addWorker();
				const r = await phase(stack, log);
				phases.push(r);
				checks.check(
					`queue mode, example 3's callback path, ${workers} worker(s): ${CALLS} callbacks (${IN_FLIGHT} in flight) answered 200, each queued exactly once`,
					r.answered === CALLS && r.rows === CALLS && r.distinctSids === CALLS,
					`answered ${r.answered} (${r.errors.join('; ') || 'no errors'}), rows ${r.rows}, distinct calls ${r.distinctSids}`,
					{ ...r },
				);
			}
			const [one, two] = phases;
			const ratio = two.perSecond / one.perSecond;
			checks.check(
				`queue mode, example 3's callback path: callbacks/s with 2 workers vs 1 (measured; target >= ${SCALE_TARGET}x)`,
				one.rows === CALLS && two.rows === CALLS,
				`1 worker ${one.perSecond.toFixed(1)}/s, 2 workers ${two.perSecond.toFixed(1)}/s: x${ratio.toFixed(2)} ` +
					`(${ratio >= SCALE_TARGET ? 'MET' : 'MISSED'}; the stack's five processes share this machine's cores)`,
				{ oneWorker: one.perSecond, twoWorkers: two.perSecond, ratio },
			);
		},
	);
}
