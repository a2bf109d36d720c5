/**
 * Release, reserve: every released call is reserved in the state (it blocks the contact and counts towards the
 * in-flight cap) and logged in the send log. Connect Call's answer later registers the CallSid through
 * recordOutcomes (outcomes.ts).
 */
import { encodeCorrelation, type Correlation } from '../../correlation';
import type { ContactInput } from '../types';
import type { PacingSettings } from '../settings';
import { leaseMs } from '../settings';
import type { CampaignState, CircleState, InFlightCall } from '../state';
import { circleOf } from '../state';
import { keyHash } from '../dedupe';
import { enqueueCall } from '../runs';
import { REASON_CODE } from '../eligibility';
import type { ReleasedCall } from './types';
import type { ContactScan } from './scan';
import type { CallOrder } from './pick';

export interface Reservations {
	released: ReleasedCall[];
	/** Per circle: calls released, and picked contacts dropped as invalid. */
	releasedBy: Map<string, number>;
}

/**
 * Reserves the picked calls in send order: the k-th call of `order` gets the k-th send time. A contact whose
 * correlation cannot be encoded is held invalid instead (with a warning).
 */
export function reserveCalls(
	s: CampaignState,
	contacts: readonly ContactInput[],
	scan: ContactScan,
	picked: readonly (readonly number[])[],
	order: CallOrder,
	now: number,
	settings: PacingSettings,
	warnings: string[],
): Reservations {
	const released: ReleasedCall[] = [];
	const cursor = new Map<string, number>();
	const releasedBy = new Map<string, number>();
	for (let k = 0; k < order.circles.length; k++) {
		const circle = order.circles[k];
		const pos = cursor.get(circle) ?? 0;
		cursor.set(circle, pos + 1);
		const index = picked[scan.names.indexOf(circle)][pos];
		const call = reserveCall(
			s,
			contacts[index],
			index,
			circle,
			scan,
			order.slots[k],
			now,
			settings,
		);
		if (typeof call === 'string') {
			warnings.push(call);
			scan.held.invalid++;
			if (scan.reasons) scan.reasons[index] = REASON_CODE.invalid;
		} else released.push(call);
		scan.mark[index] = -1; // no longer eligible-and-waiting
		releasedBy.set(circle, (releasedBy.get(circle) ?? 0) + 1);
	}
	return { released, releasedBy };
}

/** One call reserved and logged, or (state untouched) the warning why its correlation cannot be encoded. */
function reserveCall(
	s: CampaignState,
	contact: ContactInput,
	index: number,
	circle: string,
	scan: ContactScan,
	sendAt: number,
	now: number,
	settings: PacingSettings,
): ReleasedCall | string {
	const cs = circleOf(s, circle, now);
	const probe = cs.breaker.mode === 'half-open';
	const attempt = scan.used[index] + 1;
	const refunded = scan.refund[index] === 1;
	const placedAt = Math.ceil(sendAt / 1000) * 1000;
	const correlation: Correlation = {
		campaign: s.campaign,
		contact: contact.key,
		attempt,
		circle,
		releasedAt: placedAt,
	};
	let customField: string;
	try {
		// signed: a report can vouch for a call the state does not know only with this campaign's tag
		customField = encodeCorrelation(correlation, s.key);
	} catch (e) {
		return `${contact.key}: ${(e as Error).message}`;
	}
	correlation.tag = customField.slice(customField.lastIndexOf('|') + 1);
	reserveInState(
		s,
		cs,
		{ contact: contact.key, circle: circle, attempt: attempt, sendAt: placedAt },
		probe,
		refunded,
	);
	s.sendLog.push([sendAt, keyHash(contact.key)]);
	return {
		index,
		contact: contact.key,
		circle,
		attempt,
		decision: 'dial',
		reason: probe ? 'probe' : 'dial',
		message: probe
			? `Probe call into circle ${circle} after an outage (attempt ${attempt} of ${settings.maxAttempts}).`
			: `Call now: circle ${circle}, attempt ${attempt} of ${settings.maxAttempts}${refunded ? ' (an outage attempt was refunded)' : ''}.`,
		releasedAt: now,
		sendAt,
		delayMs: sendAt - now,
		placedAt,
		leaseUntil: placedAt + leaseMs(settings),
		customField,
		correlation,
		probe,
		refunded,
	};
}

/** A probe takes one of its half-open circle's slots; any other call joins its circle's runs (runs.ts). */
function reserveInState(
	s: CampaignState,
	cs: CircleState,
	call: InFlightCall,
	probe: boolean,
	refunded: boolean,
): void {
	if (probe) {
		call.probe = 1;
		cs.breaker = { ...cs.breaker, probesReleased: cs.breaker.probesReleased + 1 };
	} else enqueueCall(cs, call.sendAt);
	if (refunded) {
		call.reusesRefund = 1;
		s.totals.refunded++;
		cs.counters.refunded++;
	}
	s.inFlight.push(call);
}
