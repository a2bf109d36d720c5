/**
 * Release, repair from rows: what a lost write erased from the state, put back from the contact rows (the sheet
 * is durable). Rows are read during the contact pass (scan.ts); the repairs are applied once it is over.
 */
import type { ContactInput, OutcomeInput } from '../types';
import type { PacingSettings } from '../settings';
import { leaseMs, reconcileAfterMs } from '../settings';
import type { CampaignState, InFlightCall } from '../state';
import { circleOf } from '../state';
import { keyHash, sidHash } from '../dedupe';
import { categoryOf } from '../statuses';
import { FUTURE_SKEW_MS, recordOutcomes } from '../outcomes';
import type { BreakerTransition } from '../breaker';
import { cachedStatus, normaliseCircle, type EligibilityContext } from '../eligibility';

/** What the rows read so far showed the state had lost. */
export interface RowRepairs {
	/** Contact-key hashes in the send log, including the entries restored. */
	logKeys: Set<string>;
	/** Send-log entries restored ([sendAt, key hash]). */
	restoredLog: Array<[number, string]>;
	/** Final statuses of calls the state still has in flight, to fold in with recordOutcomes. */
	folds: OutcomeInput[];
	/** Calls re-registered or counted from rows. */
	recovered: number;
}

export function startRowRepairs(s: CampaignState): RowRepairs {
	const logKeys = new Set<string>();
	for (const e of s.sendLog) logKeys.add(e[1]);
	return { logKeys, restoredLog: [], folds: [], recovered: 0 };
}

const isFiniteNumber = Number.isFinite;
const isTime = (v: unknown): v is number => typeof v === 'number' && isFiniteNumber(v);

/** Only rows with a CallSid or a call placed since `recentFrom` can show something lost (a cheap pre-check). */
export function mayNeedRepair(c: ContactInput, recentFrom: number): boolean {
	return c.lastCallSid !== undefined || (isTime(c.lastAttemptAt) && c.lastAttemptAt > recentFrom);
}

/**
 * Repairs, from one contact row, what a lost write may have erased (owned state):
 *  - a call placed in the last 60 s missing from the send log is put back (the 60 s limit must hold);
 *  - the row shows the final status of a call the state still has in flight (its callback, or the write that
 *    recorded it, was lost): the outcome is folded in from the row;
 *  - the row shows a CallSid the state does not know at all (its registration was lost): a final status is
 *    counted from the row, a live one is registered so the callback matches or reconciliation finds it.
 * Rows whose call was placed before the dedupe watermark are left alone (treated as counted).
 */
export function repairFromRow(
	s: CampaignState,
	ctx: EligibilityContext,
	c: ContactInput,
	repairs: RowRepairs,
	settings: PacingSettings,
): void {
	const key = c.key;
	if (typeof key !== 'string' || key === '') return;
	const status = cachedStatus(ctx, c.lastStatus);
	if (status === 'not-placed') return;
	const now = ctx.now;
	// Release plans sends at most a tick ahead: a later time is garbled or forged, and a send-log entry or a call
	// kept from it would hold the rate budget or stay in flight for good (test/pacing/fuzz.test.ts)
	const latest = now + settings.tickSeconds * 1000 + FUTURE_SKEW_MS;
	const at = isTime(c.lastAttemptAt) && c.lastAttemptAt <= latest ? c.lastAttemptAt : null;
	if (at !== null && at > now - 60000) {
		const kh = keyHash(key);
		if (!repairs.logKeys.has(kh)) {
			repairs.logKeys.add(kh);
			repairs.restoredLog.push([at, kh]);
		}
	}
	const sid = c.lastCallSid;
	if (typeof sid !== 'string' || sid === '') return;
	const cat = categoryOf(status);
	const placedAt = ctx.liveSids.get(sid);
	if (placedAt !== undefined) {
		// Only an outcome written for this very call: a late write of the previous call's outcome can land after
		// "Mark Dialling", and the registration then adds this call's CallSid next to that older status. Outcome
		// writes carry the call's lastAttemptAt (to the second); otherwise reconciliation will ask Exotel.
		if (!cat || at === null || !(Math.abs(at - placedAt) < 1000)) return;
		repairs.folds.push({ callSid: sid, status, source: 'sheet' });
		repairs.recovered++;
		return;
	}
	if (at === null || at < s.watermark || ctx.done.has(sidHash(sid))) return;
	const circle = normaliseCircle(ctx, c.circle);
	const attempts = typeof c.attempts === 'number' && c.attempts > 0 ? Math.floor(c.attempts) : 1;
	// A CallSid this state never registered nor counted. Even with a final status the row is not proof of this
	// call's outcome: a late write of the previous call's outcome can land after "Mark Dialling", and the
	// registration then puts this call's CallSid next to that older status. So track it like a live call: the
	// callback matches it, or reconciliation asks Exotel (at once when the row says the call is over).
	const call: InFlightCall = {
		contact: key,
		circle: circle,
		attempt: attempts,
		sendAt: at,
		callSid: sid,
		recoveredFromRow: cat ? 2 : 1,
	};
	if (cat || at + reconcileAfterMs(settings) < now) call.nextCheckAt = now;
	s.inFlight.push(call);
	s.totals.attempted++;
	s.totals.recovered++;
	if (circle) circleOf(s, circle, now).counters.attempted++;
	ctx.liveSids.set(sid, cat ? NaN : at);
	const end = at + leaseMs(settings);
	ctx.liveByContact.set(key, Math.max(end, ctx.liveByContact.get(key) ?? 0));
	repairs.recovered++;
}

/**
 * Puts the repairs into the state once every row is read: restored send-log entries, and the outcomes found in
 * rows (recordOutcomes returns a new state, which is returned here; it may trip breakers).
 */
export function applyRowRepairs(
	s: CampaignState,
	repairs: RowRepairs,
	now: number,
	settings: PacingSettings,
	warnings: string[],
	transitions: BreakerTransition[],
): CampaignState {
	const restored = repairs.restoredLog;
	if (restored.length) {
		s.sendLog = s.sendLog.concat(restored).sort((a, b) => a[0] - b[0]);
		warnings.push(
			`${restored.length} recent call(s) missing from the send log were restored from contact rows (a lost write).`,
		);
	}
	if (repairs.recovered)
		warnings.push(
			`${repairs.recovered} call(s) or outcome(s) the state had lost were recovered from contact rows.`,
		);
	if (!repairs.folds.length) return s;
	const folded = recordOutcomes(s, repairs.folds, now, settings);
	transitions.push(...folded.transitions);
	warnings.push(...folded.warnings);
	return folded.state;
}
