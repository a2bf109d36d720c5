/**
 * The ledger: ground truth of everything the simulator did, read by tests, the benchmark and /_sim/ledger.
 * Calls carry their true outcome (known at creation), connect requests every accept/reject decision, and each call
 * every callback attempt.
 */
import type { CircleCode } from '../nodes/core/circles';
import type { CallOutcome, CallVariant, TerminalStatus } from './model';

export interface CallbackAttempt {
	eventType: 'answered' | 'terminal';
	/** 1-based attempt number (0 for a dropped callback that was never sent). */
	attempt: number;
	url: string;
	/** Virtual time the attempt was sent (for a dropped callback: when it would have been sent). */
	sentAt: string;
	sentAtMs: number;
	/** Virtual ISO time the attempt finished (null when dropped). */
	deliveredAt: string | null;
	deliveredAtMs: number | null;
	httpStatus?: number;
	error?: string;
	duplicate: boolean;
	dropped: boolean;
	contentType: 'multipart/form-data' | 'application/json';
}

export interface LedgerCall {
	sid: string;
	accountSid: string;
	variant: CallVariant;
	from: string;
	to: string | null;
	callerId: string;
	/** The number whose outcome is modelled (To for number calls, From for flow calls). */
	customerNumber: string;
	circle: CircleCode;
	dnd: boolean;
	customField: string | null;
	statusCallback: string | null;
	createdAt: string;
	createdAtMs: number;
	realCreatedAt: string;
	/** True outcome (the call shows in-progress until endedAt). */
	status: TerminalStatus;
	reason: CallOutcome['reason'];
	endedAt: string;
	endedAtMs: number;
	durations: { ring: number; talk: number; total: number };
	legs: CallOutcome['legs'];
	price: number;
	callbacks: CallbackAttempt[];
}

export interface ConnectRequestEntry {
	/** Virtual epoch ms. */
	at: number;
	atIso: string;
	accountSid: string | null;
	httpStatus: number;
	/** 'accepted', 'rate-limit', 'storm', 'insufficient-balance', 'server-error', 'auth', 'forbidden', 'dnd', 'validation: …' */
	reason: string;
	sid?: string;
}

export interface RequestEntry {
	at: number;
	method: string;
	path: string;
	httpStatus: number;
}

export interface LedgerCounts {
	calls: number;
	byStatus: Record<TerminalStatus, number>;
	byCircle: Partial<Record<CircleCode, Record<TerminalStatus, number>>>;
	connectRequests: number;
	connectAccepted: number;
	connectRejected: Record<string, number>;
	callbacks: {
		attempts: number;
		delivered: number;
		failed: number;
		dropped: number;
		duplicates: number;
	};
}

const emptyStatusCounts = (): Record<TerminalStatus, number> => ({
	completed: 0,
	busy: 0,
	'no-answer': 0,
	failed: 0,
});

export class Ledger {
	readonly calls: LedgerCall[] = [];
	readonly connectRequests: ConnectRequestEntry[] = [];
	/** Every Exotel API request (bounded to the most recent `maxRequests`). */
	readonly requests: RequestEntry[] = [];
	private readonly bySid = new Map<string, LedgerCall>();

	constructor(private readonly maxRequests = 100_000) {}

	addCall(call: LedgerCall): void {
		this.calls.push(call);
		this.bySid.set(call.sid, call);
	}

	call(sid: string): LedgerCall | undefined {
		return this.bySid.get(sid);
	}

	addConnectRequest(entry: ConnectRequestEntry): void {
		this.connectRequests.push(entry);
	}

	addRequest(entry: RequestEntry): void {
		this.requests.push(entry);
		if (this.requests.length > this.maxRequests)
			this.requests.splice(0, this.requests.length - this.maxRequests);
	}

	addCallback(sid: string, attempt: CallbackAttempt): void {
		this.bySid.get(sid)?.callbacks.push(attempt);
	}

	/**
	 * Most connect requests seen in any window of `windowMs` (virtual time). `which`: 'all' requests the clients sent
	 * (default) or only the 'accepted' ones.
	 */
	maxRequestsInAnyWindow(windowMs = 60_000, which: 'all' | 'accepted' = 'all'): number {
		const times = this.connectRequests
			.filter((r) => which === 'all' || r.httpStatus === 200)
			.map((r) => r.at)
			.sort((a, b) => a - b);
		let max = 0;
		let start = 0;
		for (let end = 0; end < times.length; end++) {
			while (times[end] - times[start] >= windowMs) start++;
			max = Math.max(max, end - start + 1);
		}
		return max;
	}

	counts(): LedgerCounts {
		const byStatus = emptyStatusCounts();
		const byCircle: LedgerCounts['byCircle'] = {};
		const callbacks = { attempts: 0, delivered: 0, failed: 0, dropped: 0, duplicates: 0 };
		for (const call of this.calls) {
			byStatus[call.status]++;
			(byCircle[call.circle] ??= emptyStatusCounts())[call.status]++;
			for (const cb of call.callbacks) {
				if (cb.dropped) {
					callbacks.dropped++;
					continue;
				}
				callbacks.attempts++;
				if (cb.duplicate) callbacks.duplicates++;
				if (cb.httpStatus !== undefined && cb.httpStatus >= 200 && cb.httpStatus < 300)
					callbacks.delivered++;
				else callbacks.failed++;
			}
		}
		const connectRejected: Record<string, number> = {};
		let connectAccepted = 0;
		for (const r of this.connectRequests) {
			if (r.httpStatus === 200) connectAccepted++;
			else {
				const key = r.reason.startsWith('validation') ? 'validation' : r.reason;
				connectRejected[key] = (connectRejected[key] ?? 0) + 1;
			}
		}
		return {
			calls: this.calls.length,
			byStatus,
			byCircle,
			connectRequests: this.connectRequests.length,
			connectAccepted,
			connectRejected,
			callbacks,
		};
	}

	clear(): void {
		this.calls.length = 0;
		this.connectRequests.length = 0;
		this.requests.length = 0;
		this.bySid.clear();
	}

	toJSON() {
		return {
			counts: this.counts(),
			maxConnectRequestsInAnyMinute: this.maxRequestsInAnyWindow(60_000),
			calls: this.calls,
			connectRequests: this.connectRequests,
		};
	}
}
