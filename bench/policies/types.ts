/**
 * What a policy is to the simulation: something that is woken up on its own schedule (ticks) and by the answers
 * of the virtual Exotel, and that sends connect / call-details requests at times of its choosing.
 */
import type { Contact } from '../sim/contacts';
import type { ConnectAnswer, DetailsAnswer } from '../sim/exotel';
import type { Scenario } from '../sim/scenarios';
import type { TerminalStatus } from '../../simulator/model';

export interface ConnectTag {
	/** Attempt number as the policy counts it. */
	attempt: number;
	customField?: string;
	probe?: boolean;
}

export interface SentConnect {
	contact: number;
	sentAt: number;
	tag: ConnectTag;
}

/** A terminal status report: a status callback (with the CustomField Exotel echoes) or, for a dialler that runs
 * inside Exotel, the outcome it learns directly. */
export interface StatusReport {
	callSid: string;
	status: TerminalStatus;
	/** When the call ended (the callback's DateUpdated). */
	endAt: number;
	customField?: string;
	/** Known directly only to an internal dialler. */
	contact?: number;
	duplicate: boolean;
}

export interface PolicyHost {
	readonly contacts: readonly Contact[];
	readonly scenario: Scenario;
	/** Send a connect request at `at` (>= now). */
	connect(at: number, contact: number, tag: ConnectTag): void;
	/** Send one bulk Call Details request at `at` (>= now). */
	details(at: number, callSids: string[]): void;
}

export interface BreakerEvent {
	circle: string;
	to: 'closed' | 'open' | 'half-open';
	at: number;
	reason: string;
}

export interface Policy {
	readonly id: string;
	readonly label: string;
	/** Tick period (ms): how often the policy's own schedule wakes it. */
	readonly tickMs: number;
	/** 'callbacks' = outcomes arrive as status callbacks (may be lost/duplicated); 'internal' = Exotel's own dialler. */
	readonly outcomes: 'callbacks' | 'internal';
	init(host: PolicyHost, now: number): void;
	tick(now: number): void;
	onConnect(now: number, req: SentConnect, answer: ConnectAnswer): void;
	onStatus(now: number, report: StatusReport): void;
	onDetails(now: number, callSids: readonly string[], answer: DetailsAnswer): void;
	/** Nothing left to do, ever (the run stops once this holds and nothing is pending). */
	finished(now: number): boolean;
	/** Instrumentation (our engine only). */
	breakerLog?: BreakerEvent[];
	/** JSON size of the engine state, sampled after every tick. */
	stateBytes?: number[];
	/** CPU ms of each release() call during the run. */
	releaseMs?: number[];
	/** Policy-specific counters for the report. */
	counters?(): Record<string, number>;
	/** Anything worth printing (warnings, totals). */
	notes?(): string[];
}
