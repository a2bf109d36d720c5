/**
 * The campaign states of this n8n process, shared by all its executions, and a lock per workflow.
 *
 * Static data alone cannot keep a campaign exact: every execution loads the workflow's static data when it starts
 * and n8n saves it when the execution ends, last writer wins, so overlapping ticks and callbacks erase each
 * other's changes and two overlapping Releases do not see each other's reservations. In one n8n process (regular
 * mode) all executions run here, so the Pacing Controller keeps each campaign's newest state in this module and
 * changes it only while holding the workflow's lock: load, decide, save happen one execution at a time, and every
 * execution starts from every earlier one's changes. Static data still gets each new state (with its revision), so
 * a restarted n8n continues from the newest state that was saved; what a crash loses is recovered from the rows
 * and Exotel (docs/pacing-design.md).
 */
import { randomBytes } from 'crypto';

import type { CampaignState, PartialSettings } from '../core/pacing';

/**
 * Names this n8n process in what it saves, so a process can tell that another one changed a campaign it is running
 * (n8n queue mode with several workers, or two n8n instances on one database): store.ts, loadCampaign.
 */
export const PROCESS_ID = randomBytes(6).toString('hex');

export interface RememberedCampaign {
	/** Increases with every saved change; the higher of memory and static data wins. */
	rev: number;
	state: CampaignState;
	settings: PartialSettings;
	/**
	 * The save this process first loaded the campaign from (another process's, e.g. the one before a restart). An
	 * execution that loaded static data before this process's first save still sees that save: it is older, not a
	 * second process (store.ts, loadCampaign).
	 */
	adoptedFrom?: SaveMark;
}

/** Which process saved a campaign, at which revision; `at`: when this process loaded that save (real time). */
export interface SaveMark {
	by: string;
	rev: number;
	at: number;
}

/** Campaigns kept in memory at most (least recently used dropped first; they reload from static data). */
const MAX_CAMPAIGNS = 500;

const campaigns = new Map<string, RememberedCampaign>();
const locks = new Map<string, Promise<void>>();

function memoryKey(workflowId: string, campaign: string): string {
	return `${workflowId}\u0000${campaign}`;
}

export function recall(workflowId: string, campaign: string): RememberedCampaign | undefined {
	const key = memoryKey(workflowId, campaign);
	const found = campaigns.get(key);
	if (found) {
		// most recently used last
		campaigns.delete(key);
		campaigns.set(key, found);
	}
	return found;
}

export function remember(workflowId: string, campaign: string, entry: RememberedCampaign): void {
	const key = memoryKey(workflowId, campaign);
	campaigns.delete(key);
	campaigns.set(key, entry);
	while (campaigns.size > MAX_CAMPAIGNS) campaigns.delete(campaigns.keys().next().value as string);
}

/** Drops a campaign from memory (queue mode: static data is the only copy; store.ts, saveCampaigns). */
export function forget(workflowId: string, campaign: string): void {
	campaigns.delete(memoryKey(workflowId, campaign));
}

/** Every campaign of one workflow this process remembers, by name. */
export function recallWorkflow(workflowId: string): Array<[string, RememberedCampaign]> {
	const prefix = `${workflowId}\u0000`;
	const out: Array<[string, RememberedCampaign]> = [];
	for (const [key, entry] of campaigns)
		if (key.startsWith(prefix)) out.push([key.slice(prefix.length), entry]);
	return out;
}

const lastPersisted = new Map<string, number>();

/**
 * Whether an execution should write the campaigns into static data now: always for ticks and commands; for status
 * callbacks at most every `minGapMs` per workflow. Every write is a database update at the end of the execution,
 * which halves how many callbacks n8n absorbs per second; the live state is in memory, and what a crash loses since
 * the last write is recovered from the rows and Exotel.
 */
export function persistNow(workflowId: string, now: number, minGapMs: number): boolean {
	const last = lastPersisted.get(workflowId);
	if (minGapMs > 0 && last !== undefined && now - last < minGapMs && now >= last) return false;
	lastPersisted.set(workflowId, now);
	if (lastPersisted.size > MAX_CAMPAIGNS)
		lastPersisted.delete(lastPersisted.keys().next().value as string);
	return true;
}

/** Runs `fn` while holding the workflow's lock: executions of one workflow change campaign states one at a time. */
export async function withWorkflowLock<T>(workflowId: string, fn: () => Promise<T>): Promise<T> {
	const previous = locks.get(workflowId) ?? Promise.resolve();
	let unlock!: () => void;
	const mine = new Promise<void>((resolve) => (unlock = resolve));
	const tail = previous.then(() => mine);
	locks.set(workflowId, tail);
	await previous;
	try {
		return await fn();
	} finally {
		unlock();
		if (locks.get(workflowId) === tail) locks.delete(workflowId);
	}
}
