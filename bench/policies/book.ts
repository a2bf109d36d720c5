/**
 * The contact/retry rules every baseline shares, so that the baselines differ from our engine only in pacing:
 * the engine's defaults — 3 attempts, re-call gaps busy 30 min / no-answer 60 min / failed 10 min / other 60 min /
 * refused request 5 min, the 09:00-21:00 IST window, DND numbers skipped (Exotel campaigns mark them failed-dnd),
 * one call per contact at a time, the contact's row updated only by the outcome of its current call (a duplicate
 * or stale callback is ignored), and a call without any outcome after the engine's lease (ring 45 s + max call
 * 600 s + 120 s slack) treated as unknown: the attempt counts and the contact is retried after the "other" gap.
 * Contacts are taken in list order (the sheet's row order) — first attempts and due retries alike.
 */
import type { Contact } from '../sim/contacts';
import { MINUTE } from '../sim/time';

export interface BaselineRules {
	maxAttempts: number;
	gapMs: { busy: number; noAnswer: number; failed: number; other: number; notPlaced: number };
	leaseMs: number;
}

export const BASELINE_RULES: BaselineRules = {
	maxAttempts: 3,
	gapMs: {
		busy: 30 * MINUTE,
		noAnswer: 60 * MINUTE,
		failed: 10 * MINUTE,
		other: 60 * MINUTE,
		notPlaced: 5 * MINUTE,
	},
	leaseMs: (45 + 600 + 120) * 1000,
};

const IDLE = 0;
const LIVE = 1;
const FINAL = 2;

export class ContactBook {
	readonly attempts: Int32Array;
	readonly nextAt: Float64Array;
	readonly state: Uint8Array;
	readonly sentAt: Float64Array;
	readonly sid: Array<string | undefined>;
	private live = 0;
	private open: number;
	/** Calls given up as "no outcome" after the lease. */
	expired = 0;

	constructor(
		readonly contacts: readonly Contact[],
		readonly rules: BaselineRules = BASELINE_RULES,
	) {
		const n = contacts.length;
		this.attempts = new Int32Array(n);
		this.nextAt = new Float64Array(n);
		this.state = new Uint8Array(n);
		this.sentAt = new Float64Array(n);
		this.sid = new Array(n);
		this.open = n;
		for (const c of contacts) {
			if (c.dnd) {
				this.state[c.idx] = FINAL;
				this.open--;
			}
		}
	}

	/** Up to n contacts that may be dialled at t, in list order. */
	pick(n: number, t: number): number[] {
		const out: number[] = [];
		if (n <= 0) return out;
		for (let i = 0; i < this.state.length && out.length < n; i++) {
			if (this.state[i] === IDLE && this.nextAt[i] <= t) out.push(i);
		}
		return out;
	}

	/** Is any contact dialable at t? */
	anyDue(t: number): boolean {
		for (let i = 0; i < this.state.length; i++)
			if (this.state[i] === IDLE && this.nextAt[i] <= t) return true;
		return false;
	}

	/** A request is about to be sent for contact c (the attempt counts from now; refunded if refused). */
	sending(c: number, t: number): number {
		this.state[c] = LIVE;
		this.live++;
		this.attempts[c]++;
		this.sentAt[c] = t;
		this.sid[c] = undefined;
		return this.attempts[c];
	}

	accepted(c: number, sid: string): void {
		this.sid[c] = sid;
	}

	/** Exotel refused the request (429): no call exists; retry after the not-placed gap. */
	refused(c: number, t: number): void {
		if (this.state[c] !== LIVE) return;
		this.attempts[c]--;
		this.state[c] = IDLE;
		this.live--;
		this.nextAt[c] = t + this.rules.gapMs.notPlaced;
	}

	/** A terminal outcome. Ignored unless it is the contact's current call. Returns true when applied. */
	outcome(c: number, sid: string, status: string, at: number): boolean {
		if (this.state[c] !== LIVE || this.sid[c] !== sid) return false;
		this.live--;
		if (status === 'completed' || this.attempts[c] >= this.rules.maxAttempts) {
			this.state[c] = FINAL;
			this.open--;
			return true;
		}
		const g = this.rules.gapMs;
		const gap =
			status === 'busy'
				? g.busy
				: status === 'no-answer'
					? g.noAnswer
					: status === 'failed'
						? g.failed
						: g.other;
		this.state[c] = IDLE;
		this.nextAt[c] = Math.max(at, this.sentAt[c]) + gap;
		return true;
	}

	/** Calls with no outcome after the lease: counted as attempts with unknown outcome. */
	expire(t: number): void {
		if (this.live === 0) return;
		for (let i = 0; i < this.state.length; i++) {
			if (this.state[i] !== LIVE || this.sentAt[i] + this.rules.leaseMs > t) continue;
			this.expired++;
			this.outcome(i, this.sid[i] as string, 'unknown', t);
		}
	}

	get liveCount(): number {
		return this.live;
	}

	/** Every contact is final and nothing is live. */
	done(): boolean {
		return this.open === 0 && this.live === 0;
	}
}
