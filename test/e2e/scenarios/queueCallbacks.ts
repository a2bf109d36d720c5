/**
 * Queue mode (issue 12, first part): example 1's callback path (n8n's Webhook node → Pacing: Record Outcome,
 * plus the Stats webhook) in n8n's scale-out setup — Redis, PostgreSQL, main, workers and one webhook processor
 * (harness/queue.ts), no Docker. 500 terminal callbacks, 20 in flight, go to the webhook processor (the Webhook
 * node's webhook() runs there and n8n enqueues the rest of the execution for a worker), first with one worker,
 * then, on a fresh campaign in the same run, with a second worker added. Checks: every callback answered 200 and
 * run once; the campaign's stats count each exactly once. Measures callbacks/s with 1 and 2 workers.
 *
 * Why counting can break with 2 workers: the Pacing Controller keeps each campaign's newest state in its process's
 * memory and changes it under a per-process lock (nodes/ExotelPacingController/memory.ts). With one worker every
 * Record Outcome runs in that one process, as in regular mode. With two, each worker counts into its own memory
 * and writes the whole state into the workflow's static data when an execution ends (last writer wins, and callbacks
 * persist at most every few seconds), so the two processes' counts overwrite each other. The scenario reports what
 * the stats say (read several times: each read runs on whichever worker takes the job) and what static data holds,
 * and how many callbacks that loses; it does not paper over it.
 *
 * Env: E2E_QUEUE_CALLBACKS (default 500), E2E_QUEUE_IN_FLIGHT (20), E2E_QUEUE_WORKER_CONCURRENCY (10),
 * E2E_QUEUE_ENV (JSON: extra env for every n8n process), E2E_NICE (niceness of every process of the stack).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

import type { CallRecord } from '../../../simulator/calls';
import { encodeCorrelation } from '../../../nodes/core/correlation';
import {
	fireConcurrent,
	percentile,
	suitePackage,
	withQueueStack,
	type Logger,
	type QueueStack,
} from '../harness';
import type { Checks } from '../lib/runner';
import { SECRET, type E2eContext } from '../lib/context';
import { deployExampleOneCallbackPath, type ExampleOnePath } from './exampleOneCallbacks';
import type { Json } from '../harness/json';

const CALLS = Number(process.env.E2E_QUEUE_CALLBACKS ?? 500);
const IN_FLIGHT = Number(process.env.E2E_QUEUE_IN_FLIGHT ?? 20);
const WORKER_CONCURRENCY = Number(process.env.E2E_QUEUE_WORKER_CONCURRENCY ?? 10);
/** How often the Stats webhook is read after a burst (each read runs on whichever worker takes the job). */
const STATS_READS = 6;
const PENDING = new Set(['new', 'running', 'waiting']);
/** Issue 12's target: callback intake with 2 workers >= 1.6 x with 1 worker. */
const SCALE_TARGET = 1.6;

type Status = 'completed' | 'busy' | 'no-answer' | 'failed';
const MIX: Status[] = [
	'completed',
	'completed',
	'completed',
	'completed',
	'completed',
	'busy',
	'busy',
	'no-answer',
	'no-answer',
	'failed',
];

/**
 * `n` ended calls with a fixed outcome mix (50% completed, 20% busy, 20% no-answer, 10% failed), shaped like the
 * simulator's records so that callbackPayload() builds the terminal callbacks Exotel sends. No simulator is needed:
 * example 1's callback path never calls Exotel.
 */
export function syntheticCalls(n: number): CallRecord[] {
	const now = Date.now() - 120_000;
	const calls: CallRecord[] = [];
	for (let i = 0; i < n; i++) {
		const status = MIX[i % MIX.length];
		const talk = status === 'completed' ? 20 + (i % 40) : 0;
		const answered = status === 'completed';
		const to = `09${String(800000000 + i).padStart(8, '0')}`;
		calls.push({
			seq: i + 1,
			sid: randomBytes(16).toString('hex'),
			accountSid: 'e2equeue',
			variant: 'number',
			from: '08047112345',
			to,
			callerId: '08047112345',
			customer: to.slice(1),
			circle: 'MH',
			dnd: false,
			customField: encodeCorrelation({
				campaign: 'placeholder',
				contact: `q${i}`,
				attempt: 1,
				circle: 'MH',
				releasedAt: now,
			}),
			statusCallback: null,
			events: [],
			contentType: 'application/json',
			record: false,
			createdAt: now,
			endAt: now + (talk + 10) * 1000,
			outcome: {
				status,
				reason: 'normal',
				ringSeconds: 10,
				talkSeconds: talk,
				durationSeconds: talk + 10,
				legs: [
					{
						id: 1,
						status: answered ? 'completed' : status,
						onCallDuration: answered ? talk + 5 : 0,
						answeredBy: answered ? 'Human' : 'NA',
					},
					{
						id: 2,
						status: answered ? 'completed' : null,
						onCallDuration: talk,
						answeredBy: answered ? 'Human' : 'NA',
					},
				],
				leg1Status: answered ? 'completed' : status,
				leg2Status: answered ? 'completed' : null,
				answeredBy: answered ? 'Human' : 'NA',
				answeredAt: answered ? [2, 6] : [],
				price: 0,
			},
			recordingUrl: null,
		} as unknown as CallRecord);
	}
	return calls;
}

function expectedTotals(calls: readonly CallRecord[]): Record<string, number> {
	const t = { resolved: calls.length, completed: 0, busy: 0, noAnswer: 0, failed: 0 };
	for (const c of calls) {
		const s = c.outcome.status;
		if (s === 'completed') t.completed++;
		else if (s === 'busy') t.busy++;
		else if (s === 'no-answer') t.noAnswer++;
		else t.failed++;
	}
	return t;
}

interface StatsTotals {
	resolved?: number;
	completed?: number;
	busy?: number;
	noAnswer?: number;
	failed?: number;
	duplicatesIgnored?: number;
	[k: string]: unknown;
}

interface PhaseResult {
	workers: number;
	answered200: number;
	httpErrors: string[];
	answeredInS: number;
	p50Ms: number;
	p95Ms: number;
	executions: number;
	byStatus: Record<string, number>;
	drainedInS: number;
	callbacksPerSecond: number;
	/** Stats webhook reads after the burst (resolved), in order. */
	statsReads: Array<number | null>;
	statsTotals: StatsTotals | null;
	/** Why the campaign says it is paused, as Stats reads last said it (null: not paused by the package). */
	pausedBecause: string | null;
	/** What the workflow's static data (PostgreSQL) holds for the campaign. */
	staticData: { rev?: number; resolved: number; totals: StatsTotals } | null;
	expected: Record<string, number>;
	/** Callback executions each worker ran (from its log: "Worker finished execution <id>"). */
	perWorker: number[];
	/** CPU seconds each process group of the stack used during the burst (until drained). */
	cpu: Record<string, number>;
	/** HTTP answers per second (all answered / time until the last answer). */
	answeredPerSecond: number;
}

function readFromOffset(file: string, offset: number): string {
	const size = fs.statSync(file).size;
	if (size <= offset) return '';
	const fd = fs.openSync(file, 'r');
	try {
		const buf = Buffer.alloc(size - offset);
		fs.readSync(fd, buf, 0, buf.length, offset);
		return buf.toString();
	} finally {
		fs.closeSync(fd);
	}
}

function cpuDiff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
	const out: Record<string, number> = {};
	for (const k of Object.keys(b)) out[k] = Math.round((b[k] - (a[k] ?? 0)) * 10) / 10;
	return out;
}

async function readStats(
	stack: QueueStack,
	path: ExampleOnePath,
): Promise<{ resolved: number | null; totals: StatsTotals | null; pausedBecause: string | null }> {
	const res = await stack
		.main!.client.webhook(path.statsPath, undefined, { method: 'GET' })
		.catch(() => null);
	const body =
		res?.status === 200
			? (res.data as { campaign?: string; totals?: StatsTotals; pausedBecause?: unknown })
			: null;
	if (!body || body.campaign !== path.campaign || !body.totals)
		return { resolved: null, totals: null, pausedBecause: null };
	const pausedBecause = typeof body.pausedBecause === 'string' ? body.pausedBecause : null;
	return {
		resolved: typeof body.totals.resolved === 'number' ? body.totals.resolved : null,
		totals: body.totals,
		pausedBecause,
	};
}

async function readStaticData(
	stack: QueueStack,
	path: ExampleOnePath,
): Promise<PhaseResult['staticData']> {
	const sd = await stack.main!.client.getStaticData(path.workflowId).catch(() => null);
	const stored = sd?.global?.exotelPacing?.campaigns?.[path.campaign] as
		| { rev?: number; state?: { totals?: StatsTotals } }
		| undefined;
	const t = stored?.state?.totals;
	if (!t) return null;
	const n = (k: string) => (typeof t[k] === 'number' ? (t[k] as number) : 0);
	return {
		rev: stored?.rev,
		resolved: n('completed') + n('busy') + n('noAnswer') + n('failed') + n('other'),
		totals: t,
	};
}

async function finishedIds(
	stack: QueueStack,
	workflowId: string,
): Promise<Map<string, { id: string; status: string; stoppedAt: string | null }>> {
	const list = await stack.main!.client.listExecutions({ workflowId });
	return new Map(list.map((e) => [e.id, { id: e.id, status: e.status, stoppedAt: e.stoppedAt }]));
}

/** Deploy a fresh campaign's callback path, send the burst to the webhook processor, wait until it is drained. */
async function burst(
	stack: QueueStack,
	ctx: E2eContext,
	calls: readonly CallRecord[],
	log: Logger,
): Promise<PhaseResult> {
	const workers = stack.workers.filter((w) => w.running).length;
	const path = await deployExampleOneCallbackPath(ctx, calls, SECRET);
	try {
		// the deploy's warm-up read of the Stats webhook is an execution too: let it be listed first
		let before = await finishedIds(stack, path.workflowId);
		for (let i = 0; i < 20; i++) {
			const running = await stack.main!.client.listExecutions({
				workflowId: path.workflowId,
				status: 'running',
			});
			if (running.length === 0 && before.size >= 1) break;
			await new Promise((r) => setTimeout(r, 500));
			before = await finishedIds(stack, path.workflowId);
		}
		const logOffsets = stack.workers.map((w) => fs.statSync(w.logFile).size);
		const cpuBefore = stack.cpuSeconds();
		const t0 = Date.now();
		const sent = await fireConcurrent(CALLS, IN_FLIGHT, async (i) => {
			const res = await stack.main!.client.webhook(path.statusPath, path.payload(i), {
				query: { secret: SECRET },
				timeoutMs: 60_000,
			});
			if (res.status !== 200)
				throw new Error(`HTTP ${res.status} ${JSON.stringify(res.data).slice(0, 120)}`);
			return res.status;
		});
		const answeredInS = (Date.now() - t0) / 1000;
		log(
			`  ${workers} worker(s): ${CALLS - sent.errors.length}/${CALLS} callbacks answered 200 in ${answeredInS.toFixed(1)} s; waiting for the workers`,
		);
		// drained: every callback's execution finished (listed without a status filter), none running
		const deadline = Date.now() + 5 * 60_000;
		let fresh: Array<{ id: string; status: string; stoppedAt: string | null }> = [];
		let lastLog = Date.now();
		for (;;) {
			const now = await finishedIds(stack, path.workflowId);
			fresh = [...now].filter(([id]) => !before.has(id)).map(([, e]) => e);
			// on 2.41.1 with Postgres the unfiltered list also shows queued (`new`) and `running` executions
			const running = await stack.main!.client.listExecutions({
				workflowId: path.workflowId,
				status: 'running',
			});
			const pending =
				fresh.filter((e) => PENDING.has(e.status)).length +
				running.filter((e) => !before.has(e.id)).length;
			if ((fresh.length >= CALLS - sent.errors.length && pending === 0) || Date.now() > deadline)
				break;
			if (Date.now() - lastLog > 15_000) {
				lastLog = Date.now();
				log(
					`  ${workers} worker(s): ${fresh.length - pending} executions finished, ${pending} queued or running`,
				);
			}
			await new Promise((r) => setTimeout(r, 1000));
		}
		const cpu = cpuDiff(cpuBefore, stack.cpuSeconds());
		const freshIds = new Set(fresh.map((e) => e.id));
		const perWorker = stack.workers.map((w, i) => {
			const ran = new Set<string>();
			for (const m of readFromOffset(w.logFile, logOffsets[i] ?? 0).matchAll(
				/Worker finished execution (\d+)/g,
			))
				if (freshIds.has(m[1])) ran.add(m[1]);
			return ran.size;
		});
		const lastStop = Math.max(...fresh.map((e) => (e.stoppedAt ? Date.parse(e.stoppedAt) : 0)), 0);
		const drainedInS = (lastStop > t0 ? lastStop - t0 : Date.now() - t0) / 1000;
		const byStatus: Record<string, number> = {};
		for (const e of fresh) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
		// callbacks persist static data at most every few seconds: give the last save time to land
		await new Promise((r) => setTimeout(r, 3000));
		const statsReads: Array<number | null> = [];
		let statsTotals: StatsTotals | null = null;
		let pausedBecause: string | null = null;
		for (let i = 0; i < STATS_READS; i++) {
			const s = await readStats(stack, path);
			statsReads.push(s.resolved);
			statsTotals ??= s.totals;
			pausedBecause = s.pausedBecause ?? pausedBecause;
		}
		const staticData = await readStaticData(stack, path);
		return {
			workers,
			answered200: CALLS - sent.errors.length,
			httpErrors: sent.errors.map((e) => e.error.message),
			answeredInS,
			p50Ms: Math.round(percentile(sent.latenciesMs, 50)),
			p95Ms: Math.round(percentile(sent.latenciesMs, 95)),
			executions: fresh.length,
			byStatus,
			drainedInS,
			callbacksPerSecond: CALLS / drainedInS,
			statsReads,
			statsTotals,
			pausedBecause,
			staticData,
			expected: expectedTotals(calls),
			perWorker,
			cpu,
			answeredPerSecond: (CALLS - sent.errors.length) / answeredInS,
		};
	} finally {
		await path.remove();
	}
}

function summary(r: PhaseResult): string {
	return (
		`${r.workers} worker(s): ${r.answered200}/${CALLS} answered 200 in ${r.answeredInS.toFixed(1)} s (${r.answeredPerSecond.toFixed(1)}/s, p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms), ` +
		`${r.executions} executions ${JSON.stringify(r.byStatus)} (per worker ${r.perWorker.join(' + ')}) drained in ${r.drainedInS.toFixed(1)} s = ${r.callbacksPerSecond.toFixed(1)} callbacks/s; ` +
		`counted (Stats webhook reads) ${r.statsReads.join(', ')}; static data ${r.staticData ? `${r.staticData.resolved} (rev ${r.staticData.rev})` : 'none'}; expected ${CALLS}; ` +
		`CPU s during the burst ${JSON.stringify(r.cpu)}`
	);
}

function countedCheck(checks: Checks, r: PhaseResult): void {
	const reads = r.statsReads.filter((x): x is number => x !== null);
	const exact = reads.length === r.statsReads.length && reads.every((x) => x === CALLS);
	const t = r.statsTotals ?? {};
	const byOutcome = ['completed', 'busy', 'noAnswer', 'failed'].every(
		(k) => t[k] === r.expected[k],
	);
	const lostMax = reads.length ? CALLS - Math.min(...reads) : CALLS;
	const lostMin = reads.length ? CALLS - Math.max(...reads) : CALLS;
	checks.check(
		`queue mode, ${r.workers} worker(s): the campaign's stats count each of the ${CALLS} callbacks exactly once`,
		exact && byOutcome,
		`Stats webhook reads (each on whichever worker took the job): ${r.statsReads.join(', ')} of ${CALLS}, i.e. ${lostMin}-${lostMax} lost; ` +
			`by outcome ${JSON.stringify({ completed: t.completed, busy: t.busy, noAnswer: t.noAnswer, failed: t.failed })} vs expected ${JSON.stringify(r.expected)}; ` +
			`callback executions per worker ${r.perWorker.join(' + ')}; static data holds ${r.staticData?.resolved ?? 'nothing'} (rev ${r.staticData?.rev ?? '-'}; ` +
			`callbacks save it at most every few seconds by design, so it may trail the live count). ` +
			(r.workers > 1
				? 'Each worker counts into its own process memory and saves the whole campaign state into static data at the end of an execution (last writer wins), so the workers overwrite each other.'
				: ''),
		{
			statsReads: r.statsReads,
			statsTotals: r.statsTotals,
			staticData: r.staticData,
			expected: r.expected,
			perWorker: r.perWorker,
		},
	);
}

export async function queueCallbacks(
	env: { log: Logger; shared: Json },
	checks: Checks,
): Promise<void> {
	const { log } = env;
	const t0 = Date.now();
	const pkg = suitePackage();
	// E2E_QUEUE_ENV: extra environment (JSON) for every n8n process, e.g. '{"N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE":"true"}'
	const extraEnv = process.env.E2E_QUEUE_ENV
		? (JSON.parse(process.env.E2E_QUEUE_ENV) as Record<string, string>)
		: undefined;
	if (extraEnv) log(`  queue stack env: ${JSON.stringify(extraEnv)}`);
	await withQueueStack(
		{ workers: 1, workerConcurrency: WORKER_CONCURRENCY, packages: [pkg], env: extraEnv, log },
		async (stack) => {
			checks.check(
				`queue mode: Redis, PostgreSQL, n8n main, 1 worker (concurrency ${WORKER_CONCURRENCY}) and a webhook processor start, package installed in each`,
				true,
				'',
				{ seconds: Math.round((Date.now() - t0) / 1000), processes: stack.describe() },
			);
			const ctx: E2eContext = { n8n: stack.main!, log, shared: env.shared };
			const calls = syntheticCalls(CALLS);
			const phases: PhaseResult[] = [];
			for (const workers of [1, 2]) {
				while (stack.workers.length < workers) await stack.addWorker();
				const r = await burst(stack, ctx, calls, log);
				phases.push(r);
				log(`  measured: ${summary(r)}`);
				checks.check(
					`queue mode, ${workers} worker(s): ${CALLS} callbacks, ${IN_FLIGHT} in flight, to the webhook processor are all answered 200 and each runs once`,
					r.answered200 === CALLS && r.executions === CALLS && (r.byStatus.success ?? 0) === CALLS,
					`answered 200: ${r.answered200} (${r.httpErrors.slice(0, 3).join('; ')}); executions ${r.executions} ${JSON.stringify(r.byStatus)}`,
					{
						answeredInS: r.answeredInS,
						p50Ms: r.p50Ms,
						p95Ms: r.p95Ms,
						drainedInS: r.drainedInS,
						callbacksPerSecond: Math.round(r.callbacksPerSecond * 10) / 10,
					},
				);
				countedCheck(checks, r);
				checks.check(
					workers > 1
						? `queue mode, ${workers} workers: the campaign stops dialling and says why (paused: two n8n processes changed it)`
						: 'queue mode, 1 worker: the campaign is not paused (one process runs it)',
					workers > 1 ? /^two n8n processes/.test(r.pausedBecause ?? '') : r.pausedBecause === null,
					`Get Stats pausedBecause: ${JSON.stringify(r.pausedBecause)}`,
				);
			}
			const [one, two] = phases;
			const ratio =
				one.callbacksPerSecond > 0 ? two.callbacksPerSecond / one.callbacksPerSecond : 0;
			log(
				`  measured: callbacks/s with 1 worker ${one.callbacksPerSecond.toFixed(1)}, with 2 workers ${two.callbacksPerSecond.toFixed(1)} ` +
					`(x${ratio.toFixed(2)}; issue 12's target x${SCALE_TARGET}) — ${CALLS} callbacks, ${IN_FLIGHT} in flight, worker concurrency ${WORKER_CONCURRENCY}`,
			);
			env.shared.measurements = {
				...(env.shared.measurements ?? {}),
				queueCallbacks: {
					calls: CALLS,
					inFlight: IN_FLIGHT,
					workerConcurrency: WORKER_CONCURRENCY,
					oneWorker: {
						perSecond: Math.round(one.callbacksPerSecond * 10) / 10,
						answeredPerSecond: Math.round(one.answeredPerSecond * 10) / 10,
						counted: one.statsReads,
						staticData: one.staticData?.resolved,
						perWorker: one.perWorker,
						cpu: one.cpu,
					},
					twoWorkers: {
						perSecond: Math.round(two.callbacksPerSecond * 10) / 10,
						answeredPerSecond: Math.round(two.answeredPerSecond * 10) / 10,
						counted: two.statsReads,
						staticData: two.staticData?.resolved,
						perWorker: two.perWorker,
						cpu: two.cpu,
					},
					ratio: Math.round(ratio * 100) / 100,
				},
			};
			checks.check(
				`queue mode: callback intake with 2 workers is at least ${SCALE_TARGET}x that with 1 worker (same run, same load)`,
				ratio >= SCALE_TARGET,
				`1 worker ${one.callbacksPerSecond.toFixed(1)}/s, 2 workers ${two.callbacksPerSecond.toFixed(1)}/s: x${ratio.toFixed(2)}`,
				{ oneWorker: one.callbacksPerSecond, twoWorkers: two.callbacksPerSecond, ratio },
			);
		},
	);
}
