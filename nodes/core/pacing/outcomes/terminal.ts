/**
 * Terminal reports (completed / busy / no-answer / failed / canceled):
 *   in flight (or reserved)           -> counted once, removed from flight, remembered as finished
 *   finished within the dedupe horizon -> duplicate, ignored
 *   placed before the watermark        -> late duplicate of a pruned call, ignored
 *   unknown, with our signed correlation -> counted once (registration lost) and remembered, unless a call in
 *                                          flight already has that correlation (a copy)
 *   unknown, unsigned (x1)             -> ignored: not counted on its word (release/repair.ts brings a real one back)
 */
import type { Category } from '../statuses';
import type { InFlightCall } from '../state';
import { sidHash } from '../dedupe';
import { countAttempt, inFlightUnderOtherSid, takeReservation, type OutcomeBatch } from './batch';
import { countOutcome, type CountedCall } from './count';
import {
	ignoreDuplicate,
	ignoreLate,
	ignoreReplayed,
	ignoreUnmatched,
	ignoreUnsigned,
} from './ignored';
import type { Report } from './report';
import type { OutcomeResult } from './types';

export function recordTerminal(b: OutcomeBatch, r: Report, category: Category): OutcomeResult {
	const call = b.bySid.get(r.sid);
	if (call) {
		b.removed.add(call);
		b.bySid.delete(r.sid);
		return countOutcome(b, r, category, countedCall(call));
	}
	if (b.done.has(sidHash(r.sid))) return ignoreDuplicate(b, r.base, 'Already counted.');
	const reservation = takeReservation(b, r.contact, r.attempt);
	if (reservation) {
		// the outcome overtook Connect Call's answer
		b.removed.add(reservation);
		countAttempt(b, reservation.circle);
		return countOutcome(b, r, category, countedCall(reservation));
	}
	if (r.placedAt === undefined)
		return ignoreUnmatched(
			b,
			r.base,
			'Unknown CallSid without a correlation id; not a call of this campaign.',
		);
	if (r.placedAt < b.state.watermark) return ignoreLate(b, r.base);
	if (!r.vouched) return ignoreUnsigned(b, r.base);
	const copied = inFlightUnderOtherSid(b, r);
	if (copied) return ignoreReplayed(b, r.base, copied.callSid!);
	countAttempt(b, r.circle);
	return countOutcome(b, r, category, {
		contact: r.contact,
		circle: r.circle,
		attempt: r.attempt,
		placedAt: r.placedAt,
		probe: false,
	});
}

function countedCall(f: InFlightCall): CountedCall {
	const probe = f.probe === 1;
	return {
		contact: f.contact,
		circle: f.circle,
		attempt: f.attempt,
		placedAt: f.sendAt,
		probe,
		queued: !probe,
	};
}
