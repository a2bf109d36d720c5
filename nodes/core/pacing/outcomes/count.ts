/**
 * Counting a call's final outcome, once per CallSid: totals and dedupe memory, the circle's health and breaker,
 * an outage refund, and the row's write-back.
 */
import type { Category } from '../statuses';
import { isRefundable } from '../statuses';
import type { CircleState } from '../state';
import { circleOf } from '../state';
import { addDone } from '../dedupe';
import { countCategory } from '../counters';
import { noteFinished } from '../history';
import {
	addToWindow,
	healthPicture,
	learnOrHold,
	mayLearn,
	tallyWindow,
	type CircleHealth,
	type Expected,
} from '../health';
import { matureRuns, noteOutcome } from '../runs';
import { evaluateTrip, onProbeOutcome, openBreaker } from '../breaker';
import { trippedAfter } from '../eligibility';
import type { OutcomeBatch } from './batch';
import type { Report } from './report';
import type { OutcomeResult } from './types';
import { outcomeWriteBack } from './writeBacks';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { floor } = Math;

/** The call an outcome belongs to, as the state knew it (or as the report's correlation id tells). */
export interface CountedCall {
	contact?: string;
	circle: string;
	attempt?: number;
	placedAt: number;
	/** Released as a half-open probe. */
	probe: boolean;
	/** Known to the state as released into a closed circle: the run tests' queue had it (runs.ts). */
	queued?: boolean;
}

export function countOutcome(
	b: OutcomeBatch,
	r: Report,
	category: Category,
	call: CountedCall,
): OutcomeResult {
	const { state: s, now } = b;
	const cs = call.circle ? circleOf(s, call.circle, now) : undefined;
	countCategory(s, cs, category);
	noteFinished(s, now, category === 'completed');
	addDone(s, r.sid, now, b.done);
	if (r.input.source === 'reconcile') s.totals.reconciled++;
	if (cs && call.circle) feedCircle(b, cs, call, category, r.at);
	const fromSheet = r.input.source === 'sheet';
	if (fromSheet) s.totals.recovered++;
	const refunded = !fromSheet && refundedNow(b, cs, call, category);
	if (refunded) {
		s.totals.refunded++;
		cs!.counters.refunded++;
	}
	return countedResult(b, r, category, call, refunded, fromSheet);
}

/**
 * The outcome as evidence about its circle: a closed circle learns from it and may trip, if the call was placed
 * after the circle last closed; a half-open circle judges its probes by it.
 */
function feedCircle(
	b: OutcomeBatch,
	cs: CircleState,
	call: CountedCall,
	category: Category,
	at: number,
): void {
	const { now, settings } = b;
	if (cs.breaker.mode === 'closed' && call.placedAt >= cs.breaker.closedAt) {
		const recent = at >= now - b.windowMs;
		if (recent) addToWindow(cs, at, category, settings);
		const h = circleHealthNow(b, call.circle, cs);
		if (mayLearn(cs, h, settings)) learnOrHold(cs, category, now, settings);
		noteOutcome(cs, call.placedAt, category, at, settings, call.queued);
		matureRuns(cs, now, h.exp, settings);
		if (recent) {
			const reason = evaluateTrip(h, cs, settings);
			if (reason) b.transitions.push(openBreaker(call.circle, cs, now, reason, settings));
		}
	} else if (cs.breaker.mode === 'half-open' && (call.probe || call.placedAt >= cs.breaker.since)) {
		const t = onProbeOutcome(call.circle, cs, category, now, settings, expectedOf(b, call.circle));
		if (t) b.transitions.push(t);
	}
}

/** The attempt went into an outage of its circle (tripped after it was placed), so it is not held against the contact. */
function refundedNow(
	b: OutcomeBatch,
	cs: CircleState | undefined,
	call: CountedCall,
	category: Category,
): boolean {
	return (
		b.settings.refundOutageAttempts &&
		isRefundable(category) &&
		!!cs &&
		trippedAfter(cs.trips, call.placedAt, b.windowMs, b.now, cs.tripLookback, b.releasedAheadMs) &&
		(call.attempt ?? 0) > 0
	);
}

function countedResult(
	b: OutcomeBatch,
	r: Report,
	category: Category,
	call: CountedCall,
	refunded: boolean,
	fromSheet: boolean,
): OutcomeResult {
	const { sid, status } = r;
	const result: OutcomeResult = {
		index: r.base.index,
		callSid: sid,
		action: 'counted',
		message: `Counted ${status}${refunded ? ' (refunded: the circle was down)' : ''}.`,
		status,
		category,
		contact: call.contact,
		circle: call.circle || undefined,
		attempt: call.attempt,
		refunded,
	};
	if (fromSheet) {
		// the row already holds this outcome (a refund, if any, is decided by Release from the row)
		result.message = `Counted ${status} from the contact row.`;
	} else if (call.contact && call.attempt !== undefined) {
		result.writeBack = outcomeWriteBack(b.settings, {
			contact: call.contact,
			attempt: call.attempt,
			callSid: sid,
			status,
			category,
			placedAt: call.placedAt,
			at: r.at,
			refunded,
		});
		if (!refunded && isRefundable(category) && call.circle) {
			b.refundCandidates.push({ result, circle: call.circle, placedAt: call.placedAt });
		}
	} else if (call.contact) {
		b.warnings.push(
			`Outcome of ${sid} has no attempt number; nothing to write back for ${call.contact}.`,
		);
	}
	return result;
}

/** The circle's window tallies as of now, and its expectations (the batch's picture, refreshed for a new circle). */
function circleHealthNow(b: OutcomeBatch, circle: string, cs: CircleState): CircleHealth {
	const { now, settings } = b;
	const bucketMs = settings.healthBucketSeconds * 1000;
	return {
		win: tallyWindow(cs.healthWindow, floor((now - b.windowMs) / bucketMs)),
		fast: tallyWindow(cs.healthWindow, floor((now - settings.fastWindowSeconds * 1000) / bucketMs)),
		exp: expectedOf(b, circle),
	};
}

function expectedOf(b: OutcomeBatch, circle: string): Expected {
	let h = b.health.circles.get(circle);
	if (!h) {
		b.health = healthPicture(b.state, b.now, b.settings);
		h = b.health.circles.get(circle)!;
	}
	return h.exp;
}
