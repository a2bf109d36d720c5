/**
 * Where a campaign's pacing state lives: in this process's memory (memory.ts: the newest state, changed under the
 * workflow's lock) and in the workflow's global static data, under `exotelPacing` (what survives a restart).
 *
 * n8n saves static data only for active (production) executions and only when a top-level key is re-assigned or
 * changed, so every change is written by assigning a fresh `exotelPacing` object. Several campaigns share the
 * blob, keyed by name. The settings a Release node was configured with are saved with the campaign, so Record
 * Outcome and Get Stats use the same retry gaps and limits without being configured twice.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CampaignState, PacingSettings, PartialSettings } from '../core/pacing';
import {
	checkSettings,
	createState,
	migrateState,
	pauseCampaign,
	STATE_VERSION,
	storedState,
} from '../core/pacing';
import { toInstant } from './fields';
import {
	forget,
	persistNow,
	PROCESS_ID,
	recall,
	recallWorkflow,
	remember,
	type SaveMark,
} from './memory';

const KEY = 'exotelPacing';
const BLOB_VERSION = 1;

interface StoredCampaign {
	state: unknown;
	settings?: PartialSettings;
	/** Revision of the state (memory.ts); absent in states saved before revisions existed. */
	rev?: number;
	/** The n8n process that saved it (memory.ts PROCESS_ID); absent before this was recorded. */
	by?: string;
	/** Run in queue mode: every execution starts from static data, no process keeps it in memory (queueMode). */
	queue?: true;
}

interface Blob {
	version: number;
	campaigns: Record<string, StoredCampaign>;
}

export interface LoadedCampaign {
	name: string;
	state: CampaignState;
	settings: PacingSettings;
	/** The settings as the user gave them (saved with the state). */
	partial: PartialSettings;
	warnings: string[];
	/** Nothing was stored for this campaign yet (its first run, or after Reset). */
	isNew: boolean;
	/** Revision the state was loaded at. */
	rev: number;
	/** What was stored for this campaign could not be read (saveCampaigns backs the blob up before replacing it). */
	unreadable?: string;
	/** Another n8n process saved this campaign since this one last did: the campaign was paused (see TWO_PROCESSES). */
	otherProcess?: true;
	/** The other process's save this process first loaded the campaign from (memory.ts, RememberedCampaign). */
	adoptedFrom?: SaveMark;
	/** Queue mode: loaded from static data only, saved without the memory of this process (queueMode). */
	queue: boolean;
}

/**
 * Why a campaign is paused when two n8n processes changed it. The state of one process is the newest only within that
 * process (memory.ts): two processes each count into their own and overwrite each other's saves, and two Releases
 * in two processes do not see each other's reservations (docs/pacing-design.md, "Running in several processes").
 */
export const TWO_PROCESSES =
	'two n8n processes changed this campaign (n8n queue mode with more than one worker, or two n8n instances on one database). ' +
	'Run this workflow in regular mode or with one worker, or turn on "Queue Mode (Several Workers)" in the Release node\'s ' +
	'Pacing Settings and use the tick lock of example 03 (README, "Running at scale"), then Resume. Calls in flight finish ' +
	'and are counted; the next ticks reconcile the rest.';

/**
 * Queue mode (README "Running at scale", example 03): executions of one campaign run in several n8n processes, and
 * the workflow itself lets one tick at a time change the campaign (a lock row in an n8n Data table; status callbacks
 * go into a Data table that the tick reads). So no process may keep the campaign in memory: every execution starts
 * from the static data n8n loaded for it and saves what it changed. `fromNode` is the Release node's setting (saved
 * with the campaign); other operations follow what was saved.
 */
function isQueueMode(fromNode: boolean | undefined, stored: StoredCampaign | undefined): boolean {
	return fromNode ?? stored?.queue === true;
}

export function workflowIdOf(ctx: IExecuteFunctions): string {
	return String(ctx.getWorkflow().id ?? '');
}

/** Where an unreadable or other-version blob is kept (one copy, the first found) instead of being overwritten. */
const BACKUP_KEY = 'exotelPacingBackup';
/** Largest backup kept (characters of JSON); a larger blob is cut and marked `truncated`. */
const MAX_BACKUP_CHARS = 512 * 1024;

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
// by tag, not prototype: static data may come from another realm (structuredClone, vm contexts)
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
	typeof v === 'object' &&
	v !== null &&
	!Array.isArray(v) &&
	Object.prototype.toString.call(v) === '[object Object]';

/** Why the stored blob cannot be used as it is (it is then backed up, not overwritten); undefined when it can. */
function blobDamage(raw: unknown): string | undefined {
	if (raw === undefined || raw === null) return undefined;
	if (!isPlainObject(raw)) return 'it is not an object';
	if (raw.version !== undefined && raw.version !== BLOB_VERSION)
		return `it has version ${JSON.stringify(raw.version)}, this package reads version ${BLOB_VERSION}`;
	if (!isPlainObject(raw.campaigns))
		return `its campaigns are ${Array.isArray(raw.campaigns) ? 'a list' : 'not an object'}`;
	return undefined;
}

/** The stored blob, read-only (n8n observes it; never change it in place); undefined when absent or damaged. */
function storedBlob(ctx: IExecuteFunctions): Blob | undefined {
	const raw = ctx.getWorkflowStaticData('global')[KEY] as Partial<Blob> | undefined;
	if (!raw || blobDamage(raw) !== undefined) return undefined;
	return { version: raw.version ?? BLOB_VERSION, campaigns: raw.campaigns! };
}

function storedCampaign(ctx: IExecuteFunctions, name: string): StoredCampaign | undefined {
	const campaigns = storedBlob(ctx)?.campaigns;
	if (!campaigns || !hasOwn(campaigns, name)) return undefined;
	const entry = campaigns[name];
	return isPlainObject(entry) ? entry : undefined;
}

/**
 * Keeps a copy of what static data holds under `exotelPacing` in `exotelPacingBackup` (once: an existing backup is
 * never replaced), before a save replaces data this package could not read. Returns a warning, or undefined.
 */
function backUp(ctx: IExecuteFunctions, why: string): string | undefined {
	const data = ctx.getWorkflowStaticData('global');
	if (data[BACKUP_KEY] !== undefined) return undefined;
	let json: string;
	try {
		json = JSON.stringify(data[KEY]) ?? 'null';
	} catch {
		json = 'null';
	}
	const truncated = json.length > MAX_BACKUP_CHARS;
	data[BACKUP_KEY] = {
		at: new Date().toISOString(),
		reason: why,
		data: truncated ? json.slice(0, MAX_BACKUP_CHARS) : json,
		...(truncated ? { truncated: true } : {}),
	} as IDataObject;
	return `The stored pacing data could not be read (${why}); a copy was kept in static data under "${BACKUP_KEY}" and the campaign started afresh (contact history in your sheet is kept).`;
}

/** Loads one campaign. `partial` = settings from this node's parameters; undefined = use the saved ones. */
export function loadCampaign(
	ctx: IExecuteFunctions,
	name: string,
	now: number,
	partial: PartialSettings | undefined,
	itemIndex: number,
	queueMode?: boolean,
): LoadedCampaign {
	const damage = blobDamage(ctx.getWorkflowStaticData('global')[KEY]);
	const stored = storedCampaign(ctx, name);
	const storedRev = typeof stored?.rev === 'number' ? stored.rev : 0;
	const queue = isQueueMode(queueMode, stored);
	const remembered = queue ? undefined : recall(workflowIdOf(ctx), name);
	let state: CampaignState;
	let warnings: string[] = [];
	let rev = storedRev;
	let savedSettings = stored?.settings;
	let unreadable = damage;
	const storedBy = typeof stored?.by === 'string' ? stored.by : undefined;
	const adoptedFrom = queue
		? undefined
		: remembered !== undefined
			? remembered.adoptedFrom
			: storedBy !== undefined && storedBy !== PROCESS_ID
				? { by: storedBy, rev: storedRev, at: Date.now() }
				: undefined;
	// Another process wrote this campaign after this process had it in memory. A restart has no memory; a test run
	// never saves; an execution that loaded static data before a restarted process's first save sees the save the
	// process started from; so in one process this never happens.
	const otherProcess =
		remembered !== undefined &&
		storedBy !== undefined &&
		storedBy !== PROCESS_ID &&
		!(adoptedFrom && storedBy === adoptedFrom.by && storedRev <= adoptedFrom.rev);
	if (remembered && remembered.rev >= storedRev) {
		// the newest state of this process (static data may hold an older one: last writer wins)
		state = remembered.state;
		rev = remembered.rev;
		savedSettings = remembered.settings;
	} else {
		// a plain copy: the stored object is observed by n8n, the engine works on its own
		const copy = stored ? (JSON.parse(JSON.stringify(stored)) as StoredCampaign) : undefined;
		let discarded: boolean;
		({ state, warnings, discarded } = migrateState(copy?.state, name, now));
		if (discarded)
			unreadable ??= `the state of campaign "${name}" is not a version-${STATE_VERSION} state`;
		savedSettings = copy?.settings;
	}
	if (damage)
		warnings = [
			...warnings,
			`The stored pacing data of this workflow cannot be read (${damage}); it is kept as a backup when this campaign is saved.`,
		];
	const chosen = partial ?? savedSettings ?? {};
	const { settings, problems } = checkSettings(chosen);
	if (problems.length) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The pacing settings of campaign "${name}" are not valid`,
			{
				description: problems.join(' '),
				itemIndex,
			},
		);
	}
	if (otherProcess) {
		state = pauseCampaign(state, now, TWO_PROCESSES);
		warnings = [...warnings, `Campaign "${name}" is paused: ${TWO_PROCESSES}`];
	}
	const loaded: LoadedCampaign = {
		name,
		state,
		settings,
		partial: chosen,
		warnings,
		isNew: stored === undefined && remembered === undefined,
		rev,
		queue,
	};
	if (unreadable) loaded.unreadable = unreadable;
	if (otherProcess) loaded.otherProcess = true;
	if (adoptedFrom) loaded.adoptedFrom = adoptedFrom;
	return loaded;
}

/** Status callbacks write static data at most this often per workflow (memory.ts, persistNow). */
const CALLBACK_PERSIST_GAP_MS = 5000;

/**
 * Stores the new states of the campaigns a run changed, all at once: in this process's memory (the live state) and,
 * unless `throttled` and written moments ago, in static data together with every newer state of the workflow's
 * other campaigns. Actions call it only after every campaign of the batch succeeded: a run that fails half-way (or
 * continues on fail) must not leave some campaigns with calls reserved, or outcomes counted, whose items never
 * reached the outputs.
 */
export function saveCampaigns(
	ctx: IExecuteFunctions,
	changes: Array<[LoadedCampaign, CampaignState | null]>,
	throttled = false,
): void {
	if (changes.length === 0) return;
	const workflowId = workflowIdOf(ctx);
	// Test runs change nothing: n8n does not save their static data, and they must not change the live state.
	const live = ctx.getMode() !== 'manual';
	const stored = storedBlob(ctx);
	// own keys only, into a map without a prototype: a campaign named "__proto__" is a name like any other
	const campaigns = Object.create(null) as Record<string, StoredCampaign>;
	if (stored)
		for (const name of Object.keys(stored.campaigns)) campaigns[name] = stored.campaigns[name];
	const unreadable = changes.find(([c]) => c.unreadable !== undefined)?.[0].unreadable;
	if (unreadable) {
		const warning = backUp(ctx, unreadable);
		if (warning)
			ctx.addExecutionHints({ message: warning, type: 'warning', location: 'outputPane' });
	}
	for (const [campaign, state] of changes) {
		// queue mode: what this process remembers from before is not the newest state (another worker's may be)
		if (campaign.queue && live) forget(workflowId, campaign.name);
		if (state === null) {
			delete campaigns[campaign.name];
			if (live && !campaign.queue)
				remember(workflowId, campaign.name, {
					rev: campaign.rev + 1,
					state: createState(campaign.name, Date.now()),
					settings: {},
					...(campaign.adoptedFrom ? { adoptedFrom: campaign.adoptedFrom } : {}),
				});
			continue;
		}
		const rev = Math.max(campaign.rev, recall(workflowId, campaign.name)?.rev ?? 0) + 1;
		campaigns[campaign.name] = {
			state: storedState(state),
			settings: campaign.partial,
			rev,
			by: PROCESS_ID,
			...(campaign.queue ? { queue: true as const } : {}),
		};
		if (live && !campaign.queue)
			remember(workflowId, campaign.name, {
				rev,
				state,
				settings: campaign.partial,
				...(campaign.adoptedFrom ? { adoptedFrom: campaign.adoptedFrom } : {}),
			});
	}
	// in queue mode nothing else holds the change: always write it
	const queue = changes.some(([c]) => c.queue);
	if (live && throttled && !queue && !persistNow(workflowId, Date.now(), CALLBACK_PERSIST_GAP_MS))
		return;
	if (live && !throttled) persistNow(workflowId, Date.now(), 0);
	if (live) {
		for (const [name, entry] of recallWorkflow(workflowId)) {
			const rev =
				hasOwn(campaigns, name) && typeof campaigns[name]?.rev === 'number'
					? campaigns[name].rev!
					: -1;
			// a queue-mode campaign lives in static data only (forget() dropped what was remembered before the switch)
			if (entry.rev > rev && campaigns[name]?.queue !== true)
				campaigns[name] = {
					state: storedState(entry.state),
					settings: entry.settings,
					rev: entry.rev,
					by: PROCESS_ID,
				};
		}
	}
	// Re-assigning the top-level key is what n8n's change tracking sees. A plain copy: n8n turns what it is given
	// into proxies tied to this execution, in place, and the states in memory must stay plain objects (a state
	// wrapped once per execution kept every execution alive and slowed every read: gigabytes within minutes).
	ctx.getWorkflowStaticData('global')[KEY] = JSON.parse(
		JSON.stringify({ version: BLOB_VERSION, campaigns }),
	) as IDataObject;
}

/**
 * Queue mode: puts a campaign saved by exportCampaign (a row of an n8n Data table) into this execution's static data,
 * where the Pacing nodes after it find it; empty = no campaign yet. Returns why it cannot be read, or undefined.
 */
export function importCampaign(
	ctx: IExecuteFunctions,
	name: string,
	raw: unknown,
): string | undefined {
	let entry: unknown = undefined;
	if (typeof raw === 'string' && raw.trim() !== '') {
		try {
			entry = JSON.parse(raw);
		} catch {
			return 'It is not JSON.';
		}
		if (!isPlainObject(entry) || !isPlainObject(entry.state)) return 'It holds no campaign state.';
	} else if (raw !== undefined && raw !== null && raw !== '') return 'It is not text.';
	const data = ctx.getWorkflowStaticData('global');
	const stored = storedBlob(ctx);
	const campaigns = Object.create(null) as Record<string, StoredCampaign>;
	if (stored)
		for (const key of Object.keys(stored.campaigns)) campaigns[key] = stored.campaigns[key];
	if (entry) campaigns[name] = { ...(entry as StoredCampaign), queue: true };
	else delete campaigns[name];
	data[KEY] = JSON.parse(JSON.stringify({ version: BLOB_VERSION, campaigns })) as IDataObject;
	return undefined;
}

/** Queue mode: the campaign as this execution left it, as text for a Data table row; undefined when none. */
export function exportCampaign(ctx: IExecuteFunctions, name: string): string | undefined {
	const entry = storedCampaign(ctx, name);
	return entry ? JSON.stringify(entry) : undefined;
}

/** Names of all campaigns stored in this workflow. */
export function campaignNames(ctx: IExecuteFunctions): string[] {
	const names = new Set(Object.keys(storedBlob(ctx)?.campaigns ?? {}));
	for (const [name] of recallWorkflow(workflowIdOf(ctx))) names.add(name);
	return [...names].sort();
}

/** The clock: the "Current Time" option when set (ISO or epoch ms, e.g. a simulator's virtual clock), else now. */
export function resolveNow(ctx: IExecuteFunctions, itemIndex: number): number {
	const raw = ctx.getNodeParameter('options.currentTime', itemIndex, '') as unknown;
	if (raw === '' || raw === undefined || raw === null) return Date.now();
	const ms = toInstant(raw);
	if (ms === null) {
		throw new NodeOperationError(ctx.getNode(), `"Current Time" is not a date: ${String(raw)}`, {
			description:
				'Use an ISO date such as 2026-11-21T10:00:00+05:30, or epoch milliseconds. Leave it empty to use the real time.',
			itemIndex,
		});
	}
	return ms;
}

/** Warns once per execution that manual runs keep no state (n8n saves static data only in production runs). */
export function warnIfManual(ctx: IExecuteFunctions): boolean {
	if (ctx.getMode() !== 'manual') return false;
	ctx.addExecutionHints({
		message:
			'Test run: n8n does not save the pacing state of manual executions, so this run changes nothing. Activate the workflow; its production runs keep the campaign state.',
		type: 'warning',
		location: 'outputPane',
	});
	return true;
}
