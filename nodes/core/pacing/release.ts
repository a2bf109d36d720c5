/**
 * Release: which contacts to call this tick, in what order, and when to send each request.
 *
 *   1. Housekeeping; open breakers whose cooldown is over turn half-open.
 *   2. One pass over the contact list (no sorting): recover calls the state lost (rows whose lastCallSid it does
 *      not know, rows missing from the 60 s send log), classify each contact (eligibility.ts) and bucket the
 *      eligible ones by circle, in list order.
 *   3. Budget = min(rate tokens, in-flight headroom, eligible capacity); the 60 s guard then plans that many send
 *      times spread evenly over the tick (clipped at the window's close) and drops any that would exceed the
 *      limit in some 60 s window.
 *   4. The budget is split across circles (allocation.ts); within each circle first calls (contacts with no counted
 *      attempt) are taken before due retries, each group in list order; the calls are interleaved so each
 *      circle's calls spread over the tick, and each gets its send time.
 *   5. Every released call is reserved in the state (blocks the contact, counts towards the in-flight cap) and
 *      logged in the send log. Connect Call's answer later registers the CallSid through recordOutcomes.
 *
 * The dispatcher MUST NOT send a request before its `sendAt` (sending later is safe only by the margin of the
 * reconciliation reserve). Cost: one cheap check per contact; ~5-10 ms for 100k contacts.
 */
import { encodeCorrelation, type Correlation } from '../correlation';
import type { ContactInput, OutcomeInput } from './types';
import type { PacingSettings } from './settings';
import { leaseMs, reconcileAfterMs } from './settings';
import { combinedRequestTimes, dialWindowLimit } from './reconcile';
import type { CampaignState, CircleState, InFlightCall } from './state';
import { circleOf, cloneState, pruneInPlace } from './state';
import { windowAt } from './window';
import { DoneSet, keyHash, sidHash } from './dedupe';
import { categoryOf } from './statuses';
import { FUTURE_SKEW_MS, recordOutcomes } from './outcomes';
import {
	buildEligibilityContext,
	cachedStatus,
	classify,
	HOLD_REASONS,
	holdMessage,
	holdRetryAt,
	normaliseCircle,
	type EligibilityContext,
	type HoldReason,
} from './eligibility';
import { countInWindow, inFlightHeadroom, planSendTimes, refillTokens } from './guards';
import { circleWeight, globalRateFactor, healthPicture } from './health';
import { advanceBreaker, evaluateTrip, openBreaker, probeSlots, settleVanishedProbes, type BreakerTransition } from './breaker';
import { enqueueCall, matureRuns } from './runs';
import { allocate, interleave, type Demand } from './allocation';

export interface ReleaseOptions {
	/** Also return a hold decision (reason, plain words, retryAt) for every contact not released. Slower. */
	includeHeld?: boolean;
	/** Release at most this many calls this tick. */
	maxRelease?: number;
	/** With includeHeld: build decisions for at most this many held contacts (the counts cover all). */
	heldLimit?: number;
	/** Contacts held this tick because the outcome of a call placed as n8n stopped is being looked up (orphans.ts). */
	lookingUp?: ReadonlySet<string>;
}

export interface ReleasedCall {
	/** Position of the contact in the input list. */
	index: number;
	contact: string;
	circle: string;
	/** Attempt number of this call (write it back as `attempts` once Connect Call succeeds). */
	attempt: number;
	decision: 'dial';
	reason: 'dial' | 'probe';
	message: string;
	/** When Release ran. */
	releasedAt: number;
	/** Planned send time: do not send the connect request earlier. */
	sendAt: number;
	/** sendAt - releasedAt. */
	delayMs: number;
	/** The call's reference time (sendAt rounded up to the second): write it back as lastAttemptAt. */
	placedAt: number;
	/** No outcome by then = suspicious (reconciliation); the row blocks a re-dial until then. */
	leaseUntil: number;
	/** encodeCorrelation(correlation): pass as Exotel's CustomField. */
	customField: string;
	correlation: Correlation;
	/** A test call into a half-open circle. */
	probe: boolean;
	/** This call re-uses the number of an attempt refunded after an outage. */
	refunded: boolean;
}

export interface HeldContact {
	index: number;
	contact: string;
	circle: string;
	decision: 'hold';
	reason: HoldReason;
	message: string;
	retryAt?: number;
}

export type LimitedBy = 'rate' | 'sixty_second_limit' | 'in_flight' | 'backlog' | 'rate_limited' | 'max_release' | 'none';

export interface ReleaseBudget {
	/** Rate after completion steering (calls/min). */
	ratePerMinute: number;
	/** Global completion factor applied to the rate (1 = none). */
	rateFactor: number;
	/** Token bucket before this release. */
	tokens: number;
	/** Requests allowed in any 60 s window, and how many the log holds in the window ending now (incl. planned). */
	windowLimit: number;
	requestsInWindow: number;
	inFlight: number;
	inFlightHeadroom: number;
	/** Contacts eligible now, and how many of them may go (probe slots for half-open circles). */
	eligible: number;
	capacity: number;
	released: number;
	/** The send times span this long (ms). */
	spanMs: number;
	limitedBy: LimitedBy;
}

export interface ReleaseResult {
	state: CampaignState;
	released: ReleasedCall[];
	/** Count of held contacts per reason. */
	held: Record<HoldReason, number>;
	/** Per-contact hold decisions (only with includeHeld). */
	holds: HeldContact[];
	budget: ReleaseBudget;
	transitions: BreakerTransition[];
	/** Calls re-registered or counted from contact rows (lost writes repaired). */
	recovered: number;
	warnings: string[];
}

const REASON_CODE: Record<HoldReason, number> = Object.fromEntries(HOLD_REASONS.map((r, i) => [r, i + 1])) as Record<
	HoldReason,
	number
>;

const isFiniteNumber = Number.isFinite;

/** Reused per-contact scratch (never observable: filled before use on every call). */
let marks = new Int32Array(1024);
function scratchMarks(n: number): Int32Array {
	if (marks.length < n) marks = new Int32Array(Math.max(n, marks.length * 2));
	return marks;
}
/** Per contact: 1 = eligible first call (no counted attempt), 0 = eligible retry. Same reuse rule as marks. */
let freshMarks = new Uint8Array(1024);
function scratchFresh(n: number): Uint8Array {
	if (freshMarks.length < n) freshMarks = new Uint8Array(Math.max(n, freshMarks.length * 2));
	return freshMarks;
}
const isTime = (v: unknown): v is number => typeof v === 'number' && isFiniteNumber(v);

/**
 * Repairs, from one contact row, what a lost write may have erased (owned state):
 *  - a call placed in the last 60 s missing from the send log is put back (the 60 s limit must hold);
 *  - the row shows the final status of a call the state still has in flight (its callback, or the write that
 *    recorded it, was lost): the outcome is folded in from the row;
 *  - the row shows a CallSid the state does not know at all (its registration was lost): a final status is
 *    counted from the row, a live one is registered so the callback matches or reconciliation finds it.
 * Rows whose call was placed before the dedupe watermark are left alone (treated as counted).
 */
function repairFromRow(
	s: CampaignState,
	ctx: EligibilityContext,
	c: ContactInput,
	logKeys: Set<string>,
	addedLog: Array<[number, string]>,
	folds: OutcomeInput[],
	settings: PacingSettings,
): number {
	const key = c.key;
	if (typeof key !== 'string' || key === '') return 0;
	const status = cachedStatus(ctx, c.lastStatus);
	if (status === 'not-placed') return 0;
	const now = ctx.now;
	// Release plans sends at most a tick ahead: a later time is garbled or forged, and a send-log entry or a call
	// kept from it would hold the rate budget or stay in flight for good (test/pacing/fuzz.test.ts)
	const latest = now + settings.tickSeconds * 1000 + FUTURE_SKEW_MS;
	const at = isTime(c.lastAttemptAt) && c.lastAttemptAt <= latest ? c.lastAttemptAt : null;
	if (at !== null && at > now - 60000) {
		const kh = keyHash(key);
		if (!logKeys.has(kh)) {
			logKeys.add(kh);
			addedLog.push([at, kh]);
		}
	}
	const sid = c.lastCallSid;
	if (typeof sid !== 'string' || sid === '') return 0;
	const cat = categoryOf(status);
	const placedAt = ctx.liveSids.get(sid);
	if (placedAt !== undefined) {
		// Only an outcome written for this very call: a late write of the previous call's outcome can land after
		// "Mark Dialling", and the registration then adds this call's CallSid next to that older status. Outcome
		// writes carry the call's lastAttemptAt (to the second); otherwise reconciliation will ask Exotel.
		if (!cat || at === null || !(Math.abs(at - placedAt) < 1000)) return 0;
		folds.push({ callSid: sid, status, source: 'sheet' });
		return 1;
	}
	if (at === null || at < s.watermark || ctx.done.has(sidHash(sid))) return 0;
	const circle = normaliseCircle(ctx, c.circle);
	const attempts = typeof c.attempts === 'number' && c.attempts > 0 ? Math.floor(c.attempts) : 1;
	// A CallSid this state never registered nor counted. Even with a final status the row is not proof of this
	// call's outcome: a late write of the previous call's outcome can land after "Mark Dialling", and the
	// registration then puts this call's CallSid next to that older status. So track it like a live call: the
	// callback matches it, or reconciliation asks Exotel (at once when the row says the call is over).
	const call: InFlightCall = { c: key, ci: circle, a: attempts, r: at, s: sid, rc: cat ? 2 : 1 };
	if (cat || at + reconcileAfterMs(settings) < now) call.n = now;
	s.inFlight.push(call);
	s.totals.attempted++;
	s.totals.recovered++;
	if (circle) circleOf(s, circle, now).n.att++;
	ctx.liveSids.set(sid, cat ? NaN : at);
	const end = at + leaseMs(settings);
	ctx.liveByContact.set(key, Math.max(end, ctx.liveByContact.get(key) ?? 0));
	return 1;
}

/** What every contact of one circle held for the budget (or a probing circle) shares. */
interface BulkInfo {
	contacts: readonly ContactInput[];
	circle: string;
	reason: HoldReason;
	message: string;
	retryAt: number | undefined;
}

/**
 * A hold shared by a whole circle: two own fields per contact, the rest read from the circle's shared info (most
 * held contacts on a large list are these; allocating a full object for each one per tick was the main cost).
 */
class BulkHold implements HeldContact {
	constructor(
		readonly index: number,
		private readonly b: BulkInfo,
	) {}
	get contact(): string {
		return this.b.contacts[this.index].key;
	}
	get decision(): 'hold' {
		return 'hold';
	}
	get circle(): string {
		return this.b.circle;
	}
	get reason(): HoldReason {
		return this.b.reason;
	}
	get message(): string {
		return this.b.message;
	}
	get retryAt(): number | undefined {
		return this.b.retryAt;
	}
	toJSON(): HeldContact {
		const h: HeldContact = { index: this.index, contact: this.contact, circle: this.circle, decision: 'hold', reason: this.reason, message: this.message };
		if (this.retryAt !== undefined) h.retryAt = this.retryAt;
		return h;
	}
}

/** Calls per tick a recently re-closed circle may get (Infinity when it is not ramping). */
function recoveryCap(cs: CircleState, now: number, ratePerMinute: number, settings: PacingSettings): number {
	if (cs.trips.length === 0 || !(cs.br.closedAt > 0)) return Infinity;
	const elapsed = now - cs.br.closedAt;
	const rampMs = settings.healthWindowSeconds * 1000;
	if (elapsed < 0 || elapsed >= rampMs) return Infinity;
	const tickBudget = (ratePerMinute * settings.tickSeconds) / 60;
	return Math.max(settings.probeCalls, Math.ceil((tickBudget * elapsed) / rampMs));
}

export function release(
	state: CampaignState,
	contacts: readonly ContactInput[],
	now: number,
	settings: PacingSettings,
	options: ReleaseOptions = {},
): ReleaseResult {
	let s = cloneState(state);
	pruneInPlace(s, now, settings);
	s.updatedAt = now;
	const warnings: string[] = [];
	const transitions: BreakerTransition[] = [];

	// 1. breakers
	const probesInFlight = new Map<string, number>();
	for (const f of s.inFlight) if (f.p) probesInFlight.set(f.ci, (probesInFlight.get(f.ci) ?? 0) + 1);
	for (const [name, c] of Object.entries(s.circles)) {
		const t = advanceBreaker(name, c, now);
		if (t) transitions.push(t);
		const v = settleVanishedProbes(name, c, probesInFlight.get(name) ?? 0, now, settings);
		if (v) transitions.push(v);
	}

	// run tests: calls placed long enough ago have matured (runs.ts); a circle may trip on time alone
	let pic = healthPicture(s, now, settings);
	for (const [name, c] of Object.entries(s.circles)) {
		if (c.br.s !== 'closed') continue;
		if (!matureRuns(c, now, pic.circles.get(name)!.exp, settings)) continue;
		const reason = evaluateTrip(pic.circles.get(name), c, settings);
		if (reason) transitions.push(openBreaker(name, c, now, reason, settings));
	}

	// 2. one pass over the contacts
	const win = windowAt(now, settings);
	const ctx = buildEligibilityContext(s, now, settings, win, new DoneSet(s), options.lookingUp ?? null);
	const logKeys = new Set<string>();
	for (const e of s.sendLog) logKeys.add(e[1]);
	const addedLog: Array<[number, string]> = [];
	const passCounts = new Int32Array(HOLD_REASONS.length + 1);
	const reasons = options.includeHeld ? new Uint8Array(contacts.length) : null;
	const mark = scratchMarks(contacts.length); // per contact: circle index if eligible, else -1
	const fresh = scratchFresh(contacts.length);
	const freshBacklog: number[] = [];
	const names: string[] = [];
	const backlog: number[] = [];
	const recentFrom = now - 60000;
	const folds: OutcomeInput[] = [];
	let recovered = 0;
	for (let i = 0; i < contacts.length; i++) {
		const c = contacts[i];
		if (c.lastCallSid !== undefined || (isTime(c.lastAttemptAt) && c.lastAttemptAt > recentFrom)) {
			recovered += repairFromRow(s, ctx, c, logKeys, addedLog, folds, settings);
		}
		const reason = classify(ctx, c);
		if (reason === null) {
			const g = ctx.gate;
			if (g.k < 0) {
				g.k = names.length;
				names.push(g.name);
				backlog.push(0);
				freshBacklog.push(0);
			}
			mark[i] = g.k;
			backlog[g.k]++;
			if (ctx.fresh) {
				fresh[i] = 1;
				freshBacklog[g.k]++;
			} else fresh[i] = 0;
		} else {
			mark[i] = -1;
			const code = REASON_CODE[reason];
			passCounts[code]++;
			if (reasons) reasons[i] = code;
		}
	}
	const held = Object.fromEntries(HOLD_REASONS.map((r, k) => [r, passCounts[k + 1]])) as Record<HoldReason, number>;
	if (addedLog.length) {
		s.sendLog = s.sendLog.concat(addedLog).sort((a, b) => a[0] - b[0]);
		warnings.push(`${addedLog.length} recent call(s) missing from the send log were restored from contact rows (a lost write).`);
	}
	if (recovered) warnings.push(`${recovered} call(s) or outcome(s) the state had lost were recovered from contact rows.`);
	if (folds.length) {
		// fold outcomes found in the rows (the sheet is durable; the state's copy of them was erased)
		const folded = recordOutcomes(s, folds, now, settings);
		s = folded.state;
		transitions.push(...folded.transitions);
		warnings.push(...folded.warnings);
	}

	// 3. budget
	pic = healthPicture(s, now, settings);
	const rateFactor = globalRateFactor(pic, settings);
	// Dialling borrows the part of the reconciliation reserve that lookups will not need in the next minute
	// (reconcile.ts); the 60 s guard below counts dial and Call Details requests together against that limit.
	const limit = dialWindowLimit(s, now, settings);
	const ratePerMinute =
		(settings.maxCallsPerMinute === null ? limit : Math.min(limit, settings.maxCallsPerMinute)) * rateFactor;
	const tokensBefore = refillTokens(s.tokens, s.lastReleaseAt, now, ratePerMinute, settings.tickSeconds).tokens;
	s.tokens = tokensBefore;
	s.lastReleaseAt = now;

	// Two rounds: first calls across all circles (in proportion to each circle's first-pass backlog x health
	// weight), then due retries with what is left, so retries never slow the first pass of any circle. A circle's
	// rounding carry goes with the round it is in (first pass while it has first calls, then retries).
	const demands: Demand[] = [];
	const retryDemands: Demand[] = [];
	let eligible = 0;
	let capacity = 0;
	names.forEach((name, k) => {
		const cs = circleOf(s, name, now);
		const b = backlog[k];
		if (cs.br.s === 'open') return; // tripped by an outcome folded from the rows just now
		eligible += b;
		if (cs.br.s === 'half-open') {
			const cap = Math.min(b, probeSlots(cs, settings));
			demands.push({ circle: name, backlog: b, weight: 1, cap, probe: true, carry: 0 });
			capacity += cap;
		} else {
			const weight = circleWeight(pic.circles.get(name), settings);
			const f = freshBacklog[k];
			const r = b - f;
			// Recovery ramp: a circle that closed again after an outage has a backlog that piled up while it was
			// paused. Its calls per tick grow linearly from probeCalls to a full tick's budget over one health window
			// instead of jumping to its whole backlog share, so a relapse is caught after few calls.
			const ramp = recoveryCap(cs, now, ratePerMinute, settings);
			const capF = Math.min(f, ramp);
			const capR = Math.min(r, ramp - capF);
			demands.push({ circle: name, backlog: f, weight, cap: capF, probe: false, carry: f > 0 ? cs.dr : 0 });
			if (capR > 0) retryDemands.push({ circle: name, backlog: r, weight, cap: capR, probe: false, carry: f > 0 ? 0 : cs.dr });
			capacity += capF + capR;
		}
	});
	retryDemands.sort((a, b) => (a.circle < b.circle ? -1 : a.circle > b.circle ? 1 : 0));
	demands.sort((a, b) => (a.circle < b.circle ? -1 : a.circle > b.circle ? 1 : 0));

	const logTimes = s.sendLog.map((e) => e[0]);
	const requestTimes = s.reconcileLog.length ? combinedRequestTimes(s) : logTimes;
	const requestsInWindow = countInWindow(logTimes, now) + logTimes.filter((t) => t > now).length;
	const headroom = inFlightHeadroom(s.inFlight.length, settings.maxInFlight);
	const rateLimited = now < s.rateLimitedUntil;
	const maxRelease = options.maxRelease === undefined ? Infinity : Math.max(0, Math.floor(options.maxRelease));
	// Spread at most the rate's worth over the span actually available (shorter near the window's close, or when
	// a previous release already planned sends into this tick).
	const spanEnd = Math.min(now + settings.tickSeconds * 1000, win.closesAt ?? now);
	const spanStart = Math.max(now, logTimes.length ? logTimes[logTimes.length - 1] : now);
	const bySpan = Math.max(0, Math.ceil((ratePerMinute * (spanEnd - spanStart)) / 60000 - 1e-9));
	const byRate = Math.min(Math.floor(tokensBefore + 1e-9), bySpan);
	let n = rateLimited ? 0 : Math.min(byRate, headroom, capacity, maxRelease);
	let limitedBy: LimitedBy = 'none';
	if (rateLimited) limitedBy = 'rate_limited';
	else if (n === capacity) limitedBy = capacity === 0 ? 'none' : 'backlog';
	else if (n === headroom) limitedBy = 'in_flight';
	else if (n === maxRelease) limitedBy = 'max_release';
	else if (n === byRate) limitedBy = 'rate';
	if (rateLimited) warnings.push(`Exotel answered 429 (rate limited); no calls before ${new Date(s.rateLimitedUntil).toISOString()}.`);

	let slots = planSendTimes(requestTimes, now, spanEnd, n, limit);
	if (slots.length < n) limitedBy = 'sixty_second_limit';
	n = slots.length;

	// 4. allocate, then take each circle's first contacts in list order (stops as soon as all are filled)
	const alloc = allocate(n, demands);
	let firstRound = 0;
	for (const a of alloc.values()) firstRound += a.n;
	const allocRetry = allocate(n - firstRound, retryDemands);
	const want = names.map((name) => (alloc.get(name)?.n ?? 0) + (allocRetry.get(name)?.n ?? 0));
	let remaining = want.reduce((a, b) => a + b, 0);
	const picked: number[][] = names.map(() => []);
	const skipped: number[][] = names.map(() => []);
	const pickedKeys = new Set<string>();
	let duplicates = 0;
	// Within a circle, first calls go before due retries while the circle has any (a hopper priority): retries
	// then use only what the first pass leaves, and the first pass runs at the full rate. Two passes over the
	// marks, each stopping as soon as every circle's share is filled.
	const wantFresh = want.map((w, k) => Math.min(w, freshBacklog[k]));
	let remainingFresh = wantFresh.reduce((a, b) => a + b, 0);
	const take = (i: number, k: number): boolean => {
		const key = contacts[i].key;
		if (pickedKeys.has(key)) {
			duplicates++;
			skipped[k].push(i);
			return false;
		}
		pickedKeys.add(key);
		picked[k].push(i);
		want[k]--;
		remaining--;
		return true;
	};
	for (let i = 0; i < contacts.length && remainingFresh > 0; i++) {
		const k = mark[i];
		if (k < 0 || fresh[i] === 0 || wantFresh[k] === 0) continue;
		if (!take(i, k)) continue;
		wantFresh[k]--;
		remainingFresh--;
	}
	for (let i = 0; i < contacts.length && remaining > 0; i++) {
		const k = mark[i];
		if (k < 0 || want[k] === 0) continue;
		// first calls: already taken by the first loop (or skipped there as duplicates)
		if (fresh[i] === 1) continue;
		take(i, k);
	}
	const counts: Array<[string, number]> = [];
	for (const d of demands) {
		const k = names.indexOf(d.circle);
		if (picked[k].length) counts.push([d.circle, picked[k].length]);
	}
	let total = counts.reduce((a, [, k]) => a + k, 0);
	if (total < n) {
		slots = planSendTimes(requestTimes, now, spanEnd, total, limit);
		if (slots.length < total) {
			// cannot happen in practice (fewer calls over the same span); trim to be safe
			let drop = total - slots.length;
			for (let i = counts.length - 1; i >= 0 && drop > 0; i--) {
				const take = Math.min(drop, counts[i][1]);
				counts[i][1] -= take;
				picked[names.indexOf(counts[i][0])].length = counts[i][1];
				drop -= take;
			}
			total = slots.length;
		}
	}
	const order = interleave(counts.filter(([, k]) => k > 0));
	const pickedOf = (circle: string): number[] => picked[names.indexOf(circle)];

	// 5. reserve and log
	const inFlightBefore = s.inFlight.length;
	const released: ReleasedCall[] = [];
	const lease = leaseMs(settings);
	const cursor = new Map<string, number>();
	const releasedBy = new Map<string, number>();
	for (let k = 0; k < order.length; k++) {
		const circle = order[k];
		const pos = cursor.get(circle) ?? 0;
		cursor.set(circle, pos + 1);
		const index = pickedOf(circle)[pos];
		const contact = contacts[index];
		classify(ctx, contact); // restores ctx.used / ctx.refund for this contact
		const cs = circleOf(s, circle, now);
		const probe = cs.br.s === 'half-open';
		const attempt = ctx.used + 1;
		const sendAt = slots[k];
		const placedAt = Math.ceil(sendAt / 1000) * 1000;
		const correlation: Correlation = { campaign: s.campaign, contact: contact.key, attempt, circle, releasedAt: placedAt };
		let customField: string;
		try {
			customField = encodeCorrelation(correlation);
		} catch (e) {
			warnings.push(`${contact.key}: ${(e as Error).message}`);
			held.invalid++;
			if (reasons) reasons[index] = REASON_CODE.invalid;
			mark[index] = -1; // no longer eligible-and-waiting
			releasedBy.set(circle, (releasedBy.get(circle) ?? 0) + 1);
			continue;
		}
		const call: InFlightCall = { c: contact.key, ci: circle, a: attempt, r: placedAt };
		if (probe) {
			call.p = 1;
			cs.br = { ...cs.br, pr: cs.br.pr + 1 };
		} else enqueueCall(cs, placedAt);
		if (ctx.refund) {
			call.rf = 1;
			s.totals.refunded++;
			cs.n.ref++;
		}
		s.inFlight.push(call);
		s.sendLog.push([sendAt, keyHash(contact.key)]);
		mark[index] = -1;
		releasedBy.set(circle, (releasedBy.get(circle) ?? 0) + 1);
		released.push({
			index,
			contact: contact.key,
			circle,
			attempt,
			decision: 'dial',
			reason: probe ? 'probe' : 'dial',
			message: probe
				? `Probe call into circle ${circle} after an outage (attempt ${attempt} of ${settings.maxAttempts}).`
				: `Call now: circle ${circle}, attempt ${attempt} of ${settings.maxAttempts}${ctx.refund ? ' (an outage attempt was refunded)' : ''}.`,
			releasedAt: now,
			sendAt,
			delayMs: sendAt - now,
			placedAt,
			leaseUntil: placedAt + lease,
			customField,
			correlation,
			probe,
			refunded: ctx.refund,
		});
	}
	s.tokens = Math.max(0, tokensBefore - released.length);

	// eligible but not released: the same reason for the whole circle (skipped duplicates: already in flight)
	names.forEach((name, k) => {
		const r: HoldReason = s.circles[name].br.s !== 'closed' ? 'circle_paused' : 'budget_used';
		held[r] += backlog[k] - (releasedBy.get(name) ?? 0) - skipped[k].length;
		held.already_in_flight += skipped[k].length;
	});
	if (reasons) {
		const dupCode = REASON_CODE.already_in_flight;
		const codeOfK = names.map((name) => (s.circles[name].br.s !== 'closed' ? REASON_CODE.circle_paused : REASON_CODE.budget_used));
		for (let i = 0; i < contacts.length; i++) {
			const k = mark[i];
			if (k < 0) continue;
			reasons[i] = codeOfK[k];
		}
		for (const list of skipped) for (const i of list) reasons[i] = dupCode;
	}
	if (duplicates) warnings.push(`${duplicates} duplicate contact key(s) in the input were skipped.`);

	// per-circle bookkeeping for stats
	for (const [name, cs] of Object.entries(s.circles)) {
		const d = demands.find((x) => x.circle === name);
		const inFirst = d !== undefined && d.backlog > 0;
		const a = inFirst ? alloc.get(name) : allocRetry.get(name);
		const k = names.indexOf(name);
		cs.bl = k >= 0 && d ? backlog[k] : 0;
		cs.la = releasedBy.get(name) ?? 0;
		cs.w = d ? d.weight : 1;
		cs.dr = d && !d.probe && a ? a.carry : 0;
	}

	let holds: HeldContact[] = [];
	if (reasons) {
		const limit = options.heldLimit === undefined ? Infinity : Math.max(0, options.heldLimit);
		// Messages are shared by every contact with the same reason (and circle / last status); only the retry
		// time is per contact. Per-contact details need classify() again; the others only the circle.
		const messages = HOLD_REASONS.map(() => new Map<string, string>());
		// Eligible contacts held for the budget (or a probing circle): everything is known per circle, nothing per
		// contact is computed (the bulk of a large list on most ticks).
		const budgetCode = REASON_CODE.budget_used;
		const pausedCode = REASON_CODE.circle_paused;
		const bulk: Array<BulkInfo | undefined> = names.map(() => undefined);
		// one backing store of the final size (no regrowth garbage on a 100k list)
		const expected = Math.min(limit, Math.max(0, contacts.length - released.length));
		holds = expected > 0 ? new Array<HeldContact>(expected) : [];
		let nHolds = 0;
		for (let i = 0; i < contacts.length && nHolds < limit; i++) {
			const code = reasons[i];
			if (!code) continue;
			const k = mark[i];
			if (k >= 0 && (code === budgetCode || code === pausedCode)) {
				let b = bulk[k];
				if (b === undefined) {
					const reason = HOLD_REASONS[code - 1];
					ctx.circle = names[k];
					ctx.unsettled = false;
					b = { contacts, circle: names[k], reason, message: holdMessage(ctx, contacts[i], reason), retryAt: holdRetryAt(ctx, contacts[i], reason) };
					bulk[k] = b;
				}
				holds[nHolds++] = new BulkHold(i, b);
				continue;
			}
			const reason = HOLD_REASONS[code - 1];
			const c = contacts[i];
			if (reason === 'retry_not_due' || reason === 'already_in_flight' || reason === 'invalid') classify(ctx, c);
			else {
				ctx.circle = normaliseCircle(ctx, c.circle);
				ctx.unsettled = false;
			}
			const key =
				reason === 'retry_not_due'
					? ctx.status
					: reason === 'already_in_flight'
						? ctx.unsettled
							? 'u'
							: ''
						: reason === 'invalid'
							? typeof c.key === 'string' && c.key !== ''
								? 'circle'
								: 'key'
							: ctx.circle;
			const cache = messages[code - 1];
			let message = cache.get(key);
			if (message === undefined) {
				message = holdMessage(ctx, c, reason);
				cache.set(key, message);
			}
			const retryAt = holdRetryAt(ctx, c, reason);
			const h: HeldContact = {
				index: i,
				contact: typeof c.key === 'string' ? c.key : '',
				circle: ctx.circle,
				decision: 'hold',
				reason,
				message,
				retryAt,
			};
			holds[nHolds++] = h;
		}
		holds.length = nHolds;
	}

	return {
		state: s,
		released,
		held,
		holds,
		budget: {
			ratePerMinute,
			rateFactor,
			tokens: tokensBefore,
			windowLimit: limit,
			requestsInWindow,
			inFlight: inFlightBefore,
			inFlightHeadroom: headroom,
			eligible,
			capacity,
			released: released.length,
			spanMs: Math.max(0, spanEnd - now),
			limitedBy,
		},
		transitions,
		recovered,
		warnings,
	};
}
