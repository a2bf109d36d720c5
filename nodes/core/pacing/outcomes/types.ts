/**
 * What recordOutcomes answers: one result per report, and the batch's state, write-backs, breaker transitions and
 * warnings.
 */
import type { Category } from '../statuses';
import type { CampaignState } from '../state';
import type { WriteBack } from '../types';
import type { BreakerTransition } from '../breaker';

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
