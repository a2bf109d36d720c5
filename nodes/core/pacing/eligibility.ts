/**
 * May this contact be called now? One cheap check per contact (Release runs it over the whole list every tick),
 * answering 'eligible' or a hold reason; the plain-words explanation and the retry time are built only when asked
 * (holds.ts).
 *
 * Checks, in order (the first that fails is the reason):
 *   invalid            no key or no circle
 *   campaign_paused    the campaign is paused
 *   window_closed      outside the calling window (retryAt = next opening)
 *   dnd                on the DND list and allowDnd is off
 *   dnd_unknown        Exotel could not say whether it is on the DND list (DND "Unavailable") and neither allowDnd
 *                      nor callDndUnavailable is on
 *   already_in_flight  a live call to this contact: in the state (by contact or by its lastCallSid), or the row
 *                      shows a call placed within the lease with no outcome yet (retryAt = end of the lease), or
 *                      the row's call was placed as n8n stopped and is being looked up (orphans.ts)
 *   done               the last call completed
 *   attempts_used      attempts (minus a refund) >= maxAttempts
 *   retry_not_due      nextRetryAt in the future, or (without nextRetryAt) the re-call gap of the last status
 *                      since lastAttemptAt has not passed; waived for a refunded attempt
 *   circle_paused      the circle's breaker is open (retryAt = end of cooldown)
 *   already_in_flight  (settling) the row's last call is not yet counted in the state, or was counted less than
 *                      settleSeconds ago: a new call would overwrite the only other record of it (state.ts, 6.)
 * Eligible contacts of a half-open circle compete for its few probe slots; the others are held circle_paused,
 * and eligible contacts that did not fit this tick's budget are held budget_used.
 *
 * REFUNDS WITHOUT PER-CONTACT STATE
 * A failed/no-answer attempt placed at time a into a circle that tripped at T with a <= T <= a + health window is
 * refunded. If the circle had already tripped when the outcome arrived, recordOutcomes writes the refund into the
 * row itself (attempts not incremented, refunded = true). If it tripped later, the row still shows that attempt;
 * Release recognises it from the row (lastStatus, lastAttemptAt, refunded = false) and the circle's recent trip
 * times, treats the attempt as not used, and re-uses its number for the next call, whose outcome then writes the
 * corrected count. Nothing per contact is kept in the state, and the decision is the same on every tick (it needs
 * the `refunded` column to be written back; without it a refund could be applied twice).
 */
import { circleBucket } from '../circles';
import type { ContactInput } from './types';
import type { PacingSettings } from './settings';
import { leaseMs, retryGapMs } from './settings';
import type { BreakerMode, CampaignState } from './state';
import type { WindowInfo } from './window';
import { categoryOf, isTerminalStatus, normaliseStatus, type Category } from './statuses';
import { sidHash, type DoneSet } from './dedupe';

export type HoldReason =
	| 'window_closed'
	| 'dnd'
	| 'dnd_unknown'
	| 'attempts_used'
	| 'done'
	| 'retry_not_due'
	| 'circle_paused'
	| 'campaign_paused'
	| 'budget_used'
	| 'already_in_flight'
	| 'invalid';

export const HOLD_REASONS: readonly HoldReason[] = [
	'invalid',
	'campaign_paused',
	'window_closed',
	'dnd',
	'already_in_flight',
	'done',
	'attempts_used',
	'retry_not_due',
	'circle_paused',
	'budget_used',
	'dnd_unknown',
];

/** Per hold reason a small code (1-based; 0 = not held), e.g. for a per-contact Uint8Array. */
export const REASON_CODE: Record<HoldReason, number> = Object.fromEntries(
	HOLD_REASONS.map((r, i) => [r, i + 1]),
) as Record<HoldReason, number>;

/** What classify needs to know about one circle (cached per raw circle value). */
export interface CircleGate {
	name: string;
	gate: BreakerMode;
	openUntil: number;
	trips: readonly number[] | undefined;
	/** Per trip: how far back before it the outage began (ms); see CircleState.tripLookback. */
	tl: readonly number[] | undefined;
	/** Scratch for Release: the circle's index in this pass (-1 until seen). */
	k: number;
	/** classify's answers that depend on nothing but this circle, built on first use (sharedAnswer). */
	answers: Array<Classification | undefined>;
}

export interface EligibilityContext {
	now: number;
	settings: PacingSettings;
	paused: boolean;
	pausedBecause: string | null;
	window: WindowInfo;
	leaseMs: number;
	healthWindowMs: number;
	watermark: number;
	settleMs: number;
	/** Contact keys with a call in flight (or reserved) in the state -> latest lease end. */
	liveByContact: Map<string, number>;
	/** CallSids in flight in the state -> when each was placed (NaN: its row's status is not to be trusted). */
	liveSids: Map<string, number>;
	/** Hashes of finished CallSids. */
	done: DoneSet;
	/** Contacts whose row shows a call placed as n8n stopped, being looked up at Exotel (orphans.ts). */
	lookingUp: ReadonlySet<string> | null;
	gates: Map<string, CircleGate>;
	circleCache: Map<unknown, CircleGate>;
	statusCache: Map<unknown, string>;
	/** Time formatter for messages (built on first use; holds.ts). */
	fmt: ((t: number) => string) | null;
}

/** What classify found out about one contact (read-only: contacts with the same answer may share one record). */
export interface Classification {
	/** null = may be dialled now (subject to budget and probe slots); otherwise why it is held. */
	reason: HoldReason | null;
	/** The contact's circle, normalised ('' when the key or the circle is missing). */
	circle: string;
	gate: CircleGate;
	/** Attempts counted so far, a refunded one not included. */
	used: number;
	/** The last attempt is refunded (its circle tripped right after it was placed): its number is re-used. */
	refund: boolean;
	/** The row's last status, normalised ('' when the checks stopped before reading it). */
	status: string;
	/** Held already_in_flight because the previous call is not (long enough) counted in the state. */
	unsettled: boolean;
	/** No counted attempt yet (a first call; Release serves these before due retries). */
	fresh: boolean;
}

/** The gate of a contact without a key (frozen: it is shared and never eligible). */
const NO_GATE: CircleGate = Object.freeze({
	name: '',
	gate: 'closed',
	openUntil: 0,
	trips: undefined,
	tl: undefined,
	k: -1,
	answers: [],
});

export function buildEligibilityContext(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
	window: WindowInfo,
	done: DoneSet,
	lookingUp: ReadonlySet<string> | null = null,
): EligibilityContext {
	const lease = leaseMs(settings);
	const liveByContact = new Map<string, number>();
	const liveSids = new Map<string, number>();
	for (const f of state.inFlight) {
		const end = f.sendAt + lease;
		const prev = liveByContact.get(f.contact);
		if (prev === undefined || end > prev) liveByContact.set(f.contact, end);
		if (f.callSid) liveSids.set(f.callSid, f.recoveredFromRow === 2 ? NaN : f.sendAt);
	}
	const gates = new Map<string, CircleGate>();
	for (const [name, c] of Object.entries(state.circles)) {
		gates.set(name, {
			name,
			gate: c.breaker.mode,
			openUntil: c.breaker.mode === 'open' ? c.breaker.until : 0,
			trips: c.trips.length ? c.trips : undefined,
			tl: c.tripLookback,
			k: -1,
			answers: [],
		});
	}
	return {
		now,
		settings,
		paused: state.paused,
		pausedBecause: state.pausedBecause,
		window,
		leaseMs: lease,
		healthWindowMs: settings.healthWindowSeconds * 1000,
		watermark: state.watermark,
		settleMs: settings.settleSeconds * 1000,
		liveByContact,
		liveSids,
		done,
		lookingUp: lookingUp && lookingUp.size ? lookingUp : null,
		gates,
		circleCache: new Map(),
		statusCache: new Map(),
		fmt: null,
	};
}

export function circleGate(ctx: EligibilityContext, raw: unknown): CircleGate {
	let g = ctx.circleCache.get(raw);
	if (g === undefined) {
		// free text shares one bucket: per-circle state stays bounded (circles.ts)
		const name = circleBucket(raw);
		g = ctx.gates.get(name);
		if (g === undefined) {
			g = {
				name,
				gate: 'closed',
				openUntil: 0,
				trips: undefined,
				tl: undefined,
				k: -1,
				answers: [],
			};
			ctx.gates.set(name, g);
		}
		ctx.circleCache.set(raw, g);
	}
	return g;
}

export function normaliseCircle(ctx: EligibilityContext, raw: unknown): string {
	return circleGate(ctx, raw).name;
}

/** normaliseStatus with a per-context cache (a list holds a handful of distinct status strings). */
export function cachedStatus(ctx: EligibilityContext, raw: unknown): string {
	if (raw === undefined || raw === null) return '';
	let st = ctx.statusCache.get(raw);
	if (st === undefined) {
		st = normaliseStatus(raw);
		ctx.statusCache.set(raw, st);
	}
	return st;
}

// Globals captured once: this loop runs for every contact on every tick, and global lookups are slow in some
// hosts (sandboxed vm contexts such as Jest's).
const isFiniteNumber = Number.isFinite;
const floor = Math.floor;
const toNumber = Number;

const toCount = (v: unknown): number => {
	if (typeof v === 'number') return isFiniteNumber(v) && v > 0 ? floor(v) : 0;
	const n = toNumber(v);
	return isFiniteNumber(n) && n > 0 ? floor(n) : 0;
};

const toTime = (v: unknown): number | null =>
	typeof v === 'number' && isFiniteNumber(v) ? v : null;

/**
 * Did the circle trip after `placedAt` (and not after now), with the call placed after the outage is estimated to
 * have begun (`lookbacks`, parallel to trips; absent = the health window)? A call placed at most `afterMs` after
 * a trip counts as placed into it (outcomes/batch.ts releasedAheadMs and outcomes/count.ts: released before the trip, sent while the circle was open).
 */
export function trippedAfter(
	trips: readonly number[] | undefined,
	placedAt: number,
	windowMs: number,
	now: number,
	lookbacks?: readonly number[],
	afterMs = 0,
): boolean {
	if (!trips) return false;
	const per = lookbacks !== undefined && lookbacks.length === trips.length;
	for (let i = trips.length - 1; i >= 0; i--) {
		const t = trips[i];
		if (t > now) continue;
		// placed up to afterMs after the trip: released before it, sent into the open circle
		if (t < placedAt) return placedAt - t <= afterMs;
		const back = per && lookbacks[i] < windowMs ? lookbacks[i] : windowMs;
		if (t <= placedAt + back) return true;
	}
	return false;
}

/** The row shows a call that may still be live. */
export function rowShowsLiveCall(
	ctx: EligibilityContext,
	c: ContactInput,
	status: string,
): boolean {
	const at = toTime(c.lastAttemptAt);
	if (at === null || at + ctx.leaseMs <= ctx.now) return false;
	if (status === 'not-placed' || isTerminalStatus(status)) return false;
	if (typeof c.lastCallSid === 'string' && c.lastCallSid && ctx.done.has(sidHash(c.lastCallSid)))
		return false;
	return true;
}

/** Whether the contact may be dialled now (reason null, subject to budget and probe slots), and what was read. */
export function classify(ctx: EligibilityContext, c: ContactInput): Readonly<Classification> {
	const key = c.key;
	if (typeof key !== 'string' || key === '') return sharedAnswer(NO_GATE, 'invalid', false);
	const g = circleGate(ctx, c.circle);
	if (g.name === '') return sharedAnswer(g, 'invalid', false);
	if (ctx.paused) return sharedAnswer(g, 'campaign_paused', false);
	if (!ctx.window.open) return sharedAnswer(g, 'window_closed', false);
	if (c.dnd === true && !ctx.settings.allowDnd) return sharedAnswer(g, 'dnd', false);
	if (c.dnd === 'unknown' && !ctx.settings.allowDnd && !ctx.settings.callDndUnavailable)
		return sharedAnswer(g, 'dnd_unknown', false);
	if (ctx.liveByContact.size !== 0 && ctx.liveByContact.has(key)) {
		// a row that already shows a final status: that outcome is still being recorded (or checked with Exotel)
		return sharedAnswer(g, 'already_in_flight', isTerminalStatus(cachedStatus(ctx, c.lastStatus)));
	}
	if (ctx.lookingUp !== null && ctx.lookingUp.has(key)) {
		// its write-back and a new call's "Mark Dialling" must not race for the row
		return sharedAnswer(g, 'already_in_flight', true);
	}
	if (
		c.lastStatus === undefined &&
		c.lastAttemptAt === undefined &&
		c.attempts === undefined &&
		c.nextRetryAt === undefined &&
		c.lastCallSid === undefined
	) {
		// a fresh contact (most of a new list)
		return sharedAnswer(g, g.gate === 'open' ? 'circle_paused' : null, true);
	}
	return classifyCalled(ctx, c, g);
}

/**
 * classify's answer when nothing per contact was read: one record per circle, reason and flag (unsettled for
 * already_in_flight, else fresh). Most contacts of a large list end here: no garbage per contact and tick.
 */
function sharedAnswer(
	g: CircleGate,
	reason: HoldReason | null,
	flag: boolean,
): Readonly<Classification> {
	const slot = (reason === null ? 0 : REASON_CODE[reason]) * 2 + (flag ? 1 : 0);
	let v = g.answers[slot];
	if (v === undefined) {
		v = classified(reason, g);
		if (reason === 'already_in_flight') v.unsettled = flag;
		else v.fresh = flag;
		g.answers[slot] = v;
	}
	return v;
}

/** A Classification with nothing read beyond the circle (the checks after the reason fill in the rest). */
function classified(reason: HoldReason | null, g: CircleGate): Classification {
	return {
		reason,
		circle: g.name,
		gate: g,
		used: 0,
		refund: false,
		status: '',
		unsettled: false,
		fresh: false,
	};
}

/** classify for a contact whose row shows an earlier call (or attempt count). */
function classifyCalled(ctx: EligibilityContext, c: ContactInput, g: CircleGate): Classification {
	const v = classified(null, g);
	const sid = c.lastCallSid;
	if (
		sid !== undefined &&
		ctx.liveSids.size !== 0 &&
		typeof sid === 'string' &&
		ctx.liveSids.has(sid)
	)
		return holdAs(v, 'already_in_flight');
	const lastAt = c.lastAttemptAt;
	const status = cachedStatus(ctx, c.lastStatus);
	v.status = status;
	if (lastAt !== undefined && lastAt !== null && rowShowsLiveCall(ctx, c, status))
		return holdAs(v, 'already_in_flight');
	if (status === 'completed') return holdAs(v, 'done');
	const cat = status === '' ? undefined : categoryOf(status);
	let attempts = c.attempts === undefined || c.attempts === null ? 0 : toCount(c.attempts);
	let waived = c.refunded === true;
	if (
		g.trips !== undefined &&
		ctx.settings.refundOutageAttempts &&
		!waived &&
		attempts > 0 &&
		(cat === 'failed' || cat === 'noAnswer')
	) {
		const at = toTime(lastAt);
		if (at !== null && trippedAfter(g.trips, at, ctx.healthWindowMs, ctx.now, g.tl)) {
			attempts -= 1;
			v.refund = true;
			waived = true;
		}
	}
	v.used = attempts;
	v.fresh = attempts === 0;
	if (attempts >= ctx.settings.maxAttempts) return holdAs(v, 'attempts_used');
	if (!waived && retryNotDue(ctx, c, status, cat)) return holdAs(v, 'retry_not_due');
	if (g.gate === 'open') return holdAs(v, 'circle_paused');
	// The row is about to be overwritten by a new call: its previous call must be counted (and settled) first.
	if (
		typeof sid === 'string' &&
		sid !== '' &&
		status !== 'not-placed' &&
		!previousCallSettled(ctx, sid, lastAt)
	) {
		v.unsettled = true;
		return holdAs(v, 'already_in_flight');
	}
	return v;
}

function holdAs(v: Classification, reason: HoldReason): Classification {
	v.reason = reason;
	return v;
}

/** nextRetryAt in the future, or (without it) the re-call gap of the last status since lastAttemptAt not passed. */
function retryNotDue(
	ctx: EligibilityContext,
	c: ContactInput,
	status: string,
	cat: Category | undefined,
): boolean {
	const next = toTime(c.nextRetryAt);
	if (next !== null) return next > ctx.now;
	if (status === '') return false;
	const at = toTime(c.lastAttemptAt);
	if (at === null) return false;
	const gap = retryGapMs(ctx.settings, status === 'not-placed' ? 'notPlaced' : (cat ?? 'other'));
	return gap !== null && at + gap > ctx.now;
}

/** The row's previous call is counted in the state, at least settleSeconds ago (or predates the watermark). */
function previousCallSettled(ctx: EligibilityContext, sid: string, lastAt: unknown): boolean {
	const at = toTime(lastAt);
	if (at === null || at < ctx.watermark) return true;
	const m = ctx.done.countedMinute(sidHash(sid));
	return !(m === undefined || (m + 1) * 60000 > ctx.now - ctx.settleMs);
}
