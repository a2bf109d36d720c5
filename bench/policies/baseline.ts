/**
 * Shared plumbing of the baseline policies: the contact book (book.ts), the CallSid -> row lookup a sheet-based
 * workflow does when a status callback arrives, and 429 handling (the contact goes back to the list).
 */
import type { ConnectAnswer, DetailsAnswer } from '../sim/exotel';
import { ContactBook } from './book';
import type { Policy, PolicyHost, SentConnect, StatusReport } from './types';

export interface ResolvedOutcome {
	at: number;
	status: string;
}

export abstract class BaselinePolicy implements Policy {
	abstract readonly id: string;
	abstract readonly label: string;
	abstract readonly tickMs: number;
	readonly outcomes: 'callbacks' | 'internal' = 'callbacks';
	protected host!: PolicyHost;
	protected book!: ContactBook;
	private readonly rowBySid = new Map<string, number>();
	/** Outcomes applied, in arrival order (for rules that steer on completion). */
	protected readonly resolved: ResolvedOutcome[] = [];

	init(host: PolicyHost): void {
		this.host = host;
		this.book = new ContactBook(host.contacts);
	}

	abstract tick(now: number): void;

	/** Send contact c at time at (marks it live now). */
	protected dial(c: number, at: number): void {
		const attempt = this.book.sending(c, at);
		this.host.connect(at, c, { attempt });
	}

	onConnect(now: number, req: SentConnect, answer: ConnectAnswer): void {
		if (answer.accepted && answer.callSid) {
			this.book.accepted(req.contact, answer.callSid);
			this.rowBySid.set(answer.callSid, req.contact);
		} else this.book.refused(req.contact, now);
	}

	onStatus(now: number, r: StatusReport): void {
		const c = r.contact ?? this.rowBySid.get(r.callSid);
		if (c === undefined) return;
		if (this.book.outcome(c, r.callSid, r.status, r.endAt)) {
			this.rowBySid.delete(r.callSid);
			this.resolved.push({ at: now, status: r.status });
		}
	}

	onDetails(_now: number, _sids: readonly string[], _answer: DetailsAnswer): void {
		// Baselines do not reconcile through Call Details.
	}

	finished(): boolean {
		return this.book.done();
	}

	notes(): string[] {
		return this.book.expired
			? [
					`${this.book.expired} call(s) without any outcome after the lease were counted as unknown attempts.`,
				]
			: [];
	}
}
