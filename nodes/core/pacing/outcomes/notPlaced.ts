/** 'not-placed': Connect Call failed, so the reservation is dropped; a 429 pauses releasing for a while. */
import { dropCall } from '../runs';
import { takeReservation, type OutcomeBatch } from './batch';
import { ignoreUnsigned } from './ignored';
import type { Report } from './report';
import type { OutcomeResult } from './types';
import { notPlacedWriteBack } from './writeBacks';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { max } = Math;

export function recordNotPlaced(b: OutcomeBatch, r: Report): OutcomeResult {
	const { state: s, now, settings } = b;
	const f = takeReservation(b, r.contact, r.attempt);
	// without a reservation, only a signed report (or Exotel's answer) may write a contact's row
	if (!f && !r.vouched && r.contact) return ignoreUnsigned(b, r.base);
	if (f) {
		b.removed.add(f);
		const cs = s.circles[f.circle];
		if (cs) {
			dropCall(cs, f.sendAt);
			// a probe that was never placed gives its slot back
			if (
				f.probe &&
				cs.breaker.mode === 'half-open' &&
				cs.breaker.probesReleased > cs.breaker.probeOutcomes
			)
				cs.breaker = { ...cs.breaker, probesReleased: cs.breaker.probesReleased - 1 };
		}
	}
	s.totals.notPlaced++;
	const rateLimited = r.input.rateLimited;
	if (rateLimited)
		s.rateLimitedUntil = max(s.rateLimitedUntil, now + settings.rateLimitBackoffSeconds * 1000);
	const attempt = f?.attempt ?? r.attempt;
	const result: OutcomeResult = {
		...r.base,
		action: 'not_placed',
		message: rateLimited
			? 'Connect Call was rate limited (429); no call placed.'
			: 'Connect Call failed; no call placed.',
		contact: f?.contact ?? r.contact,
		circle: f?.circle ?? (r.circle || undefined),
		attempt,
	};
	if (result.contact && attempt !== undefined) {
		result.writeBack = notPlacedWriteBack(
			settings,
			result.contact,
			attempt,
			f?.sendAt ?? r.placedAt ?? now,
			now,
		);
	}
	return result;
}
