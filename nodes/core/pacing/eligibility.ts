/**
 * May this contact be called now? One cheap check per contact (Release runs it over the whole list every tick),
 * answering 'eligible' or a hold reason; the plain-words explanation and the retry time are built only when asked.
 *
 * Checks, in order (the first that fails is the reason):
 *   invalid            no key or no circle
 *   campaign_paused    the campaign is paused
 *   window_closed      outside the calling window (retryAt = next opening)
 *   dnd                on the DND list and allowDnd is off
 *   dnd_unknown        Exotel could not say whether it is on the DND list (DND "Unavailable") and allowDnd is off
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
import { localFormatter } from './window';
import { categoryOf, isTerminalStatus, normaliseStatus } from './statuses';
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

/** What classify needs to know about one circle (cached per raw circle value). */
export interface CircleGate {
	name: string;
	gate: BreakerMode;
	openUntil: number;
	trips: readonly number[] | undefined;
	/** Per trip: how far back before it the outage began (ms); see CircleState.tl. */
	tl: readonly number[] | undefined;
	/** Scratch for Release: the circle's index in this pass (-1 until seen). */
	k: number;
}

export interface EligibilityContext {
	now: number;
	settings: PacingSettings;
	paused: boolean;
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
	// scratch output of the last classify() call
	circle: string;
	gate: CircleGate;
	used: number;
	refund: boolean;
	status: string;
	/** The hold is because the previous call is not (long enough) counted in the state. */
	unsettled: boolean;
	/** The contact has no counted attempt yet (a first call; Release serves these before due retries). */
	fresh: boolean;
	/** Time formatter for messages (built on first use). */
	fmt: ((t: number) => string) | null;
}



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
		const end = f.r + lease;
		const prev = liveByContact.get(f.c);
		if (prev === undefined || end > prev) liveByContact.set(f.c, end);
		if (f.s) liveSids.set(f.s, f.rc === 2 ? NaN : f.r);
	}
	const gates = new Map<string, CircleGate>();
	for (const [name, c] of Object.entries(state.circles)) {
		gates.set(name, { name, gate: c.br.s, openUntil: c.br.s === 'open' ? c.br.until : 0, trips: c.trips.length ? c.trips : undefined, tl: c.tl, k: -1 });
	}
	return {
		now,
		settings,
		paused: state.paused,
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
		circle: '',
		gate: { name: '', gate: 'closed', openUntil: 0, trips: undefined, tl: undefined, k: -1 },
		used: 0,
		refund: false,
		status: '',
		unsettled: false,
		fresh: false,
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
			g = { name, gate: 'closed', openUntil: 0, trips: undefined, tl: undefined, k: -1 };
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

const toTime = (v: unknown): number | null => (typeof v === 'number' && isFiniteNumber(v) ? v : null);

/**
 * Did the circle trip after `placedAt` (and not after now), with the call placed after the outage is estimated to
 * have begun (`lookbacks`, parallel to trips; absent = the health window)? A call placed at most `afterMs` after
 * a trip counts as placed into it (outcomes.ts: released before the trip, sent while the circle was open).
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
export function rowShowsLiveCall(ctx: EligibilityContext, c: ContactInput, status: string): boolean {
	const at = toTime(c.lastAttemptAt);
	if (at === null || at + ctx.leaseMs <= ctx.now) return false;
	if (status === 'not-placed' || isTerminalStatus(status)) return false;
	if (typeof c.lastCallSid === 'string' && c.lastCallSid && ctx.done.has(sidHash(c.lastCallSid))) return false;
	return true;
}

/** null = may be dialled now (subject to budget and probe slots); otherwise the hold reason. Sets ctx scratch. */
export function classify(ctx: EligibilityContext, c: ContactInput): HoldReason | null {
	ctx.refund = false;
	ctx.used = 0;
	ctx.status = '';
	ctx.unsettled = false;
	ctx.fresh = false;
	const key = c.key;
	if (typeof key !== 'string' || key === '') {
		ctx.circle = '';
		return 'invalid';
	}
	const g = circleGate(ctx, c.circle);
	ctx.circle = g.name;
	ctx.gate = g;
	if (g.name === '') return 'invalid';
	if (ctx.paused) return 'campaign_paused';
	if (!ctx.window.open) return 'window_closed';
	if (c.dnd === true && !ctx.settings.allowDnd) return 'dnd';
	if (c.dnd === 'unknown' && !ctx.settings.allowDnd) return 'dnd_unknown';
	if (ctx.liveByContact.size !== 0 && ctx.liveByContact.has(key)) {
		// a row that already shows a final status: that outcome is still being recorded (or checked with Exotel)
		ctx.unsettled = isTerminalStatus(cachedStatus(ctx, c.lastStatus));
		return 'already_in_flight';
	}
	if (ctx.lookingUp !== null && ctx.lookingUp.has(key)) {
		// its write-back and a new call's "Mark Dialling" must not race for the row
		ctx.unsettled = true;
		return 'already_in_flight';
	}
	const lastAt = c.lastAttemptAt;
	if (
		c.lastStatus === undefined &&
		lastAt === undefined &&
		c.attempts === undefined &&
		c.nextRetryAt === undefined &&
		c.lastCallSid === undefined
	) {
		// a fresh contact (most of a new list)
		ctx.fresh = true;
		return g.gate === 'open' ? 'circle_paused' : null;
	}
	const sid = c.lastCallSid;
	if (sid !== undefined && ctx.liveSids.size !== 0 && typeof sid === 'string' && ctx.liveSids.has(sid)) return 'already_in_flight';
	const status = cachedStatus(ctx, c.lastStatus);
	ctx.status = status;
	if (lastAt !== undefined && lastAt !== null && rowShowsLiveCall(ctx, c, status)) return 'already_in_flight';
	if (status === 'completed') return 'done';
	const cat = status === '' ? undefined : categoryOf(status);
	let attempts = c.attempts === undefined || c.attempts === null ? 0 : toCount(c.attempts);
	let waived = c.refunded === true;
	if (g.trips !== undefined && ctx.settings.refundOutageAttempts && !waived && attempts > 0 && (cat === 'failed' || cat === 'noAnswer')) {
		const at = toTime(lastAt);
		if (at !== null && trippedAfter(g.trips, at, ctx.healthWindowMs, ctx.now, g.tl)) {
			attempts -= 1;
			ctx.refund = true;
			waived = true;
		}
	}
	ctx.used = attempts;
	ctx.fresh = attempts === 0;
	if (attempts >= ctx.settings.maxAttempts) return 'attempts_used';
	if (!waived) {
		const next = toTime(c.nextRetryAt);
		if (next !== null) {
			if (next > ctx.now) return 'retry_not_due';
		} else if (status !== '') {
			const at = toTime(lastAt);
			if (at !== null) {
				const gap = retryGapMs(ctx.settings, status === 'not-placed' ? 'notPlaced' : (cat ?? 'other'));
				if (gap !== null && at + gap > ctx.now) return 'retry_not_due';
			}
		}
	}
	if (g.gate === 'open') return 'circle_paused';
	// The row is about to be overwritten by a new call: its previous call must be counted (and settled) first.
	if (typeof sid === 'string' && sid !== '' && status !== 'not-placed') {
		const at = toTime(lastAt);
		if (at !== null && at >= ctx.watermark) {
			const m = ctx.done.countedMinute(sidHash(sid));
			if (m === undefined || (m + 1) * 60000 > ctx.now - ctx.settleMs) {
				ctx.unsettled = true;
				return 'already_in_flight';
			}
		}
	}
	return null;
}

function formatTime(ctx: EligibilityContext, t: number): string {
	if (ctx.fmt === null) ctx.fmt = localFormatter(ctx.settings, ctx.now);
	return ctx.fmt(t);
}

/** When the contact may become eligible again, where known (call right after classify for the same contact). */
export function holdRetryAt(ctx: EligibilityContext, c: ContactInput, reason: HoldReason): number | undefined {
	const s = ctx.settings;
	switch (reason) {
		case 'window_closed':
			return ctx.window.opensAt;
		case 'already_in_flight': {
			if (ctx.unsettled) return ctx.now + s.tickSeconds * 1000;
			const inState = ctx.liveByContact.get(c.key);
			const at = toTime(c.lastAttemptAt);
			return inState ?? (at !== null ? at + ctx.leaseMs : undefined);
		}
		case 'retry_not_due': {
			const next = toTime(c.nextRetryAt);
			if (next !== null) return next;
			const at = toTime(c.lastAttemptAt);
			const gap = retryGapMs(s, ctx.status === 'not-placed' ? 'notPlaced' : (categoryOf(ctx.status) ?? 'other'));
			return at !== null && gap !== null ? at + gap : undefined;
		}
		case 'circle_paused': {
			const g = ctx.gates.get(ctx.circle);
			return g && g.gate === 'open' ? g.openUntil : undefined;
		}
		case 'budget_used':
			return ctx.now + s.tickSeconds * 1000;
		default:
			return undefined;
	}
}

/**
 * Plain words for a hold, the same for every contact with the same reason, circle and last status (the
 * per-contact time is in holdRetryAt). Call right after classify for the same contact.
 */
export function holdMessage(ctx: EligibilityContext, c: ContactInput, reason: HoldReason): string {
	const s = ctx.settings;
	switch (reason) {
		case 'invalid':
			return typeof c.key !== 'string' || !c.key ? 'No contact key (phone number).' : 'No circle for this number; look it up first.';
		case 'campaign_paused':
			return 'The campaign is paused.';
		case 'window_closed':
			return `Outside the calling window (${s.callingStart}-${s.callingEnd} ${s.timezone}); next opening ${formatTime(ctx, ctx.window.opensAt)}.`;
		case 'dnd':
			return 'The number is on the DND list and calling DND numbers is not allowed.';
		case 'dnd_unknown':
			return 'Exotel could not say whether the number is on the DND list (DND "Unavailable"); it is held like a DND number unless "Allow DND Numbers" is on.';
		case 'already_in_flight':
			return ctx.unsettled
				? 'The outcome of the last call is still being recorded (it must be counted before the row is overwritten).'
				: 'A call to this number is still in progress (no outcome yet).';
		case 'done':
			return 'The last call completed; nothing more to do.';
		case 'attempts_used':
			return `All ${s.maxAttempts} attempts used.`;
		case 'retry_not_due':
			return `Waiting for the re-call gap after "${ctx.status || 'the last call'}".`;
		case 'circle_paused': {
			const g = ctx.gates.get(ctx.circle);
			return g && g.gate === 'open'
				? `Circle ${ctx.circle} is paused (looks down); it will be probed at ${formatTime(ctx, g.openUntil)}.`
				: `Circle ${ctx.circle} is being probed after an outage; only a few test calls go out.`;
		}
		case 'budget_used':
			return "Eligible, but this tick's call budget went to other contacts.";
	}
}

/** Plain words and the retry time for a hold (call right after classify for the same contact). */
export function explainHold(ctx: EligibilityContext, c: ContactInput, reason: HoldReason): { message: string; retryAt?: number } {
	const retryAt = holdRetryAt(ctx, c, reason);
	let message = holdMessage(ctx, c, reason);
	if (reason === 'retry_not_due' && retryAt !== undefined) message = message.slice(0, -1) + ` until ${formatTime(ctx, retryAt)}.`;
	return retryAt === undefined ? { message } : { message, retryAt };
}
