/**
 * Restart: SIGKILL n8n in the middle of a campaign (calls live, ticks and callbacks running), start it again on
 * the same database, and let the campaign finish. Callbacks that arrive while n8n is down fail (the simulator
 * retries twice, then gives up, as Exotel does); their outcomes must come back through reconciliation, and the
 * rows written before each call ("Mark Dialling") must keep any number from being called again while its call
 * is live.
 */
import {
	checkInvariants,
	compareWithGroundTruth,
	deployCampaign,
	isFinalRow,
	startCampaignSimulator,
	waitForCampaign,
	campaignOver,
	readCampaignState,
} from '../../../scripts/demo/run';
import { writeFileSync } from 'node:fs';
import type { Checks } from '../lib/runner';
import {
	governed,
	ids,
	progressLogger,
	SECRET,
	settledProgress,
	type E2eContext,
} from '../lib/context';

const CONTACTS = Number(process.env.E2E_RESTART_CONTACTS ?? 250);

export async function restart(ctx: E2eContext, checks: Checks): Promise<void> {
	const { n8n, log } = ctx;
	const sim = await startCampaignSimulator({
		seed: 5,
		factor: 2,
		virtualStart: '2025-01-06T11:00:00+05:30',
		circles: { MH: 2, DL: 2, TN: 1, GJ: 1 },
		dndShare: 0.05,
	});
	ctx.shared.simulators.push(sim);
	const d = await deployCampaign(n8n, sim, {
		name: 'E2E restart',
		campaign: 'e2e-restart',
		sheet: 'restart',
		secret: SECRET,
		scheduleSeconds: 10,
		factor: 2,
		contacts: CONTACTS,
		contactSeed: 31,
		...ids(),
		statsPath: 'e2e-restart-stats',
	});
	const gov = governed(sim, 2, 20, d);
	/** For diagnosis (E2E_DEBUG_DIR): the rows still open, their calls, and the campaign state. */
	const dumpOpenRows = async (file: string) => {
		const open = sim.sheets.rows(d.sheet).filter((r) => !isFinalRow(r));
		const last10 = (v: unknown) =>
			String(v ?? '')
				.replace(/\D/g, '')
				.slice(-10);
		const numbers = new Set(open.map((r) => last10(r.phoneNumber)));
		const calls = sim.ledger.calls.filter((c) => numbers.has(last10(c.customerNumber)));
		writeFileSync(
			file,
			JSON.stringify(
				{ virtualNow: sim.clock.now(), open, calls, state: await readCampaignState(n8n, d) },
				null,
				1,
			),
		);
	};
	const show = progressLogger(log, '  restart');
	let lastDump = 0;
	const observe = (p: Parameters<typeof show>[0]) => {
		gov.observe(p);
		show(p);
		// diagnosis: what the open rows look like while nothing is live (a stall)
		if (
			process.env.E2E_DEBUG_DIR &&
			p.live === 0 &&
			p.finalRows < p.contacts &&
			Date.now() - lastDump > 15_000
		) {
			lastDump = Date.now();
			void dumpOpenRows(`${process.env.E2E_DEBUG_DIR}/restart-idle-${p.finalRows}.json`);
		}
	};
	// Run until the campaign is well under way: many calls live and rows in progress.
	const mid = await waitForCampaign(n8n, sim, d, {
		timeoutMs: 4 * 60_000,
		pollMs: 1000,
		onProgress: observe,
		until: (p) => p.calls >= CONTACTS * 0.4 && p.live >= 20,
	});
	const inProgress = sim.sheets.rows(d.sheet).filter((r) => r.lastStatus === 'in-progress').length;
	const killedAt = Date.now();
	await n8n.kill();
	log(
		`  restart: SIGKILL with ${mid.live} calls live, ${inProgress} rows in progress, ${mid.calls} calls placed`,
	);
	await new Promise((r) => setTimeout(r, 8000)); // callbacks fail meanwhile (connection refused) and are retried, then given up
	await n8n.start();
	const downMs = Date.now() - killedAt;
	// Row writes handed out just before the kill are re-sent 1 minute after the restarted n8n takes the campaign over
	// (real time, rowWrites.ts ADOPTED_WRITE_GRACE_MS), so some contacts wait that long whatever the simulator's clock does.
	const end = await waitForCampaign(n8n, sim, d, {
		timeoutMs: 10 * 60_000,
		pollMs: 2000,
		onProgress: observe,
	});
	gov.stop();
	const p = await settledProgress(n8n, sim, d);
	const inv = checkInvariants(sim, d.settings);
	const rows = sim.sheets.rows(d.sheet);
	const failedCallbacks = sim.ledger.calls.reduce(
		(n, c) =>
			n +
			c.callbacks.filter((a) => !a.dropped && (a.httpStatus === undefined || a.httpStatus >= 300))
				.length,
		0,
	);
	const diffs = p.stats ? compareWithGroundTruth(p.stats, sim.ledger.calls) : ['no state'];
	if (!rows.every(isFinalRow) && process.env.E2E_DEBUG_DIR)
		await dumpOpenRows(`${process.env.E2E_DEBUG_DIR}/restart-stall.json`);
	const details = {
		killedWith: { live: mid.live, rowsInProgress: inProgress, callsPlaced: mid.calls },
		downSeconds: Math.round(downMs / 1000),
		failedCallbackAttempts: failedCallbacks,
		calls: sim.ledger.calls.length,
		statsDifferFromSimulator: diffs,
		totals: p.stats?.totals,
	};
	checks.check(
		'no number is called twice while a call to it is live (simulator ledger)',
		inv.overlaps.length === 0,
		`${inv.overlaps.length} overlapping pairs, e.g. ${JSON.stringify(inv.overlaps.slice(0, 3))}`,
		details,
	);
	checks.check(
		'the campaign finishes after SIGKILL + start',
		campaignOver(end) && rows.every(isFinalRow),
		`${rows.filter((r) => !isFinalRow(r)).length} rows not final, ${end.live} calls live, stats in flight ${end.stats?.totals.inFlight}`,
		details,
	);
	checks.check(
		'0 requests over 200 in any 60 s, 0 calls to DND numbers',
		inv.maxConnectRequestsInAnyMinute <= 200 && inv.rejected429 === 0 && inv.callsToDnd === 0,
		`max ${inv.maxConnectRequestsInAnyMinute} per 60 s, 429s ${inv.rejected429}, DND calls ${inv.callsToDnd}`,
	);
	log(
		`  restart: stats vs simulator after the crash: ${diffs.length ? diffs.join('; ') : 'equal'}`,
	);
}
