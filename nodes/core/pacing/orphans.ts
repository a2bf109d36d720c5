/**
 * Calls placed as n8n stopped ("orphan rows").
 *
 * Release has each contact's row written ("Mark Dialling": attempts, lastStatus in-progress, lastAttemptAt) before
 * Connect Call runs, and the CallSid only after Exotel answered. If n8n stops in between (a crash, a restart, an
 * out-of-memory kill), that execution's state is never saved: the row says in-progress with no CallSid, and
 * nothing else knows whether the call was placed. Until the lease ends the row blocks its number (a call may be
 * live). After the lease any such call is over, and bulk Call Details (which leaves out ongoing calls) can tell:
 * calls from or to the contact's number created from the row's lastAttemptAt on.
 *   - found: its outcome is counted once and written to the row, like any reconciled call;
 *   - found but already counted (only the row write was lost), or placed before the dedupe horizon: the row is
 *     repaired from the call, nothing is counted;
 *   - not found: the request never left n8n; the attempt is given back (not-placed) and the number may be called
 *     again at once.
 * The same goes for a row that does carry a CallSid but still says in-progress after the lease while the state
 * no longer tracks that call (its outcome was counted, or it was placed before the dedupe horizon, and the row
 * write was lost): it is looked up by CallSid (100 per request) and its row repaired.
 * While an orphan waits for its lookup, Release holds it (the lookup's write-back and a new "Mark Dialling" must
 * not race for the same row). After abandonAfterMinutes it is no longer looked up and the normal rules apply.
 */
import type { NormalizedCall } from '../exotel/mapping';
import { toNational } from '../phone';
import { toEpochMs } from '../time';
import type { ContactInput, OutcomeInput, WriteBack } from './types';
import type { PacingSettings } from './settings';
import { leaseMs } from './settings';
import type { CampaignState } from './state';
import { categoryOf, isLiveStatus, normaliseStatus } from './statuses';
import { MAX_BULK_SIDS } from '../exotel/requests';
import { outcomeWriteBack, type OutcomeResult } from './outcomes';

/** Numbers per bulk Call Details request (Exotel's From/To filters take at most 5). */
export const ORPHAN_NUMBERS_PER_LOOKUP = 5;
/** A call created this long before the row's lastAttemptAt still belongs to it (clock skew, early sends). */
export const ORPHAN_EARLY_MS = 30_000;

export interface Orphan {
	/** Position in the contact list. */
	index: number;
	contact: string;
	circle: string;
	attempt: number;
	placedAt: number;
	/** The row's CallSid, when it has one (looked up by CallSid, not by number). */
	callSid?: string;
}

/** Rows showing a live call whose lease has ended, not tracked in the state, oldest first. */
export function findOrphans(
	state: CampaignState,
	contacts: readonly ContactInput[],
	now: number,
	settings: PacingSettings,
): Orphan[] {
	const lease = leaseMs(settings);
	const abandonMs = settings.abandonAfterMinutes * 60000;
	const tracked = new Set<string>();
	for (const f of state.inFlight) {
		tracked.add(f.contact);
		if (f.callSid) tracked.add(f.callSid);
	}
	const out: Orphan[] = [];
	for (let i = 0; i < contacts.length; i++) {
		const c = contacts[i];
		const at = c.lastAttemptAt;
		if (
			!c.key ||
			typeof at !== 'number' ||
			!Number.isFinite(at) ||
			at + lease > now ||
			at + abandonMs <= now
		)
			continue;
		if (!isLiveStatus(normaliseStatus(c.lastStatus)) || tracked.has(c.key)) continue;
		const sid = typeof c.lastCallSid === 'string' ? c.lastCallSid.trim() : '';
		if (sid && tracked.has(sid)) continue;
		const attempt = typeof c.attempts === 'number' && c.attempts > 0 ? Math.floor(c.attempts) : 1;
		const o: Orphan = {
			index: i,
			contact: c.key,
			circle: (c.circle ?? '').trim().toUpperCase(),
			attempt,
			placedAt: at,
		};
		if (sid) o.callSid = sid;
		out.push(o);
	}
	return out.sort((a, b) => a.placedAt - b.placedAt);
}

/**
 * One group of orphans looked up together: by CallSid (one request for up to 100), or by number (the same numbers
 * asked for as From and as To: two requests for up to 5).
 */
export interface OrphanLookup {
	orphans: Orphan[];
	/** Set for a lookup by CallSid. */
	callSids?: string[];
	/** Set for a lookup by number. */
	numbers?: string[];
	createdFrom: number;
	createdTo: number;
	/** Requests the lookup costs. */
	requests: number;
}

/** Groups orphans for lookups: those with a CallSid first (cheap), then by number, oldest first. */
export function planOrphanLookups(
	orphans: readonly Orphan[],
	settings: PacingSettings,
): OrphanLookup[] {
	const lease = leaseMs(settings);
	const range = (part: readonly Orphan[]) => ({
		createdFrom: Math.min(...part.map((o) => o.placedAt)) - ORPHAN_EARLY_MS,
		createdTo: Math.max(...part.map((o) => o.placedAt)) + lease,
	});
	const groups: OrphanLookup[] = [];
	const bySid = orphans.filter((o) => o.callSid);
	for (let i = 0; i < bySid.length; i += MAX_BULK_SIDS) {
		const part = bySid.slice(i, i + MAX_BULK_SIDS);
		groups.push({
			orphans: part,
			callSids: part.map((o) => o.callSid!),
			...range(part),
			requests: 1,
		});
	}
	const byNumber = orphans.filter((o) => !o.callSid);
	for (let i = 0; i < byNumber.length; i += ORPHAN_NUMBERS_PER_LOOKUP) {
		const part = byNumber.slice(i, i + ORPHAN_NUMBERS_PER_LOOKUP);
		groups.push({
			orphans: part,
			numbers: part.map((o) => o.contact),
			...range(part),
			requests: 2,
		});
	}
	return groups;
}

/**
 * The call that belongs to an orphan row: the one with its CallSid, or else the earliest one from or to its
 * number created since lastAttemptAt.
 */
export function matchOrphanCall(
	orphan: Orphan,
	calls: readonly NormalizedCall[],
	settings: PacingSettings,
): NormalizedCall | undefined {
	if (orphan.callSid) return calls.find((c) => c.callSid === orphan.callSid);
	const number = toNational(orphan.contact);
	const from = orphan.placedAt - ORPHAN_EARLY_MS;
	const to = orphan.placedAt + leaseMs(settings);
	let best: NormalizedCall | undefined;
	let bestAt = Infinity;
	for (const call of calls) {
		if (toNational(call.from) !== number && toNational(call.to) !== number) continue;
		const created = toEpochMs(call.dateCreated);
		if (created === null || created < from || created > to || created >= bestAt) continue;
		best = call;
		bestAt = created;
	}
	return best;
}

/**
 * What to feed recordOutcomes for one looked-up orphan: the call's outcome, or not-placed when Exotel has no call.
 * undefined = the call is (oddly) still live: look again later.
 */
export function orphanOutcome(
	orphan: Orphan,
	call: NormalizedCall | undefined,
): OutcomeInput | undefined {
	const base = {
		source: 'reconcile',
		contact: orphan.contact,
		circle: orphan.circle,
		attempt: orphan.attempt,
		releasedAt: orphan.placedAt,
	};
	// a CallSid Exotel did not return: nothing to conclude (the call exists; asked again next run)
	if (!call) return orphan.callSid ? undefined : { ...base, status: 'not-placed' };
	const status = normaliseStatus(call.status);
	if (!categoryOf(status)) return undefined;
	return {
		...base,
		callSid: call.callSid,
		status,
		at: toEpochMs(call.endTime ?? call.dateUpdated) ?? undefined,
		conversationDuration: call.conversationDuration,
	};
}

/**
 * The row to write for a looked-up orphan, from recordOutcomes' result. A call that was not placed may be called
 * again at once (nothing failed); a call recordOutcomes did not count (already counted, or placed before the
 * dedupe horizon) still gets its row repaired from what Exotel returned.
 */
export function orphanWriteBack(
	orphan: Orphan,
	outcome: OutcomeInput,
	result: OutcomeResult,
	now: number,
	settings: PacingSettings,
): WriteBack {
	if (result.writeBack) {
		return outcome.status === 'not-placed'
			? { ...result.writeBack, nextRetryAt: now }
			: result.writeBack;
	}
	return outcomeWriteBack(settings, {
		contact: orphan.contact,
		attempt: orphan.attempt,
		callSid: outcome.callSid ?? '',
		status: outcome.status,
		category: categoryOf(outcome.status) ?? 'other',
		placedAt: orphan.placedAt,
		at: outcome.at ?? orphan.placedAt,
		refunded: false,
	});
}

/** Plain words for what the lookup found (an execution hint of Release). */
export function orphanMessage(
	orphan: Orphan,
	outcome: OutcomeInput,
	result: OutcomeResult,
): string {
	if (outcome.status === 'not-placed')
		return 'n8n stopped before this call was placed (Exotel has no such call); the attempt is given back.';
	const lead = orphan.callSid
		? 'The row still showed this call in progress after its lease'
		: 'The call was placed as n8n stopped (the row had no CallSid)';
	if (result.action === 'counted') return `${lead}; Exotel reports ${outcome.status}: counted.`;
	return `${lead}; Exotel reports ${outcome.status}: the row is updated (not counted again).`;
}
