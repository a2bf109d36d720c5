/**
 * Shared by `npm run demo` and the e2e suite: turn examples/02-local-campaign.json into a workflow for a given
 * simulator / n8n / campaign, make a contact list, configure the simulator for a campaign, and read progress.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CALLBACK_WEBHOOK, LOCAL_DEFAULTS, QUEUE_TABLES, SHEETS_PLACEHOLDERS } from './examples';
import { DATA_TABLE_PLACEHOLDERS, DATA_TABLE_QUEUE_PLACEHOLDERS } from './dataTableExample';
import { seededRandom } from '../../nodes/core/callerId';
import type { Json } from '../../test/e2e/harness/json';

export const EXAMPLE_LOCAL = join(__dirname, '..', '..', 'examples', '02-local-campaign.json');
export const EXAMPLE_QUEUE = join(__dirname, '..', '..', 'examples', '03-queue-mode-campaign.json');
export const EXAMPLE_DATA_TABLE = join(
	__dirname,
	'..',
	'..',
	'examples',
	'04-data-table-campaign.json',
);
export const EXAMPLE_DATA_TABLE_QUEUE = join(
	__dirname,
	'..',
	'..',
	'examples',
	'05-data-table-queue-mode.json',
);
export const EXAMPLE_SHEETS = join(
	__dirname,
	'..',
	'..',
	'examples',
	'01-google-sheets-campaign.json',
);

export interface LocalWorkflowOptions {
	simUrl: string;
	/** n8n's base URL as Exotel (the simulator) reaches it, without trailing slash. */
	n8nUrl: string;
	secret: string;
	campaign: string;
	credentialId: string;
	credentialName?: string;
	/** Schedule interval (real seconds). */
	scheduleSeconds: number;
	/** Simulator clock factor: the Pacing Controller's Tick Interval is scheduleSeconds x factor (virtual). */
	factor: number;
	sheet?: string;
	name?: string;
	/** Pacing Settings overrides (node parameter names, e.g. maxAttempts, retryBusyMinutes). */
	settings?: Json;
	/** Connect Call "Spread Over Seconds" (real seconds); default scheduleSeconds - 1. */
	spreadOverSeconds?: number;
	/** Connect Call TimeOut / TimeLimit (virtual seconds). */
	callSettings?: Json;
	statusWebhookId?: string;
	statsWebhookId?: string;
	/** Stats webhook path (must be unique per n8n instance). */
	statsPath?: string;
	/** Dashboard webhook path (unique per n8n instance); default derived from statsPath (dashboardPathFor). */
	dashboardPath?: string;
	/** Merged into the workflow's settings (e.g. saveDataSuccessExecution). */
	workflowSettings?: Json;
	/** The Release node's "Reconcile With Exotel" (default on). */
	reconcile?: boolean;
	/** Disable the Schedule Tick node (no ticks; callbacks and stats still work). */
	scheduleDisabled?: boolean;
	/** Example 3 (queue mode: tick lock and callback table in n8n Data tables) instead of example 2. */
	queue?: boolean;
}

function replaceAll(text: string, from: string, to: string): string {
	return text.split(from).join(to);
}

/**
 * The dashboard's webhook path for a workflow whose stats path was changed: `e2e-full-stats` -> `e2e-full-dashboard`.
 * Webhook paths are unique per n8n instance, so scenarios that give each workflow its own stats path get their own
 * dashboard path too; undefined = keep the example's (campaign-dashboard).
 */
export function dashboardPathFor(statsPath: string | undefined): string | undefined {
	if (!statsPath) return undefined;
	return /stats$/.test(statsPath)
		? statsPath.replace(/stats$/, 'dashboard')
		: `${statsPath}-dashboard`;
}

/**
 * The dashboard and its Pause / Resume webhooks: their paths (webhook paths are unique per n8n, and the suite runs
 * several workflows; the control path is the dashboard's + "-control"), the page's action URL, and webhook ids of
 * their own whenever the stats webhook got one.
 */
function setDashboard(wf: Json, path: string | undefined, newId: boolean): void {
	const dashboard = node(wf, 'Dashboard Webhook');
	// example 3 has no Pause / Resume (yet): no control webhook
	const control = (wf.nodes as Json[]).find((x) => x.name === 'Dashboard Control Webhook');
	if (path) {
		dashboard.parameters.path = path;
		if (control) {
			control.parameters.path = `${path}-control`;
			node(wf, 'Exotel Pacing: Get Dashboard').parameters.dashboardActionUrl =
				`/webhook/${path}-control`;
		}
	}
	if (newId) {
		dashboard.webhookId = randomUUID();
		if (control) control.webhookId = randomUUID();
	}
}

function node(wf: Json, name: string): Json {
	const n = (wf.nodes as Json[]).find((x) => x.name === name);
	if (!n) throw new Error(`example workflow has no node "${name}"`);
	return n;
}

/** Example 3's Data table nodes name the campaign in their conditions and values. */
function renameCampaign(n: Json, from: string, to: string): void {
	for (const c of (n.parameters.filters?.conditions ?? []) as Json[])
		if (c.keyName === 'campaign' && c.keyValue === from) c.keyValue = to;
	const values = n.parameters.columns?.value as Json | undefined;
	if (values?.campaign === from) values.campaign = to;
}

/** The local example (or example 3, `queue`) with its placeholders replaced. */
export function localWorkflow(o: LocalWorkflowOptions): Json {
	const d = o.queue ? { ...LOCAL_DEFAULTS, ...QUEUE_TABLES } : LOCAL_DEFAULTS;
	let text = readFileSync(o.queue ? EXAMPLE_QUEUE : EXAMPLE_LOCAL, 'utf8');
	text = replaceAll(text, d.simUrl, o.simUrl);
	text = replaceAll(text, d.n8nUrl, o.n8nUrl);
	text = replaceAll(text, d.secret, o.secret);
	if (o.statusWebhookId) text = replaceAll(text, d.statusWebhookId, o.statusWebhookId);
	if (o.statsWebhookId) text = replaceAll(text, d.statsWebhookId, o.statsWebhookId);
	if (o.sheet) text = replaceAll(text, `/_sim/sheets/${d.sheet}/`, `/_sim/sheets/${o.sheet}/`);
	const wf = JSON.parse(text) as Json;
	if (o.name) wf.name = o.name;
	if (o.workflowSettings) wf.settings = { ...wf.settings, ...o.workflowSettings };
	for (const n of wf.nodes as Json[]) {
		if (n.credentials?.exotelApi)
			n.credentials.exotelApi = { id: o.credentialId, name: o.credentialName ?? d.credentialName };
		if (n.type?.endsWith('.exotelPacingController')) n.parameters.campaign = o.campaign;
		if (n.type === 'n8n-nodes-base.dataTable') renameCampaign(n, d.campaign, o.campaign);
	}
	node(wf, 'Schedule Tick').parameters.rule.interval[0].secondsInterval = o.scheduleSeconds;
	const release = node(wf, 'Exotel Pacing: Release');
	if (o.reconcile !== undefined) release.parameters.reconcile = o.reconcile;
	if (o.scheduleDisabled) node(wf, 'Schedule Tick').disabled = true;
	release.parameters.settings = {
		...release.parameters.settings,
		tickSeconds: o.scheduleSeconds * o.factor,
		...(o.settings ?? {}),
	};
	const connect = node(wf, 'Exotel Connect Call');
	// Connect Call's per-minute limit counts real minutes. With the simulator's clock `factor` (up to 20 with the
	// governor) times faster, a campaign minute is a fraction of a real one: 170 calls per campaign minute are 340+
	// per real minute, so any real-time limit near the account's would throttle the run and delay its calls past
	// their leases. Accelerated runs lift it; Release's plan keeps the limit in campaign time (the suite checks it).
	const realTimeLimit =
		o.factor === 1
			? connect.parameters.options?.maxRequestsPerMinute
			: (o.settings?.accountLimitPerMinute ?? 200) * 50;
	connect.parameters.options = {
		...connect.parameters.options,
		spreadOverSeconds:
			o.spreadOverSeconds ??
			(o.queue ? Math.floor(o.scheduleSeconds / 2) : Math.max(0, o.scheduleSeconds - 1)),
		maxRequestsPerMinute: realTimeLimit,
	};
	if (o.callSettings)
		connect.parameters.callSettings = { ...connect.parameters.callSettings, ...o.callSettings };
	if (o.statsPath) node(wf, 'Stats Webhook').parameters.path = o.statsPath;
	setDashboard(wf, o.dashboardPath ?? dashboardPathFor(o.statsPath), !!o.statsWebhookId);
	// Diagnosis only (example 3): run the campaign with a saved version-1 Status Trigger (imports before v2 have it).
	if (process.env.E2E_STATUS_TRIGGER_VERSION && o.queue)
		node(wf, 'Exotel Status Trigger').typeVersion = Number(process.env.E2E_STATUS_TRIGGER_VERSION);
	return wf;
}

export interface SheetsWorkflowOptions {
	/** The spreadsheet's URL (what a user pastes into the Google Sheets nodes). */
	documentUrl: string;
	googleCredentialId: string;
	exotelCredentialId: string;
	/** n8n's base URL as Exotel (the simulator) reaches it, without trailing slash. */
	n8nUrl: string;
	secret: string;
	campaign: string;
	flow: string;
	fallbackCallerId: string;
	statusWebhookId: string;
	statsWebhookId: string;
	statsPath?: string;
	/** Default derived from statsPath (dashboardPathFor). */
	dashboardPath?: string;
	name?: string;
	/** Pacing Settings overrides (node parameter names). */
	settings?: Json;
}

/**
 * Example 1 as a user fills it in: credentials, the sheet's URL, the callback URL and secret, the flow and the
 * fallback caller ID replace the placeholders; the rest of the file is used as it is, apart from `settings`.
 */
export function sheetsWorkflow(o: SheetsWorkflowOptions): Json {
	const p = SHEETS_PLACEHOLDERS;
	return filledInExample(EXAMPLE_SHEETS, o, [
		[p.documentUrl, o.documentUrl],
		[p.n8nUrl, o.n8nUrl],
		[p.secret, o.secret],
		[p.flow, o.flow],
		[p.fallbackCallerId, o.fallbackCallerId],
		[p.statusWebhookId, o.statusWebhookId],
		[p.statsWebhookId, o.statsWebhookId],
		['EXOTEL_CREDENTIAL_ID', o.exotelCredentialId],
		['GOOGLE_SHEETS_CREDENTIAL_ID', o.googleCredentialId],
	]);
}

export interface DataTableWorkflowOptions
	extends Omit<SheetsWorkflowOptions, 'documentUrl' | 'googleCredentialId'> {
	/** The contact table's name (the Data table nodes find it by name on n8n 2.x). */
	table: string;
	/** Example 5 (queue mode) instead of example 4. */
	queue?: boolean;
}

/**
 * Example 4 as a user fills it in: the Exotel credential, the callback URL and secret, the flow and the fallback
 * caller ID replace the placeholders, and the contact table's name; the rest of the file is used as it is, apart
 * from `settings`.
 */
export function dataTableWorkflow(o: DataTableWorkflowOptions): Json {
	const p = o.queue ? DATA_TABLE_QUEUE_PLACEHOLDERS : DATA_TABLE_PLACEHOLDERS;
	const wf = filledInExample(o.queue ? EXAMPLE_DATA_TABLE_QUEUE : EXAMPLE_DATA_TABLE, o, [
		[p.n8nUrl, o.n8nUrl],
		[p.secret, o.secret],
		[p.flow, o.flow],
		[p.fallbackCallerId, o.fallbackCallerId],
		[p.statusWebhookId, o.statusWebhookId],
		[p.statsWebhookId, o.statsWebhookId],
		[`"${p.table}"`, JSON.stringify(o.table)],
		['EXOTEL_CREDENTIAL_ID', o.exotelCredentialId],
	]);
	// example 5's lock and callback tables name the campaign in their conditions and values
	for (const n of wf.nodes as Json[])
		if (n.type === 'n8n-nodes-base.dataTable') renameCampaign(n, p.campaign, o.campaign);
	return wf;
}

/** An example file with its placeholders replaced, then the campaign, name, settings and webhook paths set. */
function filledInExample(
	file: string,
	o: Omit<SheetsWorkflowOptions, 'documentUrl' | 'googleCredentialId'>,
	replacements: Array<[string, string]>,
): Json {
	let text = readFileSync(file, 'utf8');
	for (const [from, to] of replacements) text = replaceAll(text, from, to);
	const wf = JSON.parse(text) as Json;
	if (o.name) wf.name = o.name;
	for (const n of wf.nodes as Json[]) {
		if (n.type?.endsWith('.exotelPacingController')) n.parameters.campaign = o.campaign;
	}
	const release = node(wf, 'Exotel Pacing: Release');
	release.parameters.settings = { ...release.parameters.settings, ...(o.settings ?? {}) };
	if (o.statsPath) node(wf, 'Stats Webhook').parameters.path = o.statsPath;
	setDashboard(wf, o.dashboardPath ?? dashboardPathFor(o.statsPath), true);
	return wf;
}

/** Production webhook paths of a prepared workflow (after /webhook/); `dashboard` when it has the dashboard branch. */
export function webhookPaths(wf: Json): {
	status: string;
	stats: string;
	dashboard?: string;
	control?: string;
} {
	const status = (wf.nodes as Json[]).find((x) => x.name === CALLBACK_WEBHOOK);
	const stats = node(wf, 'Stats Webhook');
	const dashboard = (wf.nodes as Json[]).find((x) => x.name === 'Dashboard Webhook');
	const control = (wf.nodes as Json[]).find((x) => x.name === 'Dashboard Control Webhook');
	return {
		// examples 1 and 2: n8n's Webhook node (its path); example 3: the Exotel Status Trigger (its fixed path)
		status: status
			? `${status.parameters.path}`
			: `${node(wf, 'Exotel Status Trigger').webhookId}/exotel-status`,
		stats: `${stats.parameters.path}`,
		...(dashboard ? { dashboard: `${dashboard.parameters.path}` } : {}),
		...(control ? { control: `${control.parameters.path}` } : {}),
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Contacts

/** Small deterministic PRNG (mulberry32), the one the nodes and the simulator use. */
export const prng = seededRandom;

const FIRST = [
	'Asha',
	'Ravi',
	'Meena',
	'Arjun',
	'Priya',
	'Vikram',
	'Sunita',
	'Rahul',
	'Kavya',
	'Imran',
	'Neha',
	'Suresh',
	'Divya',
	'Manoj',
	'Pooja',
	'Karthik',
];
const LAST = [
	'Sharma',
	'Iyer',
	'Patel',
	'Reddy',
	'Khan',
	'Das',
	'Nair',
	'Singh',
	'Gupta',
	'Rao',
	'Menon',
	'Joshi',
];

/** `count` unique Indian mobile numbers in assorted formats, as sheet rows { name, phone }. */
export function makeContacts(count: number, seed = 1): Array<{ name: string; phone: string }> {
	const rnd = prng(seed);
	const seen = new Set<string>();
	const rows: Array<{ name: string; phone: string }> = [];
	while (rows.length < count) {
		const digits = `${6 + Math.floor(rnd() * 4)}${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`;
		if (seen.has(digits)) continue;
		seen.add(digits);
		const style = rows.length % 4;
		const phone =
			style === 0
				? `+91${digits}`
				: style === 1
					? `0${digits}`
					: style === 2
						? `+91 ${digits.slice(0, 5)} ${digits.slice(5)}`
						: digits;
		rows.push({
			name: `${FIRST[Math.floor(rnd() * FIRST.length)]} ${LAST[Math.floor(rnd() * LAST.length)]}`,
			phone,
		});
	}
	return rows;
}

export function e164(phone: string): string {
	const d = phone.replace(/\D/g, '');
	return `+91${d.slice(-10)}`;
}
