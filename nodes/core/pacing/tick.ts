/** One tick's Release with the row-write discipline of rowWrites.ts around it (what the Release node runs). */
import { release, type ReleaseOptions, type ReleaseResult } from './release';
import {
	confirmRowWrites,
	contactsWithPendingWrites,
	markRowWriteSent,
	takeRowWrites,
} from './rowWrites';
import type { PacingSettings } from './settings';
import { cloneState, type CampaignState } from './state';
import type { ContactInput, WriteBack } from './types';

export interface TickRelease extends ReleaseResult {
	/** Row writes to make this tick (one request): registrations, outcomes, lookups, each row's oldest first. */
	rowWrites: WriteBack[];
	/** Writes handed out earlier that never showed in the rows within ROW_WRITE_LEASE_MS. */
	lostWrites: number;
}

export interface TickOptions extends ReleaseOptions {
	/**
	 * The real time, for row-write leases (default `now`). A row write's lease is about how long n8n takes to run a
	 * tick (real time: the workflow's timeout is below the lease), not about the campaign's clock, which a
	 * simulator may run faster.
	 */
	rowNow?: number;
	/**
	 * When (real time) this process took the campaign over from another process's save, e.g. after a restart: the
	 * writes handed out before then get a short lease (rowWrites.ts, rowWriteLeaseEnd).
	 */
	adoptedAt?: number;
}

/**
 * One tick's Release with the row-write discipline around it: writes the rows now show are confirmed, contacts
 * with a write still to show are held, each released call's "Mark Dialling" becomes its row's sent write, and the
 * queued writes whose rows are free are handed out.
 */
export function releaseTick(
	state: CampaignState,
	contacts: readonly ContactInput[],
	now: number,
	settings: PacingSettings,
	tickOptions: TickOptions = {},
): TickRelease {
	const { rowNow = now, adoptedAt, ...options } = tickOptions;
	const s = cloneState(state);
	const lostWrites = confirmRowWrites(s, contacts, rowNow, adoptedAt);
	const pending = contactsWithPendingWrites(s);
	let lookingUp = options.lookingUp;
	if (pending.size) {
		const all = new Set(lookingUp ?? []);
		for (const key of pending) all.add(key);
		lookingUp = all;
	}
	const result = release(s, contacts, now, settings, {
		...options,
		...(lookingUp ? { lookingUp } : {}),
	});
	for (const r of result.released) {
		const markDialling = {
			contact: r.contact,
			attemptsToWrite: r.attempt,
			lastStatus: 'in-progress',
			lastAttemptAt: r.placedAt,
			nextRetryAt: null,
			final: false,
			refunded: false,
		};
		markRowWriteSent(result.state, markDialling, rowNow);
	}
	return { ...result, rowWrites: takeRowWrites(result.state, rowNow), lostWrites };
}
