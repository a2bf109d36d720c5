/**
 * The pacing state of ONE campaign: types, creation, migration, cloning and pruning.
 *
 * WHAT IS (AND IS NOT) IN HERE
 * Per-contact history (attempts, last status, last attempt time, last CallSid, next retry time, refunded) lives
 * in the user's own contact source, e.g. a Google Sheet row, and is passed to Release every tick. The state holds
 * only what is needed across ticks and is bounded by in-flight calls and the health window, never by the number
 * of contacts:
 *   - inFlight: calls reserved by Release or placed and without outcome (<= maxInFlight, ~57 bytes each stored);
 *   - sendLog: planned send times of connect requests in the last 60 s (<= the dial limit per minute);
 *   - done: 6-character hashes of CallSids finished within the dedupe horizon (see dedupe.ts);
 *   - sendLog entries carry a 6-character hash of the contact key, not the key itself;
 *   - per circle: breaker, counters, the health window in 15 s buckets, run statistics, learnt normal mix,
 *     recent trip times;
 *   - minuteHistory: calls finished per minute in the last hour, for the dashboard's chart (one string, <= ~255 bytes, history.ts).
 *   - key: the random key Release signs correlation ids with (22 characters; ../correlation.ts).
 * At 190 calls/min with ~240 in flight and 22 circles it peaks at about 56 KiB of stored JSON (storage.ts; `npm run
 * bench`, test/pacing/stateSize.test.ts).
 *
 * WHY LOST WRITES ARE SAFE (n8n static data)
 * n8n keeps this state in the workflow's static data: each production execution loads the whole blob when it
 * starts and writes the whole blob back when it ends, last writer wins; manual runs never save. Two executions
 * that overlap therefore erase each other's changes. The state is designed so that every stored blob is a
 * consistent snapshot (an earlier state plus one execution's own events, applied in order), and every kind of
 * lost change is repaired later from something durable — the contact rows, Exotel's callbacks (which carry our
 * correlation id) or Exotel's Call Details — costing only re-work:
 *   1. Counters, the in-flight list and the finished-call memory live in the same blob. In every snapshot a call
 *      is either in flight and not counted, or finished and counted: an erased outcome leaves the call in flight,
 *      never half-counted, and nothing is ever counted twice within one snapshot's history.
 *   2. An erased outcome: the callback workflow also wrote it to the contact row, and the next Release folds the
 *      row's final status in (Release reads every row each tick). Failing that, reconciliation lists the call
 *      (callsToReconcile) and a bulk Call Details lookup counts it.
 *   3. An erased registration (Connect Call's answer): the status callback carries our correlation id, so an
 *      outcome for an unknown CallSid is still counted, once (the finished-call memory rejects repeats).
 *      Meanwhile the contact row (lastCallSid / lastAttemptAt / "in-progress", written right after Connect Call)
 *      keeps Release from dialling the number again, and Release re-registers a lastCallSid it does not know so
 *      the callback matches or reconciliation finds it; a row already showing a final status is counted from it.
 *   4. An erased send log: Release puts back every row whose lastAttemptAt lies in the last 60 s, so the
 *      60-second request limit still holds across lost writes.
 *   5. Duplicate and late reports: in flight -> matched by CallSid; finished within the dedupe horizon -> found
 *      in the finished-call memory; placed before the watermark -> treated as already counted.
 *   6. Settling: a new call overwrites the contact row, the only other record of the previous call. So Release
 *      dials a contact again only when the state it loaded has counted the previous call for settleSeconds
 *      (longer than any execution that writes the state, other than the serialised ticks): every execution still
 *      running then has loaded a state that includes the count, and none can erase it.
 * So a lost write costs a tick of delay or a Call Details lookup; it never counts a call twice, never lets a second
 * call go to a number while one is live, and never breaks the 60-second limit. What the engine cannot repair:
 * two Release executions running at the same time (each sees a stale blob and may release the same contact) —
 * keep ticks shorter than the schedule interval; and a contact row that was not updated after Connect Call.
 * The cheapest exact set-up is a single writer: the callback workflow writes only the contact row, and the tick
 * (Release + registration + reconciliation) is the only execution that changes this state.
 *
 * PURITY
 * Every exported function of the engine takes a state and returns a new one; the argument is never mutated
 * (functions clone first with cloneState, which copies all mutable parts). States are plain JSON.
 */
import type { PacingSettings } from './settings';
import { leaseMs, reconcileAfterMs } from './settings';
import { pruneDone } from './dedupe';
import { isCircleCode, UNKNOWN_CIRCLE } from '../circles';
import { cloneRows, migrateRows, type PendingRow } from './rowWrites';
import { cloneHistory, migrateHistory, pruneHistory, type StoredHistory } from './history';
import { isCampaignKey, newCampaignKey } from '../correlation';
import {
	BREAKER_KEYS,
	CALL_KEYS,
	CIRCLE_KEYS,
	COUNTER_KEYS,
	fromStored,
	fromStoredState,
} from './storage';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { floor, max } = Math;

/** Layout of the stored state (storage.ts): 2 stores calls in flight and the send log compactly. */
export const STATE_VERSION = 2 as const;
/** Stored layouts migrateState reads: version 1 is the layout before the compact calls and send log. */
const READABLE_VERSIONS: readonly unknown[] = [1, STATE_VERSION];
/** Longest pause reason kept (characters). */
export const MAX_PAUSE_REASON = 500;

export type BreakerMode = 'closed' | 'open' | 'half-open';

export interface BreakerState {
	/** closed: calls flow; open: no calls until `until`; half-open: only probe calls. */
	mode: BreakerMode;
	/** Time of the last transition. */
	since: number;
	/** While open: when it turns half-open. Otherwise 0. */
	until: number;
	/** Cooldown exponent: consecutive failed probe rounds (and quick re-trips). */
	cooldownLevel: number;
	/** Rule that last opened it ('' if never). */
	why: string;
	/** Probe calls released in this half-open phase. */
	probesReleased: number;
	/** Probe outcomes received in this half-open phase. */
	probeOutcomes: number;
	/** This round's probes that failed (or vanished), and that rang out (probes.ts). */
	probeFailed: number;
	probeRangOut: number;
	/** Calls placed before this time do not feed the health window (stragglers from an outage). */
	closedAt: number;
}

/** [bucket index = floor(t / bucket), completed, busy, noAnswer, failed, other] */
export type HealthBucket = [number, number, number, number, number, number];

/** Per-circle counters since the campaign started (or was reset). */
export interface CircleCounters {
	/** calls placed (known to have been placed) */
	attempted: number;
	completed: number;
	busy: number;
	noAnswer: number;
	failed: number;
	other: number;
	/** attempts refunded because the circle tripped */
	refunded: number;
}

export interface CircleState {
	breaker: BreakerState;
	/** Times the breaker opened (kept tripHistoryHours) — refunds are decided against these. */
	trips: number[];
	/**
	 * Per trip (parallel to trips): how far back before the trip the outage is estimated to have begun (ms) — the
	 * run tests' change point, or the fast rule's window; absent = the health window. Refunds use it.
	 */
	tripLookback?: number[];
	/** Run tests' change points: placement second of the first call of the current run [hard, silent]; 0 = none. */
	runStarts?: [number, number];
	/** Resolved outcomes in the health window. */
	healthWindow: HealthBucket[];
	/** CUSUM statistics [hard outage (failed), silent outage (no-answer)] — see runs.ts. */
	cusum: [number, number];
	/** Calls placed in the last minute or so, in placement order, waiting to feed the run tests (runs.ts). */
	runQueue: number[];
	/** How many leading runQueue entries the hard test has consumed. */
	hardConsumed: number;
	/** Failures held back from learning while failures run (health.ts, learnOrHold); absent = none. */
	heldFailures?: number;
	/** Learnt normal mix, exponentially decayed: [n, completed, noAnswer, failed, updatedAt]. */
	normalMix: [number, number, number, number, number];
	/** Allocation carry (deficit round robin). */
	carry: number;
	/** Backlog, allocation and weight at the last release (for stats). */
	backlog: number;
	allocated: number;
	/** Absent = 1 (not slowed): stored only when it says something, the state is kept under 64 KiB. */
	weight?: number;
	counters: CircleCounters;
}

export interface InFlightCall {
	/** Contact key. */
	contact: string;
	/** Circle. */
	circle: string;
	/** Attempt number of this call (1 = first call). */
	attempt: number;
	/** Planned send time, rounded up to the second: the call's reference time (lease, refunds, dedupe). */
	sendAt: number;
	/** CallSid; absent while the call is only reserved by Release. */
	callSid?: string;
	/** Next time reconciliation may ask Exotel about it; absent = sendAt + reconcileAfterSeconds (see nextCheck). */
	nextCheckAt?: number;
	/** Released as a half-open probe. */
	probe?: 1;
	/** The attempt number re-uses a refunded attempt. */
	reusesRefund?: 1;
	/**
	 * Recovered from the contact row (registration was lost): 1 = the row showed it live, 2 = the row showed a final
	 * status, which is not trusted (it may be the previous call's): only Exotel's answer counts it.
	 */
	recoveredFromRow?: 1 | 2;
	/** Reconciliation lookups that did not find the call. */
	lookupMisses?: number;
	/** Last time Exotel reported the call live (extends the lease; abandonment counts from here). */
	lastLiveAt?: number;
}

export interface Totals {
	/** Calls known to have been placed (registered, or first seen through an outcome). */
	attempted: number;
	completed: number;
	busy: number;
	noAnswer: number;
	failed: number;
	/** canceled or other terminal statuses */
	other: number;
	/** Attempts that did not count against the contact's maximum because their circle tripped. */
	refunded: number;
	/** Reports of calls already counted. */
	duplicatesIgnored: number;
	/** Reports of calls placed before the dedupe watermark and not in flight (treated as counted). */
	lateIgnored: number;
	/** Outcomes learnt through Call Details reconciliation. */
	reconciled: number;
	/** Calls re-registered or counted from contact rows after a lost write. */
	recovered: number;
	/** Calls given up after abandonAfterMinutes without any outcome (from placing, or Exotel's last "still live"). */
	abandoned: number;
	/** Connect Call requests that failed (no call placed). */
	notPlaced: number;
	/** Releases never confirmed by Connect Call within the lease. */
	expiredReservations: number;
	/** Reports that matched nothing of this campaign. */
	unmatched: number;
	/** Reports ignored as malformed or implausible: bad correlation fields, a release time out of range. */
	ignoredInvalid: number;
	/** Reports whose correlation id carries a signature that is not this campaign's (forged, or another copy's). */
	ignoredForged: number;
	/** Reports of calls this state does not know whose correlation id is unsigned: not counted on their word. */
	ignoredUnsigned: number;
	/** Live reports of unknown calls dropped because maxInFlight calls were already in flight. */
	ignoredUnknown: number;
}

export interface CampaignState {
	version: typeof STATE_VERSION;
	campaign: string;
	/**
	 * Random key Release signs its correlation ids with (../correlation.ts): a report can vouch for a call this state
	 * does not know only with it. Made with the state (and by Reset); a stored state without one gets one when loaded.
	 */
	key: string;
	createdAt: number;
	updatedAt: number;
	paused: boolean;
	pausedAt: number | null;
	/** Why the campaign was paused, when the package paused it (not the user): shown in holds and stats. */
	pausedBecause: string | null;
	/** No release before this time (Exotel answered 429). */
	rateLimitedUntil: number;
	/** Rate token bucket (calls), refilled at the rate per minute, capped at one tick (+1). */
	tokens: number;
	lastReleaseAt: number | null;
	/** [planned send time (ms), keyHash(contact key)], ascending; entries of the last 60 s and any planned later. */
	sendLog: Array<[number, string]>;
	/** Times of Call Details requests in the last 60 s. */
	reconcileLog: number[];
	inFlight: InFlightCall[];
	/** [minute in which they were counted, concatenated CallSid hashes] — see dedupe.ts. */
	done: Array<[number, string]>;
	/** Calls placed before this time that are not in flight count as already counted. Never moves back. */
	watermark: number;
	circles: Record<string, CircleState>;
	totals: Totals;
	/** Contact-row writes not yet seen in the sheet, per contact key (rowWrites.ts). Absent = none. */
	rows?: Record<string, PendingRow>;
	/** Calls finished per minute in the last hour, for the dashboard (history.ts). Absent = none. */
	minuteHistory?: StoredHistory;
}

/** A circle's counters before its first call (also what storage.ts leaves out when saving). */
export function emptyCounters(): CircleCounters {
	return { attempted: 0, completed: 0, busy: 0, noAnswer: 0, failed: 0, other: 0, refunded: 0 };
}

export function emptyTotals(): Totals {
	return {
		attempted: 0,
		completed: 0,
		busy: 0,
		noAnswer: 0,
		failed: 0,
		other: 0,
		refunded: 0,
		duplicatesIgnored: 0,
		lateIgnored: 0,
		reconciled: 0,
		recovered: 0,
		abandoned: 0,
		notPlaced: 0,
		expiredReservations: 0,
		unmatched: 0,
		ignoredInvalid: 0,
		ignoredForged: 0,
		ignoredUnsigned: 0,
		ignoredUnknown: 0,
	};
}

export function emptyCircle(now: number): CircleState {
	return {
		breaker: {
			mode: 'closed',
			since: now,
			until: 0,
			cooldownLevel: 0,
			why: '',
			probesReleased: 0,
			probeOutcomes: 0,
			probeFailed: 0,
			probeRangOut: 0,
			closedAt: 0,
		},
		trips: [],
		healthWindow: [],
		cusum: [0, 0],
		runQueue: [],
		hardConsumed: 0,
		normalMix: [0, 0, 0, 0, now],
		carry: 0,
		backlog: 0,
		allocated: 0,
		counters: emptyCounters(),
	};
}

export function createState(campaign: string, now: number): CampaignState {
	return {
		version: STATE_VERSION,
		campaign,
		key: newCampaignKey(),
		createdAt: now,
		updatedAt: now,
		paused: false,
		pausedAt: null,
		pausedBecause: null,
		rateLimitedUntil: 0,
		tokens: 0,
		lastReleaseAt: null,
		sendLog: [],
		reconcileLog: [],
		inFlight: [],
		done: [],
		watermark: 0,
		circles: {},
		totals: emptyTotals(),
	};
}

/** Deep copy of every mutable part (the state is plain JSON; this is faster than a JSON round trip). */
export function cloneState(s: CampaignState): CampaignState {
	const circles: Record<string, CircleState> = {};
	for (const [k, c] of Object.entries(s.circles)) {
		circles[k] = {
			breaker: { ...c.breaker },
			trips: c.trips.slice(),
			tripLookback: c.tripLookback ? c.tripLookback.slice() : undefined,
			runStarts: c.runStarts ? [c.runStarts[0], c.runStarts[1]] : undefined,
			healthWindow: c.healthWindow.map((b) => b.slice() as HealthBucket),
			cusum: [c.cusum[0], c.cusum[1]],
			runQueue: c.runQueue.slice(),
			hardConsumed: c.hardConsumed,
			heldFailures: c.heldFailures,
			normalMix: [c.normalMix[0], c.normalMix[1], c.normalMix[2], c.normalMix[3], c.normalMix[4]],
			carry: c.carry,
			backlog: c.backlog,
			allocated: c.allocated,
			weight: c.weight,
			counters: { ...c.counters },
		};
	}
	return {
		...s,
		// a state built by hand (not through createState / migrateState) gets its key here
		key: typeof s.key === 'string' && s.key ? s.key : newCampaignKey(),
		sendLog: s.sendLog.map((e) => [e[0], e[1]] as [number, string]),
		reconcileLog: s.reconcileLog.slice(),
		inFlight: s.inFlight.map((f) => ({ ...f })),
		done: s.done.map((d) => [d[0], d[1]] as [number, string]),
		circles,
		totals: { ...s.totals },
		rows: cloneRows(s.rows),
		minuteHistory: cloneHistory(s.minuteHistory),
	};
}

/** When reconciliation may first (or next) ask Exotel about a call. */
export function nextCheck(f: InFlightCall, settings: PacingSettings): number {
	return f.nextCheckAt ?? f.sendAt + reconcileAfterMs(settings);
}

/** Circle state, created on first use (mutates the owned state). */
export function circleOf(s: CampaignState, circle: string, now: number): CircleState {
	let c = s.circles[circle];
	if (!c) {
		c = emptyCircle(now);
		s.circles[circle] = c;
	}
	return c;
}

// ---- migration ----------------------------------------------------------------------------------------------

const isObj = (v: unknown): v is Record<string, unknown> =>
	typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const num = (v: unknown, d: number): number => (isNum(v) ? v : d);
/** A small whole count (probes.ts loops over it): damaged values read as 0, huge ones as 1,000. */
const count = (v: unknown): number => (isNum(v) && v > 0 ? Math.min(Math.floor(v), 1000) : 0);

function migrateCircle(stored: unknown, now: number): CircleState | null {
	if (!isObj(stored)) return null;
	const raw = fromStored(stored, CIRCLE_KEYS);
	if (!isObj(raw.breaker) || !isObj(raw.counters)) return null;
	const base = emptyCircle(now);
	const br = fromStored(raw.breaker, BREAKER_KEYS);
	const mode =
		br.mode === 'open' || br.mode === 'half-open' || br.mode === 'closed' ? br.mode : 'closed';
	const arrNum = (v: unknown, len: number): number[] | null =>
		Array.isArray(v) && v.length === len && v.every(isNum) ? (v as number[]) : null;
	const n = fromStored(raw.counters, COUNTER_KEYS);
	return {
		breaker: {
			mode,
			since: num(br.since, now),
			until: num(br.until, 0),
			cooldownLevel: num(br.cooldownLevel, 0),
			why: typeof br.why === 'string' ? br.why : '',
			probesReleased: num(br.probesReleased, 0),
			probeOutcomes: num(br.probeOutcomes, 0),
			probeFailed: count(br.probeFailed),
			probeRangOut: count(br.probeRangOut),
			closedAt: num(br.closedAt, 0),
		},
		trips: Array.isArray(raw.trips) ? raw.trips.filter(isNum) : [],
		tripLookback:
			Array.isArray(raw.tripLookback) &&
			Array.isArray(raw.trips) &&
			raw.tripLookback.length === raw.trips.length &&
			raw.tripLookback.every(isNum) &&
			raw.trips.every(isNum)
				? (raw.tripLookback as number[])
				: undefined,
		runStarts: (arrNum(raw.runStarts, 2) as [number, number] | null) ?? undefined,
		healthWindow: Array.isArray(raw.healthWindow)
			? (raw.healthWindow.filter((b) => arrNum(b, 6) !== null) as HealthBucket[])
			: [],
		cusum: (arrNum(raw.cusum, 2) as [number, number] | null) ?? base.cusum,
		runQueue:
			Array.isArray(raw.runQueue) && raw.runQueue.every(isNum) ? (raw.runQueue as number[]) : [],
		// an index into runQueue: a negative or fractional one made the run tests loop for good (test/pacing/fuzz.test.ts)
		hardConsumed:
			Array.isArray(raw.runQueue) && raw.runQueue.every(isNum) && isNum(raw.hardConsumed)
				? Math.max(0, Math.min(Math.floor(raw.hardConsumed), raw.runQueue.length))
				: 0,
		heldFailures:
			isNum(raw.heldFailures) && raw.heldFailures > 0 ? Math.floor(raw.heldFailures) : undefined,
		normalMix: (arrNum(raw.normalMix, 5) as CircleState['normalMix'] | null) ?? base.normalMix,
		carry: num(raw.carry, 0),
		backlog: num(raw.backlog, 0),
		allocated: num(raw.allocated, 0),
		weight: isNum(raw.weight) && raw.weight !== 1 ? raw.weight : undefined,
		counters: {
			attempted: num(n.attempted, 0),
			completed: num(n.completed, 0),
			busy: num(n.busy, 0),
			noAnswer: num(n.noAnswer, 0),
			failed: num(n.failed, 0),
			other: num(n.other, 0),
			refunded: num(n.refunded, 0),
		},
	};
}

/** The stored circles that can be used; the damaged ones are dropped, with one warning. */
function migrateCircles(
	raw: unknown,
	now: number,
	warnings: string[],
): Record<string, CircleState> {
	const circles: Record<string, CircleState> = {};
	const damaged: string[] = [];
	if (isObj(raw)) {
		for (const [k, v] of Object.entries(raw)) {
			const c = k === '__proto__' ? null : migrateCircle(v, now);
			if (c) circles[k] = c;
			else damaged.push(k);
		}
	} else if (raw !== undefined) warnings.push('Dropped damaged per-circle state.');
	if (damaged.length) {
		warnings.push(
			`Dropped the damaged state of ${damaged.length} circle(s) (${damaged.slice(0, 5).join(', ')}${damaged.length > 5 ? ', ...' : ''}).`,
		);
	}
	return circles;
}

/** The stored calls in flight that can be used; the damaged records are dropped, with one warning. */
function migrateInFlight(raw: unknown, warnings: string[]): InFlightCall[] {
	const inFlight: InFlightCall[] = [];
	let damaged = 0;
	if (Array.isArray(raw)) {
		for (const stored of raw) {
			const f = isObj(stored) ? fromStored(stored, CALL_KEYS) : undefined;
			if (
				f &&
				typeof f.contact === 'string' &&
				typeof f.circle === 'string' &&
				isNum(f.attempt) &&
				isNum(f.sendAt)
			) {
				const call: InFlightCall = {
					contact: f.contact,
					circle: f.circle,
					attempt: f.attempt,
					sendAt: f.sendAt,
				};
				if (isNum(f.nextCheckAt)) call.nextCheckAt = f.nextCheckAt;
				if (typeof f.callSid === 'string' && f.callSid) call.callSid = f.callSid;
				if (f.probe === 1) call.probe = 1;
				if (f.reusesRefund === 1) call.reusesRefund = 1;
				if (f.recoveredFromRow === 1 || f.recoveredFromRow === 2)
					call.recoveredFromRow = f.recoveredFromRow;
				if (isNum(f.lookupMisses)) call.lookupMisses = f.lookupMisses;
				if (isNum(f.lastLiveAt)) call.lastLiveAt = f.lastLiveAt;
				inFlight.push(call);
			} else damaged++;
		}
	}
	if (damaged) warnings.push(`Dropped ${damaged} damaged in-flight call record(s).`);
	return inFlight;
}

/** The stored campaign counters; a missing one is 0. */
function migrateTotals(raw: unknown, warnings: string[]): Totals {
	const totals = emptyTotals();
	if (isObj(raw)) {
		// a count below zero is damage, and would show as such on every dashboard (test/pacing/fuzz.test.ts)
		let negative = 0;
		for (const k of Object.keys(totals) as Array<keyof Totals>) {
			const v = num(raw[k], 0);
			if (v < 0) negative++;
			totals[k] = v < 0 ? 0 : v;
		}
		if (negative) warnings.push(`Reset ${negative} negative campaign counter(s) to 0.`);
	}
	return totals;
}

/** A stored log of `[time, text]` entries (sendLog, done), without the damaged ones. */
function timedEntries(raw: unknown): Array<[number, string]> {
	if (!Array.isArray(raw)) return [];
	return raw.filter((e) => Array.isArray(e) && isNum(e[0]) && typeof e[1] === 'string') as Array<
		[number, string]
	>;
}

/**
 * Turns whatever was stored (possibly nothing, an older version, or something corrupt) into a usable state.
 * Nothing stored -> a fresh state, no warning. Unknown version or unusable shape -> a fresh state and a warning
 * (the campaign's counters restart; per-contact history is safe in the contact source). Missing or damaged
 * parts of a version-1 or version-2 state are repaired field by field, with a warning.
 */
export function migrateState(
	stored: unknown,
	campaign: string,
	now: number,
): { state: CampaignState; warnings: string[]; discarded: boolean } {
	if (stored === undefined || stored === null)
		return { state: createState(campaign, now), warnings: [], discarded: false };
	if (!isObj(stored)) {
		return {
			state: createState(campaign, now),
			discarded: true,
			warnings: [
				`The stored pacing state of campaign "${campaign}" was not an object; started a fresh state.`,
			],
		};
	}
	const raw = fromStoredState(stored);
	if (!READABLE_VERSIONS.includes(raw.version)) {
		return {
			state: createState(campaign, now),
			discarded: true,
			warnings: [
				`The stored pacing state of campaign "${campaign}" has version ${JSON.stringify(raw.version)}, this package understands versions ${READABLE_VERSIONS.join(' and ')}; started a fresh state (counters restart, contact history in your sheet is kept).`,
			],
		};
	}
	// one warning per kind of damage, not one per record
	const warnings: string[] = [];
	const fresh = createState(campaign, now);
	const circles = migrateCircles(raw.circles, now, warnings);
	const inFlight = migrateInFlight(raw.inFlight, warnings);
	if (raw.key !== undefined && !isCampaignKey(raw.key)) {
		warnings.push(
			'The stored signing key of the campaign was damaged; made a new one. Status callbacks of the calls placed before are not counted on their word: reconciliation (Call Details) counts them.',
		);
	}
	if (raw.campaign !== campaign) {
		warnings.push(
			`The stored pacing state of campaign "${campaign}" named another campaign (${JSON.stringify(raw.campaign)?.slice(0, 60)}); it now names "${campaign}".`,
		);
	}
	const totals = migrateTotals(raw.totals, warnings);
	const state: CampaignState = {
		...fresh,
		// the caller's name: Release writes it into every correlation id and reports are matched against it
		campaign,
		// a state saved before keys existed gets one (fresh's): its calls' correlation ids are unsigned (x1)
		key: isCampaignKey(raw.key) ? raw.key : fresh.key,
		createdAt: num(raw.createdAt, now),
		updatedAt: num(raw.updatedAt, now),
		paused: raw.paused === true,
		pausedAt: isNum(raw.pausedAt) ? raw.pausedAt : null,
		pausedBecause:
			raw.paused === true && typeof raw.pausedBecause === 'string'
				? raw.pausedBecause.slice(0, MAX_PAUSE_REASON)
				: null,
		rateLimitedUntil: num(raw.rateLimitedUntil, 0),
		tokens: num(raw.tokens, 0),
		lastReleaseAt: isNum(raw.lastReleaseAt) ? raw.lastReleaseAt : null,
		sendLog: timedEntries(raw.sendLog),
		reconcileLog: Array.isArray(raw.reconcileLog) ? raw.reconcileLog.filter(isNum) : [],
		inFlight,
		done: timedEntries(raw.done),
		watermark: num(raw.watermark, 0),
		circles,
		totals,
	};
	const rows = migrateRows(raw.rows);
	if (Object.keys(rows).length) state.rows = rows;
	const mh = migrateHistory(raw.minuteHistory);
	if (mh) state.minuteHistory = mh;
	state.sendLog.sort((a, b) => a[0] - b[0]);
	state.reconcileLog.sort((a, b) => a - b);
	state.done.sort((a, b) => a[0] - b[0]);
	return { state, warnings, discarded: false };
}

// ---- pruning ------------------------------------------------------------------------------------------------

/**
 * Housekeeping on an OWNED (already cloned) state: drops log entries older than 60 s, finished-call buckets
 * before the watermark, health buckets out of the window, old trip times; expires reservations that Connect Call
 * never confirmed and abandons calls without any outcome after abandonAfterMinutes.
 */
export function pruneInPlace(s: CampaignState, now: number, settings: PacingSettings): void {
	const from = now - 60000;
	if (s.sendLog.length && s.sendLog[0][0] <= from) {
		let i = 0;
		while (i < s.sendLog.length && s.sendLog[i][0] <= from) i++;
		s.sendLog = s.sendLog.slice(i);
	}
	if (s.reconcileLog.length && s.reconcileLog[0] <= from)
		s.reconcileLog = s.reconcileLog.filter((t) => t > from);

	s.watermark = max(s.watermark, now - settings.dedupeHorizonMinutes * 60000);
	pruneDone(s);

	const bucketMs = settings.healthBucketSeconds * 1000;
	const minBucket = floor((now - settings.healthWindowSeconds * 1000) / bucketMs);
	const tripFrom = now - settings.tripHistoryHours * 3600000;
	for (const c of Object.values(s.circles)) {
		if (c.healthWindow.length && c.healthWindow[0][0] <= minBucket)
			c.healthWindow = c.healthWindow.filter((b) => b[0] > minBucket);
		if (c.trips.length && c.trips[0] < tripFrom) {
			const keep = c.trips.map((t) => t >= tripFrom);
			if (c.tripLookback && c.tripLookback.length === c.trips.length)
				c.tripLookback = c.tripLookback.filter((_, i) => keep[i]);
			else c.tripLookback = undefined;
			c.trips = c.trips.filter((_, i) => keep[i]);
		}
	}

	pruneHistory(s, now);
	pruneForeignCircles(s);

	const lease = leaseMs(settings);
	const abandonMs = settings.abandonAfterMinutes * 60000;
	let changed = false;
	const kept: InFlightCall[] = [];
	for (const f of s.inFlight) {
		if (!f.callSid && now > f.sendAt + lease) {
			s.totals.expiredReservations++;
			changed = true;
		} else if (f.callSid && now > max(f.sendAt, f.lastLiveAt ?? 0) + abandonMs) {
			s.totals.abandoned++;
			changed = true;
		} else kept.push(f);
	}
	if (changed) s.inFlight = kept;
}

/**
 * Drops circles that are neither a known code nor UNKNOWN_CIRCLE (kept by versions that made a circle of any text,
 * circles.ts) once no call in flight refers to them; the totals keep their counts.
 */
function pruneForeignCircles(s: CampaignState): void {
	let foreign: string[] | undefined;
	for (const name of Object.keys(s.circles)) {
		if (name !== UNKNOWN_CIRCLE && !isCircleCode(name)) (foreign ??= []).push(name);
	}
	if (!foreign) return;
	const used = new Set<string>();
	for (const f of s.inFlight) used.add(f.circle);
	for (const name of foreign) if (!used.has(name)) delete s.circles[name];
}

/** Pure wrapper: a pruned copy. */
export function pruneState(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): CampaignState {
	const s = cloneState(state);
	pruneInPlace(s, now, settings);
	return s;
}
