/**
 * Example 4, the campaign for long lists, end to end: imported from examples/04-data-table-campaign.json with only
 * what a user fills in replaced (the Exotel credential, the callback URL and secret, the flow, the fallback caller
 * ID), its contacts in an n8n Data table created and filled the way a user does (columns as the example's note
 * lists them, then name and phone rows), against the Exotel simulator. 1,000 contacts, one circle down for 5
 * minutes, 2% of callbacks dropped and 5% duplicated: the same ground-truth checks as examples 1 and 2, and how many
 * rows each tick read (the design: a few pages, whatever the list's length).
 *
 * Like example 1 the workflow runs on real time, so the simulator's clock runs at 1x from now, and the test changes
 * what a user would not: the calling window is open all day, retry gaps are one minute, 250 calls may be in flight.
 */
import { randomUUID } from 'node:crypto';

import { DateTime } from 'luxon';

import { dataTableWorkflow, makeContacts, webhookPaths } from '../../../scripts/demo/campaign';
import {
	contactTableColumns,
	DATA_TABLE_PAGES,
	DATA_TABLE_PLACEHOLDERS,
} from '../../../scripts/demo/dataTableExample';
import {
	createSimCredential,
	prepareQueueTables,
	startCampaignSimulator,
	waitForCampaign,
	ZONE,
	type Deployed,
} from '../../../scripts/demo/run';
import { resolveSettings } from '../../../nodes/core/pacing';
import { settingsFromParameters } from '../../../nodes/ExotelPacingController/fields';
import type { Json } from '../harness/json';
import type { Checks } from '../lib/runner';
import { tickOverlap } from '../lib/ticks';
import { checkRealTimeCampaign } from '../lib/realTimeChecks';
import { SHEETS } from './sheetsCampaign';
import { progressLogger, SECRET, settledProgress, type E2eContext } from '../lib/context';

export const DATA_TABLE_RUN = {
	contacts: Number(process.env.E2E_DATA_TABLE_CONTACTS ?? 1000),
	circles: SHEETS.circles,
	outage: SHEETS.outage,
	dropRate: SHEETS.dropRate,
	duplicateRate: SHEETS.duplicateRate,
	/** A limit, not a wait (example 1 took 1,155-1,445 s with the same contacts and settings). */
	timeoutMs: Number(process.env.E2E_DATA_TABLE_TIMEOUT_MIN ?? 38) * 60_000,
	settings: SHEETS.settings,
};

const READ_NODES = ['Get Rows Written', 'Get New Rows', 'Get Rows Due'];

/** Creates the contact table with the example's columns and fills name and phone; returns its id. */
export async function createContactTable(
	ctx: E2eContext,
	name: string,
	rows: Array<Record<string, unknown>>,
): Promise<string> {
	const client = ctx.n8n.client;
	const id = await client.createDataTable(name, contactTableColumns());
	for (let i = 0; i < rows.length; i += 1000)
		await client.insertDataTableRows(id, rows.slice(i, i + 1000));
	return id;
}

export async function dataTableCampaign(ctx: E2eContext, checks: Checks): Promise<void> {
	await runDataTableCampaign(ctx, checks);
}

/** How the campaign runs: example 4 on the suite's n8n, or example 5 in queue mode (dataTableQueue.ts). */
export interface DataTableCampaignMode {
	/** Example 5: the lock and callback tables are created first, as its note says. */
	queue?: boolean;
	/** Base URL the simulator sends status callbacks to (queue mode: the webhook processor's); default n8n's. */
	callbackBaseUrl?: string;
}

export async function runDataTableCampaign(
	ctx: E2eContext,
	checks: Checks,
	mode: DataTableCampaignMode = {},
): Promise<void> {
	const { n8n, log } = ctx;
	const example = mode.queue ? 'example 5' : 'example 4';
	const campaign = mode.queue ? 'e2e-data-table-queue' : 'e2e-data-table';
	if (n8n.major < 2) {
		log(
			`  data table: run on n8n 2.x only (on ${n8n.version} the Data table Get ignores Order By: rows due come in table order)`,
		);
		return;
	}
	const sim = await startCampaignSimulator({
		seed: 47,
		factor: 1,
		virtualStart: DateTime.now().setZone(ZONE).toISO()!,
		circles: DATA_TABLE_RUN.circles,
		outage: DATA_TABLE_RUN.outage,
		dropRate: DATA_TABLE_RUN.dropRate,
		duplicateRate: DATA_TABLE_RUN.duplicateRate,
	});
	ctx.shared.simulators.push(sim);

	const contacts = makeContacts(DATA_TABLE_RUN.contacts, 19);
	const table = `${DATA_TABLE_PLACEHOLDERS.table}_${randomUUID().slice(0, 8)}`;
	const tableId = await createContactTable(
		ctx,
		table,
		contacts.map((c) => ({ name: c.name, phone: c.phone })),
	);
	const exotelCredentialId = await createSimCredential(n8n, sim);
	if (mode.queue) await prepareQueueTables(n8n, campaign);
	const wf = dataTableWorkflow({
		table,
		exotelCredentialId,
		n8nUrl: (mode.callbackBaseUrl ?? n8n.url).replace(/\/+$/, ''),
		secret: SECRET,
		campaign,
		flow: '234567',
		fallbackCallerId: '01140000001',
		statusWebhookId: randomUUID(),
		statsWebhookId: randomUUID(),
		statsPath: `${campaign}-stats`,
		name: `E2E Data table campaign (${example})`,
		settings: DATA_TABLE_RUN.settings,
		...(mode.queue ? { queue: true } : {}),
	});
	const started = Date.now();
	// the simulator's clock runs with the real one from here, as example 4 paces on real time
	sim.clock.setFactor(1);
	const created = await n8n.client.importWorkflow(wf);
	const release = wf.nodes.find((x: { name: string }) => x.name === 'Exotel Pacing: Release');
	const paths = webhookPaths(wf);
	const d: Deployed = {
		workflowId: created.id,
		workflow: wf,
		campaign,
		sheet: table,
		statusPath: paths.status,
		statsPath: `${campaign}-stats`,
		dashboardPath: paths.dashboard ?? '',
		controlPath: paths.control ?? '',
		credentialId: exotelCredentialId,
		contacts: contacts.length,
		settings: resolveSettings(settingsFromParameters(release.parameters.settings)),
		rows: () => n8n.client.dataTableRows(tableId),
	};
	const end = await waitForCampaign(n8n, sim, d, {
		timeoutMs: DATA_TABLE_RUN.timeoutMs,
		pollMs: 5000,
		onProgress: progressLogger(log, `  data table (${example})`),
	});
	const campaignMs = Date.now() - started;
	const settled = await settledProgress(n8n, sim, d);
	await n8n.client.deactivateWorkflow(created.id).catch(() => undefined);
	const rows = await n8n.client.dataTableRows(tableId);
	const overlap = await tickOverlap(n8n, d.workflowId);
	const reads = await rowsReadPerTick(ctx, created.id);
	log(
		`  data table (${example}): ${sim.ledger.calls.length} calls in ${Math.round(campaignMs / 1000)} s; ${overlap.ticks} ticks, ${overlap.overlapping} overlapping; tick median ${overlap.medianSeconds} s, max ${overlap.maxSeconds} s`,
	);
	log(
		`  data table (${example}): rows read per tick (last ${reads.ticks} ticks): median ${reads.median}, max ${reads.max} [pages ${DATA_TABLE_PAGES.written} + ${DATA_TABLE_PAGES.fresh} + ${DATA_TABLE_PAGES.due}]`,
	);
	checkRealTimeCampaign(log, checks, {
		label: example,
		sim,
		d,
		end,
		settled,
		rows,
		campaignMs,
		outageCircle: DATA_TABLE_RUN.outage.circle,
	});
	const pageSum = DATA_TABLE_PAGES.written + DATA_TABLE_PAGES.fresh + DATA_TABLE_PAGES.due;
	checks.check(
		`${example}: each tick read at most ${pageSum} rows (three pages), finished rows never again`,
		reads.ticks > 0 && reads.max <= pageSum + READ_NODES.length,
		`max ${reads.max} rows in a tick over the last ${reads.ticks} ticks`,
		reads,
	);
}

/** Rows the three reads returned per tick, from n8n's saved executions (the last 50 ticks). */
async function rowsReadPerTick(
	ctx: E2eContext,
	workflowId: string,
): Promise<{ ticks: number; median: number; max: number }> {
	const ticks = (await ctx.n8n.client.listExecutions({ workflowId }))
		.filter((e: Json) => e.mode === 'trigger')
		.sort((a: Json, b: Json) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
		.slice(0, 50);
	const counts: number[] = [];
	for (const e of ticks) {
		const full = await ctx.n8n.client.getExecution(String(e.id)).catch(() => null);
		const runData = full?.data?.resultData?.runData as Json | undefined;
		if (!runData || !runData[READ_NODES[0]]) continue;
		let n = 0;
		for (const name of READ_NODES)
			for (const run of (runData[name] ?? []) as Json[])
				for (const item of (run.data?.main?.[0] ?? []) as Json[])
					if (Object.keys(item.json ?? {}).length) n++;
		counts.push(n);
	}
	counts.sort((a, b) => a - b);
	return {
		ticks: counts.length,
		median: counts.length ? counts[Math.floor(counts.length / 2)] : 0,
		max: counts.length ? counts[counts.length - 1] : 0,
	};
}
