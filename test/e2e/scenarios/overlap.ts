/**
 * Forced overlap: ticks every 3 s that each take 12 s or more (Connect Call spreads its calls over 12 s), so three
 * to five ticks run at once all campaign long, reading the same rows and the same static data. The loop must stay
 * exact anyway: no number called while a call to it is live, every call counted once, no late outcome write, each
 * row showing its last call. The scenario also proves it forced the overlap (from n8n's execution records).
 */
import {
	campaignOver,
	checkInvariants,
	compareWithGroundTruth,
	deployCampaign,
	isFinalRow,
	startCampaignSimulator,
	waitForCampaign,
} from '../../../scripts/demo/run';
import type { Checks } from '../lib/runner';
import { tickOverlap } from '../lib/ticks';
import {
	governed,
	ids,
	progressLogger,
	SECRET,
	settledProgress,
	type E2eContext,
} from '../lib/context';
import { lateOutcomeWrites, rowsShowLastCalls } from './fullCampaign';

const OVERLAP = {
	contacts: Number(process.env.E2E_OVERLAP_CONTACTS ?? 400),
	scheduleSeconds: 3,
	spreadOverSeconds: 12,
	factor: { min: 2, max: 12 },
	timeoutMs: 10 * 60_000,
};

export async function overlappingTicks(ctx: E2eContext, checks: Checks): Promise<void> {
	const { n8n, log } = ctx;
	const virtualStart = '2025-01-07T08:59:40+05:30';
	const sim = await startCampaignSimulator({
		seed: 99,
		factor: OVERLAP.factor.min,
		virtualStart,
		circles: { MH: 2, DL: 2, KA: 1, TN: 1 },
		dropRate: 0.02,
		duplicateRate: 0.05,
	});
	ctx.shared.simulators.push(sim);
	const d = await deployCampaign(n8n, sim, {
		name: 'E2E overlapping ticks',
		campaign: 'e2e-overlap',
		sheet: 'overlap',
		secret: SECRET,
		scheduleSeconds: OVERLAP.scheduleSeconds,
		spreadOverSeconds: OVERLAP.spreadOverSeconds,
		factor: OVERLAP.factor.min,
		contacts: OVERLAP.contacts,
		contactSeed: 31,
		...ids(),
		statsPath: 'e2e-overlap-stats',
	});
	const started = Date.now();
	const gov = governed(sim, OVERLAP.factor.min, OVERLAP.factor.max, d);
	const show = progressLogger(log, '  overlap');
	const end = await waitForCampaign(n8n, sim, d, {
		timeoutMs: OVERLAP.timeoutMs,
		pollMs: 2000,
		onProgress: (p) => {
			gov.observe(p);
			show(p);
		},
	});
	gov.stop();
	const p = await settledProgress(n8n, sim, d);
	const rows = sim.sheets.rows(d.sheet);
	const calls = sim.ledger.calls;
	const inv = checkInvariants(sim, d.settings);
	const overlap = await tickOverlap(n8n, d.workflowId);
	const late = lateOutcomeWrites(sim.sheets.journal, rows);
	const diffs = p.stats ? compareWithGroundTruth(p.stats, calls) : ['no stats'];
	const rowProblems = rowsShowLastCalls(rows, calls);
	log(
		`  overlap: ${overlap.ticks} ticks, ${overlap.overlapping} started before the previous one finished, up to ${overlap.maxConcurrent} at once (tick median ${overlap.medianSeconds} s)`,
	);
	checks.check(
		'the scenario forced overlapping ticks (most ticks start while another runs; 3 or more at once)',
		overlap.ticks > 10 && overlap.overlapping >= overlap.ticks / 2 && overlap.maxConcurrent >= 3,
		`${overlap.overlapping} of ${overlap.ticks} ticks overlapped, at most ${overlap.maxConcurrent} at once`,
		{ ticks: overlap },
	);
	checks.check(
		'with overlapping ticks: every contact final, stats = ground truth, no number called while live, 0 late writes, rows show their last call',
		campaignOver(end) &&
			rows.every(isFinalRow) &&
			diffs.length === 0 &&
			inv.overlaps.length === 0 &&
			late === 0 &&
			rowProblems.length === 0 &&
			inv.maxConnectRequestsInAnyMinute <= 200,
		`not final ${rows.filter((r) => !isFinalRow(r)).length}; stats: ${diffs.slice(0, 6).join('; ')}; overlapping calls ${inv.overlaps.length} ${JSON.stringify(inv.overlaps.slice(0, 2))}; ` +
			`late writes ${late}; rows: ${rowProblems.slice(0, 4).join('; ')}; max in 60 s ${inv.maxConnectRequestsInAnyMinute}`,
		{
			seconds: Math.round((Date.now() - started) / 1000),
			calls: calls.length,
			totals: p.stats?.totals,
			lateOutcomeWrites: late,
			overlappingCalls: inv.overlaps.length,
		},
	);
}
