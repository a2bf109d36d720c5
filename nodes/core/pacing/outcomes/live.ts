/**
 * Live reports (queued / ringing / in-progress, or an "answered" event):
 *   already in flight                  -> lease extended (reconciliation) or nothing new
 *   reserved by Release for the contact -> the reservation gets its CallSid ("registered", counted attempted)
 *   unknown, with our signed correlation -> registered as in flight (the reservation was erased by a lost write),
 *                                          up to maxInFlight, unless a call in flight already has that correlation
 *   unknown, unsigned (x1)              -> ignored: not counted on its word (release/repair.ts brings a real one back)
 */
import type { InFlightCall } from '../state';
import { sidHash } from '../dedupe';
import { countAttempt, inFlightUnderOtherSid, takeReservation, type OutcomeBatch } from './batch';
import {
	ignoreDuplicate,
	ignoreLate,
	ignoreOverflow,
	ignoreReplayed,
	ignoreUnmatched,
	ignoreUnsigned,
} from './ignored';
import type { Report } from './report';
import type { OutcomeResult } from './types';
import { registrationWriteBack } from './writeBacks';

export function recordLive(b: OutcomeBatch, r: Report): OutcomeResult {
	const call = b.bySid.get(r.sid);
	if (call) return updateLiveCall(b, r, call);
	// Connect Call's answer for a call Release reserved (the common case: no lookup needed)
	const reservation = takeReservation(b, r.contact, r.attempt);
	if (reservation) {
		reservation.callSid = r.sid;
		b.bySid.set(r.sid, reservation);
		return registered(b, r, reservation);
	}
	if (b.done.has(sidHash(r.sid)))
		return ignoreDuplicate(b, r.base, 'This call already has an outcome.');
	if (r.placedAt !== undefined && r.placedAt < b.state.watermark) return ignoreLate(b, r.base);
	if (r.contact && r.placedAt !== undefined && r.circle) {
		if (!r.vouched) return ignoreUnsigned(b, r.base);
		const copied = inFlightUnderOtherSid(b, r);
		if (copied) return ignoreReplayed(b, r.base, copied.callSid!);
		return registerUnknownCall(b, r, r.contact, r.placedAt, r.circle);
	}
	return ignoreUnmatched(
		b,
		r.base,
		'Not a call of this campaign (no reservation and no correlation id).',
	);
}

function updateLiveCall(b: OutcomeBatch, r: Report, call: InFlightCall): OutcomeResult {
	if (r.input.source === 'reconcile') {
		// Only Exotel's own answer keeps a call from being abandoned (state.ts pruneInPlace): a callback can be
		// forged by anyone holding the callback secret, and a stream of them would hold the number for good.
		call.lastLiveAt = b.now;
		call.nextCheckAt = b.now + b.recheckMs;
		return {
			...r.base,
			action: 'lease_extended',
			message: `Exotel still reports ${r.status}; lease extended.`,
			contact: call.contact,
			circle: call.circle,
		};
	}
	return {
		...r.base,
		action: 'live_update',
		message: `Call is ${r.status}.`,
		contact: call.contact,
		circle: call.circle,
	};
}

/** A live call the state does not know but whose correlation id names this campaign: its reservation was lost. */
function registerUnknownCall(
	b: OutcomeBatch,
	r: Report,
	contact: string,
	placedAt: number,
	circle: string,
): OutcomeResult {
	const s = b.state;
	if (s.inFlight.length - b.removed.size >= b.settings.maxInFlight)
		return ignoreOverflow(b, r.base);
	// placedAt, not min(placedAt, now): it is the call's identity on its row (Mark Dialling's lastAttemptAt);
	// Release plans up to a tick ahead, and the future-skew check (../outcomes.ts) bounds it
	const f: InFlightCall = {
		contact: contact,
		circle: circle,
		attempt: r.attempt ?? 1,
		sendAt: placedAt,
		callSid: r.sid,
	};
	s.inFlight.push(f);
	b.bySid.set(r.sid, f);
	return registered(b, r, f);
}

function registered(b: OutcomeBatch, r: Report, f: InFlightCall): OutcomeResult {
	countAttempt(b, f.circle);
	return {
		...r.base,
		action: 'registered',
		message: `Call registered as ${r.status}.`,
		contact: f.contact,
		circle: f.circle,
		attempt: f.attempt,
		writeBack: registrationWriteBack(f, r.status),
	};
}
