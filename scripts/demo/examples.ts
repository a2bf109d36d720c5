/**
 * Builds the two example workflows (examples/*.json) from one description of the campaign loop, so that the
 * Google Sheets version users import and the local version the demo and the e2e suite run stay the same loop.
 *
 *   npx tsx scripts/demo/examples.ts          # rewrites examples/01-04 (04: scripts/demo/dataTableExample.ts)
 *
 * The loop (see test/e2e/README.md and docs/pacing-design.md). Only the tick writes the sheet, a fixed number of
 * requests per tick whatever the call volume; callbacks only count outcomes in the Pacing Controller:
 *   tick:      Schedule → [local: simulator clock] → read contacts → Number Lookup → (new lookups → save)
 *              → Pacing Release → Dial Now → save "dialling" → wait for the save → Caller ID → Connect Call
 *              → Pacing Record Outcome (registers CallSids; their rows are written by the next tick)
 *              Not Now (final holds) → save final;  Row Updates (outcomes, registrations, lookups) → save, one request
 *   callbacks: n8n's Webhook node → [local: clock] → Record Outcome (checks the secret, counts the outcome);
 *              example 3: Status Trigger → a row of the callback table
 *   stats:     Webhook GET → [local: clock] → Get Stats → Respond
 *   dashboard: Webhook GET → [local: clock] → Get Dashboard → Respond (text/html): the page ops staff open
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../../test/e2e/harness/json';
import { buildDataTableCampaign } from './dataTableExample';

export const PKG = 'n8n-nodes-exotel-campaigns';

/** Placeholders of the local example; scripts substitute them (test/e2e/workflow.ts). */
export const LOCAL_DEFAULTS = {
	simUrl: 'http://127.0.0.1:4010',
	n8nUrl: 'http://localhost:5678',
	secret: 'change-me-to-a-long-random-secret',
	campaign: 'demo-campaign',
	sheet: 'contacts',
	scheduleSeconds: 10,
	/** Virtual seconds per real second of the simulator the example is tuned for (npm run simulator -- --factor 2). */
	factor: 2,
	statusWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75001',
	statsWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75002',
	dashboardWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75003',
	controlWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75004',
	credentialName: 'Exotel (simulator)',
};

/**
 * Example 3 (queue mode): n8n Data tables that let one tick at a time change a campaign and hold status callbacks
 * until the next tick (README "Running at scale"). Names are looked up by the Data table nodes (lower case).
 */
export const QUEUE_TABLES = {
	lock: 'exotel_tick_lock',
	lockColumns: [
		{ name: 'campaign', type: 'string' },
		{ name: 'lockedUntil', type: 'number' },
		{ name: 'holder', type: 'string' },
		{ name: 'state', type: 'string' },
	],
	callbacks: 'exotel_callbacks',
	callbackColumns: [
		{ name: 'campaign', type: 'string' },
		{ name: 'event', type: 'string' },
		{ name: 'taken', type: 'string' },
	],
	/** Webhook ids of example 3 (its own, so that it can be active beside example 2). */
	statusWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75011',
	statsWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75012',
	dashboardWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75013',
	controlWebhookId: '5b0c6a55-7e1d-4c3e-9f00-e70735a75014',
	statsPath: 'exotel-stats-queue',
	dashboardPath: 'campaign-dashboard-queue',
};
/**
 * Example 3's workflow timeout, and how long a tick may hold the lock: after it n8n has stopped the tick, so the
 * lock may pass on. Shorter than example 2's 240 s because a worker killed while holding the lock stops the campaign
 * for this long; ticks take seconds (README "Running at scale"). The lock is given back at the end of the tick.
 */
export const QUEUE_TICK_TIMEOUT_SECONDS = 120;
const LOCK_MS = QUEUE_TICK_TIMEOUT_SECONDS * 1000;

/** Production path of the dashboard webhook in both examples: open <n8n>/webhook/campaign-dashboard. */
export const DASHBOARD_PATH = 'campaign-dashboard';
/** Production path of the dashboard's Pause / Resume webhook; the page POSTs to it (a path: same n8n). */
export const CONTROL_PATH = 'campaign-control';

function uuidFor(seed: string): string {
	const h = createHash('sha1').update(seed).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class Builder {
	nodes: Json[] = [];
	connections: Json = {};
	constructor(private readonly prefix: string) {}

	add(
		name: string,
		type: string,
		typeVersion: number,
		position: [number, number],
		parameters: Json,
		extra: Json = {},
	): string {
		this.nodes.push({
			parameters,
			id: uuidFor(`${this.prefix}/${name}`),
			name,
			type,
			typeVersion,
			position,
			...extra,
		});
		return name;
	}

	connect(from: string, to: string, fromOutput = 0, toInput = 0): void {
		const main: Json[][] = (this.connections[from] ??= { main: [] }).main;
		while (main.length <= fromOutput) main.push([]);
		main[fromOutput].push({ node: to, type: 'main', index: toInput });
	}

	sticky(
		name: string,
		position: [number, number],
		width: number,
		height: number,
		content: string,
		color = 7,
	): void {
		this.add(name, 'n8n-nodes-base.stickyNote', 1, position, { content, height, width, color });
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Shared node parameters

export function filterParams(expression: string): Json {
	return {
		conditions: {
			options: { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 2 },
			conditions: [
				{
					id: uuidFor(expression),
					leftValue: expression,
					rightValue: '',
					operator: { type: 'boolean', operation: 'true', singleValue: true },
				},
			],
			combinator: 'and',
		},
		looseTypeValidation: true,
		options: {},
	};
}

/**
 * Pacing Settings of the Release node. The Google Sheets example uses real-life values; the local example is tuned
 * for a demo on the simulator's fast clock (short retry gaps, a one-minute breaker cooldown, and more calls in
 * flight, since the simulator has no concurrency cap).
 */
export function pacingSettings(scheduleSeconds: number, factor: number, demo: boolean): Json {
	return {
		tickSeconds: scheduleSeconds * factor,
		accountLimitPerMinute: 200,
		// Headroom under Exotel's 200/min: n8n runs Connect Call's requests a little after the times Release planned
		// (more so on a busy instance, and when ticks overlap), and a late send is covered only by what the rate leaves
		// free. With 180 the e2e full campaign once measured 201 requests in a 60 s window (ticks overlapping).
		maxCallsPerMinute: 170,
		maxInFlight: demo ? 250 : 150,
		maxAttempts: 3,
		retryBusyMinutes: demo ? 2 : 30,
		retryNoAnswerMinutes: demo ? 3 : 60,
		retryFailedMinutes: demo ? 1 : 10,
		cooldownSeconds: demo ? 60 : 120,
		ringTimeoutSeconds: 30,
		maxCallSeconds: demo ? 300 : 600,
		callingStart: '09:00',
		callingEnd: '21:00',
	};
}

export const CONNECT_CALL_SETTINGS = { timeOut: 30, timeLimit: 600 };
/**
 * The workflow's timeout (Workflow Settings → Timeout Workflow). n8n stops a tick that runs longer, which bounds
 * how late a row write of the tick can land: it must stay under the Pacing Controller's row-write lease
 * (ROW_WRITE_LEASE_MS, 5 minutes, nodes/core/pacing/rowWrites.ts).
 */
export const TICK_TIMEOUT_SECONDS = 240;
// Connect Call keeps the campaign's Max Calls per Minute (set on Release, carried on each item) for the calls it
// sends, across overlapping ticks; 200 (the account limit) for items that did not come from Release.
export const CAMPAIGN_RATE_CAP = '={{ $json.pacing?.maxCallsPerMinute ?? 200 }}';
const DEMO_CALL_SETTINGS = { timeOut: 30, timeLimit: 300 };

/**
 * Release's Not Now output in the examples: only the contacts that just became final (what Save Final Holds writes),
 * not every contact held, so a tick over a long list does not carry each contact through n8n twice.
 */
const NOT_NOW_OUTPUT = 'newlyFinal';

/**
 * Number Lookup in the examples: its second output carries only the rows looked up in this run (Save Lookups), so no
 * node evaluates an expression per row of the sheet (about 1 ms each in n8n 2.x: minutes for a long sheet).
 */
export const LOOKUP_PARAMETERS = {
	phoneNumber: '={{ $json.phone }}',
	skipIfCircle: true,
	lookedUpOutput: true,
	options: {},
};

/** Columns the write-backs fill (outcome of a call, as Record Outcome returns them). */
export const OUTCOME_COLUMNS = [
	'attempts',
	'lastStatus',
	'lastCallSid',
	'lastAttemptAt',
	'nextRetryAt',
	'final',
	'refunded',
];
export const LOOKUP_COLUMNS = [
	'phoneNumber',
	'circle',
	'circleName',
	'numberType',
	'operator',
	'operatorName',
	'dnd',
	'lookedUpAt',
];

/** One JSON array of row patches built from all input items (the HTTP node runs once: executeOnce). */
function rowsExpression(
	key: string,
	columns: string[],
	fixed: Record<string, string> = {},
): string {
	const fields = [
		`${key}: i.json.${key}`,
		...columns.map((c) => `${c}: i.json.${c}`),
		...Object.entries(fixed).map(([k, v]) => `${k}: ${v}`),
	];
	return `={{ $input.all().map(i => ({ ${fields.join(', ')} })) }}`;
}

/**
 * The dashboard branch: Webhook GET -> [clock] -> Get Dashboard -> Respond to Webhook with the page as text/html;
 * its Pause / Resume buttons POST to the control branch (controlBranch).
 */
export function dashboardBranch(
	b: Builder,
	campaign: string,
	webhookId: string,
	x: number,
	y: number,
	clock?: (name: string, pos: [number, number]) => string,
	currentTime?: string,
): void {
	b.add(
		'Dashboard Webhook',
		'n8n-nodes-base.webhook',
		2,
		[x, y],
		{ path: DASHBOARD_PATH, responseMode: 'responseNode', options: {} },
		{ webhookId },
	);
	let last = 'Dashboard Webhook';
	let at = x + 220;
	if (clock) {
		last = clock('Dashboard Clock', [at, y]);
		b.connect('Dashboard Webhook', last);
		at += 220;
	}
	b.add('Exotel Pacing: Get Dashboard', `${PKG}.exotelPacingController`, 1, [at, y], {
		operation: 'getDashboard',
		campaign,
		dashboardActionUrl: `/webhook/${CONTROL_PATH}`,
		refreshSeconds: 5,
		options: currentTime ? { currentTime } : {},
	});
	b.connect(last, 'Exotel Pacing: Get Dashboard');
	b.add('Respond with Dashboard', 'n8n-nodes-base.respondToWebhook', 1.1, [at + 220, y], {
		respondWith: 'text',
		responseBody: '={{ $json.html }}',
		options: {
			responseHeaders: { entries: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }] },
		},
	});
	b.connect('Exotel Pacing: Get Dashboard', 'Respond with Dashboard');
}

/**
 * The dashboard's Pause / Resume: Webhook POST -> [clock] -> Dashboard Control (checks the secret the person typed
 * against its own Secret) -> Respond to Webhook with its status code and message.
 */
export function controlBranch(
	b: Builder,
	campaign: string,
	secret: string,
	webhookId: string,
	x: number,
	y: number,
	clock?: (name: string, pos: [number, number]) => string,
	currentTime?: string,
): void {
	b.add(
		'Dashboard Control Webhook',
		'n8n-nodes-base.webhook',
		2,
		[x, y],
		{ httpMethod: 'POST', path: CONTROL_PATH, responseMode: 'responseNode', options: {} },
		{ webhookId },
	);
	let last = 'Dashboard Control Webhook';
	let at = x + 220;
	if (clock) {
		last = clock('Control Clock', [at, y]);
		b.connect('Dashboard Control Webhook', last);
		at += 220;
	}
	// after the clock, $json is the clock's answer: read the form from the webhook's item
	const form = clock ? "$('Dashboard Control Webhook').item.json.body" : '$json.body';
	b.add('Exotel Pacing: Dashboard Control', `${PKG}.exotelPacingController`, 1, [at, y], {
		operation: 'dashboardControl',
		campaign,
		controlSecret: secret,
		...(clock
			? { givenSecret: `={{ ${form}.secret }}`, controlAction: `={{ ${form}.action }}` }
			: {}),
		options: currentTime ? { currentTime } : {},
	});
	b.connect(last, 'Exotel Pacing: Dashboard Control');
	b.add('Respond to Dashboard Control', 'n8n-nodes-base.respondToWebhook', 1.1, [at + 220, y], {
		respondWith: 'text',
		responseBody: '={{ $json.message }}',
		options: { responseCode: '={{ $json.statusCode }}' },
	});
	b.connect('Exotel Pacing: Dashboard Control', 'Respond to Dashboard Control');
}

export const DASHBOARD_NOTE = (n8nUrl: string, number = '') => `### ${number}Campaign dashboard
Open **${n8nUrl}/webhook/${DASHBOARD_PATH}** in a browser (the *Dashboard Webhook*'s Production URL): calls, outcomes, circles and their breakers, the last 60 minutes; it refreshes every 5 s. **Pause / Resume** ask for the secret set in *Exotel Pacing: Dashboard Control* (below): anyone with the link can watch, only those with the secret can pause.`;

// ---------------------------------------------------------------------------------------------------------------
// Example 3's Data table nodes (n8n's own node; queue mode)

export const DATA_TABLE = 'n8n-nodes-base.dataTable';
/** Version 1: n8n 1.123 has no other; 1.1 (2.x) adds only date conversion, which example 3 does not use. */
export const DATA_TABLE_VERSION = 1;
export const tableByName = (name: string) => ({ __rl: true, mode: 'name', value: name });
export const condition = (keyName: string, cond: string, keyValue: string) => ({
	keyName,
	condition: cond,
	keyValue,
});
export const columnValues = (value: Json) => ({
	mappingMode: 'defineBelow',
	value,
	matchingColumns: [],
	schema: [],
	attemptToConvertTypes: false,
	convertFieldsToString: false,
});

/**
 * One update of the campaign's row in the lock table, the same Data table node for taking and giving back the lock:
 * only the rows matching `when` (besides the campaign) are changed, and the database returns them.
 */
function lockRowUpdate(
	b: Builder,
	name: string,
	campaign: string,
	pos: [number, number],
	when: Json,
	set: Json,
	extra: Json = {},
): string {
	return b.add(
		name,
		DATA_TABLE,
		DATA_TABLE_VERSION,
		pos,
		{
			resource: 'row',
			operation: 'update',
			dataTableId: tableByName(QUEUE_TABLES.lock),
			matchType: 'allConditions',
			filters: { conditions: [condition('campaign', 'eq', campaign), when] },
			columns: columnValues(set),
			options: {},
		},
		extra,
	);
}

/**
 * The tick lock: one conditional update of the campaign's row in the lock table. The database runs it as one
 * statement, so of two ticks starting together (on two workers) exactly one gets the row back and goes on; the
 * other gets no row and its branch ends there.
 */
export function takeTickLock(
	b: Builder,
	campaign: string,
	pos: [number, number],
	name = 'Take Tick Lock',
	holdMs = LOCK_MS,
	extra: Json = {},
): string {
	return lockRowUpdate(
		b,
		name,
		campaign,
		pos,
		condition('lockedUntil', 'lt', '={{ Date.now() }}'),
		{ lockedUntil: `={{ Date.now() + ${holdMs} }}`, holder: '={{ $execution.id }}' },
		extra,
	);
}

/**
 * Saves the campaign into the lock row and gives the lock back (only this execution's), in one update: the next tick
 * that takes the lock gets this state with it.
 */
export function giveTickLockBack(
	b: Builder,
	campaign: string,
	pos: [number, number],
	name = 'Give Tick Lock Back',
): string {
	return lockRowUpdate(
		b,
		name,
		campaign,
		pos,
		condition('holder', 'eq', '={{ $execution.id }}'),
		{ lockedUntil: 0, holder: '', state: '={{ $json.state }}' },
		{ executeOnce: true },
	);
}

/** Load State: the campaign saved in the lock row, into this execution (n8n gives a worker's runs no static data). */
export function loadState(
	b: Builder,
	name: string,
	campaign: string,
	pos: [number, number],
): string {
	return b.add(name, `${PKG}.exotelPacingController`, 1, pos, {
		operation: 'loadState',
		campaign,
		stateField: 'state',
	});
}

/** Reading only (stats, dashboard): the campaign's row of the lock table, without taking the lock. */
export function readCampaignRow(
	b: Builder,
	name: string,
	campaign: string,
	pos: [number, number],
): string {
	return b.add(name, DATA_TABLE, DATA_TABLE_VERSION, pos, {
		resource: 'row',
		operation: 'get',
		dataTableId: tableByName(QUEUE_TABLES.lock),
		matchType: 'allConditions',
		filters: { conditions: [condition('campaign', 'eq', campaign)] },
		returnAll: false,
		limit: 1,
		options: {},
	});
}

const QUEUE_NOTE = `### Queue mode: one tick at a time
n8n runs this workflow on whichever worker is free. **Take Tick Lock** lets one tick at a time change the campaign: it updates the campaign's row in the Data table *${QUEUE_TABLES.lock}* only if no other tick holds it (the database decides), and *Give Tick Lock Back* (last branch) frees it. Status callbacks only add a row to *${QUEUE_TABLES.callbacks}*; the tick marks them as its own (*Take Callbacks*), counts them, and deletes them once the campaign is saved (a tick lost with its worker leaves them for the next one). n8n starts a worker's runs without the workflow's static data, so the campaign itself is kept in the lock row: *Load State* reads it, *Save State* writes it back with the lock. Create both tables and the lock row first (README, "Running at scale").`;

export const DASHBOARD_NOTE_QUEUE = (
	n8nUrl: string,
	dashboardPath: string = QUEUE_TABLES.dashboardPath,
) => `### Campaign dashboard
Open **${n8nUrl}/webhook/${dashboardPath}** in a browser: calls, outcomes, circles and their breakers, the last 60 minutes; it refreshes every 5 s. It reads the campaign from its row in *${QUEUE_TABLES.lock}*. **Pause / Resume** ask for the secret set in *Exotel Pacing: Check Pause / Resume* (a wrong one is refused at once) and take the tick lock for a moment (busy while a tick runs: try again).`;

// ---------------------------------------------------------------------------------------------------------------
// Example 2: the simulator's contact sheet through HTTP Request nodes

/**
 * Example 2, and with `queue` example 3: the same loop for n8n queue mode with several workers (a tick lock and a
 * callback table in n8n Data tables; the Release node's Queue Mode on).
 */
export function buildLocalCampaign(o: { queue?: boolean } = {}): Json {
	const d = o.queue ? { ...LOCAL_DEFAULTS, ...QUEUE_TABLES } : LOCAL_DEFAULTS;
	const b = new Builder(o.queue ? 'queue' : 'local');
	const cred = { exotelApi: { id: 'EXOTEL_CREDENTIAL_ID', name: d.credentialName } };
	const sheetUrl = `${d.simUrl}/_sim/sheets/${d.sheet}`;
	const clock = (name: string, pos: [number, number]) =>
		b.add(name, 'n8n-nodes-base.httpRequest', 4.2, pos, {
			url: `${d.simUrl}/_sim/clock`,
			options: {},
		});
	const saveRows = (name: string, pos: [number, number], matchOn: string, body: string) =>
		b.add(
			name,
			'n8n-nodes-base.httpRequest',
			4.2,
			pos,
			{
				method: 'POST',
				url: `${sheetUrl}/update`,
				sendQuery: true,
				queryParameters: { parameters: [{ name: 'matchOn', value: matchOn }] },
				sendBody: true,
				specifyBody: 'json',
				jsonBody: body,
				options: {},
			},
			{ executeOnce: true },
		);
	// The simulator's virtual time now, extrapolated from the clock read at the start of the execution, so that the
	// pacing decision uses the time it is made at (as Date.now() would in production).
	const virtualNow = (clockNode: string) =>
		`={{ (c => Math.round(c.epochMs + (Date.now() - c.realMs) * c.factor))($('${clockNode}').first().json) }}`;

	// --- tick path (y = 0 .. 600)
	b.add('Schedule Tick', 'n8n-nodes-base.scheduleTrigger', 1.2, [o.queue ? -660 : 0, 300], {
		rule: { interval: [{ field: 'seconds', secondsInterval: d.scheduleSeconds }] },
	});
	if (o.queue) {
		takeTickLock(b, d.campaign, [-440, 300]);
		loadState(b, 'Exotel Pacing: Load State', d.campaign, [-220, 500]);
	}
	clock('Simulator Clock', [220, 300]);
	b.add('Read Contacts', 'n8n-nodes-base.httpRequest', 4.2, [440, 300], {
		url: `${sheetUrl}/rows`,
		options: {},
	});
	b.add('Exotel Number Lookup', `${PKG}.exotelNumberLookup`, 1, [660, 300], LOOKUP_PARAMETERS, {
		credentials: cred,
		onError: 'continueRegularOutput',
	});
	saveRows(
		'Save Lookups',
		[880, 100],
		'row_number',
		`={{ $input.all().map(i => ({ ${['row_number', ...LOOKUP_COLUMNS].map((c) => `${c}: i.json.${c}`).join(', ')} })) }}`,
	);
	b.add(
		'Exotel Pacing: Release',
		`${PKG}.exotelPacingController`,
		1,
		[880, 400],
		{
			operation: 'release',
			campaign: d.campaign,
			settings: {
				...pacingSettings(d.scheduleSeconds, d.factor, true),
				...(o.queue ? { queueMode: true } : {}),
			},
			reconcile: true,
			notNowOutput: NOT_NOW_OUTPUT,
			options: { currentTime: virtualNow('Simulator Clock') },
		},
		{ credentials: cred },
	);
	saveRows(
		'Mark Dialling',
		[1100, 300],
		'row_number',
		rowsExpression('row_number', ['attempts', 'lastStatus', 'lastAttemptAt'], {
			nextRetryAt: "''",
			lastCallSid: "''",
			final: 'false',
			refunded: 'false',
		}),
	);
	b.add('Wait for Sheet', 'n8n-nodes-base.merge', 3.2, [1320, 400], {
		mode: 'chooseBranch',
		useDataOfInput: 1,
	});
	b.add(
		'Exotel Caller ID Selector',
		`${PKG}.exotelCallerIdSelector`,
		1,
		[1540, 400],
		{
			circle: '={{ $json.circle }}',
			source: 'discover',
			strategy: 'roundRobin',
			neighbourFallback: true,
			whenNoMatch: 'fallback',
			fallbackCallerId: '01140000001',
		},
		{ credentials: cred },
	);
	b.add(
		'Exotel Connect Call',
		`${PKG}.exotelConnectCall`,
		1,
		[1760, 400],
		{
			variant: 'flow',
			flow: '234567',
			from: '={{ $json.phoneNumber }}',
			callerId: '={{ $json.callerId }}',
			statusCallback: statusCallbackUrl(d.n8nUrl, d.statusWebhookId, d.secret, o.queue),
			statusCallbackEvents: ['terminal'],
			statusCallbackContentType: 'application/json',
			customField: '',
			callSettings: DEMO_CALL_SETTINGS,
			options: {
				// queue mode: a tick that finds the lock taken ends instead of waiting, so ticks must end within the
				// interval or every other one is lost (README "Running at scale")
				spreadOverSeconds: o.queue ? Math.floor(d.scheduleSeconds / 2) : d.scheduleSeconds - 1,
				maxRequestsPerMinute: CAMPAIGN_RATE_CAP,
			},
		},
		{ credentials: cred, onError: 'continueRegularOutput' },
	);
	// Registers each CallSid; the row gets it with the next tick's row updates (one write at a time per row).
	b.add('Exotel Pacing: Register Calls', `${PKG}.exotelPacingController`, 1, [1980, 400], {
		operation: 'recordOutcome',
		campaign: d.campaign,
		options: { currentTime: virtualNow('Simulator Clock') },
	});
	saveRows(
		'Save Final Holds',
		[1100, 560],
		'row_number',
		"={{ $input.all().filter(i => i.json.pacing.final === true && String(i.json.final) !== 'true').map(i => ({ row_number: i.json.row_number, final: true, holdReason: i.json.pacing.reason })) }}",
	);
	saveRows(
		'Save Row Updates',
		[1100, 120],
		'phoneNumber',
		rowsExpression('phoneNumber', OUTCOME_COLUMNS),
	);

	if (o.queue) {
		b.connect('Schedule Tick', 'Take Tick Lock');
		b.connect('Take Tick Lock', 'Exotel Pacing: Load State');
		b.connect('Exotel Pacing: Load State', 'Simulator Clock');
		queueTickBranches(b, d.campaign, virtualNow('Simulator Clock'));
	} else b.connect('Schedule Tick', 'Simulator Clock');
	b.connect('Simulator Clock', 'Read Contacts');
	b.connect('Read Contacts', 'Exotel Number Lookup');
	b.connect('Exotel Number Lookup', 'Exotel Pacing: Release');
	b.connect('Exotel Number Lookup', 'Save Lookups', 1);
	b.connect('Exotel Pacing: Release', 'Mark Dialling', 0);
	b.connect('Exotel Pacing: Release', 'Wait for Sheet', 0, 0);
	b.connect('Mark Dialling', 'Wait for Sheet', 0, 1);
	b.connect('Exotel Pacing: Release', 'Save Final Holds', 1);
	b.connect('Exotel Pacing: Release', 'Save Row Updates', 2);
	b.connect('Wait for Sheet', 'Exotel Caller ID Selector');
	b.connect('Exotel Caller ID Selector', 'Exotel Connect Call');
	b.connect('Exotel Connect Call', 'Exotel Pacing: Register Calls');

	// --- callback path (y = 760)
	if (o.queue) {
		b.add(
			'Exotel Status Trigger',
			`${PKG}.exotelStatusTrigger`,
			2,
			[880, 760],
			{ secret: d.secret, events: 'terminal', options: {} },
			{ webhookId: d.statusWebhookId },
		);
		queueCallbackPath(b, d.campaign, [1100, 760]);
	} else {
		callbackWebhook(b, d.statusWebhookId, [880, 760]);
		localCallbackPath(b, d.campaign, d.secret, clock, virtualNow('Callback Clock'));
	}

	// --- stats path (y = 1040)
	b.add(
		'Stats Webhook',
		'n8n-nodes-base.webhook',
		2,
		[880, 1040],
		{
			path: o.queue ? QUEUE_TABLES.statsPath : 'exotel-stats',
			responseMode: 'responseNode',
			options: {},
		},
		{ webhookId: d.statsWebhookId },
	);
	clock('Stats Clock', [1100, 1040]);
	b.add('Exotel Pacing: Get Stats', `${PKG}.exotelPacingController`, 1, [1320, 1040], {
		operation: 'getStats',
		campaign: d.campaign,
		options: { currentTime: virtualNow('Stats Clock') },
	});
	b.add('Respond with Stats', 'n8n-nodes-base.respondToWebhook', 1.1, [1540, 1040], {
		respondWith: 'firstIncomingItem',
		options: {},
	});
	b.connect('Stats Webhook', 'Stats Clock');
	b.connect('Stats Clock', 'Exotel Pacing: Get Stats');
	b.connect('Exotel Pacing: Get Stats', 'Respond with Stats');

	// --- dashboard path (y = 1340)
	b.sticky('Note: Dashboard', [840, 1200], 860, 480, DASHBOARD_NOTE(d.n8nUrl));
	dashboardBranch(
		b,
		d.campaign,
		d.dashboardWebhookId,
		880,
		1340,
		clock,
		virtualNow('Dashboard Clock'),
	);
	controlBranch(
		b,
		d.campaign,
		d.secret,
		d.controlWebhookId,
		880,
		1520,
		clock,
		virtualNow('Control Clock'),
	);

	if (o.queue) {
		b.sticky('Note: Queue Mode', [-260, -420], 660, 300, QUEUE_NOTE);
		queueReadPaths(b, d.campaign);
	}
	return {
		name: o.queue
			? 'Exotel campaign (local simulator, queue mode)'
			: 'Exotel campaign (local simulator)',
		nodes: b.nodes,
		connections: b.connections,
		settings: {
			executionOrder: 'v1',
			executionTimeout: o.queue ? QUEUE_TICK_TIMEOUT_SECONDS : TICK_TIMEOUT_SECONDS,
		},
		pinData: {},
		meta: { templateCredsSetupCompleted: false },
	};
}

/** Name of the node that receives Exotel's status callbacks in examples 1 and 2. */
export const CALLBACK_WEBHOOK = 'Exotel Callback Webhook';

/**
 * n8n's own Webhook node receives the callbacks: POST, Respond Immediately, a fixed path and no expression, so
 * n8n 2.x builds no expression isolate for the request (README "n8n 2.x and many callbacks"). Its path is a UUID,
 * as n8n gives a new Webhook node, so two imported campaigns do not clash. Record Outcome checks the secret.
 */
export function callbackWebhook(b: Builder, id: string, pos: [number, number]): void {
	b.add(
		CALLBACK_WEBHOOK,
		'n8n-nodes-base.webhook',
		2,
		pos,
		{ httpMethod: 'POST', path: id, responseMode: 'onReceived', options: {} },
		{ webhookId: id },
	);
}

/**
 * Connect Call's Status Callback: the Production URL of what receives the callbacks (the Webhook node's path is its
 * id; the Status Trigger's is `<id>/exotel-status`) with the secret.
 */
export function statusCallbackUrl(
	n8nUrl: string,
	id: string,
	secret: string,
	statusTrigger = false,
): string {
	return `${n8nUrl}/webhook/${id}${statusTrigger ? '/exotel-status' : ''}?secret=${secret}`;
}

/** Record Outcome reading the Webhook node's callbacks: the secret, Terminal Only, then counting. */
export function callbackRecordParameters(campaign: string, secret: string, options: Json): Json {
	return {
		operation: 'recordOutcome',
		campaign,
		input: 'webhookCallback',
		callbackSecret: secret,
		events: 'terminal',
		options,
	};
}

/** Example 2's callback path: Webhook -> clock -> Record Outcome (counts only; the next tick writes the row). */
function localCallbackPath(
	b: Builder,
	campaign: string,
	secret: string,
	clock: (name: string, pos: [number, number]) => string,
	currentTime: string,
): void {
	clock('Callback Clock', [1100, 860]);
	// The callback's own item goes on once the clock is read (the clock's answer only sets Current Time).
	b.add('Keep Callback', 'n8n-nodes-base.merge', 3.2, [1320, 760], {
		mode: 'chooseBranch',
		useDataOfInput: 1,
	});
	// Counting only: no Exotel request and no sheet write per callback (the next tick writes the row).
	b.add(
		'Exotel Pacing: Record Outcome',
		`${PKG}.exotelPacingController`,
		1,
		[1540, 760],
		callbackRecordParameters(campaign, secret, { currentTime }),
	);
	b.connect(CALLBACK_WEBHOOK, 'Keep Callback', 0, 0);
	b.connect(CALLBACK_WEBHOOK, 'Callback Clock');
	b.connect('Callback Clock', 'Keep Callback', 0, 1);
	b.connect('Keep Callback', 'Exotel Pacing: Record Outcome');
}

/**
 * Example 3's callback path: the callback becomes a row of the callback table, nothing else. A worker that counted
 * it into the campaign itself would save the campaign while a tick on another worker changes it (last writer wins).
 */
export function queueCallbackPath(b: Builder, campaign: string, pos: [number, number]): void {
	b.add('Queue Callback', DATA_TABLE, DATA_TABLE_VERSION, pos, {
		resource: 'row',
		operation: 'insert',
		dataTableId: tableByName(QUEUE_TABLES.callbacks),
		columns: columnValues({ campaign, event: '={{ JSON.stringify($json) }}' }),
		options: {},
	});
	b.connect('Exotel Status Trigger', 'Queue Callback');
}

/**
 * Example 3's tick, around example 2's: first the callbacks queued since the last tick are marked as taken by this
 * execution and counted, then example 2's tick runs, the campaign is saved with the lock given back, and only then
 * are the callbacks it counted deleted. A tick killed on the way (its worker lost) deletes nothing: the next tick
 * takes the same rows again, and counting is idempotent per CallSid, so no callback is lost or counted twice.
 * n8n's v1 execution order runs a node's branches one after another, top to bottom on the canvas, so the positions
 * here are the order: callbacks above the hub's other branches, Save State below them (example 5 hangs them on Load
 * State, with real time).
 */
/** Where queueTickBranches puts its nodes: the callbacks' row at takeY, Save State's at saveY, from x rightwards. */
export interface QueueTickLayout {
	x: number;
	takeY: number;
	saveY: number;
	deleteY: number;
}

export function queueTickBranches(
	b: Builder,
	campaign: string,
	currentTime: string | undefined,
	hub = 'Simulator Clock',
	at: QueueTickLayout = { x: 440, takeY: -200, saveY: 620, deleteY: 580 },
): void {
	const { x, takeY, saveY, deleteY } = at;
	b.add('Take Callbacks', DATA_TABLE, DATA_TABLE_VERSION, [x, takeY], {
		resource: 'row',
		operation: 'update',
		dataTableId: tableByName(QUEUE_TABLES.callbacks),
		matchType: 'allConditions',
		filters: { conditions: [condition('campaign', 'eq', campaign)] },
		columns: columnValues({ taken: '={{ $execution.id }}' }),
		options: {},
	});
	b.add('Read Callback', 'n8n-nodes-base.set', 3.4, [x + 220, takeY], {
		mode: 'raw',
		jsonOutput: '={{ $json.event }}',
		options: {},
	});
	b.add('Exotel Pacing: Record Callbacks', `${PKG}.exotelPacingController`, 1, [x + 440, takeY], {
		operation: 'recordOutcome',
		campaign,
		options: currentTime ? { currentTime } : {},
	});
	b.add('Exotel Pacing: Save State', `${PKG}.exotelPacingController`, 1, [x, saveY], {
		operation: 'saveState',
		campaign,
	});
	giveTickLockBack(b, campaign, [x + 220, saveY]);
	b.add(
		'Delete Counted Callbacks',
		DATA_TABLE,
		DATA_TABLE_VERSION,
		[x + 440, deleteY],
		{
			resource: 'row',
			operation: 'deleteRows',
			dataTableId: tableByName(QUEUE_TABLES.callbacks),
			matchType: 'allConditions',
			filters: {
				conditions: [
					condition('campaign', 'eq', campaign),
					condition('taken', 'eq', '={{ $execution.id }}'),
				],
			},
			options: {},
		},
		{ executeOnce: true },
	);
	b.connect(hub, 'Take Callbacks');
	b.connect('Take Callbacks', 'Read Callback');
	b.connect('Read Callback', 'Exotel Pacing: Record Callbacks');
	b.connect(hub, 'Exotel Pacing: Save State');
	b.connect('Exotel Pacing: Save State', 'Give Tick Lock Back');
	b.connect('Give Tick Lock Back', 'Delete Counted Callbacks');
}

/**
 * Pause / Resume in example 3: the request is checked first (secret, action; nothing changes), then the control takes
 * the lock like a tick (for at most a minute), so a tick running on another worker cannot save over it; when a tick
 * holds the lock the person is asked to try again. A wrong secret is refused at once, whether a tick runs or not.
 */
export function queueControl(
	b: Builder,
	campaign: string,
	y = 1520,
	clock: string | null = 'Control Clock',
): void {
	const byName = (name: string) => b.nodes.find((n) => n.name === name)!;
	const check = 'Exotel Pacing: Check Pause / Resume';
	const apply = byName('Exotel Pacing: Dashboard Control');
	byName('Dashboard Control Webhook').position = [-440, y];
	b.add(check, `${PKG}.exotelPacingController`, 1, [-220, y], {
		operation: 'dashboardControl',
		campaign,
		controlSecret: apply.parameters.controlSecret,
		checkOnly: true,
		options: {},
	});
	// the secret is typed once, in the check: the node that applies the change reads it from there
	apply.parameters.controlSecret = `={{ $('${check}').params.controlSecret }}`;
	b.add(
		'Request Accepted?',
		'n8n-nodes-base.if',
		2.2,
		[0, y],
		filterParams('={{ $json.accepted }}'),
	);
	b.add('Respond Refused', 'n8n-nodes-base.respondToWebhook', 1.1, [220, y + 180], {
		respondWith: 'text',
		responseBody: '={{ $json.message }}',
		options: { responseCode: '={{ $json.statusCode }}' },
	});
	// no row back (a tick holds the lock) still gives one empty item, for the If to answer "busy"
	takeTickLock(b, campaign, [220, y], 'Take Control Lock', 60_000, { alwaysOutputData: true });
	b.add(
		'Got the Lock?',
		'n8n-nodes-base.if',
		2.2,
		[440, y],
		filterParams('={{ $json.holder === $execution.id }}'),
	);
	loadState(b, 'Exotel Pacing: Load Control State', campaign, [660, y]);
	if (clock) byName(clock).position = [880, y];
	else {
		// after Load State, $json is the campaign: the form comes from the webhook's item
		const form = "$('Dashboard Control Webhook').item.json.body";
		apply.parameters.givenSecret = `={{ ${form}.secret }}`;
		apply.parameters.controlAction = `={{ ${form}.action }}`;
	}
	apply.position = [1100, y];
	b.add('Exotel Pacing: Save Control State', `${PKG}.exotelPacingController`, 1, [1320, y], {
		operation: 'saveState',
		campaign,
	});
	giveTickLockBack(b, campaign, [1540, y], 'Give Control Lock Back');
	const respond = byName('Respond to Dashboard Control');
	respond.position = [1760, y];
	const control = "$('Exotel Pacing: Dashboard Control').first().json";
	respond.parameters.responseBody = `={{ ${control}.message }}`;
	respond.parameters.options = { responseCode: `={{ ${control}.statusCode }}` };
	b.add('Respond Busy', 'n8n-nodes-base.respondToWebhook', 1.1, [660, y + 180], {
		respondWith: 'text',
		responseBody: 'A tick of the campaign is running. Try again in a few seconds.',
		options: { responseCode: 409 },
	});
	for (const name of ['Dashboard Control Webhook', 'Exotel Pacing: Dashboard Control'])
		b.connections[name] = { main: [[]] };
	b.connect('Dashboard Control Webhook', check);
	b.connect(check, 'Request Accepted?');
	b.connect('Request Accepted?', 'Take Control Lock', 0);
	b.connect('Request Accepted?', 'Respond Refused', 1);
	b.connect('Take Control Lock', 'Got the Lock?');
	b.connect('Got the Lock?', 'Exotel Pacing: Load Control State', 0);
	b.connect('Got the Lock?', 'Respond Busy', 1);
	b.connect('Exotel Pacing: Load Control State', clock ?? 'Exotel Pacing: Dashboard Control');
	b.connect('Exotel Pacing: Dashboard Control', 'Exotel Pacing: Save Control State');
	b.connect('Exotel Pacing: Save Control State', 'Give Control Lock Back');
	b.connect('Give Control Lock Back', 'Respond to Dashboard Control');
}

/**
 * Example 3's stats and dashboard: they read the campaign from its row (Load State) before the clock, and get paths
 * of their own so that example 3 can be active beside example 2 in one n8n.
 */
function queueReadPaths(b: Builder, campaign: string): void {
	const byName = (name: string) => b.nodes.find((n) => n.name === name)!;
	byName('Dashboard Webhook').parameters.path = QUEUE_TABLES.dashboardPath;
	byName('Dashboard Control Webhook').parameters.path = `${QUEUE_TABLES.dashboardPath}-control`;
	byName('Exotel Pacing: Get Dashboard').parameters.dashboardActionUrl =
		`/webhook/${QUEUE_TABLES.dashboardPath}-control`;
	queueControl(b, campaign);
	byName('Note: Dashboard').parameters.content = DASHBOARD_NOTE_QUEUE(LOCAL_DEFAULTS.n8nUrl);
	for (const [webhook, next, label, y] of [
		['Stats Webhook', 'Stats Clock', 'Stats', 1040],
		['Dashboard Webhook', 'Dashboard Clock', 'Dashboard', 1340],
	] as const) {
		byName(webhook).position = [220, y];
		readCampaignRow(b, `Read ${label} Row`, campaign, [440, y]);
		loadState(b, `Exotel Pacing: Load ${label} State`, campaign, [660, y]);
		b.connections[webhook] = { main: [[]] };
		b.connect(webhook, `Read ${label} Row`);
		b.connect(`Read ${label} Row`, `Exotel Pacing: Load ${label} State`);
		b.connect(`Exotel Pacing: Load ${label} State`, next);
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Examples 1 and 4 (real Exotel, real time): the dial chain and the callback, stats and dashboard paths

export interface RealTimeCampaign {
	campaign: string;
	secret: string;
	n8nUrl: string;
	flow: string;
	fallbackCallerId: string;
	statusWebhookId: string;
	statsWebhookId: string;
	dashboardWebhookId: string;
	controlWebhookId: string;
}

/** Caller ID Selector, Connect Call, Register Calls at y = 400 (the caller connects them, dialChainConnections). */
export function realTimeDialPath(
	b: Builder,
	exotel: Json,
	p: RealTimeCampaign & {
		scheduleSeconds: number;
		/** Queue mode (example 5): callbacks go to the Exotel Status Trigger, calls spread over half the interval. */
		queue?: boolean;
	},
): void {
	b.add(
		'Exotel Caller ID Selector',
		`${PKG}.exotelCallerIdSelector`,
		1,
		[2260, 400],
		{
			circle: '={{ $json.circle }}',
			source: 'discover',
			strategy: 'roundRobin',
			neighbourFallback: true,
			whenNoMatch: 'fallback',
			fallbackCallerId: p.fallbackCallerId,
		},
		{ credentials: exotel },
	);
	b.add(
		'Exotel Connect Call',
		`${PKG}.exotelConnectCall`,
		1,
		[2500, 400],
		{
			variant: 'flow',
			flow: p.flow,
			from: '={{ $json.phoneNumber }}',
			callerId: '={{ $json.callerId }}',
			statusCallback: statusCallbackUrl(p.n8nUrl, p.statusWebhookId, p.secret, p.queue),
			statusCallbackEvents: ['terminal'],
			statusCallbackContentType: 'application/json',
			customField: '',
			callSettings: CONNECT_CALL_SETTINGS,
			options: {
				// queue mode: a tick that finds the lock taken ends, so ticks end within the interval (as example 3)
				spreadOverSeconds: p.queue ? Math.floor(p.scheduleSeconds / 2) : p.scheduleSeconds - 10,
				maxRequestsPerMinute: CAMPAIGN_RATE_CAP,
			},
		},
		{ credentials: exotel, onError: 'continueRegularOutput' },
	);
	b.add('Exotel Pacing: Register Calls', `${PKG}.exotelPacingController`, 1, [2840, 400], {
		operation: 'recordOutcome',
		campaign: p.campaign,
		options: {},
	});
}

export function dialChainConnections(b: Builder): void {
	b.connect('Exotel Caller ID Selector', 'Exotel Connect Call');
	b.connect('Exotel Connect Call', 'Exotel Pacing: Register Calls');
}

/**
 * Stats Webhook → `loaders` (example 5: the campaign's row, Load State) → Get Stats → Respond with Stats, from x
 * rightwards at y, 240 apart.
 */
export function statsBranch(
	b: Builder,
	p: { campaign: string; statsPath: string; statsWebhookId: string },
	x: number,
	y: number,
	loaders: Array<(pos: [number, number]) => string> = [],
): void {
	b.add(
		'Stats Webhook',
		'n8n-nodes-base.webhook',
		2,
		[x, y],
		{ path: p.statsPath, responseMode: 'responseNode', options: {} },
		{ webhookId: p.statsWebhookId },
	);
	let last = 'Stats Webhook';
	let at = x + 240;
	for (const load of loaders) {
		const name = load([at, y]);
		b.connect(last, name);
		last = name;
		at += 240;
	}
	b.add('Exotel Pacing: Get Stats', `${PKG}.exotelPacingController`, 1, [at, y], {
		operation: 'getStats',
		campaign: p.campaign,
		options: {},
	});
	b.add('Respond with Stats', 'n8n-nodes-base.respondToWebhook', 1.1, [at + 240, y], {
		respondWith: 'firstIncomingItem',
		options: {},
	});
	b.connect(last, 'Exotel Pacing: Get Stats');
	b.connect('Exotel Pacing: Get Stats', 'Respond with Stats');
}

/** The callback path at `y`, the stats path 360 below it, the dashboard and its Pause / Resume to the right. */
export function realTimeReadPaths(
	b: Builder,
	p: RealTimeCampaign & { statsPath: string },
	y: number,
): void {
	callbackWebhook(b, p.statusWebhookId, [0, y]);
	b.add(
		'Exotel Pacing: Record Outcome',
		`${PKG}.exotelPacingController`,
		1,
		[240, y],
		callbackRecordParameters(p.campaign, p.secret, {}),
	);
	b.connect(CALLBACK_WEBHOOK, 'Exotel Pacing: Record Outcome');
	const statsY = y + 360;
	statsBranch(b, p, 0, statsY);
	dashboardBranch(b, p.campaign, p.dashboardWebhookId, 800, statsY);
	controlBranch(b, p.campaign, p.secret, p.controlWebhookId, 800, statsY + 180);
}

// ---------------------------------------------------------------------------------------------------------------
// Example 1: Google Sheets (what users import)

export const SHEETS_PLACEHOLDERS = {
	documentUrl: 'https://docs.google.com/spreadsheets/d/YOUR_SPREADSHEET_ID/edit',
	sheetName: 'Contacts',
	secret: 'REPLACE-WITH-A-LONG-RANDOM-SECRET',
	n8nUrl: 'https://YOUR-N8N-HOST',
	flow: 'YOUR_FLOW_APP_ID',
	fallbackCallerId: 'YOUR_FALLBACK_EXOPHONE',
	campaign: 'my-campaign',
	statusWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a01',
	statsWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a02',
	dashboardWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a03',
	controlWebhookId: '8d1f2c3b-4a5e-4f60-9b7c-0e1d2c3b4a04',
};

/** Every column the workflow reads or writes; the first two are yours, the rest the workflow fills in. */
export const SHEET_COLUMNS = ['name', 'phone', ...LOOKUP_COLUMNS, ...OUTCOME_COLUMNS, 'holdReason'];

function sheetsColumns(matchOn: string, values: Record<string, string>): Json {
	const names = [matchOn, ...Object.keys(values).filter((k) => k !== matchOn)];
	return {
		mappingMode: 'defineBelow',
		value: values,
		matchingColumns: [matchOn],
		schema: names.map((id) => ({
			id,
			displayName: id,
			required: false,
			defaultMatch: false,
			display: true,
			type: 'string',
			canBeUsedToMatch: true,
			...(id === 'row_number' ? { readOnly: true } : {}),
			removed: false,
		})),
		attemptToConvertTypes: false,
		convertFieldsToString: false,
	};
}

export function buildSheetsCampaign(): Json {
	const p = SHEETS_PLACEHOLDERS;
	const b = new Builder('sheets');
	const exotel = { exotelApi: { id: 'EXOTEL_CREDENTIAL_ID', name: 'Exotel account' } };
	const google = {
		googleSheetsOAuth2Api: { id: 'GOOGLE_SHEETS_CREDENTIAL_ID', name: 'Google Sheets account' },
	};
	const doc = { __rl: true, mode: 'url', value: p.documentUrl };
	const sheet = { __rl: true, mode: 'name', value: p.sheetName };
	const update = (
		name: string,
		pos: [number, number],
		matchOn: string,
		values: Record<string, string>,
	) =>
		b.add(
			name,
			'n8n-nodes-base.googleSheets',
			4.5,
			pos,
			// RAW: Google would read "+919876543210" as the number 919876543210 (USER_ENTERED), and the callback
			// write-backs could no longer find the row by phoneNumber.
			{
				operation: 'update',
				documentId: doc,
				sheetName: sheet,
				columns: sheetsColumns(matchOn, values),
				options: { cellFormat: 'RAW' },
			},
			{ credentials: google },
		);
	const fromJson = (cols: string[]) =>
		Object.fromEntries(cols.map((c) => [c, `={{ $json.${c} }}`]));
	const scheduleSeconds = 30;

	// --- tick path
	b.add('Every 30 Seconds', 'n8n-nodes-base.scheduleTrigger', 1.2, [0, 400], {
		rule: { interval: [{ field: 'seconds', secondsInterval: scheduleSeconds }] },
	});
	b.add(
		'Get Contacts',
		'n8n-nodes-base.googleSheets',
		4.5,
		[240, 400],
		{ documentId: doc, sheetName: sheet, options: {} },
		{ credentials: google },
	);
	b.add('Exotel Number Lookup', `${PKG}.exotelNumberLookup`, 1, [480, 400], LOOKUP_PARAMETERS, {
		credentials: exotel,
		onError: 'continueRegularOutput',
	});
	update('Save Lookups', [840, -60], 'row_number', fromJson(['row_number', ...LOOKUP_COLUMNS]));
	b.add(
		'Exotel Pacing: Release',
		`${PKG}.exotelPacingController`,
		1,
		[1220, 400],
		{
			operation: 'release',
			campaign: p.campaign,
			settings: pacingSettings(scheduleSeconds, 1, false),
			reconcile: true,
			notNowOutput: NOT_NOW_OUTPUT,
			options: {},
		},
		{ credentials: exotel },
	);
	update('Mark Dialling', [1780, 580], 'row_number', {
		...fromJson(['row_number', 'attempts', 'lastStatus', 'lastAttemptAt']),
		nextRetryAt: '',
		lastCallSid: '',
		final: 'false',
		refunded: 'false',
	});
	b.add('Wait for Sheet', 'n8n-nodes-base.merge', 3.2, [2020, 400], {
		mode: 'chooseBranch',
		useDataOfInput: 1,
	});
	realTimeDialPath(b, exotel, { ...p, scheduleSeconds });
	b.add(
		'Final Hold?',
		'n8n-nodes-base.filter',
		2.2,
		[1400, 960],
		filterParams(
			"={{ $json.pacing.final === true && String($json.final).toLowerCase() !== 'true' }}",
		),
	);
	update('Save Final Holds', [1640, 960], 'row_number', {
		row_number: '={{ $json.row_number }}',
		final: 'true',
		holdReason: '={{ $json.pacing.reason }}',
	});
	update(
		'Save Row Updates',
		[1460, 620],
		'phoneNumber',
		fromJson(['phoneNumber', ...OUTCOME_COLUMNS]),
	);

	b.connect('Every 30 Seconds', 'Get Contacts');
	b.connect('Get Contacts', 'Exotel Number Lookup');
	b.connect('Exotel Number Lookup', 'Exotel Pacing: Release');
	b.connect('Exotel Number Lookup', 'Save Lookups', 1);
	b.connect('Exotel Pacing: Release', 'Mark Dialling', 0);
	b.connect('Exotel Pacing: Release', 'Wait for Sheet', 0, 0);
	b.connect('Mark Dialling', 'Wait for Sheet', 0, 1);
	b.connect('Exotel Pacing: Release', 'Final Hold?', 1);
	b.connect('Exotel Pacing: Release', 'Save Row Updates', 2);
	b.connect('Wait for Sheet', 'Exotel Caller ID Selector');
	dialChainConnections(b);
	b.connect('Final Hold?', 'Save Final Holds');

	// --- callback, stats and dashboard paths
	realTimeReadPaths(b, { ...p, statsPath: 'exotel-stats' }, 960);

	// --- sticky notes
	b.sticky('Note: Start Here', [-500, -260], 420, 1740, SETUP_NOTE, 4);
	b.sticky('Note: Tick', [-40, 120], 680, 480, TICK_NOTE);
	b.sticky('Note: Lookups', [680, -300], 460, 420, LOOKUP_NOTE);
	b.sticky('Note: Release', [1180, 120], 540, 660, RELEASE_NOTE);
	b.sticky('Note: Dial', [1740, 120], 1000, 660, DIAL_NOTE);
	b.sticky('Note: Register', [2780, 120], 360, 480, REGISTER_NOTE);
	b.sticky('Note: Not Now', [1180, 800], 660, 340, NOT_NOW_NOTE);
	b.sticky('Note: Callbacks', [-40, 760], 680, 380, CALLBACK_NOTE);
	b.sticky('Note: Stats', [-40, 1180], 760, 320, STATS_NOTE);
	b.sticky('Note: Dashboard', [760, 1180], 760, 500, DASHBOARD_NOTE(p.n8nUrl, '9. '));

	return {
		name: 'Exotel voice campaign (Google Sheets)',
		nodes: b.nodes,
		connections: b.connections,
		settings: {
			executionOrder: 'v1',
			timezone: 'Asia/Kolkata',
			executionTimeout: TICK_TIMEOUT_SECONDS,
		},
		pinData: {},
		meta: { templateCredsSetupCompleted: false },
	};
}

const SETUP_NOTE = `## Exotel voice campaign from a Google Sheet

Calls every number in a sheet through Exotel, at most 200 calls a minute, only inside the calling window, never two calls to one number at once, and slows down or pauses a telecom circle that looks down. Each row ends with **final = true**.

### Fill in before you activate
1. **Exotel credential** (every Exotel node): API key, API token, Account SID, cluster (Settings → API Settings in the Exotel dashboard).
2. **Google Sheets credential** (every Google Sheets node) and the **document URL** and **sheet name** (\`${SHEETS_PLACEHOLDERS.sheetName}\`) in all Google Sheets nodes.
3. The sheet: row 1 holds the column names. You fill **name** and **phone** (any Indian format). Add these empty columns too, the workflow fills them: ${SHEET_COLUMNS.slice(2).join(', ')}.
4. **Exotel Pacing: Record Outcome → Callback Secret** (the node after *Exotel Callback Webhook*): a random string of 16+ letters and digits (\`openssl rand -hex 24\`); and in **Exotel Pacing: Dashboard Control → Secret** one for the dashboard's Pause / Resume (may be another).
5. **Exotel Connect Call**: your call flow's App ID, and **Status Callback URL** = the *Exotel Callback Webhook*'s *Production URL* + \`?secret=\` + the same secret. Running two campaigns in one n8n? Give each copy's webhook its own Path.
6. **Exotel Caller ID Selector → Fallback Caller ID**: one of your ExoPhones.
7. **Exotel Pacing: Release → Pacing Settings**: your calling window, attempts and retry gaps. *Tick Interval* must equal the schedule (30 s). *Max Calls per Minute* is 170, leaving headroom under Exotel's 200/min for n8n's timing.
8. Activate the workflow. Test runs keep no pacing state; only active runs do.

Stats: GET the Stats Webhook's production URL. Dashboard for ops staff: open ${SHEETS_PLACEHOLDERS.n8nUrl}/webhook/${DASHBOARD_PATH}.`;

const TICK_NOTE = `### 1. Every 30 seconds: read the sheet
The schedule reads all rows. Keep the interval equal to **Tick Interval** in the Release node's Pacing Settings. Ticks may overlap or run slow: the Pacing Controller lets one execution at a time change the campaign, so two ticks never dial the same number. Only the tick writes the sheet: a few requests per tick, whatever the call volume (Google allows 60 reads and 60 writes a minute).`;

const LOOKUP_NOTE = `### 2. Number Lookup (once per number)
Adds circle, operator and DND for rows without a circle. Its second output, *Looked Up Now*, carries only rows looked up in this run; *Save Lookups* writes them back (matched on **row_number**), so each number is looked up once.`;

const RELEASE_NOTE = `### 3. Pacing: Release
Decides who to call now: calling window, DND, attempts, retry gaps, circle health, the 200/min account limit and the calls in flight. Outputs: **Dial Now**, **Not Now** (with a reason), **Row Updates** (what each row should say now: call IDs, outcomes from callbacks and from Call Details lookups) → *Save Row Updates*, one request. A row gets its next write only after the sheet shows the last one, so writes to a row never overtake each other. Campaign name: the same on every Pacing node.`;

const DIAL_NOTE = `### 4. Dial
*Mark Dialling* writes attempts / lastStatus = in-progress / lastAttemptAt **before** the call is placed, so a crash can never cause a second call to a number that is being called. *Wait for Sheet* holds the items until that write is done. The Caller ID Selector picks an ExoPhone of the callee's circle; Connect Call places the calls (On Error: continue, so one failed call does not hide the others).`;

const REGISTER_NOTE = `### 5. Register the calls
Record Outcome registers each CallSid in the campaign state. The row gets the call ID with the next tick's *Row Updates*. A call Exotel refused is given back (not-placed) the same way.`;

const NOT_NOW_NOTE = `### 6. Not Now
Rows that will never be called again (DND, invalid number, all attempts used, completed) and do not say so yet are marked **final = true** with the reason in **holdReason** (Release → Not Now Output: only those). The others wait for a later tick.`;

const CALLBACK_NOTE = `### 7. Status callbacks (Exotel → Webhook)
*Exotel Callback Webhook* answers Exotel at once. Record Outcome checks the secret (without it: nothing counted, *No Change*) and counts each call once; no Exotel request, no sheet write per callback. The next tick writes the row.`;

const STATS_NOTE = `### 8. Stats
GET the production URL of *Stats Webhook* for totals, one row per circle (breaker state, completion %, in flight) and the rate in force. Reading only: it never changes the campaign.`;

// ---------------------------------------------------------------------------------------------------------------

export function writeExamples(dir = join(__dirname, '..', '..', 'examples')): string[] {
	const files: Array<[string, Json]> = [
		['01-google-sheets-campaign.json', buildSheetsCampaign()],
		['02-local-campaign.json', buildLocalCampaign()],
		['03-queue-mode-campaign.json', buildLocalCampaign({ queue: true })],
		['04-data-table-campaign.json', buildDataTableCampaign()],
		['05-data-table-queue-mode.json', buildDataTableCampaign({ queue: true })],
	];
	return files.map(([name, wf]) => {
		const file = join(dir, name);
		writeFileSync(file, `${JSON.stringify(wf, null, '\t')}\n`);
		return file;
	});
}

if (require.main === module) {
	for (const f of writeExamples()) console.log(`wrote ${f}`);
}
