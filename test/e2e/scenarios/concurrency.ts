/**
 * Concurrency and security on the status-callback path.
 *
 * 500 real calls are placed through the tick path (maxAttempts 1) while the simulator sends no callbacks itself.
 * With the schedule switched off, the test then plays Exotel: it first sends callbacks without / with a wrong
 * secret (n8n's Webhook node answers them 200; Record Outcome must count none of them and say why), then all 500
 * terminal callbacks (the simulator's own payloads,
 * JSON as Connect Call requested) with 20 in flight at once to n8n's production webhook. Each runs the callback
 * path, which only counts (no Exotel request, no sheet write). Although every execution saves the whole
 * static-data blob at its end (last writer wins), the Pacing Controller's in-process state counts all 500 exactly
 * once, without reconciliation. The same load on a bare Webhook → No Op workflow gives the throughput ceiling.
 * Then the schedule is switched back on and the ticks write the outcomes to the rows.
 */
import { callbackPayload } from '../../../simulator/callbacks';
import type { CallRecord } from '../../../simulator/calls';
import { fireConcurrent, n8nMajor, percentile } from '../harness';
import type { Json } from '../harness/json';
import {
	compareWithGroundTruth,
	deployCampaign,
	isFinalRow,
	startCampaignSimulator,
	updateCampaign,
	waitForCampaign,
	workflowNode,
} from '../../../scripts/demo/run';
import type { Checks } from '../lib/runner';
import { CALLBACK_WEBHOOK } from '../../../scripts/demo/examples';
import { ids, progressLogger, SECRET, settledProgress, type E2eContext } from '../lib/context';
import { deployExampleOneCallbackPath, type CallbackEntry } from './exampleOneCallbacks';

const CALLS = Number(process.env.E2E_BURST ?? 500);
const IN_FLIGHT = 20;
const FACTOR = 10;
const RECORD_OUTCOME = 'Exotel Pacing: Record Outcome';

async function webhookExecutionIds(ctx: E2eContext, workflowId: string): Promise<Set<string>> {
	const [done, running] = await Promise.all([
		ctx.n8n.client.listExecutions({ workflowId }),
		ctx.n8n.client.listExecutions({ workflowId, status: 'running' }),
	]);
	return new Set([...done, ...running].filter((e) => e.mode === 'webhook').map((e) => e.id));
}

async function webhookExecutions(ctx: E2eContext, workflowId: string): Promise<number> {
	return (await webhookExecutionIds(ctx, workflowId)).size;
}

/**
 * The webhook executions once the list stops changing. n8n 2.x lists a Stats webhook execution (the progress
 * reads) a moment after it has answered, so a count taken right away can grow by one without any callback.
 */
async function settledWebhookExecutionIds(
	ctx: E2eContext,
	workflowId: string,
): Promise<Set<string>> {
	let last = await webhookExecutionIds(ctx, workflowId);
	for (let i = 0; i < 20; i++) {
		await new Promise((r) => setTimeout(r, 1500));
		const now = await webhookExecutionIds(ctx, workflowId);
		if (now.size === last.size && [...now].every((id) => last.has(id))) return now;
		last = now;
	}
	return last;
}

/**
 * Of the executions in `after` but not in `before` that ran the callback path: what Record Outcome did with each
 * request (the reason on "No Change", or "counted" when it reached "Counted").
 */
async function callbackVerdictsSince(
	ctx: E2eContext,
	before: Set<string>,
	after: Set<string>,
): Promise<string[]> {
	const verdicts: string[] = [];
	for (const id of after) {
		if (before.has(id)) continue;
		const e = await ctx.n8n.client.getExecution(id, true);
		const runData = e.data?.resultData?.runData;
		if (!runData?.[CALLBACK_WEBHOOK]) continue;
		const [counted, noChange] = (runData[RECORD_OUTCOME]?.[0]?.data?.main ?? []) as Json[][];
		if (counted?.length) verdicts.push('counted');
		else verdicts.push(...(noChange ?? []).map((i) => String(i.json?.reason ?? 'no reason')));
		if (!counted?.length && !noChange?.length) verdicts.push('Record Outcome did not run');
	}
	return verdicts;
}

export async function concurrencyAndSecurity(ctx: E2eContext, checks: Checks): Promise<void> {
	const { n8n, log } = ctx;
	const sim = await startCampaignSimulator({
		seed: 7,
		factor: FACTOR,
		virtualStart: '2025-01-06T10:00:00+05:30',
		circles: { MH: 1, DL: 1, KA: 1, TN: 1, GJ: 1 },
		dndShare: 0,
		dropRate: 1, // the test sends the callbacks itself
	});
	ctx.shared.simulators.push(sim);
	const d = await deployCampaign(n8n, sim, {
		name: 'E2E concurrency',
		campaign: 'e2e-burst',
		sheet: 'burst',
		secret: SECRET,
		scheduleSeconds: 5,
		factor: FACTOR,
		contacts: CALLS,
		contactSeed: 23,
		reconcile: false,
		// 150/min: Connect Call spreads a tick's calls over 4 of its 5 s, so 170/min (the example's) would send 212 in
		// some simulator minutes, over its 200: a 429 makes Connect Call wait out Exotel's window in real seconds,
		// which at x10 outlasts the calls' leases (a run of session 12 placed 80 calls after their lease ended).
		settings: { maxAttempts: 1, maxInFlight: CALLS + 100, maxCallsPerMinute: 150 },
		...ids(),
		statsPath: 'e2e-burst-stats',
	});

	// 1. Place the calls (ticks only; no callbacks yet).
	sim.clock.setFactor(FACTOR);
	const placed = await waitForCampaign(n8n, sim, d, {
		timeoutMs: 4 * 60_000,
		pollMs: 2000,
		onProgress: progressLogger(log, '  burst placing'),
		until: (p) =>
			p.calls === CALLS &&
			p.live === 0 &&
			!!p.stats &&
			p.stats.totals.inFlight === CALLS &&
			p.stats.totals.reserved === 0,
	});
	await updateCampaign(n8n, d, (wf) => {
		workflowNode(wf, 'Schedule Tick').disabled = true;
	});
	await new Promise((r) => setTimeout(r, 3000)); // a tick that was running finishes
	const before = await settledProgress(n8n, sim, d, 2000);
	checks.check(
		`setup: ${CALLS} calls placed and registered, none counted yet`,
		placed.calls === CALLS &&
			before.stats?.totals.inFlight === CALLS &&
			before.stats?.totals.resolved === 0,
		`calls ${placed.calls}, in flight ${before.stats?.totals.inFlight}, resolved ${before.stats?.totals.resolved}`,
	);

	// 2. Security: no secret / a wrong secret.
	const calls = [...sim.calls()];
	const sample = callbackPayload(calls[0], { type: 'terminal' }, true);
	const execBefore = await settledWebhookExecutionIds(ctx, d.workflowId);
	const noSecret = await n8n.client.webhook(d.statusPath, sample);
	const wrong = await n8n.client.webhook(d.statusPath, sample, {
		query: { secret: 'not-the-secret-0123456789' },
	});
	const wrongHeader = await n8n.client.webhook(d.statusPath, sample, {
		headers: { 'x-exotel-secret': 'also-wrong-0123456789' },
	});
	const asForm = await n8n.client.webhook(d.statusPath, sample, { encoding: 'multipart' });
	await new Promise((r) => setTimeout(r, 3000));
	// Read before the executions are counted: a stats read is a webhook execution of this workflow too.
	const afterForged = await settledProgress(n8n, sim, d, 1000);
	const execAfterIds = await settledWebhookExecutionIds(ctx, d.workflowId);
	const execAfter = execAfterIds.size;
	const verdicts = await callbackVerdictsSince(ctx, execBefore, execAfterIds);
	const statuses = [noSecret.status, wrong.status, wrongHeader.status, asForm.status];
	// n8n's Webhook node answers before anything checks the secret; Record Outcome is what refuses them.
	checks.check(
		'security: callbacks without the secret count nothing; Record Outcome says "wrong secret" for each',
		statuses.every((s) => s === 200) &&
			verdicts.length === 4 &&
			verdicts.every((v) => v === 'wrong secret') &&
			afterForged.stats?.totals.resolved === 0,
		`answers ${statuses.join(', ')}; Record Outcome: ${verdicts.join(', ') || 'no callback-path execution'}; resolved ${afterForged.stats?.totals.resolved}; webhook executions before ${execBefore.size}, after ${execAfter}`,
		{ answers: statuses, verdicts },
	);

	// 3. The burst: every call's terminal callback, 20 in flight, through the production webhook. The callback
	// path only counts (Webhook → clock → Record Outcome): no Exotel request, no sheet write per callback.
	const sheetWritesBefore = sim.sheets.journal.length;
	const exotelRequestsBefore = sim.ledger.requests.length;
	const callbackRun = await burstThrough(ctx, d.workflowId, execAfter, (i) =>
		n8n.client.webhook(d.statusPath, callbackPayload(calls[i], { type: 'terminal' }, true), {
			query: { secret: SECRET },
		}),
	);
	const webhookRuns = callbackRun.executions;
	const errors = (
		await n8n.client.listExecutions({ workflowId: d.workflowId, status: 'error' })
	).filter((e) => e.mode === 'webhook').length;
	const details = { ...callbackRun.details, failedExecutions: errors };
	log(
		`  burst: ${CALLS} callbacks answered in ${details.answeredIn}, executions drained in ${details.drainedIn} (p50 ${details.p50Ms} ms, p95 ${details.p95Ms} ms)`,
	);
	checks.check(
		`concurrency: ${CALLS} callbacks, ${IN_FLIGHT} in flight, are all answered 200 and each runs once`,
		callbackRun.httpErrors.length === 0 && webhookRuns === CALLS && errors === 0,
		`HTTP errors ${callbackRun.httpErrors.length} (${callbackRun.httpErrors.slice(0, 3).join('; ')}), executions ${webhookRuns}, failed ${errors}`,
		details,
	);

	// The same load on a bare Webhook → No Op workflow, in the same run: the ceiling of n8n itself here.
	const baseline = await baselineBurst(ctx, (i) =>
		callbackPayload(calls[i], { type: 'terminal' }, true),
	);
	const ratio = baseline.perSecond > 0 ? callbackRun.perSecond / baseline.perSecond : 0;
	log(
		`  burst: callback path ${callbackRun.perSecond.toFixed(1)} callbacks/s, bare Webhook → No Op ${baseline.perSecond.toFixed(1)}/s (ratio ${ratio.toFixed(2)})`,
	);
	// The local example's callback path also reads the simulator's clock over HTTP; example 1's (what a real
	// campaign runs) does not, and issue 9's target (>= 80% of the bare webhook) is measured on it.
	const ex1 = await exampleOneBurst(ctx, calls, checks);
	const ex1Ratio = baseline.perSecond > 0 ? ex1.perSecond / baseline.perSecond : 0;
	log(
		`  burst: example 1's callback path ${ex1.perSecond.toFixed(1)} callbacks/s (ratio ${ex1Ratio.toFixed(2)} to the bare webhook)`,
	);
	// README's alternative: the Exotel Status Trigger in front (refuses requests without the secret, 401).
	const viaTrigger = await exampleOneBurst(
		ctx,
		calls,
		checks,
		' with the Exotel Status Trigger instead',
		'statusTrigger',
	);
	const viaTriggerRatio = baseline.perSecond > 0 ? viaTrigger.perSecond / baseline.perSecond : 0;
	log(
		`  burst: example 1's callback path with the Exotel Status Trigger ${viaTrigger.perSecond.toFixed(1)} callbacks/s (ratio ${viaTriggerRatio.toFixed(2)} to the bare webhook)`,
	);
	ctx.shared.measurements = {
		...(ctx.shared.measurements ?? {}),
		callbackThroughput: {
			callbackPerSecond: round1(callbackRun.perSecond),
			exampleOnePerSecond: round1(ex1.perSecond),
			statusTriggerPerSecond: round1(viaTrigger.perSecond),
			statusTriggerRatio: round1(viaTriggerRatio * 100) / 100,
			baselinePerSecond: round1(baseline.perSecond),
			ratio: round1(ratio * 100) / 100,
			exampleOneRatio: round1(ex1Ratio * 100) / 100,
			target: 0.8,
		},
	};
	log(
		`  measured: local example's callback path (with its clock request) / bare webhook = ${(ratio * 100).toFixed(0)}%`,
	);
	log(
		`  measured: example 1's callback path / bare webhook = ${(ex1Ratio * 100).toFixed(0)}% (target 80%): ${ex1Ratio >= 0.8 ? 'met' : 'NOT met'}`,
	);
	log(
		`  measured: example 1's callback path with the Exotel Status Trigger / bare webhook = ${(viaTriggerRatio * 100).toFixed(0)}%`,
	);

	// Every outcome is counted by the callbacks themselves (no reconciliation), with no sheet or Exotel request.
	const afterBurst = await settledProgress(n8n, sim, d, 2000);
	const burstDiffs = afterBurst.stats
		? compareWithGroundTruth(afterBurst.stats, sim.ledger.calls)
		: ['no stats'];
	const sheetWrites = sim.sheets.journal.length - sheetWritesBefore;
	const exotelRequests = sim.ledger.requests.length - exotelRequestsBefore;
	log(
		`  burst: ${afterBurst.stats?.totals.resolved ?? 0} of ${CALLS} outcomes counted by the callbacks; ${sheetWrites} row writes and ${exotelRequests} Exotel requests during the burst`,
	);
	checks.check(
		`concurrency: the callbacks alone count all ${CALLS} outcomes exactly once, with 0 sheet writes and 0 Exotel requests`,
		burstDiffs.length === 0 &&
			afterBurst.stats?.totals.resolved === CALLS &&
			afterBurst.stats?.totals.reconciled === 0 &&
			sheetWrites === 0 &&
			exotelRequests === 0,
		`${burstDiffs.slice(0, 6).join('; ')}; resolved ${afterBurst.stats?.totals.resolved}, reconciled ${afterBurst.stats?.totals.reconciled}, sheet writes ${sheetWrites}, Exotel requests ${exotelRequests}`,
		{ totals: afterBurst.stats?.totals, sheetWrites, exotelRequests },
	);

	// 4. The ticks write the outcomes to the rows (Release's Row Updates), a few requests per tick.
	const journalBefore = sim.sheets.journal.length;
	await updateCampaign(n8n, d, (wf) => {
		workflowNode(wf, 'Schedule Tick').disabled = false;
		workflowNode(wf, 'Exotel Pacing: Release').parameters.reconcile = true;
	});
	const end = await waitForCampaign(n8n, sim, d, {
		timeoutMs: 4 * 60_000,
		pollMs: 2000,
		onProgress: progressLogger(log, '  burst writing rows'),
		until: (p) =>
			!!p.stats &&
			p.stats.totals.resolved >= CALLS &&
			p.stats.totals.inFlight === 0 &&
			p.finalRows === p.contacts,
	});
	await updateCampaign(n8n, d, (wf) => {
		workflowNode(wf, 'Schedule Tick').disabled = true;
	});
	const settled = await settledProgress(n8n, sim, d, 3000);
	const diffs = settled.stats
		? compareWithGroundTruth(settled.stats, sim.ledger.calls)
		: ['no state'];
	const rows = sim.sheets.rows(d.sheet);
	const bySid = new Map(calls.map((c) => [c.sid, c]));
	const wrongRows = rows.filter(
		(r) => !isFinalRow(r) || bySid.get(String(r.lastCallSid))?.outcome.status !== r.lastStatus,
	);
	const rowWrites = sim.sheets.journal.length - journalBefore;
	checks.check(
		`concurrency: the ticks wrote all ${CALLS} outcomes to the contact rows`,
		wrongRows.length === 0,
		`${wrongRows.length} rows without their call's final outcome, e.g. ${JSON.stringify(wrongRows[0])}`,
		{ rowWrites },
	);
	checks.check(
		`concurrency: the final stats count all ${CALLS} calls exactly once`,
		diffs.length === 0 && settled.stats?.totals.resolved === CALLS,
		`${diffs.slice(0, 8).join('; ')}; resolved ${settled.stats?.totals.resolved}, in flight ${end.stats?.totals.inFlight}`,
		{
			countedByCallbacks: afterBurst.stats?.totals.resolved,
			reconciled: settled.stats?.totals.reconciled,
			duplicatesIgnored: settled.stats?.totals.duplicatesIgnored,
			totals: settled.stats?.totals,
		},
	);

	// Last, because it restarts n8n: outcomes counted in memory but not yet in static data are then recovered by
	// reconciliation, not by the callbacks alone (what step 3 checks).
	// Opt-in (README's figure for the Status Trigger with lazy isolates); it restarts n8n twice.
	if (n8nMajor(n8n.version) >= 2 && process.env.E2E_LAZY_ISOLATES === '1')
		await lazyIsolateBursts(ctx, calls, checks);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The setting README recommends on n8n 2.x for campaigns with many callbacks (see lazyIsolateBursts). */
export const LAZY_ISOLATES = { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' };

/**
 * n8n 2.x (expression engine "vm", its default) builds an expression isolate for the webhook phase of every trigger
 * except its own Webhook node v2 (n8n's live-webhooks.js, webhookPhaseNeedsIsolate), so with n8n's defaults any
 * other trigger, ours included, runs at about 60% of a bare Webhook. With N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true
 * an isolate is built only when an expression is evaluated. The same bursts again with that setting (n8n restarted
 * on the same database, then restarted back so the next scenarios run with n8n's defaults).
 */
async function lazyIsolateBursts(
	ctx: E2eContext,
	calls: readonly CallRecord[],
	checks: Checks,
): Promise<void> {
	const { n8n, log } = ctx;
	const defaults = n8n.opts.env;
	await n8n.restart({ env: { ...(defaults ?? {}), ...LAZY_ISOLATES } });
	try {
		const baseline = await baselineBurst(ctx, (i) =>
			callbackPayload(calls[i], { type: 'terminal' }, true),
		);
		const ex1 = await exampleOneBurst(
			ctx,
			calls,
			checks,
			' with the Exotel Status Trigger (N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true)',
			'statusTrigger',
		);
		const ratio = baseline.perSecond > 0 ? ex1.perSecond / baseline.perSecond : 0;
		log(
			`  burst with lazy isolates: example 1's callback path ${ex1.perSecond.toFixed(1)}/s, bare Webhook → No Op ${baseline.perSecond.toFixed(1)}/s (ratio ${ratio.toFixed(2)})`,
		);
		log(
			`  measured: with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true, example 1's callback path / bare webhook = ${(ratio * 100).toFixed(0)}% (target 80%): ${ratio >= 0.8 ? 'met' : 'NOT met'}`,
		);
		const measured = ctx.shared.measurements?.callbackThroughput as
			| Record<string, unknown>
			| undefined;
		ctx.shared.measurements = {
			...(ctx.shared.measurements ?? {}),
			callbackThroughput: {
				...(measured ?? {}),
				lazyIsolates: {
					exampleOnePerSecond: round1(ex1.perSecond),
					baselinePerSecond: round1(baseline.perSecond),
					exampleOneRatio: round1(ratio * 100) / 100,
				},
			},
		};
	} finally {
		await n8n.restart({ env: defaults ?? {} });
	}
}

interface BurstResult {
	executions: number;
	perSecond: number;
	httpErrors: string[];
	details: {
		answeredIn: string;
		drainedIn: string;
		p50Ms: number;
		p95Ms: number;
		executions: number;
	};
}

/** Sends CALLS requests, IN_FLIGHT at a time, and waits until the workflow has run once for each. */
async function burstThrough(
	ctx: E2eContext,
	workflowId: string,
	executionsBefore: number,
	send: (i: number) => Promise<{ status: number }>,
): Promise<BurstResult> {
	const t0 = Date.now();
	const burst = await fireConcurrent(CALLS, IN_FLIGHT, async (i) => {
		const res = await send(i);
		if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
		return res.status;
	});
	let runs = 0;
	const deadline = Date.now() + 3 * 60_000;
	for (;;) {
		const counts = await ctx.n8n.client.countExecutions(workflowId);
		runs = (await webhookExecutions(ctx, workflowId)) - executionsBefore;
		if ((runs >= CALLS && counts.pending === 0) || Date.now() > deadline) break;
		await new Promise((r) => setTimeout(r, 250));
	}
	const drainedMs = Date.now() - t0;
	return {
		executions: runs,
		perSecond: (CALLS * 1000) / drainedMs,
		httpErrors: burst.errors.map((e) => e.error?.message ?? String(e)),
		details: {
			answeredIn: `${(burst.wallMs / 1000).toFixed(1)} s`,
			drainedIn: `${(drainedMs / 1000).toFixed(1)} s`,
			p50Ms: Math.round(percentile(burst.latenciesMs, 50)),
			p95Ms: Math.round(percentile(burst.latenciesMs, 95)),
			executions: runs,
		},
	};
}

/** Example 1's callback path under the same load; checks that it counted every callback once. */
async function exampleOneBurst(
	ctx: E2eContext,
	calls: readonly CallRecord[],
	checks: Checks,
	label = '',
	entry: CallbackEntry = 'asImported',
): Promise<BurstResult> {
	const path = await deployExampleOneCallbackPath(ctx, calls, SECRET, entry);
	try {
		// Settled: the warm-up Stats request's execution can be listed a moment after it answered (2.x).
		const before = (await settledWebhookExecutionIds(ctx, path.workflowId)).size;
		const run = await burstThrough(ctx, path.workflowId, before, (i) =>
			ctx.n8n.client.webhook(path.statusPath, path.payload(i), { query: { secret: SECRET } }),
		);
		const resolved = await path.resolved();
		checks.check(
			`example 1's callback path${label}: ${CALLS} callbacks, ${IN_FLIGHT} in flight, all answered 200, each counted once`,
			run.httpErrors.length === 0 && run.executions === CALLS && resolved === CALLS,
			`HTTP errors ${run.httpErrors.length} (${run.httpErrors.slice(0, 3).join('; ')}), executions ${run.executions}, counted ${resolved}`,
			run.details,
		);
		return run;
	} finally {
		await path.remove();
	}
}

/**
 * A bare Webhook (answers at once, like the Status Trigger) → No Op workflow under the same load: the same callback
 * bodies, 20 in flight. (Until session 5 it got two-field bodies, so n8n parsed and stored less for it than for the
 * callback path: on 2.41.1 even the Status Trigger → No Op alone reached only 62% of it.)
 */
async function baselineBurst(
	ctx: E2eContext,
	body: (i: number) => Record<string, unknown>,
): Promise<BurstResult> {
	const path = `e2e-baseline-${Date.now()}`;
	const wf = await ctx.n8n.client.importWorkflow(
		{
			name: 'E2E baseline: Webhook → No Op',
			nodes: [
				{
					parameters: { httpMethod: 'POST', path, options: {} },
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: path,
				},
				{
					parameters: {},
					name: 'No Op',
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [220, 0],
				},
			],
			connections: { Webhook: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
		},
		{ activate: true },
	);
	await ctx.n8n.client.waitForWebhook(path, {}, { waitMs: 10_000 });
	await new Promise((r) => setTimeout(r, 1000)); // the warm-up request's execution finishes first
	const before = await webhookExecutions(ctx, wf.id);
	try {
		return await burstThrough(ctx, wf.id, before, (i) => ctx.n8n.client.webhook(path, body(i)));
	} finally {
		await ctx.n8n.client.deactivateWorkflow(wf.id).catch(() => undefined);
	}
}
