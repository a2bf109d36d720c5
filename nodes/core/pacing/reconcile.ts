/**
 * Reconciliation: finding outcomes that never arrived (lost callbacks, or lost writes of recorded ones).
 *
 * A placed call with no outcome `reconcileAfterSeconds` after it was placed (default 180 s; null = the full lease
 * = ring timeout + max call length + slack) is due for a lookup. callsToReconcile lists the most overdue ones, up to 100 — the
 * size of one bulk Call Details request (`GET /Calls?Sid=a,b,c`) — and says how many such requests the
 * reserve (reserveForReconciliation per sliding minute) still allows. After sending the request, call
 * markReconcileRequested (logs the request against the reserve and pushes those calls' next check back by
 * reconcileRecheckSeconds, so an unanswered or lost lookup is retried later, not in a loop). Feed the answer to
 * recordOutcomes with source 'reconcile': terminal statuses count, live ones extend the lease, and CallSids Exotel
 * did not return should be reported as status 'not-found' (abandoned after a few misses past the lease).
 * Reservations without a CallSid cannot be looked up; they expire after the lease.
 */
import type { PacingSettings } from './settings';
import type { CampaignState } from './state';
import { cloneState, nextCheck } from './state';
import { countInWindow, MINUTE_MS } from './guards';

/** Kept back for reconciliation beyond what it needs soon: covers a lookup nobody predicted (a callback outage). */
export const RESERVE_MARGIN = 2;

/**
 * How many requests per sliding minute dialling leaves to reconciliation right now: what the Call Details lookups
 * due in the next minute (and a tick) would need — one request per tick with something due — plus a small margin,
 * never more than reserveForReconciliation. The rest of the reserve (at most 4% of the account limit) is lent to
 * dialling. The account limit still
 * holds in every 60 s window: Release plans dial times against dial + Call Details requests together, and
 * callsToReconcile sends a lookup only if no 60 s window containing it would exceed the account limit.
 */
export function reconcileHoldBack(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): number {
	const reserve = settings.reserveForReconciliation;
	// Lend at most 4% of the account limit (8 of 200): on a small account one lookup is a large share of it.
	const floorHold = Math.max(0, reserve - Math.floor(settings.accountLimitPerMinute / 25));
	if (reserve <= RESERVE_MARGIN || floorHold >= reserve) return reserve;
	const tickMs = settings.tickSeconds * 1000;
	const horizon = now + MINUTE_MS + tickMs;
	let buckets = 0;
	const seen = new Uint8Array(64); // tick buckets with a lookup due
	for (const f of state.inFlight) {
		if (!f.callSid) continue;
		const due = nextCheck(f, settings);
		if (due > horizon) continue;
		const b = Math.min(63, Math.max(0, Math.floor((due - now) / tickMs)));
		if (seen[b] === 0) {
			seen[b] = 1;
			buckets++;
			if (buckets + RESERVE_MARGIN >= reserve) return reserve;
		}
	}
	return Math.max(floorHold, Math.min(reserve, buckets + RESERVE_MARGIN));
}

/** Requests per sliding minute dialling may use right now (account limit minus what reconciliation keeps). */
export function dialWindowLimit(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): number {
	return settings.accountLimitPerMinute - reconcileHoldBack(state, now, settings);
}

/** Dial and Call Details request times together, ascending (the account limit counts both). */
export function combinedRequestTimes(state: CampaignState): number[] {
	const a = state.sendLog;
	const b = state.reconcileLog;
	const out: number[] = new Array(a.length + b.length);
	let i = 0;
	let j = 0;
	let k = 0;
	while (i < a.length || j < b.length) {
		if (j >= b.length || (i < a.length && a[i][0] <= b[j])) out[k++] = a[i++][0];
		else out[k++] = b[j++];
	}
	return out;
}

/** The most requests (dial + Call Details) in any 60 s window that contains `now` (planned sends included). */
function busiestWindowAround(times: readonly number[], now: number): number {
	let best = countInWindow(times, now);
	for (const t of times)
		if (t > now && t < now + MINUTE_MS) best = Math.max(best, countInWindow(times, t));
	return best;
}

export interface ReconcileItem {
	callSid: string;
	contact: string;
	circle: string;
	attempt: number;
	placedAt: number;
	/** How long past its due time (seconds). */
	overdueSeconds: number;
	/** Re-registered from a contact row after a lost write. */
	recovered: boolean;
}

export interface ReconcilePlan {
	/** CallSids for one bulk Call Details request (empty when nothing is due or the reserve is used up). */
	callSids: string[];
	items: ReconcileItem[];
	/** Calls due for a lookup in total. */
	due: number;
	/** Call Details requests the reserve still allows in the sliding minute (before this one). */
	requestsAvailable: number;
	/** When the reserve is used up: when the next request is allowed. */
	nextRequestAt: number | null;
}

/** The Call Details requests logged up to now (ascending), and how many more the reserve and the account allow. */
function lookupBudget(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): { log: number[]; byReserve: number; available: number } {
	const log = state.reconcileLog.filter((t) => t <= now).sort((a, b) => a - b);
	const byReserve = Math.max(0, settings.reserveForReconciliation - countInWindow(log, now));
	// dialling may have borrowed the unused reserve: the account limit must hold in every window containing now
	const byAccount = Math.max(
		0,
		settings.accountLimitPerMinute - busiestWindowAround(combinedRequestTimes(state), now),
	);
	return { log, byReserve, available: Math.min(byReserve, byAccount) };
}

/** Call Details requests the reserve (and the account limit) allow right now. */
export function lookupRequestsAvailable(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): number {
	return lookupBudget(state, now, settings).available;
}

export function callsToReconcile(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
	max = 100,
): ReconcilePlan {
	const limit = Math.max(0, Math.min(100, Math.floor(max)));
	const due = state.inFlight
		.filter((f) => f.callSid && nextCheck(f, settings) <= now)
		.sort((a, b) => nextCheck(a, settings) - nextCheck(b, settings) || a.sendAt - b.sendAt);
	const { log, byReserve, available: requestsAvailable } = lookupBudget(state, now, settings);
	let nextRequestAt: number | null = null;
	if (requestsAvailable === 0 && due.length) {
		if (byReserve === 0) {
			const inWindow = log.filter((t) => t > now - 60000);
			const k = inWindow.length - settings.reserveForReconciliation;
			nextRequestAt = inWindow.length ? inWindow[Math.max(0, k)] + 60000 : now;
		} else nextRequestAt = now + settings.tickSeconds * 1000; // the next tick keeps room for it
	}
	const take = requestsAvailable > 0 ? due.slice(0, limit) : [];
	return {
		callSids: take.map((f) => f.callSid!),
		items: take.map((f) => ({
			callSid: f.callSid!,
			contact: f.contact,
			circle: f.circle,
			attempt: f.attempt,
			placedAt: f.sendAt,
			overdueSeconds: Math.round((now - nextCheck(f, settings)) / 1000),
			recovered: f.recoveredFromRow !== undefined,
		})),
		due: due.length,
		requestsAvailable,
		nextRequestAt,
	};
}

/** Logs one Call Details request for `callSids` and defers their next check. */
export function markReconcileRequested(
	state: CampaignState,
	callSids: readonly string[],
	now: number,
	settings: PacingSettings,
): CampaignState {
	const s = cloneState(state);
	s.reconcileLog.push(now);
	s.reconcileLog.sort((a, b) => a - b);
	const set = new Set(callSids);
	const next = now + settings.reconcileRecheckSeconds * 1000;
	for (const f of s.inFlight)
		if (f.callSid && set.has(f.callSid)) f.nextCheckAt = Math.max(nextCheck(f, settings), next);
	s.updatedAt = now;
	return s;
}
