/**
 * Running a campaign of example 2 against the simulator in a real n8n: simulator set-up, deployment, progress,
 * ground truth and the invariants the e2e suite asserts. Used by scripts/demo.ts and test/e2e/*.
 */
import { DateTime } from 'luxon';

import { startSimulator, type CircleOutage, type RunningSimulator } from '../../simulator';
import type { DeepPartial, SimConfig } from '../../simulator/config';
import type { LedgerCall } from '../../simulator/ledger';
import type { CircleCode } from '../../nodes/core/circles';
import { getStats, migrateState, resolveSettings, type PacingStats } from '../../nodes/core/pacing';
import { settingsFromParameters } from '../../nodes/ExotelPacingController/fields';
import type { N8nInstance } from '../../test/e2e/harness';
import { localWorkflow, makeContacts, webhookPaths, type LocalWorkflowOptions } from './campaign';
import type { Json } from '../../test/e2e/harness/json';
import { QUEUE_TABLES } from './examples';

export const ZONE = 'Asia/Kolkata';

export interface CampaignSimOptions {
	seed?: number;
	/** Virtual seconds per real second once the campaign starts (the clock is frozen until then). */
	factor: number;
	/** Virtual start, e.g. '2025-01-06T08:59:30+05:30' (a Monday, just before the 09:00 window opens). */
	virtualStart: string;
	/** Relative weights of the circles mobile numbers fall into. */
	circles: Record<string, number>;
	dndShare?: number;
	/** A hard outage of one circle, minutes after virtualStart. */
	outage?: { circle: string; fromMinute: number; toMinute: number; kind?: 'hard' | 'silent' };
	dropRate?: number;
	duplicateRate?: number;
	extra?: DeepPartial<SimConfig>;
	/** Listen port (default: a free one). */
	port?: number;
}

export function virtualAt(start: string, minutes: number): string {
	return DateTime.fromISO(start, { zone: ZONE }).plus({ minutes }).toISO()!;
}

export async function startCampaignSimulator(o: CampaignSimOptions): Promise<RunningSimulator> {
	// The options name circles as strings (the e2e scenarios' own words); the simulator checks the codes.
	const outages: CircleOutage[] = o.outage
		? [
				{
					circle: o.outage.circle as CircleCode,
					kind: o.outage.kind ?? 'hard',
					from: virtualAt(o.virtualStart, o.outage.fromMinute),
					to: virtualAt(o.virtualStart, o.outage.toMinute),
				},
			]
		: [];
	const patch: DeepPartial<SimConfig> = {
		seed: o.seed ?? 42,
		...(o.port ? { port: o.port } : {}),
		clock: { factor: 0, virtualStart: o.virtualStart },
		numbers: {
			circleWeights: o.circles as Partial<Record<CircleCode, number>>,
			dndShare: o.dndShare ?? 0.08,
		},
		model: { outages },
		callbacks: { dropRate: o.dropRate ?? 0, duplicateRate: o.duplicateRate ?? 0 },
	};
	const sim = await startSimulator(patch);
	if (o.extra) sim.update(o.extra);
	return sim;
}

export interface DeployOptions
	extends Omit<LocalWorkflowOptions, 'simUrl' | 'n8nUrl' | 'credentialId'> {
	contacts: number | Array<Record<string, unknown>>;
	contactSeed?: number;
	credentialId?: string;
	/** Activate at once (default true). */
	activate?: boolean;
}

export interface Deployed {
	workflowId: string;
	workflow: Json;
	campaign: string;
	sheet: string;
	statusPath: string;
	statsPath: string;
	/** The campaign dashboard's webhook path (Get Dashboard; open it in a browser). */
	dashboardPath: string;
	/** Where the dashboard's Pause / Resume buttons POST (Dashboard Control). */
	controlPath: string;
	credentialId: string;
	contacts: number;
	settings: ReturnType<typeof resolveSettings>;
	/**
	 * The contact rows (default: the simulator's sheet `sheet`); the Google Sheets campaign reads the emulator's,
	 * the Data table campaign (example 4) n8n's table.
	 */
	rows?: () => Json[] | Promise<Json[]>;
}

export async function createSimCredential(
	n8n: N8nInstance,
	sim: RunningSimulator,
	name = 'Exotel (simulator)',
): Promise<string> {
	const cred = await n8n.client.createCredential({
		name,
		type: 'exotelApi',
		data: {
			apiKey: 'sim-key',
			apiToken: 'sim-token',
			accountSid: 'simaccount',
			cluster: 'custom',
			baseUrl: sim.url,
			allowUnencryptedHttp: false,
			allowedHttpRequestDomains: 'all',
		},
	});
	return cred.id;
}

/**
 * Example 3's Data tables (README "Running at scale"), as a user creates them in n8n's Data tables tab: the tick lock
 * with the campaign's row (free: lockedUntil 0) and the callback table. Tables that exist are reused. Returns each
 * table's id by name.
 */
export async function prepareQueueTables(
	n8n: N8nInstance,
	campaign: string,
): Promise<Record<string, string>> {
	const tableId = async (name: string, columns: Array<{ name: string; type: string }>) =>
		(await n8n.client.dataTableIdByName(name)) ?? (await n8n.client.createDataTable(name, columns));
	const lock = await tableId(QUEUE_TABLES.lock, QUEUE_TABLES.lockColumns);
	const callbacks = await tableId(QUEUE_TABLES.callbacks, QUEUE_TABLES.callbackColumns);
	await n8n.client.insertDataTableRows(lock, [{ campaign, lockedUntil: 0, holder: '' }]);
	return { [QUEUE_TABLES.lock]: lock, [QUEUE_TABLES.callbacks]: callbacks };
}

/**
 * n8n 1.x's Data table node finds a table only by id (From List or ID; selecting by name came with 2.x): on 1.x pick
 * each node's table from the list, as a 1.x user does after importing example 3. 2.x keeps the names.
 */
export function pickTablesFromList(
	n8n: N8nInstance,
	wf: Json,
	tables: Record<string, string>,
): void {
	if (n8n.major < 2) useTableIds(wf, tables);
}

/** Every Data table node that names a table of `tables` by name names it by id, as picked from the editor's list. */
export function useTableIds(wf: Json, tables: Record<string, string>): void {
	for (const node of wf.nodes as Json[]) {
		const table = node.parameters?.dataTableId as Json | undefined;
		if (node.type !== 'n8n-nodes-base.dataTable' || table?.mode !== 'name') continue;
		const id = tables[table.value as string];
		if (!id) throw new Error(`${node.name}: no Data table named ${table.value}`);
		node.parameters.dataTableId = {
			__rl: true,
			mode: 'list',
			value: id,
			cachedResultName: table.value,
		};
	}
}

/** Credential + contact sheet + workflow (created and activated through the public API). */
export async function deployCampaign(
	n8n: N8nInstance,
	sim: RunningSimulator,
	o: DeployOptions,
): Promise<Deployed> {
	const credentialId = o.credentialId ?? (await createSimCredential(n8n, sim));
	const sheet = o.sheet ?? 'contacts';
	const rows =
		typeof o.contacts === 'number' ? makeContacts(o.contacts, o.contactSeed ?? 1) : o.contacts;
	sim.sheets.replace(sheet, rows);
	const tables = o.queue ? await prepareQueueTables(n8n, o.campaign) : {};
	const wf = localWorkflow({
		...o,
		sheet,
		simUrl: sim.url,
		n8nUrl: n8n.url.replace(/\/+$/, ''),
		credentialId,
	});
	if (o.queue) pickTablesFromList(n8n, wf, tables);
	const created = await n8n.client.importWorkflow(wf, { activate: o.activate ?? true });
	const paths = webhookPaths(wf);
	const release = wf.nodes.find((n: Json) => n.name === 'Exotel Pacing: Release');
	return {
		workflowId: created.id,
		workflow: wf,
		campaign: o.campaign,
		sheet,
		statusPath: paths.status,
		statsPath: paths.stats,
		dashboardPath: paths.dashboard ?? '',
		controlPath: paths.control ?? '',
		credentialId,
		contacts: rows.length,
		settings: resolveSettings(settingsFromParameters(release.parameters.settings)),
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the campaign

export interface Progress {
	virtualNow: number;
	contacts: number;
	finalRows: number;
	calls: number;
	ended: number;
	live: number;
	completed: number;
	/** Rows not final that were never called (fresh contacts). */
	fresh: number;
	/** Calls the simulator accepted in the last virtual minute. */
	placedLastMinute: number;
	stats: PacingStats | null;
	executions?: { total: number; byStatus: Record<string, number> };
}

/** The campaign state as stored in the workflow's static data (null before the first tick saved it). */
export async function readCampaignState(n8n: N8nInstance, d: Deployed): Promise<unknown | null> {
	const sd = await n8n.client.getStaticData(d.workflowId);
	return sd?.global?.exotelPacing?.campaigns?.[d.campaign]?.state ?? null;
}

/**
 * The campaign stats as the user sees them: the workflow's Stats webhook (Get Stats, which reads the Pacing
 * Controller's live state). Falls back to the state saved in static data when the webhook does not answer (n8n
 * stopped, workflow inactive); static data may lag the live state, since every execution saves it last-writer-wins.
 */
export async function readStats(
	n8n: N8nInstance,
	sim: RunningSimulator,
	d: Deployed,
): Promise<PacingStats | null> {
	if (n8n.running) {
		const res = await n8n.client
			.webhook(d.statsPath, undefined, { method: 'GET' })
			.catch(() => null);
		const body = res?.status === 200 ? (res.data as PacingStats & { campaign?: string }) : null;
		if (body && body.campaign === d.campaign && body.totals) return body;
	}
	return await readSavedStats(n8n, sim, d);
}

/** The stats of the state saved in static data (what a restarted n8n starts from). */
export async function readSavedStats(
	n8n: N8nInstance,
	sim: RunningSimulator,
	d: Deployed,
): Promise<PacingStats | null> {
	const raw = await readCampaignState(n8n, d);
	if (!raw) return null;
	const now = sim.clock.now();
	const { state } = migrateState(raw, d.campaign, now);
	return getStats(state, now, d.settings);
}

export function isFinalRow(row: Json): boolean {
	return row.final === true || String(row.final).toLowerCase() === 'true';
}

export async function readProgress(
	n8n: N8nInstance,
	sim: RunningSimulator,
	d: Deployed,
): Promise<Progress> {
	const now = sim.clock.now();
	const rows = d.rows ? await d.rows() : sim.sheets.rows(d.sheet);
	const calls = sim.ledger.calls;
	let ended = 0;
	let completed = 0;
	let placedLastMinute = 0;
	for (const c of calls) {
		if (c.createdAtMs > now - 60_000) placedLastMinute++;
		if (c.endedAtMs <= now) {
			ended++;
			if (c.status === 'completed') completed++;
		}
	}
	return {
		virtualNow: now,
		contacts: rows.length,
		finalRows: rows.filter(isFinalRow).length,
		fresh: rows.filter((r) => !isFinalRow(r) && (r.lastStatus === undefined || r.lastStatus === ''))
			.length,
		calls: calls.length,
		ended,
		live: calls.length - ended,
		completed,
		placedLastMinute,
		stats: await readStats(n8n, sim, d).catch(() => null),
	};
}

/** Simulator ground truth per circle: calls and their true outcomes. */
export function groundTruth(calls: readonly LedgerCall[]) {
	const total = { attempted: 0, completed: 0, busy: 0, noAnswer: 0, failed: 0 };
	const byCircle: Record<string, typeof total> = {};
	for (const c of calls) {
		const row = (byCircle[c.circle] ??= {
			attempted: 0,
			completed: 0,
			busy: 0,
			noAnswer: 0,
			failed: 0,
		});
		for (const t of [total, row]) {
			t.attempted++;
			if (c.status === 'completed') t.completed++;
			else if (c.status === 'busy') t.busy++;
			else if (c.status === 'no-answer') t.noAnswer++;
			else t.failed++;
		}
	}
	return { total, byCircle };
}

/** Differences between the campaign's stats and the ground truth (empty = equal), totals and per circle. */
export function compareWithGroundTruth(stats: PacingStats, calls: readonly LedgerCall[]): string[] {
	const truth = groundTruth(calls);
	const diffs: string[] = [];
	const t = stats.totals;
	const mine = {
		attempted: t.attempted,
		completed: t.completed,
		busy: t.busy,
		noAnswer: t.noAnswer,
		failed: t.failed,
	};
	for (const k of Object.keys(truth.total) as Array<keyof typeof truth.total>) {
		if (mine[k] !== truth.total[k])
			diffs.push(`total ${k}: stats ${mine[k]} vs simulator ${truth.total[k]}`);
	}
	if (t.other) diffs.push(`total other: stats ${t.other} vs simulator 0`);
	const circles = new Set([
		...Object.keys(truth.byCircle),
		...stats.circles.filter((c) => c.attempted > 0).map((c) => c.circle),
	]);
	for (const circle of circles) {
		const row = stats.circles.find((c) => c.circle === circle);
		const tr = truth.byCircle[circle] ?? {
			attempted: 0,
			completed: 0,
			busy: 0,
			noAnswer: 0,
			failed: 0,
		};
		const m = row
			? {
					attempted: row.attempted,
					completed: row.completed,
					busy: row.busy,
					noAnswer: row.noAnswer,
					failed: row.failed,
				}
			: { attempted: 0, completed: 0, busy: 0, noAnswer: 0, failed: 0 };
		for (const k of Object.keys(tr) as Array<keyof typeof tr>) {
			if (m[k] !== tr[k]) diffs.push(`${circle} ${k}: stats ${m[k]} vs simulator ${tr[k]}`);
		}
	}
	return diffs;
}

export interface Invariants {
	callsToDnd: number;
	outsideWindow: number;
	maxConnectRequestsInAnyMinute: number;
	/** Pairs of calls to one number that were live at the same time. */
	overlaps: Array<{ number: string; first: string; second: string }>;
	/** Numbers called more often than maxAttempts (refunds allowed for). */
	rejected429: number;
}

export function checkInvariants(
	sim: RunningSimulator,
	settings: { callingStart: string; callingEnd: string; callingDays: number[] },
): Invariants {
	const calls = sim.ledger.calls;
	const [sh, sm] = settings.callingStart.split(':').map(Number);
	const [eh, em] = settings.callingEnd.split(':').map(Number);
	let outsideWindow = 0;
	for (const c of calls) {
		const t = DateTime.fromMillis(c.createdAtMs, { zone: ZONE });
		const minutes = t.hour * 60 + t.minute;
		if (
			minutes < sh * 60 + sm ||
			minutes >= eh * 60 + em ||
			!settings.callingDays.includes(t.weekday)
		)
			outsideWindow++;
	}
	const byNumber = new Map<string, LedgerCall[]>();
	for (const c of calls) {
		const list = byNumber.get(c.customerNumber) ?? [];
		list.push(c);
		byNumber.set(c.customerNumber, list);
	}
	const overlaps: Invariants['overlaps'] = [];
	for (const [number, list] of byNumber) {
		list.sort((a, b) => a.createdAtMs - b.createdAtMs);
		for (let i = 1; i < list.length; i++) {
			if (list[i].createdAtMs < list[i - 1].endedAtMs)
				overlaps.push({ number, first: list[i - 1].sid, second: list[i].sid });
		}
	}
	return {
		callsToDnd: calls.filter((c) => c.dnd).length,
		outsideWindow,
		maxConnectRequestsInAnyMinute: sim.ledger.maxRequestsInAnyWindow(60_000),
		overlaps,
		rejected429: sim.ledger.connectRequests.filter((r) => r.httpStatus === 429).length,
	};
}

/**
 * The campaign is dialling at (close to) its full rate, so the clock must stay at its slowest: the simulator placed
 * at least 60% of the rate in the last virtual minute, or the last release used most of a tick's budget; or the
 * calling window is open and nothing was placed yet (the first ticks). Waiting only for retry gaps, a circle's cooldown or ramp-up after an outage, or for calls to end, is
 * not busy.
 */
export function campaignBusy(
	p: Progress | undefined,
	settings: {
		tickSeconds: number;
		maxCallsPerMinute: number | null;
		accountLimitPerMinute: number;
	},
): boolean {
	if (!p) return true;
	const s = p.stats;
	if (!s) return p.fresh > 0;
	if (!s.callingWindow.open) return false;
	const rate = s.rule.ratePerMinute || settings.maxCallsPerMinute || settings.accountLimitPerMinute;
	if (p.placedLastMinute >= 0.6 * rate) return true;
	const released = s.circles.reduce((n, c) => n + c.lastRelease, 0);
	if (released >= 0.8 * ((rate * settings.tickSeconds) / 60)) return true;
	// Later, fresh contacts with nothing placed for a minute are held (an open breaker): waiting, which the clock
	// may shorten (one full-campaign run spent 130 s real at x2 behind KA's breaker and ran out of time).
	return p.fresh > 0 && p.calls === 0;
}

export interface WaitOptions {
	timeoutMs: number;
	pollMs?: number;
	onProgress?: (p: Progress) => void;
	/** Stop waiting once this is true (default: campaign finished and the stats match the simulator). */
	until?: (p: Progress) => boolean;
}

/** The campaign is over: every row final, no call live in the simulator, and the stats show nothing in flight. */
export function campaignOver(p: Progress): boolean {
	return (
		p.contacts > 0 &&
		p.finalRows === p.contacts &&
		p.live === 0 &&
		!!p.stats &&
		p.stats.totals.inFlight === 0
	);
}

export async function waitForCampaign(
	n8n: N8nInstance,
	sim: RunningSimulator,
	d: Deployed,
	o: WaitOptions,
): Promise<Progress> {
	const until = o.until ?? campaignOver;
	const deadline = Date.now() + o.timeoutMs;
	let last: Progress | undefined;
	for (;;) {
		last = await readProgress(n8n, sim, d);
		o.onProgress?.(last);
		if (until(last)) return last;
		if (Date.now() > deadline) return last;
		await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Clock governor

export interface GovernorOptions {
	/** The factor while the campaign dials as fast as it may (backlog waiting): callbacks stay at ~3.2 x min per second. */
	min: number;
	max: number;
	/** Status callbacks per real second n8n is asked to absorb when nothing waits to be dialled. */
	targetCallbacksPerSecond: number;
	intervalMs?: number;
	/** True while the campaign dials at full rate (see campaignBusy): the governor then keeps the minimum factor. */
	busy: () => boolean;
	/** Keep the minimum factor this long after the last busy reading (default 15 s), as the stats lag a tick. */
	holdMs?: number;
}

/**
 * Keeps n8n's load in bounds while shortening idle stretches: the simulator's clock runs at `min` virtual seconds
 * per real second while contacts wait for the dial budget (so 190 calls per virtual minute produce ~3.2 x min
 * callbacks per real second), and faster — up to `max` — while the campaign only waits for retry gaps, cooldowns
 * or calls to end, as long as the expected callbacks per real second stay under the target. All pacing happens on
 * the virtual clock, so every limit the suite checks (60 s window, calling window, overlaps) is unaffected.
 */
export function startClockGovernor(
	sim: RunningSimulator,
	o: GovernorOptions,
): { stop(): void; factor(): number } {
	let factor = o.min;
	let busyUntil = 0;
	sim.clock.setFactor(factor);
	const timer = setInterval(() => {
		const now = sim.clock.now();
		const horizon = 30_000;
		let recent = 0;
		let soon = 0;
		for (const c of sim.ledger.calls) {
			if (c.endedAtMs > now - horizon && c.endedAtMs <= now) recent++;
			else if (c.endedAtMs > now && c.endedAtMs <= now + horizon) soon++;
		}
		const perVirtualSecond = Math.max(recent, soon) / (horizon / 1000);
		if (o.busy()) busyUntil = Date.now() + (o.holdMs ?? 15_000);
		let next =
			Date.now() < busyUntil
				? o.min
				: perVirtualSecond > 0
					? o.targetCallbacksPerSecond / perVirtualSecond
					: o.max;
		next = Math.min(o.max, Math.max(o.min, next));
		// Speed up gently, slow down at once.
		next = next > factor ? Math.min(next, factor * 1.5) : next;
		if (Math.abs(next - factor) > 0.05) {
			factor = Math.round(next * 10) / 10;
			sim.clock.setFactor(factor);
		}
	}, o.intervalMs ?? 1000);
	timer.unref();
	return { stop: () => clearInterval(timer), factor: () => factor };
}

/** Changes the deployed workflow (e.g. disable the schedule) and saves it; an active workflow stays active. */
export async function updateCampaign(
	n8n: N8nInstance,
	d: Deployed,
	mutate: (wf: Json) => void,
): Promise<void> {
	const wf = JSON.parse(JSON.stringify(d.workflow)) as Json;
	mutate(wf);
	await n8n.client.updateWorkflow(d.workflowId, wf);
	d.workflow = wf;
}

export function workflowNode(wf: Json, name: string): Json {
	const n = (wf.nodes as Json[]).find((x) => x.name === name);
	if (!n) throw new Error(`workflow has no node "${name}"`);
	return n;
}
