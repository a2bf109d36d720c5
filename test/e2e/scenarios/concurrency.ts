/**
 * Concurrency and security on the status-callback path.
 *
 * 500 real calls are placed through the tick path (maxAttempts 1) while the simulator sends no callbacks itself.
 * With the schedule switched off, the test then plays Exotel: it first sends callbacks without / with a wrong
 * secret (they must get 401 and start nothing), then all 500 terminal callbacks (the simulator's own payloads,
 * JSON as Connect Call requested) with 20 in flight at once to n8n's production webhook. Each runs the callback
 * path; because every execution writes the whole static-data blob at its end, most outcome writes are lost.
 * The sheet (row writes are per row) must still show all 500 outcomes. Then the schedule is switched back on
 * with reconciliation, and the campaign stats must count all 500 calls exactly once.
 */
import { callbackPayload } from '../../../simulator/callbacks';
import { fireConcurrent, percentile } from '../harness';
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
import { ids, progressLogger, SECRET, settledProgress, type E2eContext } from '../lib/context';

const CALLS = Number(process.env.E2E_BURST ?? 500);
const IN_FLIGHT = 20;
const FACTOR = 10;

async function webhookExecutions(ctx: E2eContext, workflowId: string): Promise<number> {
	const [done, running] = await Promise.all([
		ctx.n8n.client.listExecutions({ workflowId }),
		ctx.n8n.client.listExecutions({ workflowId, status: 'running' }),
	]);
	return new Set([...done, ...running].filter((e) => e.mode === 'webhook').map((e) => e.id)).size;
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
		settings: { maxAttempts: 1, maxInFlight: CALLS + 100 },
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
			p.stats.totals.reserved === 0 &&
			sim.sheets.rows(d.sheet).every((r) => !!r.lastCallSid),
	});
	await updateCampaign(n8n, d, (wf) => {
		workflowNode(wf, 'Schedule Tick').disabled = true;
	});
	await new Promise((r) => setTimeout(r, 3000)); // a tick that was running finishes
	const before = await settledProgress(n8n, sim, d, 2000);
	checks.check(
		'setup: 500 calls placed and registered, none counted yet',
		placed.calls === CALLS && before.stats?.totals.inFlight === CALLS && before.stats?.totals.resolved === 0,
		`calls ${placed.calls}, in flight ${before.stats?.totals.inFlight}, resolved ${before.stats?.totals.resolved}`,
	);

	// 2. Security: no secret / a wrong secret.
	const calls = [...sim.calls()];
	const sample = callbackPayload(calls[0], { type: 'terminal' }, true);
	const execBefore = await webhookExecutions(ctx, d.workflowId);
	const noSecret = await n8n.client.webhook(d.statusPath, sample);
	const wrong = await n8n.client.webhook(d.statusPath, sample, { query: { secret: 'not-the-secret-0123456789' } });
	const wrongHeader = await n8n.client.webhook(d.statusPath, sample, { headers: { 'x-exotel-secret': 'also-wrong-0123456789' } });
	const asForm = await n8n.client.webhook(d.statusPath, sample, { encoding: 'multipart' });
	await new Promise((r) => setTimeout(r, 3000));
	const execAfter = await webhookExecutions(ctx, d.workflowId);
	const statuses = [noSecret.status, wrong.status, wrongHeader.status, asForm.status];
	checks.check(
		'security: callbacks without the secret are rejected (401/403) and start no execution',
		statuses.every((s) => s === 401 || s === 403) && execAfter === execBefore,
		`answers ${statuses.join(', ')}; webhook executions before ${execBefore}, after ${execAfter}`,
		{ answers: statuses },
	);

	// 3. The burst: every call's terminal callback, 20 in flight, through the production webhook.
	const t0 = Date.now();
	const burst = await fireConcurrent(calls.length, IN_FLIGHT, async (i) => {
		const res = await n8n.client.webhook(d.statusPath, callbackPayload(calls[i], { type: 'terminal' }, true), { query: { secret: SECRET } });
		if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
		return res.status;
	});
	let webhookRuns = 0;
	const deadline = Date.now() + 3 * 60_000;
	for (;;) {
		const counts = await n8n.client.countExecutions(d.workflowId);
		webhookRuns = await webhookExecutions(ctx, d.workflowId);
		if ((webhookRuns >= execAfter + CALLS && counts.pending === 0) || Date.now() > deadline) break;
		await new Promise((r) => setTimeout(r, 1000));
	}
	const drainedMs = Date.now() - t0;
	const errors = (await n8n.client.listExecutions({ workflowId: d.workflowId, status: 'error' })).filter((e) => e.mode === 'webhook').length;
	const details = {
		answeredIn: `${(burst.wallMs / 1000).toFixed(1)} s`,
		drainedIn: `${(drainedMs / 1000).toFixed(1)} s`,
		p50Ms: Math.round(percentile(burst.latenciesMs, 50)),
		p95Ms: Math.round(percentile(burst.latenciesMs, 95)),
		executions: webhookRuns - execAfter,
		failedExecutions: errors,
	};
	log(`  burst: ${CALLS} callbacks answered in ${details.answeredIn}, executions drained in ${details.drainedIn} (p50 ${details.p50Ms} ms, p95 ${details.p95Ms} ms)`);
	checks.check(
		`concurrency: ${CALLS} callbacks, ${IN_FLIGHT} in flight, are all answered 200 and each runs once`,
		burst.errors.length === 0 && webhookRuns - execAfter === CALLS && errors === 0,
		`HTTP errors ${burst.errors.length} (${burst.errors.slice(0, 3).map((e) => e.error?.message ?? String(e)).join('; ')}), executions ${webhookRuns - execAfter}, failed ${errors}`,
		details,
	);

	// The rows are written per row, so none is lost: every contact shows its call's outcome.
	const rows = sim.sheets.rows(d.sheet);
	const bySid = new Map(calls.map((c) => [c.sid, c]));
	const wrongRows = rows.filter((r) => !isFinalRow(r) || bySid.get(String(r.lastCallSid))?.outcome.status !== r.lastStatus);
	const afterBurst = await settledProgress(n8n, sim, d, 2000);
	const countedByCallbacks = afterBurst.stats?.totals.resolved ?? 0;
	log(`  burst: ${countedByCallbacks} of ${CALLS} outcomes survived in static data (last writer wins); the sheet has ${rows.length - wrongRows.length}`);
	checks.check(
		`concurrency: the callback path wrote all ${CALLS} outcomes to the contact rows`,
		wrongRows.length === 0,
		`${wrongRows.length} rows without their call's final outcome, e.g. ${JSON.stringify(wrongRows[0])}`,
		{ countedInStaticDataByCallbacks: countedByCallbacks },
	);

	// 4. Reconciliation recovers the outcomes whose writes were overwritten.
	await updateCampaign(n8n, d, (wf) => {
		workflowNode(wf, 'Schedule Tick').disabled = false;
		workflowNode(wf, 'Exotel Pacing: Release').parameters.reconcile = true;
	});
	const end = await waitForCampaign(n8n, sim, d, {
		timeoutMs: 4 * 60_000,
		pollMs: 2000,
		onProgress: progressLogger(log, '  burst reconciling'),
		until: (p) => !!p.stats && p.stats.totals.resolved >= CALLS && p.stats.totals.inFlight === 0,
	});
	await updateCampaign(n8n, d, (wf) => {
		workflowNode(wf, 'Schedule Tick').disabled = true;
	});
	const settled = await settledProgress(n8n, sim, d, 3000);
	const diffs = settled.stats ? compareWithGroundTruth(settled.stats, sim.ledger.calls) : ['no state'];
	checks.check(
		`concurrency: the final stats count all ${CALLS} calls exactly once`,
		diffs.length === 0 && settled.stats?.totals.resolved === CALLS,
		`${diffs.slice(0, 8).join('; ')}; resolved ${settled.stats?.totals.resolved}, in flight ${end.stats?.totals.inFlight}`,
		{ countedByCallbacks, reconciled: settled.stats?.totals.reconciled, duplicatesIgnored: settled.stats?.totals.duplicatesIgnored, totals: settled.stats?.totals },
	);
}
