/** The public shapes of a release (re-exported by ../release.ts and ../index.ts). */
import type { Correlation } from '../../correlation';
import type { CampaignState } from '../state';
import type { HoldReason } from '../eligibility';
import type { BreakerTransition } from '../breaker';

export interface ReleaseOptions {
	/** Also return a hold decision (reason, plain words, retryAt) for every contact not released. Slower. */
	includeHeld?: boolean;
	/** Release at most this many calls this tick. */
	maxRelease?: number;
	/** With includeHeld: build decisions for at most this many held contacts (the counts cover all). */
	heldLimit?: number;
	/**
	 * With includeHeld: decisions only for final holds (holds.ts isFinalHold), the ones a sheet must be told about.
	 * A large list's bulk (held for the budget, retries not due) is then counted, never explained.
	 */
	finalHoldsOnly?: boolean;
	/** Contacts held this tick because the outcome of a call placed as n8n stopped is being looked up (orphans.ts). */
	lookingUp?: ReadonlySet<string>;
}

export interface ReleasedCall {
	/** Position of the contact in the input list. */
	index: number;
	contact: string;
	circle: string;
	/** Attempt number of this call (write it back as `attempts` once Connect Call succeeds). */
	attempt: number;
	decision: 'dial';
	reason: 'dial' | 'probe';
	message: string;
	/** When Release ran. */
	releasedAt: number;
	/** Planned send time: do not send the connect request earlier. */
	sendAt: number;
	/** sendAt - releasedAt. */
	delayMs: number;
	/** The call's reference time (sendAt rounded up to the second): write it back as lastAttemptAt. */
	placedAt: number;
	/** No outcome by then = suspicious (reconciliation); the row blocks a re-dial until then. */
	leaseUntil: number;
	/** encodeCorrelation(correlation, the campaign key): signed (x2); pass as Exotel's CustomField. */
	customField: string;
	correlation: Correlation;
	/** A test call into a half-open circle. */
	probe: boolean;
	/** This call re-uses the number of an attempt refunded after an outage. */
	refunded: boolean;
}

export interface HeldContact {
	index: number;
	contact: string;
	circle: string;
	decision: 'hold';
	reason: HoldReason;
	message: string;
	retryAt?: number;
}

export type LimitedBy =
	| 'rate'
	| 'sixty_second_limit'
	| 'in_flight'
	| 'backlog'
	| 'rate_limited'
	| 'max_release'
	| 'none';

export interface ReleaseBudget {
	/** Rate after completion steering (calls/min). */
	ratePerMinute: number;
	/** Global completion factor applied to the rate (1 = none). */
	rateFactor: number;
	/** Token bucket before this release. */
	tokens: number;
	/** Requests allowed in any 60 s window, and how many the log holds in the window ending now (incl. planned). */
	windowLimit: number;
	requestsInWindow: number;
	inFlight: number;
	inFlightHeadroom: number;
	/** Contacts eligible now, and how many of them may go (probe slots for half-open circles). */
	eligible: number;
	capacity: number;
	released: number;
	/** The send times span this long (ms). */
	spanMs: number;
	limitedBy: LimitedBy;
}

export interface ReleaseResult {
	state: CampaignState;
	released: ReleasedCall[];
	/** Count of held contacts per reason. */
	held: Record<HoldReason, number>;
	/** Per-contact hold decisions (only with includeHeld). */
	holds: HeldContact[];
	budget: ReleaseBudget;
	transitions: BreakerTransition[];
	/** Calls re-registered or counted from contact rows (lost writes repaired). */
	recovered: number;
	warnings: string[];
}
