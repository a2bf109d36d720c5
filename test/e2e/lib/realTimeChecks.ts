/**
 * The ground-truth checks of a campaign that ran on real time against the simulator (examples 1 and 4): every row
 * final, stats = the simulator's ledger, each row its last call, 0 DND / 0 over 200 in 60 s / no number called while
 * live, every call counted once with callbacks dropped and duplicated and the outage circle paused.
 */
import type { Logger } from '../harness';
import type { Json } from '../harness/json';
import {
	campaignOver,
	checkInvariants,
	compareWithGroundTruth,
	isFinalRow,
	type Deployed,
	type Invariants,
	type Progress,
} from '../../../scripts/demo/run';
import type { RunningSimulator } from '../../../simulator';
import type { Checks } from './runner';
import { rateVerdict, rowsShowLastCalls } from '../scenarios/fullCampaign';

export interface RealTimeRun {
	/** Check names start with it, e.g. "example 1". */
	label: string;
	sim: RunningSimulator;
	d: Deployed;
	/** What waitForCampaign returned, and the progress once settled. */
	end: Progress;
	settled: Progress;
	/** The contact rows at the end. */
	rows: Json[];
	campaignMs: number;
	outageCircle: string;
}

export function checkRealTimeCampaign(log: Logger, checks: Checks, r: RealTimeRun): Invariants {
	const { label, sim, d, rows } = r;
	const calls = sim.ledger.calls;
	const inv = checkInvariants(sim, d.settings);
	const stats = r.settled.stats;
	const counts = sim.ledger.counts();
	const seconds = Math.round(r.campaignMs / 1000);
	checks.check(
		`${label}: every contact ends in a final state`,
		campaignOver(r.end) && rows.length === d.contacts && rows.every(isFinalRow),
		`${rows.filter((x) => !isFinalRow(x)).length} of ${rows.length} rows not final after ${seconds} s; live calls ${r.end.live}, ` +
			`stats in flight ${stats?.totals.inFlight}; e.g. ${JSON.stringify(rows.find((x) => !isFinalRow(x)))}`,
		{ contacts: d.contacts, campaignSeconds: seconds, calls: calls.length, totals: stats?.totals },
	);
	const diffs = stats ? compareWithGroundTruth(stats, calls) : ['no campaign stats'];
	checks.check(
		`${label}: campaign stats equal the simulator's ground truth (each call counted once)`,
		diffs.length === 0,
		diffs.slice(0, 12).join('; '),
		{ totals: stats?.totals, ledger: counts.byStatus },
	);
	const rowProblems = rowsShowLastCalls(rows, calls);
	checks.check(
		`${label}: each row shows the outcome of the last call to its number`,
		rowProblems.length === 0,
		rowProblems.slice(0, 8).join('; '),
	);
	const dndRows = rows.filter((x) => x.dnd === true || String(x.dnd).toLowerCase() === 'true');
	checks.check(
		`${label}: 0 calls to DND numbers, 0 over 200 in any 60 s, no number called while a call to it is live`,
		inv.callsToDnd === 0 &&
			dndRows.length > 0 &&
			inv.maxConnectRequestsInAnyMinute <= 200 &&
			inv.rejected429 === 0 &&
			inv.overlaps.length === 0,
		`DND calls ${inv.callsToDnd} (DND rows ${dndRows.length}); max connect requests in 60 s ${inv.maxConnectRequestsInAnyMinute}, 429s ${inv.rejected429}; overlapping pairs ${inv.overlaps.length} ${JSON.stringify(inv.overlaps.slice(0, 3))}`,
		{ maxConnectRequestsInAnyMinute: inv.maxConnectRequestsInAnyMinute },
	);
	const rate = d.settings.maxCallsPerMinute ?? d.settings.accountLimitPerMinute;
	// A target of issue 9 (>= 95% of the rate while a backlog exists), reported as a measurement.
	log(
		`  measured: busiest 60 s = ${inv.maxConnectRequestsInAnyMinute} connect requests, ${Math.round((100 * inv.maxConnectRequestsInAnyMinute) / rate)}% of ${rate}/min (target 95-100%): ${rateVerdict(inv.maxConnectRequestsInAnyMinute, rate)}`,
	);
	const cb = counts.callbacks;
	const trips = stats?.circles.find((c) => c.circle === r.outageCircle)?.trips;
	checks.check(
		`${label}: with 2% of callbacks dropped and 5% duplicated every call is counted exactly once; the outage circle was paused`,
		cb.dropped > 0 && cb.duplicates > 0 && diffs.length === 0 && (trips ?? 0) >= 1,
		`dropped ${cb.dropped}, duplicated ${cb.duplicates}, reconciled ${stats?.totals.reconciled}; ${r.outageCircle} trips ${trips}`,
	);
	return inv;
}
