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
import { checkSettings, createState, migrateState } from '../core/pacing';
import { toInstant } from './fields';
import { persistNow, recall, recallWorkflow, remember } from './memory';

const KEY = 'exotelPacing';
const BLOB_VERSION = 1;

interface StoredCampaign {
	state: unknown;
	settings?: PartialSettings;
	/** Revision of the state (memory.ts); absent in states saved before revisions existed. */
	rev?: number;
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
}

export function workflowIdOf(ctx: IExecuteFunctions): string {
	return String(ctx.getWorkflow().id ?? '');
}

/** The stored blob, read-only (n8n observes it; never change it in place). */
function storedBlob(ctx: IExecuteFunctions): Blob | undefined {
	const raw = ctx.getWorkflowStaticData('global')[KEY] as Partial<Blob> | undefined;
	if (!raw || typeof raw !== 'object' || typeof raw.campaigns !== 'object' || raw.campaigns === null || Array.isArray(raw.campaigns)) return undefined;
	return { version: raw.version ?? BLOB_VERSION, campaigns: raw.campaigns };
}

function storedCampaign(ctx: IExecuteFunctions, name: string): StoredCampaign | undefined {
	const campaigns = storedBlob(ctx)?.campaigns;
	if (!campaigns || !Object.prototype.hasOwnProperty.call(campaigns, name)) return undefined;
	const entry = campaigns[name];
	return entry && typeof entry === 'object' ? entry : undefined;
}

/** Loads one campaign. `partial` = settings from this node's parameters; undefined = use the saved ones. */
export function loadCampaign(
	ctx: IExecuteFunctions,
	name: string,
	now: number,
	partial: PartialSettings | undefined,
	itemIndex: number,
): LoadedCampaign {
	const stored = storedCampaign(ctx, name);
	const storedRev = typeof stored?.rev === 'number' ? stored.rev : 0;
	const remembered = recall(workflowIdOf(ctx), name);
	let state: CampaignState;
	let warnings: string[] = [];
	let rev = storedRev;
	let savedSettings = stored?.settings;
	if (remembered && remembered.rev >= storedRev) {
		// the newest state of this process (static data may hold an older one: last writer wins)
		state = remembered.state;
		rev = remembered.rev;
		savedSettings = remembered.settings;
	} else {
		// a plain copy: the stored object is observed by n8n, the engine works on its own
		const copy = stored ? (JSON.parse(JSON.stringify(stored)) as StoredCampaign) : undefined;
		({ state, warnings } = migrateState(copy?.state, name, now));
		savedSettings = copy?.settings;
	}
	const chosen = partial ?? savedSettings ?? {};
	const { settings, problems } = checkSettings(chosen);
	if (problems.length) {
		throw new NodeOperationError(ctx.getNode(), `The pacing settings of campaign "${name}" are not valid`, {
			description: problems.join(' '),
			itemIndex,
		});
	}
	return { name, state, settings, partial: chosen, warnings, isNew: stored === undefined && remembered === undefined, rev };
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
export function saveCampaigns(ctx: IExecuteFunctions, changes: Array<[LoadedCampaign, CampaignState | null]>, throttled = false): void {
	if (changes.length === 0) return;
	const workflowId = workflowIdOf(ctx);
	// Test runs change nothing: n8n does not save their static data, and they must not change the live state.
	const live = ctx.getMode() !== 'manual';
	const stored = storedBlob(ctx);
	const campaigns: Record<string, StoredCampaign> = { ...(stored?.campaigns ?? {}) };
	for (const [campaign, state] of changes) {
		if (state === null) {
			delete campaigns[campaign.name];
			if (live) remember(workflowId, campaign.name, { rev: campaign.rev + 1, state: createState(campaign.name, Date.now()), settings: {} });
			continue;
		}
		const rev = Math.max(campaign.rev, recall(workflowId, campaign.name)?.rev ?? 0) + 1;
		campaigns[campaign.name] = { state, settings: campaign.partial, rev };
		if (live) remember(workflowId, campaign.name, { rev, state, settings: campaign.partial });
	}
	if (live && throttled && !persistNow(workflowId, Date.now(), CALLBACK_PERSIST_GAP_MS)) return;
	if (live && !throttled) persistNow(workflowId, Date.now(), 0);
	if (live) {
		for (const [name, entry] of recallWorkflow(workflowId)) {
			const rev = typeof campaigns[name]?.rev === 'number' ? campaigns[name].rev! : -1;
			if (entry.rev > rev) campaigns[name] = { state: entry.state, settings: entry.settings, rev: entry.rev };
		}
	}
	// Re-assigning the top-level key is what n8n's change tracking sees. A plain copy: n8n turns what it is given
	// into proxies tied to this execution, in place, and the states in memory must stay plain objects (a state
	// wrapped once per execution kept every execution alive and slowed every read: gigabytes within minutes).
	ctx.getWorkflowStaticData('global')[KEY] = JSON.parse(JSON.stringify({ version: BLOB_VERSION, campaigns })) as IDataObject;
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
			description: 'Use an ISO date such as 2026-11-21T10:00:00+05:30, or epoch milliseconds. Leave it empty to use the real time.',
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
