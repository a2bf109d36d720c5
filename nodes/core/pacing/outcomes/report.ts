/**
 * One status report, checked and read: the call fields come from its correlation id (../../correlation.ts) when it
 * has one, else from the report's own fields.
 */
import { circleBucket } from '../../circles';
import { correlationProblem, MAX_CORRELATION_ATTEMPT } from '../../correlation';
import type { OutcomeInput } from '../types';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { min } = Math;

/** How far past now (plus one tick) a report's release time may lie: clock skew between hosts. */
export const FUTURE_SKEW_MS = 120000;

/** The fields every result of a report starts with. */
export interface ResultBase {
	index: number;
	callSid: string | null;
	status: string;
}

/** A report whose fields passed invalidReport. */
export interface Report {
	input: OutcomeInput;
	base: ResultBase;
	/** The CallSid, trimmed ('' when absent). */
	sid: string;
	/** The normalised status. */
	status: string;
	/** The campaign the report names, if any. */
	campaign: string | undefined;
	contact: string | undefined;
	attempt: number | undefined;
	/** The circle's bucket ('' when the report names none). */
	circle: string;
	/** When the call was released (placed), if the report says. */
	placedAt: number | undefined;
	/** When it happened, never later than now. */
	at: number;
	/**
	 * Whether the report may vouch for a call the state does not know: its correlation id carries this campaign's
	 * signature, or it is Exotel's own answer to a lookup the engine asked for (source 'reconcile').
	 */
	vouched: boolean;
}

/** Why a report's call fields cannot be trusted (hostile callbacks: ../../correlation.ts), or null. */
export function invalidReport(o: OutcomeInput | undefined): string | null {
	if (!o || typeof o !== 'object') return 'the report is not an object';
	if (o.correlation !== undefined && o.correlation !== null) {
		const p = correlationProblem(o.correlation);
		if (p) return `correlation id: ${p}`;
	}
	if (o.attempt !== undefined && o.attempt !== null) {
		if (
			typeof o.attempt !== 'number' ||
			!Number.isInteger(o.attempt) ||
			o.attempt < 1 ||
			o.attempt > MAX_CORRELATION_ATTEMPT
		) {
			return `attempt is not a whole number from 1 to ${MAX_CORRELATION_ATTEMPT}`;
		}
	}
	if (o.circle !== undefined && o.circle !== null && typeof o.circle !== 'string')
		return 'circle is not text';
	if (o.contact !== undefined && o.contact !== null && typeof o.contact !== 'string')
		return 'contact is not text';
	return null;
}

/** Reads a report that passed invalidReport; the correlation id wins over the report's own fields. */
export function readReport(
	o: OutcomeInput,
	base: ResultBase,
	sid: string,
	now: number,
	signed: boolean,
): Report {
	const corr = o.correlation ?? null;
	return {
		input: o,
		base,
		sid,
		status: base.status,
		campaign: corr?.campaign ?? o.campaign,
		contact: corr?.contact ?? (typeof o.contact === 'string' && o.contact ? o.contact : undefined),
		attempt: corr?.attempt ?? (typeof o.attempt === 'number' ? o.attempt : undefined),
		circle: circleBucket(corr?.circle ?? o.circle),
		placedAt: corr?.releasedAt ?? (typeof o.releasedAt === 'number' ? o.releasedAt : undefined),
		at: typeof o.at === 'number' && Number.isFinite(o.at) ? min(o.at, now) : now,
		vouched: signed || o.source === 'reconcile',
	};
}
