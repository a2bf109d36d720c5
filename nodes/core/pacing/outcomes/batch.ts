/**
 * The batch: what every handler of one recordOutcomes call shares — the new state, the calls in flight indexed for
 * lookup, the health picture, and the counters behind the batch's warnings.
 */
import type { PacingSettings } from '../settings';
import { leaseMs } from '../settings';
import type { CampaignState, InFlightCall } from '../state';
import { circleOf, cloneState, pruneInPlace } from '../state';
import { DoneSet } from '../dedupe';
import { healthPicture, type HealthPicture } from '../health';
import { advanceBreaker, type BreakerTransition } from '../breaker';
import type { OutcomeResult } from './types';
import { FUTURE_SKEW_MS, type Report } from './report';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { min } = Math;

/** A counted, refundable outcome, to refund if its circle trips later in the batch (close.ts). */
export interface RefundCandidate {
	result: OutcomeResult;
	circle: string;
	placedAt: number;
}

export interface OutcomeBatch {
	/** The new state: a clone of the caller's, changed in place by the handlers. */
	readonly state: CampaignState;
	readonly now: number;
	readonly settings: PacingSettings;
	/** The calls already counted (dedupe horizon). */
	readonly done: DoneSet;
	/** Registered calls in flight, by CallSid. */
	readonly bySid: Map<string, InFlightCall>;
	/** Calls Release reserved that have no CallSid yet, by contact. */
	readonly reserved: Map<string, InFlightCall[]>;
	/** Calls that left flight in this batch; taken out of state.inFlight once, at the end. */
	readonly removed: Set<InFlightCall>;
	readonly leaseMs: number;
	readonly recheckMs: number;
	readonly windowMs: number;
	/**
	 * A call placed shortly after a trip was released before it (Release plans up to a tick ahead and releases
	 * nothing into an open circle): it went into the outage and is refunded like the calls before the trip.
	 */
	readonly releasedAheadMs: number;
	readonly futureSkewMs: number;
	/** Window tallies and expectations of every circle; recomputed when a circle appears that it lacks. */
	health: HealthPicture;
	readonly refundCandidates: RefundCandidate[];
	/** Reports ignored for reasons that get one warning per batch rather than one per report. */
	readonly ignored: {
		invalid: number;
		firstProblem: string | undefined;
		future: number;
		overflow: number;
		forged: number;
		replayed: number;
		unsigned: number;
	};
	readonly transitions: BreakerTransition[];
	readonly warnings: string[];
}

/** Clones and prunes the state, advances every breaker to now, and indexes the calls in flight. */
export function openBatch(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): OutcomeBatch {
	const s = cloneState(state);
	pruneInPlace(s, now, settings);
	s.updatedAt = now;
	const transitions: BreakerTransition[] = [];
	for (const [name, c] of Object.entries(s.circles)) {
		const t = advanceBreaker(name, c, now);
		if (t) transitions.push(t);
	}
	const done = new DoneSet(s);
	const bySid = new Map<string, InFlightCall>();
	const reserved = new Map<string, InFlightCall[]>();
	for (const f of s.inFlight) {
		if (f.callSid) bySid.set(f.callSid, f);
		else {
			const list = reserved.get(f.contact);
			if (list) list.push(f);
			else reserved.set(f.contact, [f]);
		}
	}
	return {
		state: s,
		now,
		settings,
		done,
		bySid,
		reserved,
		removed: new Set<InFlightCall>(),
		leaseMs: leaseMs(settings),
		recheckMs: settings.reconcileRecheckSeconds * 1000,
		windowMs: settings.healthWindowSeconds * 1000,
		releasedAheadMs: min(settings.tickSeconds, settings.cooldownSeconds) * 1000,
		futureSkewMs: FUTURE_SKEW_MS + settings.tickSeconds * 1000,
		health: healthPicture(s, now, settings),
		refundCandidates: [],
		ignored: {
			invalid: 0,
			firstProblem: undefined,
			future: 0,
			overflow: 0,
			forged: 0,
			replayed: 0,
			unsigned: 0,
		},
		transitions,
		warnings: [],
	};
}

/** Takes the contact's reservation for this attempt (else its first one) out of the index; undefined if none. */
export function takeReservation(
	b: OutcomeBatch,
	contact: string | undefined,
	attempt: number | undefined,
): InFlightCall | undefined {
	if (!contact) return undefined;
	const list = b.reserved.get(contact);
	if (!list || !list.length) return undefined;
	let i = attempt === undefined ? -1 : list.findIndex((f) => f.attempt === attempt);
	if (i === -1) i = 0;
	const [f] = list.splice(i, 1);
	return f;
}

/**
 * The call in flight under another CallSid that this contact and attempt already belong to, if any: Release issues
 * one correlation id per call, so a second CallSid with it is a copied (replayed) correlation id.
 */
export function inFlightUnderOtherSid(b: OutcomeBatch, r: Report): InFlightCall | undefined {
	if (!r.contact || r.attempt === undefined) return undefined;
	for (const f of b.state.inFlight) {
		if (
			f.callSid &&
			f.contact === r.contact &&
			f.attempt === r.attempt &&
			f.callSid !== r.sid &&
			!b.removed.has(f)
		)
			return f;
	}
	return undefined;
}

/** Counts a placed call (campaign and circle totals) when its CallSid is first seen. */
export function countAttempt(b: OutcomeBatch, circle: string): void {
	b.state.totals.attempted++;
	if (circle) circleOf(b.state, circle, b.now).counters.attempted++;
}
