/**
 * Example 4: the campaign for long lists (100,000 contacts), its contacts in an n8n Data table. A sheet is read whole
 * every tick (README "Long contact lists"); a Data table can be asked for only the rows a tick needs, so each tick
 * reads three small pages (Release's "Rows Read Each Run: Only Rows Due", nodes/core/pacing/checkAt.ts):
 *
 *   tick:  Schedule → Get Rows Written (checkAt = 1) + Get New Rows (checkAt empty) + Get Rows Due (1 < checkAt ≤ now,
 *          oldest first) → Rows to Look At → Number Lookup (new rows → Save Lookups) → Release
 *          → Dial Now → Mark Dialling (checkAt = 1) → Wait for Rows → Caller ID → Connect Call → Register Calls
 *          → Not Now → Row Not Being Written → Final Hold? → Save Final Holds / Check Later (checkAt = pacing.checkAt)
 *          → Row Updates → Save Row Updates (checkAt = 1, or never for a final row)
 *   callbacks, stats, dashboard: as example 1.
 * Each read node has Always Output Data, so the tick reaches Release even when no row is due (it still hands out
 * queued row writes): Number Lookup and Release pass over the empty item.
 */
import type { Json } from '../../test/e2e/harness/json';
import {
	Builder,
	columnValues,
	condition,
	controlBranch,
	DASHBOARD_NOTE,
	DASHBOARD_NOTE_QUEUE,
	DASHBOARD_PATH,
	dashboardBranch,
	DATA_TABLE,
	DATA_TABLE_VERSION,
	dialChainConnections,
	filterParams,
	LOOKUP_COLUMNS,
	LOOKUP_PARAMETERS,
	OUTCOME_COLUMNS,
	pacingSettings,
	PKG,
	QUEUE_TABLES,
	QUEUE_TICK_TIMEOUT_SECONDS,
	queueCallbackPath,
	queueControl,
	queueTickBranches,
	readCampaignRow,
	loadState,
	realTimeDialPath,
	realTimeReadPaths,
	statsBranch,
	tableByName,
	takeTickLock,
	TICK_TIMEOUT_SECONDS,
} from './examples';

export const DATA_TABLE_PLACEHOLDERS = {
	table: 'exotel_contacts',
	secret: 'REPLACE-WITH-A-LONG-RANDOM-SECRET',
	n8nUrl: 'https://YOUR-N8N-HOST',
	flow: 'YOUR_FLOW_APP_ID',
	fallbackCallerId: 'YOUR_FALLBACK_EXOPHONE',
	campaign: 'my-long-list',
	statusWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a41',
	statsWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a42',
	dashboardWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a43',
	controlWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a44',
	statsPath: 'exotel-stats-long-list',
};

/** Example 5 (example 4 in queue mode): its own webhooks, so that it can be active beside example 4. */
export const DATA_TABLE_QUEUE_PLACEHOLDERS = {
	...DATA_TABLE_PLACEHOLDERS,
	secret: 'change-me-to-a-long-random-secret',
	statusWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a51',
	statsWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a52',
	dashboardWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a53',
	controlWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a54',
	statsPath: 'exotel-stats-long-list-queue',
	dashboardPath: 'campaign-dashboard-long-list-queue',
};

/**
 * The contact table's columns (create them in this order; name and phone are yours, the workflow fills the rest).
 * A function: examples.ts imports this file while it is itself being loaded.
 */
export function contactTableColumns(): Array<{
	name: string;
	type: 'string' | 'number' | 'boolean';
}> {
	return [
		{ name: 'name', type: 'string' },
		{ name: 'phone', type: 'string' },
		...LOOKUP_COLUMNS.map((name) => ({ name, type: 'string' as const })),
		{ name: 'attempts', type: 'number' },
		{ name: 'lastStatus', type: 'string' },
		{ name: 'lastCallSid', type: 'string' },
		{ name: 'lastAttemptAt', type: 'string' },
		{ name: 'nextRetryAt', type: 'string' },
		{ name: 'final', type: 'boolean' },
		{ name: 'refunded', type: 'boolean' },
		{ name: 'holdReason', type: 'string' },
		{ name: 'checkAt', type: 'number' },
	];
}

/**
 * Rows a tick reads, per page. At 170 calls a minute a 30-s tick places about 85 calls and writes about as many
 * outcomes, so about 170 rows come back written; Release chooses among up to 200 rows due, and 100 new rows a tick
 * get their lookup (200 Exotel lookups a minute at most, while new rows last).
 */
export const DATA_TABLE_PAGES = { written: 400, fresh: 100, due: 200 };

const SCHEDULE_SECONDS = 30;

/** A Data table Get of the contact table: conditions, an optional order, a limit; always one item out. */
function getRows(
	b: Builder,
	name: string,
	pos: [number, number],
	conditions: Json[],
	limit: number,
	orderByCheckAt = false,
): string {
	return b.add(
		name,
		DATA_TABLE,
		DATA_TABLE_VERSION,
		pos,
		{
			resource: 'row',
			operation: 'get',
			dataTableId: tableByName(DATA_TABLE_PLACEHOLDERS.table),
			matchType: 'allConditions',
			filters: { conditions },
			returnAll: false,
			limit,
			...(orderByCheckAt
				? { orderBy: true, orderByColumn: 'checkAt', orderByDirection: 'ASC' }
				: {}),
			options: {},
		},
		{ alwaysOutputData: true },
	);
}

/** A Data table Update of the contact rows matching `column` = the item's value of it. */
function updateRows(
	b: Builder,
	name: string,
	pos: [number, number],
	column: string,
	values: Json,
): string {
	return b.add(name, DATA_TABLE, DATA_TABLE_VERSION, pos, {
		resource: 'row',
		operation: 'update',
		dataTableId: tableByName(DATA_TABLE_PLACEHOLDERS.table),
		matchType: 'allConditions',
		filters: { conditions: [condition(column, 'eq', `={{ $json.${column} }}`)] },
		columns: columnValues(values),
		options: {},
	});
}

const fromJson = (cols: string[]) => Object.fromEntries(cols.map((c) => [c, `={{ $json.${c} }}`]));

/** Example 5's tick around example 4's: the lock, the campaign from its row, the callbacks taken, then saved. */
const LOAD_STATE = 'Exotel Pacing: Load State';

function tickPath(b: Builder, exotel: Json, queue = false): void {
	const p = queue ? DATA_TABLE_QUEUE_PLACEHOLDERS : DATA_TABLE_PLACEHOLDERS;
	const hub = queue ? LOAD_STATE : 'Every 30 Seconds';
	b.add('Every 30 Seconds', 'n8n-nodes-base.scheduleTrigger', 1.2, [queue ? -660 : 0, 400], {
		rule: { interval: [{ field: 'seconds', secondsInterval: SCHEDULE_SECONDS }] },
	});
	if (queue) {
		takeTickLock(b, p.campaign, [-440, 400]);
		loadState(b, LOAD_STATE, p.campaign, [-220, 400]);
		// Load State's branches run top to bottom (v1 order): callbacks, the three reads, Save State last
		queueTickBranches(b, p.campaign, undefined, hub, {
			x: 240,
			takeY: -240,
			saveY: 1260,
			deleteY: 1260,
		});
		b.connect('Every 30 Seconds', 'Take Tick Lock');
		b.connect('Take Tick Lock', LOAD_STATE);
	}
	getRows(
		b,
		'Get Rows Written',
		[240, 160],
		[condition('checkAt', 'eq', '={{ 1 }}')],
		DATA_TABLE_PAGES.written,
	);
	getRows(
		b,
		'Get New Rows',
		[240, 400],
		[condition('checkAt', 'isEmpty', '')],
		DATA_TABLE_PAGES.fresh,
	);
	getRows(
		b,
		'Get Rows Due',
		[240, 640],
		[condition('checkAt', 'gt', '={{ 1 }}'), condition('checkAt', 'lte', '={{ Date.now() }}')],
		DATA_TABLE_PAGES.due,
		true,
	);
	b.add('Rows to Look At', 'n8n-nodes-base.merge', 3.2, [480, 400], {
		mode: 'append',
		numberInputs: 3,
	});
	b.add('Exotel Number Lookup', `${PKG}.exotelNumberLookup`, 1, [720, 400], LOOKUP_PARAMETERS, {
		credentials: exotel,
		onError: 'continueRegularOutput',
	});
	updateRows(b, 'Save Lookups', [960, 40], 'id', {
		...fromJson(LOOKUP_COLUMNS.filter((c) => c !== 'dnd')),
		// a Data table column holds one type: Exotel's DND is yes, no or "unavailable"
		dnd: '={{ String($json.dnd) }}',
	});
	b.add(
		'Exotel Pacing: Release',
		`${PKG}.exotelPacingController`,
		1,
		[1220, 400],
		{
			operation: 'release',
			campaign: p.campaign,
			settings: {
				...pacingSettings(SCHEDULE_SECONDS, 1, false),
				...(queue ? { queueMode: true } : {}),
			},
			reconcile: true,
			rowsRead: 'dueRows',
			options: {},
		},
		{ credentials: exotel },
	);
	updateRows(b, 'Mark Dialling', [1780, 580], 'id', {
		...fromJson(['attempts', 'lastStatus', 'lastAttemptAt']),
		nextRetryAt: '',
		lastCallSid: '',
		final: '={{ false }}',
		refunded: '={{ false }}',
		checkAt: '={{ $json.pacing.checkAt }}',
	});
	b.add('Wait for Rows', 'n8n-nodes-base.merge', 3.2, [2020, 400], {
		mode: 'chooseBranch',
		useDataOfInput: 1,
	});
	realTimeDialPath(b, exotel, { ...p, scheduleSeconds: SCHEDULE_SECONDS, queue });
	b.add(
		'Row Not Being Written',
		'n8n-nodes-base.filter',
		2.2,
		[1400, 960],
		filterParams('={{ $json.pacing.checkAt !== undefined }}'),
	);
	b.add(
		'Final Hold?',
		'n8n-nodes-base.if',
		2.2,
		[1620, 960],
		filterParams('={{ $json.pacing.final === true }}'),
	);
	updateRows(b, 'Save Final Holds', [1860, 980], 'id', {
		final: '={{ true }}',
		holdReason: '={{ $json.pacing.reason }}',
		checkAt: '={{ $json.pacing.checkAt }}',
	});
	updateRows(b, 'Check Later', [1860, 1140], 'id', {
		holdReason: '={{ $json.pacing.reason }}',
		checkAt: '={{ $json.pacing.checkAt }}',
	});
	updateRows(b, 'Save Row Updates', [1460, 620], 'phoneNumber', {
		...fromJson(OUTCOME_COLUMNS),
		checkAt: '={{ $json.pacing.checkAt }}',
	});

	b.connect(hub, 'Get Rows Written');
	b.connect(hub, 'Get New Rows');
	b.connect(hub, 'Get Rows Due');
	b.connect('Get Rows Written', 'Rows to Look At', 0, 0);
	b.connect('Get New Rows', 'Rows to Look At', 0, 1);
	b.connect('Get Rows Due', 'Rows to Look At', 0, 2);
	b.connect('Rows to Look At', 'Exotel Number Lookup');
	b.connect('Exotel Number Lookup', 'Exotel Pacing: Release');
	b.connect('Exotel Number Lookup', 'Save Lookups', 1);
	b.connect('Exotel Pacing: Release', 'Mark Dialling', 0);
	b.connect('Exotel Pacing: Release', 'Wait for Rows', 0, 0);
	b.connect('Mark Dialling', 'Wait for Rows', 0, 1);
	b.connect('Exotel Pacing: Release', 'Row Not Being Written', 1);
	b.connect('Exotel Pacing: Release', 'Save Row Updates', 2);
	b.connect('Wait for Rows', 'Exotel Caller ID Selector');
	dialChainConnections(b);
	b.connect('Row Not Being Written', 'Final Hold?');
	b.connect('Final Hold?', 'Save Final Holds', 0);
	b.connect('Final Hold?', 'Check Later', 1);
}

/**
 * Example 5's callback, stats, dashboard and Pause / Resume paths (as example 3's, on real time): a callback becomes
 * a row of the callback table; stats and the dashboard read the campaign from its row of the lock table.
 */
function queueReadPaths(b: Builder, y: number): void {
	const p = DATA_TABLE_QUEUE_PLACEHOLDERS;
	b.add(
		'Exotel Status Trigger',
		`${PKG}.exotelStatusTrigger`,
		2,
		[0, y],
		{ secret: p.secret, events: 'terminal', options: {} },
		{ webhookId: p.statusWebhookId },
	);
	queueCallbackPath(b, p.campaign, [240, y]);
	const statsY = y + 300;
	statsBranch(b, p, 0, statsY, [
		(pos) => readCampaignRow(b, 'Read Stats Row', p.campaign, pos),
		(pos) => loadState(b, 'Exotel Pacing: Load Stats State', p.campaign, pos),
	]);

	const dashY = statsY + 300;
	dashboardBranch(b, p.campaign, p.dashboardWebhookId, 0, dashY);
	const byName = (name: string) => b.nodes.find((n) => n.name === name)!;
	byName('Dashboard Webhook').parameters.path = p.dashboardPath;
	const getDashboard = byName('Exotel Pacing: Get Dashboard');
	getDashboard.parameters.dashboardActionUrl = `/webhook/${p.dashboardPath}-control`;
	getDashboard.position = [720, dashY];
	byName('Respond with Dashboard').position = [960, dashY];
	readCampaignRow(b, 'Read Dashboard Row', p.campaign, [240, dashY]);
	loadState(b, 'Exotel Pacing: Load Dashboard State', p.campaign, [480, dashY]);
	b.connections['Dashboard Webhook'] = { main: [[]] };
	b.connect('Dashboard Webhook', 'Read Dashboard Row');
	b.connect('Read Dashboard Row', 'Exotel Pacing: Load Dashboard State');
	b.connect('Exotel Pacing: Load Dashboard State', 'Exotel Pacing: Get Dashboard');

	const controlY = dashY + 300;
	controlBranch(b, p.campaign, p.secret, p.controlWebhookId, 0, controlY);
	byName('Dashboard Control Webhook').parameters.path = `${p.dashboardPath}-control`;
	queueControl(b, p.campaign, controlY, null);
}

/** Example 4, and with `queue` example 5: the same loop for n8n queue mode (example 3's tick lock and tables). */
export function buildDataTableCampaign(o: { queue?: boolean } = {}): Json {
	const b = new Builder(o.queue ? 'data-table-queue' : 'data-table');
	const exotel = { exotelApi: { id: 'EXOTEL_CREDENTIAL_ID', name: 'Exotel account' } };
	tickPath(b, exotel, o.queue);
	if (o.queue) return queueCampaign(b);
	realTimeReadPaths(b, DATA_TABLE_PLACEHOLDERS, 1320);
	b.sticky('Note: Start Here', [-500, -260], 420, 2060, setupNote(), 4);
	b.sticky('Note: Read', [-40, -60], 700, 860, READ_NOTE);
	b.sticky('Note: Release', [1180, 120], 540, 660, RELEASE_NOTE);
	b.sticky('Note: Not Now', [1360, 800], 700, 500, NOT_NOW_NOTE);
	b.sticky(
		'Note: Dashboard',
		[760, 1540],
		760,
		500,
		DASHBOARD_NOTE(DATA_TABLE_PLACEHOLDERS.n8nUrl),
	);
	return workflow(b, 'Exotel voice campaign (long list, n8n Data table)', TICK_TIMEOUT_SECONDS);
}

function workflow(b: Builder, name: string, timeoutSeconds: number): Json {
	return {
		name,
		nodes: b.nodes,
		connections: b.connections,
		settings: { executionOrder: 'v1', timezone: 'Asia/Kolkata', executionTimeout: timeoutSeconds },
		pinData: {},
		meta: { templateCredsSetupCompleted: false },
	};
}

function queueCampaign(b: Builder): Json {
	const p = DATA_TABLE_QUEUE_PLACEHOLDERS;
	queueReadPaths(b, 1560);
	b.sticky('Note: Start Here', [-1160, -260], 440, 2460, queueSetupNote(), 4);
	b.sticky('Note: Queue Mode', [-700, -440], 600, 300, queueModeNote());
	b.sticky('Note: Read', [180, -80], 500, 880, READ_NOTE);
	b.sticky('Note: Release', [1180, 120], 540, 660, RELEASE_NOTE);
	b.sticky('Note: Not Now', [1360, 800], 700, 500, NOT_NOW_NOTE);
	b.sticky(
		'Note: Dashboard',
		[1200, 2100],
		760,
		360,
		DASHBOARD_NOTE_QUEUE(p.n8nUrl, p.dashboardPath),
	);
	return workflow(
		b,
		'Exotel voice campaign (long list, n8n Data table, queue mode)',
		QUEUE_TICK_TIMEOUT_SECONDS,
	);
}

/** A function: examples.ts imports this file while it is itself being loaded. */
const queueModeNote = () => `### Queue mode: one tick at a time
n8n runs this workflow on whichever worker is free. **Take Tick Lock** lets one tick at a time change the campaign (a conditional update of its row in *${QUEUE_TABLES.lock}*: the database decides); *Give Tick Lock Back* frees it. Status callbacks only add a row to *${QUEUE_TABLES.callbacks}*; the tick takes them, counts them, and deletes them once the campaign is saved. A worker's runs get no static data, so the campaign lives in the lock row: *Load State* reads it, *Save State* writes it back with the lock.`;

const queueSetupNote = () => `## Exotel voice campaign for long lists in n8n queue mode

Example 4 (contacts in an n8n **Data table**, each tick reading only the rows it needs) for n8n in queue mode: a main process, workers and webhook processors sharing Redis and PostgreSQL (README, "Running at scale").

### Fill in before you activate
1. **Data tables** (Overview → Data tables → Create): \`${DATA_TABLE_QUEUE_PLACEHOLDERS.table}\` with the columns ${contactTableColumns()
	.map((c) => `${c.name} (${c.type})`)
	.join(
		', ',
	)}, your list imported as CSV with **name** and **phone** filled; \`${QUEUE_TABLES.lock}\` with ${QUEUE_TABLES.lockColumns.map((c) => `${c.name} (${c.type})`).join(', ')} and one row: campaign = ${DATA_TABLE_QUEUE_PLACEHOLDERS.campaign}, lockedUntil = 0; \`${QUEUE_TABLES.callbacks}\` with ${QUEUE_TABLES.callbackColumns.map((c) => `${c.name} (${c.type})`).join(', ')}. On n8n 1.x pick each table in every Data table node (2.x finds them by name); beyond about 20,000 contacts pick the contact table from the list on 2.x too (by name, n8n looks it up again for every row it updates).
2. **Exotel credential** (every Exotel node).
3. **Exotel Status Trigger → Secret**: a random string of 16+ letters and digits (\`openssl rand -hex 24\`); **Exotel Pacing: Check Pause / Resume → Secret** for the dashboard.
4. **Exotel Connect Call**: your call flow's App ID, and **Status Callback URL** = the *Exotel Status Trigger*'s *Production URL* + \`?secret=\` + the same secret.
5. **Exotel Caller ID Selector → Fallback Caller ID**: one of your ExoPhones.
6. **Exotel Pacing: Release → Pacing Settings**: calling window, attempts, retry gaps; *Queue Mode (Several Workers)* stays on. *Tick Interval* = the schedule (30 s).
7. Activate. Stats: GET the Stats Webhook; dashboard: ${DATA_TABLE_QUEUE_PLACEHOLDERS.n8nUrl}/webhook/${DATA_TABLE_QUEUE_PLACEHOLDERS.dashboardPath}.

Do not edit **checkAt** (when the workflow reads the row next: empty = new, 1 = next tick, a time in ms, 9999999999999 = finished) nor the lock row. To call a finished row again, set final to false and empty checkAt.`;

const setupNote = () => `## Exotel voice campaign for long lists (n8n Data table)

The campaign of example 1 for lists of up to 100,000 contacts. A Google Sheet is read whole every tick; here the contacts live in an n8n **Data table** and each tick reads only the rows it needs: about 700 at most, whatever the list's length.

### Fill in before you activate
1. **Data table** \`${DATA_TABLE_PLACEHOLDERS.table}\` (Overview → Data tables → Create) with the columns: ${contactTableColumns()
	.map((c) => `${c.name} (${c.type})`)
	.join(
		', ',
	)}. Import your list as CSV with **name** and **phone** filled (any Indian format); leave the other columns empty. On n8n 1.x pick the table in each Data table node (2.x finds it by name). Beyond about 20,000 rows pick it from the list on 2.x too (by name, n8n looks the table up again for every row it updates) and run n8n on PostgreSQL: on SQLite n8n re-measures its Data tables before every row update (README, "Long contact lists").
2. **Exotel credential** (every Exotel node).
3. **Exotel Pacing: Record Outcome → Callback Secret**: a random string of 16+ letters and digits (\`openssl rand -hex 24\`); **Dashboard Control → Secret** for Pause / Resume.
4. **Exotel Connect Call**: your call flow's App ID, and **Status Callback URL** = the *Exotel Callback Webhook*'s *Production URL* + \`?secret=\` + the same secret.
5. **Exotel Caller ID Selector → Fallback Caller ID**: one of your ExoPhones.
6. **Exotel Pacing: Release → Pacing Settings**: calling window, attempts, retry gaps. *Tick Interval* = the schedule (30 s).
7. Activate. Stats: GET the Stats Webhook; dashboard: ${DATA_TABLE_PLACEHOLDERS.n8nUrl}/webhook/${DASHBOARD_PATH}.

Do not edit **checkAt**: it says when the workflow reads the row next (empty = new row, 1 = next tick, a time in ms, 9999999999999 = finished). To call a finished row again, set final to false and empty checkAt.`;

const READ_NOTE = `### 1. Every 30 seconds: read only the rows this tick needs
Three small reads of the contact table: rows written last tick (*checkAt* = 1: Release confirms the write), new rows (*checkAt* empty, up to ${DATA_TABLE_PAGES.fresh}) and rows whose time has come (oldest first, up to ${DATA_TABLE_PAGES.due}). Number Lookup looks up new rows once (*Save Lookups*). Each read has *Always Output Data* on, so the tick goes on when it finds nothing.`;

const RELEASE_NOTE = `### 2. Pacing: Release (Rows Read Each Run: Only Rows Due)
Decides who to call now, as in example 1, and gives every row it read or writes the time it must be read again (*pacing.checkAt*): the retry time, the end of a call's lease, the window's opening, next tick for a write to confirm, never for a finished row. *Dial Now* → *Mark Dialling* (before the call) → Caller ID → Connect Call → Register Calls. *Row Updates* → *Save Row Updates*.`;

const NOT_NOW_NOTE = `### 3. Not Now: when to read each held row again
The contacts held this tick whose row gets a new checkAt, with the reason. Rows with a write on its way keep their checkAt (the write sets it), and so do rows held only because this tick's call budget is spent (still due: first in line next tick): they are not here, nothing to update. Finished rows get **final = true** and the reason in *holdReason*; the others get their next checkAt and the reason they wait.`;
