/**
 * Ground truth of one run, recorded by the virtual Exotel (not by the policy): every request sent, every call
 * placed and how it ended, and the compliance checks made at the moment a call is placed.
 */
import { CIRCLE_CODES, type CircleCode } from '../../nodes/core/circles';
import type { OutcomeReason, TerminalStatus } from '../../simulator/model';
import type { Contact } from './contacts';
import { isWindowOpen, MINUTE } from './time';

export interface CallRecord {
	sid: string;
	contact: number;
	circle: CircleCode;
	/** 1 = the first call ever placed to this contact in this run. */
	ordinal: number;
	placedAt: number;
	endAt: number;
	status: TerminalStatus;
	reason: OutcomeReason;
	customField?: string;
	/** The policy said this is a probe call. */
	probe: boolean;
}

export interface Compliance {
	/** Calls placed outside 09:00-21:00 IST. */
	outsideWindow: number;
	/** Calls placed to DND numbers. */
	dnd: number;
	/** Calls beyond maxAttempts, not counting calls that an outage failed (those may be refunded). */
	overCap: number;
	/** Calls placed while another call to the same contact was live, or after the contact was already reached. */
	duplicates: number;
	duplicateConcurrent: number;
	duplicateAfterCompleted: number;
}

export const CIRCLE_INDEX = new Map<string, number>(CIRCLE_CODES.map((c, i) => [c, i]));

export class Ledger {
	readonly calls: CallRecord[] = [];
	readonly bySid = new Map<string, CallRecord>();
	/** Every request sent (connect + details), ascending. */
	readonly sent: number[] = [];
	connectSent = 0;
	connectAccepted = 0;
	detailsSent = 0;
	detailsAccepted = 0;
	refusedRateLimit = 0;
	refusedStorm = 0;
	/** Status callbacks: delivered, lost, duplicates delivered. */
	callbacksDelivered = 0;
	callbacksLost = 0;
	callbacksDuplicated = 0;
	readonly compliance: Compliance = {
		outsideWindow: 0,
		dnd: 0,
		overCap: 0,
		duplicates: 0,
		duplicateConcurrent: 0,
		duplicateAfterCompleted: 0,
	};
	/** A few examples of each violation, for the report. */
	readonly examples: string[] = [];

	readonly placedCount: Int32Array;
	readonly outageCalls: Int32Array;
	readonly liveUntil: Float64Array;
	readonly completedAt: Float64Array;
	readonly firstDialAt: Float64Array;

	/** Per minute after the start: accepted requests, dials per circle, completions (by end time). */
	readonly acceptedPerMinute: number[] = [];
	readonly sentPerMinute: number[] = [];
	readonly dialsPerMinute: Int32Array[] = [];
	readonly completionsPerMinute: number[] = [];

	constructor(
		readonly contacts: readonly Contact[],
		readonly start: number,
		readonly maxAttempts: number,
	) {
		const n = contacts.length;
		this.placedCount = new Int32Array(n);
		this.outageCalls = new Int32Array(n);
		this.liveUntil = new Float64Array(n);
		this.completedAt = new Float64Array(n).fill(Infinity);
		this.firstDialAt = new Float64Array(n).fill(NaN);
	}

	minute(t: number): number {
		return Math.max(0, Math.floor((t - this.start) / MINUTE));
	}

	private bump(series: number[], t: number, by = 1): void {
		const m = this.minute(t);
		while (series.length <= m) series.push(0);
		series[m] += by;
	}

	request(t: number, accepted: boolean): void {
		this.sent.push(t);
		this.bump(this.sentPerMinute, t);
		if (accepted) this.bump(this.acceptedPerMinute, t);
	}

	/** A call was placed (connect accepted): compliance checks against the ground truth so far. */
	placed(rec: CallRecord): void {
		const c = rec.contact;
		const contact = this.contacts[c];
		const t = rec.placedAt;
		const note = (what: string) => {
			if (this.examples.length < 20)
				this.examples.push(`${what}: ${contact.key} at ${new Date(t).toISOString()}`);
		};
		if (!isWindowOpen(t)) {
			this.compliance.outsideWindow++;
			note('outside window');
		}
		if (contact.dnd) {
			this.compliance.dnd++;
			note('DND');
		}
		if (this.placedCount[c] >= this.maxAttempts + this.outageCalls[c]) {
			this.compliance.overCap++;
			note(
				`over cap (call ${this.placedCount[c] + 1}, ${this.outageCalls[c]} outage-failed before)`,
			);
		}
		if (this.liveUntil[c] > t) {
			this.compliance.duplicates++;
			this.compliance.duplicateConcurrent++;
			note('second call while one is live');
		} else if (this.completedAt[c] <= t) {
			this.compliance.duplicates++;
			this.compliance.duplicateAfterCompleted++;
			note('call after the contact was already reached');
		}
		this.placedCount[c]++;
		if (rec.reason === 'outage-hard' || rec.reason === 'outage-silent') this.outageCalls[c]++;
		this.liveUntil[c] = Math.max(this.liveUntil[c], rec.endAt);
		if (rec.status === 'completed') this.completedAt[c] = Math.min(this.completedAt[c], rec.endAt);
		if (Number.isNaN(this.firstDialAt[c])) this.firstDialAt[c] = t;
		this.calls.push(rec);
		this.bySid.set(rec.sid, rec);
		const m = this.minute(t);
		while (this.dialsPerMinute.length <= m)
			this.dialsPerMinute.push(new Int32Array(CIRCLE_CODES.length));
		this.dialsPerMinute[m][CIRCLE_INDEX.get(rec.circle)!]++;
		if (rec.status === 'completed') this.bump(this.completionsPerMinute, rec.endAt);
	}
}
