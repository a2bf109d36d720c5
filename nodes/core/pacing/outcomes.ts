/**
 * recordOutcomes: every status report about a call goes through here — Connect Call's answer (registers the
 * CallSid of a released call), Exotel's status callbacks ("answered" and terminal) and Call Details lookups
 * (reconciliation). Idempotent per CallSid.
 *
 *   live status (queued / ringing / in-progress, or an "answered" event)
 *     reserved by Release for that contact  -> the reservation gets its CallSid ("registered", counted attempted)
 *     already in flight                     -> lease extended (reconciliation) or nothing new
 *     unknown, with our correlation         -> registered as in flight (the reservation was erased by a lost write)
 *   terminal status (completed / busy / no-answer / failed / canceled)
 *     in flight (or reserved)               -> counted once, removed from flight, remembered as finished
 *     finished within the dedupe horizon    -> duplicate, ignored
 *     placed before the watermark           -> late duplicate of a pruned call, ignored
 *     unknown, with our correlation         -> counted once (registration lost) and remembered
 *   not-placed (Connect Call failed)         -> reservation dropped; a 429 pauses releasing for a while
 *   not-found (reconciliation miss)          -> asked again later; abandoned after repeated misses past the lease
 *
 * Each counted outcome feeds its circle's health (if the circle is closed and the call was placed after it last
 * closed), the breaker (trip rules, probe verdicts), and returns the fields to write back to the contact's row.
 */
import type { Category } from './statuses';
import { categoryOf, isLiveStatus, isRefundable, normaliseStatus } from './statuses';
import type { OutcomeInput, WriteBack } from './types';
import type { PacingSettings } from './settings';
import { leaseMs, retryGapMs } from './settings';
import type { CampaignState, CircleState, InFlightCall } from './state';
import { circleOf, cloneState, pruneInPlace } from './state';
import { addDone, DoneSet, sidHash } from './dedupe';
import { queueRowWrite } from './rowWrites';
import { countCategory } from './counters';
import { addToWindow, healthPicture, learn, mayLearn, tallyWindow, type CircleHealth, type Expected } from './health';
import { dropCall, matureRuns, noteOutcome } from './runs';
import {
	advanceBreaker,
	evaluateTrip,
	onProbeOutcome,
	openBreaker,
	type BreakerTransition,
} from './breaker';
import { trippedAfter } from './eligibility';
import { circleBucket } from '../circles';
import { correlationProblem, MAX_CORRELATION_ATTEMPT } from '../correlation';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { floor, max, min } = Math;

export type OutcomeAction =
	| 'registered'
	| 'counted'
	| 'duplicate'
	| 'late'
	| 'live_update'
	| 'lease_extended'
	| 'not_placed'
	| 'not_found'
	| 'abandoned'
	| 'ignored';

export interface OutcomeResult {
	/** Position in the input. */
	index: number;
	callSid: string | null;
	action: OutcomeAction;
	message: string;
	status: string;
	category?: Category;
	contact?: string;
	circle?: string;
	attempt?: number;
	refunded?: boolean;
	/** Fields to store in the contact's row (registrations, counted outcomes, not-placed). */
	writeBack?: WriteBack;
}

export interface RecordResult {
	state: CampaignState;
	results: OutcomeResult[];
	/** All write-backs of this batch, in input order (the last one per contact is what the row should hold). */
	writeBacks: WriteBack[];
	transitions: BreakerTransition[];
	warnings: string[];
}

const MAX_MISSES = 3;
/** How far past now (plus one tick) a report's release time may lie: clock skew between hosts. */
export const FUTURE_SKEW_MS = 120000;

/** The row after a call's final outcome: attempts, status, the next retry (none when final or refunded). */
export function outcomeWriteBack(
	settings: PacingSettings,
	o: { contact: string; attempt: number; callSid: string; status: string; category: Category; placedAt: number; at: number; refunded: boolean },
): WriteBack {
	const final = o.category === 'completed' || (!o.refunded && o.attempt >= settings.maxAttempts);
	const gap = retryGapMs(settings, o.category);
	return {
		contact: o.contact,
		attemptsToWrite: o.refunded ? o.attempt - 1 : o.attempt,
		lastStatus: o.status,
		lastCallSid: o.callSid,
		lastAttemptAt: o.placedAt,
		nextRetryAt: final || o.refunded || gap === null ? null : max(o.at, o.placedAt) + gap,
		final,
		refunded: o.refunded,
	};
}

/** Why a report's call fields cannot be trusted (hostile callbacks: correlation.ts), or null. */
function invalidReport(o: OutcomeInput | undefined): string | null {
	if (!o || typeof o !== 'object') return 'the report is not an object';
	if (o.correlation !== undefined && o.correlation !== null) {
		const p = correlationProblem(o.correlation);
		if (p) return `correlation id: ${p}`;
	}
	if (o.attempt !== undefined && o.attempt !== null) {
		if (typeof o.attempt !== 'number' || !Number.isInteger(o.attempt) || o.attempt < 1 || o.attempt > MAX_CORRELATION_ATTEMPT) {
			return `attempt is not a whole number from 1 to ${MAX_CORRELATION_ATTEMPT}`;
		}
	}
	if (o.circle !== undefined && o.circle !== null && typeof o.circle !== 'string') return 'circle is not text';
	if (o.contact !== undefined && o.contact !== null && typeof o.contact !== 'string') return 'contact is not text';
	return null;
}

export function recordOutcomes(
	state: CampaignState,
	outcomes: readonly OutcomeInput[],
	now: number,
	settings: PacingSettings,
): RecordResult {
	const s = cloneState(state);
	pruneInPlace(s, now, settings);
	s.updatedAt = now;
	const transitions: BreakerTransition[] = [];
	const warnings: string[] = [];
	for (const [name, c] of Object.entries(s.circles)) {
		const t = advanceBreaker(name, c, now);
		if (t) transitions.push(t);
	}

	const done = new DoneSet(s);
	const bySid = new Map<string, InFlightCall>();
	const reserved = new Map<string, InFlightCall[]>();
	for (const f of s.inFlight) {
		if (f.s) bySid.set(f.s, f);
		else {
			const list = reserved.get(f.c);
			if (list) list.push(f);
			else reserved.set(f.c, [f]);
		}
	}
	const removed = new Set<InFlightCall>();
	const lease = leaseMs(settings);
	const recheck = settings.reconcileRecheckSeconds * 1000;
	const windowMs = settings.healthWindowSeconds * 1000;
	// A call placed shortly after a trip was released before it (Release plans up to a tick ahead and releases
	// nothing into an open circle): it went into the outage and is refunded like the calls before the trip.
	const releasedAheadMs = min(settings.tickSeconds, settings.cooldownSeconds) * 1000;

	let pic = healthPicture(s, now, settings);
	const expOf = (circle: string): Expected => {
		let h = pic.circles.get(circle);
		if (!h) {
			pic = healthPicture(s, now, settings);
			h = pic.circles.get(circle)!;
		}
		return h.exp;
	};
	const freshHealth = (circle: string, cs: CircleState): CircleHealth => {
		const bucketMs = settings.healthBucketSeconds * 1000;
		return {
			win: tallyWindow(cs.win, floor((now - windowMs) / bucketMs)),
			fast: tallyWindow(cs.win, floor((now - settings.fastWindowSeconds * 1000) / bucketMs)),
			exp: expOf(circle),
		};
	};

	const takeReservation = (contact: string | undefined, attempt: number | undefined): InFlightCall | undefined => {
		if (!contact) return undefined;
		const list = reserved.get(contact);
		if (!list || !list.length) return undefined;
		let i = attempt === undefined ? -1 : list.findIndex((f) => f.a === attempt);
		if (i === -1) i = 0;
		const [f] = list.splice(i, 1);
		return f;
	};

	const results: OutcomeResult[] = [];
	/** Reports ignored as malformed (one warning for the batch). */
	const invalid = { count: 0, first: undefined as string | undefined };
	/** Reports whose release time lies beyond now + the skew (one warning for the batch). */
	const future = { count: 0 };
	const futureSkew = FUTURE_SKEW_MS + settings.tickSeconds * 1000;
	/** Live reports of unknown calls dropped at maxInFlight (one warning for the batch). */
	const overflow = { count: 0 };
	/** Counted, refundable outcomes of this batch, to patch if their circle trips later in the batch. */
	const refundCandidates: Array<{ result: OutcomeResult; circle: string; placedAt: number }> = [];

	const resolve = (
		index: number,
		sid: string,
		status: string,
		cat: Category,
		info: { contact?: string; circle: string; attempt?: number; placedAt: number; probe: boolean },
		at: number,
		source: string | undefined,
	): OutcomeResult => {
		const cs = info.circle ? circleOf(s, info.circle, now) : undefined;
		countCategory(s, cs, cat);
		addDone(s, sid, now, done);
		if (source === 'reconcile') s.totals.reconciled++;
		if (cs && info.circle) {
			if (cs.br.s === 'closed' && info.placedAt >= cs.br.closedAt) {
				const recent = at >= now - windowMs;
				if (recent) addToWindow(cs, at, cat, settings);
				const h = freshHealth(info.circle, cs);
				if (mayLearn(cs, h, settings)) learn(cs, cat, now, settings);
				noteOutcome(cs, info.placedAt, cat, at, settings);
				matureRuns(cs, now, h.exp, settings);
				if (recent) {
					const reason = evaluateTrip(h, cs, settings);
					if (reason) transitions.push(openBreaker(info.circle, cs, now, reason, settings));
				}
			} else if (cs.br.s === 'half-open' && (info.probe || info.placedAt >= cs.br.since)) {
				const t = onProbeOutcome(info.circle, cs, cat, now, settings);
				if (t) transitions.push(t);
			}
		}
		const fromSheet = source === 'sheet';
		if (fromSheet) s.totals.recovered++;
		const refunded =
			!fromSheet &&
			settings.refundOutageAttempts &&
			isRefundable(cat) &&
			!!cs &&
			trippedAfter(cs.trips, info.placedAt, windowMs, now, cs.tl, releasedAheadMs) &&
			(info.attempt ?? 0) > 0;
		if (refunded) {
			s.totals.refunded++;
			cs!.n.ref++;
		}
		const result: OutcomeResult = {
			index,
			callSid: sid,
			action: 'counted',
			message: `Counted ${status}${refunded ? ' (refunded: the circle was down)' : ''}.`,
			status,
			category: cat,
			contact: info.contact,
			circle: info.circle || undefined,
			attempt: info.attempt,
			refunded,
		};
		if (fromSheet) {
			// the row already holds this outcome (a refund, if any, is decided by Release from the row)
			result.message = `Counted ${status} from the contact row.`;
		} else if (info.contact && info.attempt !== undefined) {
			result.writeBack = outcomeWriteBack(settings, { contact: info.contact, attempt: info.attempt, callSid: sid, status, category: cat, placedAt: info.placedAt, at, refunded });
			if (!refunded && isRefundable(cat) && info.circle) {
				refundCandidates.push({ result, circle: info.circle, placedAt: info.placedAt });
			}
		} else if (info.contact) {
			warnings.push(`Outcome of ${sid} has no attempt number; nothing to write back for ${info.contact}.`);
		}
		return result;
	};

	const registrationWriteBack = (f: InFlightCall, status: string): WriteBack => ({
		contact: f.c,
		attemptsToWrite: f.a,
		lastStatus: status,
		lastCallSid: f.s,
		lastAttemptAt: f.r,
		nextRetryAt: null,
		final: false,
		refunded: false,
	});

	for (let index = 0; index < outcomes.length; index++) {
		const o = outcomes[index];
		const status = normaliseStatus(o?.status);
		const sid = typeof o?.callSid === 'string' ? o.callSid.trim() : '';
		const base = { index, callSid: sid || null, status };
		const corr = o?.correlation ?? null;
		const problem = invalidReport(o);
		if (problem) {
			s.totals.ignoredInvalid++;
			invalid.count++;
			invalid.first ??= problem;
			results.push({ ...base, action: 'ignored', message: `Ignored: ${problem}.` });
			continue;
		}
		const campaign = corr?.campaign ?? o?.campaign;
		if (campaign !== undefined && campaign !== s.campaign) {
			s.totals.unmatched++;
			results.push({ ...base, action: 'ignored', message: `Belongs to campaign "${campaign}", not "${s.campaign}".` });
			continue;
		}
		const contact = corr?.contact ?? (typeof o.contact === 'string' && o.contact ? o.contact : undefined);
		const attemptIn = corr?.attempt ?? (typeof o.attempt === 'number' ? o.attempt : undefined);
		const circleIn = circleBucket(corr?.circle ?? o.circle);
		const placedIn = corr?.releasedAt ?? (typeof o.releasedAt === 'number' ? o.releasedAt : undefined);
		const at = typeof o.at === 'number' && Number.isFinite(o.at) ? min(o.at, now) : now;
		if (placedIn !== undefined && placedIn > now + futureSkew) {
			// Release plans send times at most a tick ahead: a later release time is forged or garbled, and a call
			// kept in flight from it would never reach its lease or abandonment (docs/pacing-design.md)
			s.totals.ignoredInvalid++;
			future.count++;
			results.push({ ...base, action: 'ignored', message: 'Ignored: the release time in the correlation id lies in the future.' });
			continue;
		}

		if (status === 'not-placed') {
			const f = takeReservation(contact, attemptIn);
			if (f) {
				removed.add(f);
				const cs = s.circles[f.ci];
				if (cs) {
					dropCall(cs, f.r);
					// a probe that was never placed gives its slot back
					if (f.p && cs.br.s === 'half-open' && cs.br.pr > cs.br.pd) cs.br = { ...cs.br, pr: cs.br.pr - 1 };
				}
			}
			s.totals.notPlaced++;
			if (o.rateLimited) s.rateLimitedUntil = max(s.rateLimitedUntil, now + settings.rateLimitBackoffSeconds * 1000);
			const attempt = f?.a ?? attemptIn;
			const r: OutcomeResult = {
				...base,
				action: 'not_placed',
				message: o.rateLimited ? 'Connect Call was rate limited (429); no call placed.' : 'Connect Call failed; no call placed.',
				contact: f?.c ?? contact,
				circle: f?.ci ?? (circleIn || undefined),
				attempt,
			};
			if (r.contact && attempt !== undefined) {
				r.writeBack = {
					contact: r.contact,
					attemptsToWrite: max(0, attempt - 1),
					lastStatus: 'not-placed',
					lastAttemptAt: f?.r ?? placedIn ?? now,
					nextRetryAt: now + settings.retryGapMinutes.notPlaced * 60000,
					final: false,
					refunded: false,
				};
			}
			results.push(r);
			continue;
		}
		if (!sid) {
			s.totals.unmatched++;
			results.push({ ...base, action: 'ignored', message: 'No CallSid in the report.' });
			continue;
		}
		const call = bySid.get(sid);

		if (status === 'not-found') {
			if (!call) {
				results.push({ ...base, action: 'ignored', message: 'Not in flight; nothing to do.' });
				continue;
			}
			call.m = (call.m ?? 0) + 1;
			call.n = now + recheck;
			if (call.m >= MAX_MISSES && now > call.r + lease) {
				removed.add(call);
				bySid.delete(sid);
				s.totals.abandoned++;
				results.push({ ...base, action: 'abandoned', message: `Exotel does not know ${sid} after ${call.m} lookups; gave up on it.`, contact: call.c, circle: call.ci });
			} else {
				results.push({ ...base, action: 'not_found', message: `Exotel did not return ${sid}; will ask again.`, contact: call.c, circle: call.ci });
			}
			continue;
		}

		const cat = categoryOf(status);
		const live = !cat && (isLiveStatus(status) || o.eventType === 'answered');
		if (!cat && !live) {
			results.push({ ...base, action: 'ignored', message: `Unknown status "${o.status}".` });
			continue;
		}

		if (live) {
			if (call) {
				call.ls = now;
				if (o.source === 'reconcile') {
					call.n = now + recheck;
					results.push({ ...base, action: 'lease_extended', message: `Exotel still reports ${status}; lease extended.`, contact: call.c, circle: call.ci });
				} else {
					results.push({ ...base, action: 'live_update', message: `Call is ${status}.`, contact: call.c, circle: call.ci });
				}
				continue;
			}
			// Connect Call's answer for a call Release reserved (the common case: no lookup needed)
			let f = takeReservation(contact, attemptIn);
			if (!f && done.has(sidHash(sid))) {
				s.totals.duplicatesIgnored++;
				results.push({ ...base, action: 'duplicate', message: 'This call already has an outcome.' });
				continue;
			}
			if (f) {
				f.s = sid;
				bySid.set(sid, f);
			} else if (placedIn !== undefined && placedIn < s.watermark) {
				s.totals.lateIgnored++;
				results.push({ ...base, action: 'late', message: 'Placed before the dedupe horizon; treated as already counted.' });
				continue;
			} else if (contact && placedIn !== undefined && circleIn) {
				if (s.inFlight.length - removed.size >= settings.maxInFlight) {
					// forged live reports must not grow the state (or block Release) beyond what Release itself allows
					s.totals.ignoredUnknown++;
					overflow.count++;
					results.push({ ...base, action: 'ignored', message: `Not registered: ${settings.maxInFlight} calls are already in flight.` });
					continue;
				}
				// placedIn, not min(placedIn, now): it is the call's identity on its row (Mark Dialling's lastAttemptAt);
				// Release plans up to a tick ahead, and the future-skew check above bounds it
				f = { c: contact, ci: circleIn, a: attemptIn ?? 1, r: placedIn, s: sid };
				s.inFlight.push(f);
				bySid.set(sid, f);
			} else {
				s.totals.unmatched++;
				results.push({ ...base, action: 'ignored', message: 'Not a call of this campaign (no reservation and no correlation id).' });
				continue;
			}
			s.totals.attempted++;
			if (f.ci) circleOf(s, f.ci, now).n.att++;
			results.push({
				...base,
				action: 'registered',
				message: `Call registered as ${status}.`,
				contact: f.c,
				circle: f.ci,
				attempt: f.a,
				writeBack: registrationWriteBack(f, status),
			});
			continue;
		}

		// terminal
		const category = cat!;
		if (call) {
			removed.add(call);
			bySid.delete(sid);
			results.push(
				resolve(index, sid, status, category, { contact: call.c, circle: call.ci, attempt: call.a, placedAt: call.r, probe: call.p === 1 }, at, o.source),
			);
			continue;
		}
		if (done.has(sidHash(sid))) {
			s.totals.duplicatesIgnored++;
			results.push({ ...base, action: 'duplicate', message: 'Already counted.' });
			continue;
		}
		const f = takeReservation(contact, attemptIn);
		if (f) {
			// the outcome overtook Connect Call's answer
			removed.add(f);
			s.totals.attempted++;
			if (f.ci) circleOf(s, f.ci, now).n.att++;
			results.push(resolve(index, sid, status, category, { contact: f.c, circle: f.ci, attempt: f.a, placedAt: f.r, probe: f.p === 1 }, at, o.source));
			continue;
		}
		if (placedIn === undefined) {
			s.totals.unmatched++;
			results.push({ ...base, action: 'ignored', message: 'Unknown CallSid without a correlation id; not a call of this campaign.' });
			continue;
		}
		if (placedIn < s.watermark) {
			s.totals.lateIgnored++;
			results.push({ ...base, action: 'late', message: 'Placed before the dedupe horizon; treated as already counted.' });
			continue;
		}
		s.totals.attempted++;
		if (circleIn) circleOf(s, circleIn, now).n.att++;
		results.push(resolve(index, sid, status, category, { contact, circle: circleIn, attempt: attemptIn, placedAt: placedIn, probe: false }, at, o.source));
	}

	if (removed.size) s.inFlight = s.inFlight.filter((f) => !removed.has(f));

	// The baseline moved for everyone, and time matured more calls: judge every closed circle once more.
	pic = healthPicture(s, now, settings);
	for (const [name, cs] of Object.entries(s.circles)) {
		if (cs.br.s !== 'closed') continue;
		matureRuns(cs, now, pic.circles.get(name)!.exp, settings);
		const reason = evaluateTrip(pic.circles.get(name), cs, settings);
		if (reason) transitions.push(openBreaker(name, cs, now, reason, settings));
	}

	// Outcomes counted earlier in this batch whose circle tripped since: refund them now.
	if (settings.refundOutageAttempts) {
		for (const { result, circle, placedAt } of refundCandidates) {
			const cs = s.circles[circle];
			if (!cs || !trippedAfter(cs.trips, placedAt, windowMs, now, cs.tl, releasedAheadMs) || !result.writeBack) continue;
			const wb = result.writeBack;
			result.refunded = true;
			result.message = `Counted ${result.status} (refunded: the circle was down).`;
			result.writeBack = { ...wb, attemptsToWrite: max(0, wb.attemptsToWrite - 1), refunded: true, final: false, nextRetryAt: null };
			s.totals.refunded++;
			cs.n.ref++;
		}
	}

	if (overflow.count) {
		warnings.push(`Ignored ${overflow.count} live report(s) of calls this state does not know: ${settings.maxInFlight} calls (Max In Flight) are already in flight; counted in totals.ignoredUnknown.`);
	}
	if (future.count) {
		warnings.push(`Ignored ${future.count} status report(s) whose correlation id gives a release time in the future; counted in totals.ignoredInvalid.`);
	}
	if (invalid.count) {
		warnings.push(`Ignored ${invalid.count} status report(s) with invalid fields (first: ${invalid.first}); counted in totals.ignoredInvalid.`);
	}
	const writeBacks = results.filter((r) => r.writeBack).map((r) => r.writeBack!);
	// The rows are written by the next tick (Release's row updates), one write at a time per row. A registration
	// only adds the CallSid to a row that Mark Dialling already shows as live; the outcome write carries it, so it
	// is not written on its own (one row write per call, and no state kept per live call).
	const pending = { n: s.rows ? Object.keys(s.rows).length : 0 };
	for (const r of results) if (r.writeBack && r.action !== 'registered') queueRowWrite(s, r.writeBack, pending);
	return { state: s, results, writeBacks, transitions, warnings };
}
