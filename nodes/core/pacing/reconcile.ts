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
import { countInWindow } from './guards';

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

export function callsToReconcile(state: CampaignState, now: number, settings: PacingSettings, max = 100): ReconcilePlan {
	const limit = Math.max(0, Math.min(100, Math.floor(max)));
	const due = state.inFlight
		.filter((f) => f.s && nextCheck(f, settings) <= now)
		.sort((a, b) => nextCheck(a, settings) - nextCheck(b, settings) || a.r - b.r);
	const log = state.reconcileLog.filter((t) => t <= now).sort((a, b) => a - b);
	const used = countInWindow(log, now);
	const requestsAvailable = Math.max(0, settings.reserveForReconciliation - used);
	let nextRequestAt: number | null = null;
	if (requestsAvailable === 0 && due.length) {
		const inWindow = log.filter((t) => t > now - 60000);
		const k = inWindow.length - settings.reserveForReconciliation;
		nextRequestAt = inWindow.length ? inWindow[Math.max(0, k)] + 60000 : now;
	}
	const take = requestsAvailable > 0 ? due.slice(0, limit) : [];
	return {
		callSids: take.map((f) => f.s!),
		items: take.map((f) => ({
			callSid: f.s!,
			contact: f.c,
			circle: f.ci,
			attempt: f.a,
			placedAt: f.r,
			overdueSeconds: Math.round((now - nextCheck(f, settings)) / 1000),
			recovered: f.rc === 1,
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
	for (const f of s.inFlight) if (f.s && set.has(f.s)) f.n = Math.max(nextCheck(f, settings), next);
	s.updatedAt = now;
	return s;
}
