/** 'not-found': a Call Details lookup (reconciliation) missed the call; asked again later, or abandoned. */
import type { OutcomeBatch } from './batch';
import type { Report } from './report';
import type { OutcomeResult } from './types';

/** Lookups that miss a call, past its lease, before it is abandoned. */
const MAX_MISSES = 3;

export function recordNotFound(b: OutcomeBatch, r: Report): OutcomeResult {
	const { now } = b;
	const call = b.bySid.get(r.sid);
	if (!call) return { ...r.base, action: 'ignored', message: 'Not in flight; nothing to do.' };
	call.lookupMisses = (call.lookupMisses ?? 0) + 1;
	call.nextCheckAt = now + b.recheckMs;
	if (call.lookupMisses >= MAX_MISSES && now > call.sendAt + b.leaseMs) {
		b.removed.add(call);
		b.bySid.delete(r.sid);
		b.state.totals.abandoned++;
		return {
			...r.base,
			action: 'abandoned',
			message: `Exotel does not know ${r.sid} after ${call.lookupMisses} lookups; gave up on it.`,
			contact: call.contact,
			circle: call.circle,
		};
	}
	return {
		...r.base,
		action: 'not_found',
		message: `Exotel did not return ${r.sid}; will ask again.`,
		contact: call.contact,
		circle: call.circle,
	};
}
