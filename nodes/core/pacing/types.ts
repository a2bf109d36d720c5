/**
 * Input and output shapes of the engine's public API that are not state.
 */
import type { Correlation } from '../correlation';

/**
 * One contact as the user's source (e.g. a Google Sheet row) holds it. Release reads these fields; the engine's
 * write-backs (WriteBack below) tell the workflow what to store after each call.
 * Times are epoch ms (the node converts ISO strings).
 */
export interface ContactInput {
	/** Normalised phone number (+91XXXXXXXXXX), unique per campaign. */
	key: string;
	/** Telecom circle code (Number Lookup's `circle`). */
	circle?: string;
	/** 'unknown': Exotel could not say (Number Lookup's dnd 'unavailable'). */
	dnd?: boolean | 'unknown';
	/** Attempts counted so far (refunded attempts are not counted). */
	attempts?: number;
	/** Status of the last call: in-progress, completed, busy, no-answer, failed, canceled, not-placed. */
	lastStatus?: string;
	/** When the last call was placed. */
	lastAttemptAt?: number;
	/** Earliest time for the next call (written by the engine). */
	nextRetryAt?: number | null;
	lastCallSid?: string;
	/** The last attempt was already refunded (written by the engine). */
	refunded?: boolean;
}

/** What the workflow writes back to the contact's row after an outcome (or a registration). */
export interface WriteBack {
	contact: string;
	/** The new value of `attempts` (a refunded attempt is not counted). */
	attemptsToWrite: number;
	lastStatus: string;
	/** Leave the row's value alone when undefined (e.g. not-placed: there is no call). */
	lastCallSid?: string;
	lastAttemptAt: number;
	/** null = no retry planned (final, or due as soon as the circle allows after a refund). */
	nextRetryAt: number | null;
	/** No more attempts will be made for this contact. */
	final: boolean;
	refunded: boolean;
}

/** A status report about one call: Connect Call's answer, a status callback, or a Call Details lookup. */
export interface OutcomeInput {
	callSid?: string;
	/** Exotel status (any case), or 'not-placed' / 'not-found'. */
	status: string;
	/** Exotel StatusCallback EventType: 'terminal' | 'answered'. */
	eventType?: string;
	/** When it happened (epoch ms); default: now. */
	at?: number;
	correlation?: Correlation | null;
	/**
	 * Where the report came from: 'connect' (Connect Call's answer), 'callback' (status callback), 'reconcile'
	 * (Call Details; counts towards `reconciled`), 'sheet' (folded from a contact row by Release: no write-back).
	 */
	source?: 'connect' | 'callback' | 'reconcile' | string;
	contact?: string;
	circle?: string;
	attempt?: number;
	/** The call's placement time when there is no correlation (epoch ms). */
	releasedAt?: number;
	conversationDuration?: number | null;
	/** With status 'not-placed': Exotel answered 429 — pause releasing for rateLimitBackoffSeconds. */
	rateLimited?: boolean;
	/** Campaign named in the report (checked against the state's campaign when present). */
	campaign?: string;
}
