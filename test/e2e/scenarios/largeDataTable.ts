/**
 * Large lists on example 4 (issue 12): the contacts in an n8n Data table of 10,000 and 100,000 rows, each tick
 * reading only the rows it needs (Release's "Only Rows Due"), measured against the same targets as example 1's sheet
 * (largeList.ts: a tick's work, n8n's memory, execution data stored per tick, Release beside Number Lookup).
 *
 * The table is a campaign in its steady state: most rows called once and waiting for their retry (checkAt in the
 * future), 20% finished, 5% due now, 1% new (not looked up yet). Opt-in (`--only large-dt`, sizes in E2E_LARGE_SIZES).
 */
import { randomUUID } from 'node:crypto';

import { DateTime } from 'luxon';

import { CHECK_NEVER } from '../../../nodes/core/pacing';
import { istIso } from '../../../nodes/core/time';
import { dataTableWorkflow, makeContacts } from '../../../scripts/demo/campaign';
import { DATA_TABLE_PLACEHOLDERS } from '../../../scripts/demo/dataTableExample';
import {
	prepareQueueTables,
	startCampaignSimulator,
	useTableIds,
	ZONE,
} from '../../../scripts/demo/run';
import { numberMetadata, type RunningSimulator } from '../../../simulator';
import type { Checks } from '../lib/runner';
import type { E2eContext } from '../lib/context';
import { createContactTable, DATA_TABLE_RUN } from './dataTableCampaign';
import { LARGE, measuredCampaign, measureTicks, type QueueMeasurement } from './largeList';

const HOUR = 3600_000;

export async function largeDataTable(ctx: E2eContext, checks: Checks): Promise<void> {
	if (ctx.n8n.major < 2) {
		ctx.log(
			`  large-dt: run on n8n 2.x only (on ${ctx.n8n.version} the Data table Get ignores Order By)`,
		);
		return;
	}
	for (const size of LARGE.sizes)
		for (const reference of TABLE_REFERENCES) await measureSize(ctx, checks, size, reference);
}

/**
 * How the workflow's Data table nodes name the table: "list" as picked from the list in the editor (the table's
 * id), "name" as example 4 is imported into n8n 2.x (found by name). n8n looks a name up again for every row a
 * node updates (two table listings a row), so the two are measured side by side (E2E_LARGE_DT_TABLE, default both).
 */
const TABLE_REFERENCES = (process.env.E2E_LARGE_DT_TABLE ?? 'list,name').split(',') as Array<
	'list' | 'name'
>;

/** Example 5 in queue mode (dataTableQueue.ts): its tables, where callbacks go, what is measured. */
export interface LargeQueueMode extends QueueMeasurement {
	/** Base URL the simulator sends status callbacks to (the webhook processor's). */
	callbackBaseUrl: string;
}

export async function measureSize(
	ctx: E2eContext,
	checks: Checks,
	size: number,
	reference: 'list' | 'name',
	queue?: LargeQueueMode,
): Promise<void> {
	const example = queue ? 'example 5 (queue mode)' : 'example 4';
	const label = `${example}, ${size.toLocaleString('en-US')} contacts, table ${reference === 'list' ? 'picked from the list' : 'by name'}`;
	const sim = await startCampaignSimulator({
		seed: 61,
		factor: 1,
		virtualStart: DateTime.now().setZone(ZONE).toISO()!,
		circles: DATA_TABLE_RUN.circles,
	});
	ctx.shared.simulators.push(sim);
	const campaign = `e2e-large-dt-${queue ? 'queue-' : ''}${size}-${reference}`;
	const table = `${DATA_TABLE_PLACEHOLDERS.table}_${randomUUID().slice(0, 8)}`;
	const rows = steadyStateRows(sim, size, Date.now());
	const t0 = Date.now();
	// Building 100,000 rows takes longer than n8n keeps an idle keep-alive connection (5 s): the first request
	// after it can meet a closed socket ("socket hang up", seen twice before any table was created). Once more.
	const tableId = await createContactTable(ctx, table, rows).catch((e: Error) =>
		/socket hang up|ECONNRESET/.test(e.message)
			? createContactTable(ctx, table, rows)
			: Promise.reject(e),
	);
	ctx.log(
		`  large-dt: ${label}: table filled in ${Math.round((Date.now() - t0) / 1000)} s (1% new, 5% due, 20% final, the rest waiting)`,
	);
	// The simulator's clock stands still until it is set going (scripts/demo/run.ts): before this line it did in
	// this measurement, so calls never ended and every request fell in one simulated minute (its 200/min limit then
	// refused the third placing tick's calls, and no callback came). Real time from here, as example 4 runs.
	sim.clock.setFactor(1);
	const queueTables = queue ? await prepareQueueTables(ctx.n8n, campaign) : {};
	const measured = await measuredCampaign(ctx, sim, campaign);
	const wf = dataTableWorkflow({
		table,
		...measured,
		...(queue ? { n8nUrl: queue.callbackBaseUrl.replace(/\/+$/, ''), queue: true } : {}),
		settings: DATA_TABLE_RUN.settings,
	});
	if (reference === 'list') useTableIds(wf, { [table]: tableId, ...queueTables });
	await measureTicks(ctx, checks, label, wf, queue);
	const requests = sim.ledger.connectRequests;
	const refused = requests.filter((r) => r.httpStatus === 429).length;
	ctx.log(
		`  large-dt: ${label}: ${requests.length} connect requests, ${refused} answered 429, busiest 60 s ${sim.ledger.maxRequestsInAnyWindow()}`,
	);
}

/** Rows of a campaign under way (values from the simulator's own number model). */
function steadyStateRows(
	sim: RunningSimulator,
	size: number,
	now: number,
): Array<Record<string, unknown>> {
	return makeContacts(size, 29).map((c, k) => {
		const row: Record<string, unknown> = { name: c.name, phone: c.phone };
		const share = k % 100;
		if (share === 0) return row; // new: looked up by this tick
		const national = c.phone.replace(/\D/g, '').slice(-10);
		const m = numberMetadata(national, sim.config.seed, sim.config.numbers);
		Object.assign(row, {
			phoneNumber: m.e164,
			circle: m.circle,
			circleName: m.circleName,
			numberType: m.type,
			operator: m.operator,
			operatorName: m.operatorName,
			dnd: String(m.dnd),
			lookedUpAt: istIso(now - 3 * HOUR),
			attempts: 1,
			lastCallSid: `CAold${k}`,
			lastAttemptAt: istIso(now - 2 * HOUR),
			refunded: false,
		});
		if (share <= 20) return { ...row, lastStatus: 'completed', final: true, checkAt: CHECK_NEVER };
		const retryAt = share <= 25 ? now - HOUR + k : now + 2 * HOUR + k;
		return {
			...row,
			lastStatus: 'no-answer',
			nextRetryAt: istIso(retryAt),
			final: false,
			checkAt: retryAt,
		};
	});
}
