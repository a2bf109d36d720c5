/**
 * The simulator's virtual clock and a scheduler that runs on it.
 * virtualNow = virtualStart + (realNow - realStart) * factor. factor 0 freezes time (tests then move it with advance()).
 * Exotel timestamps are "YYYY-MM-DD HH:mm:ss" in Asia/Kolkata; conversions use luxon only.
 */
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';

export const EXOTEL_ZONE = 'Asia/Kolkata';
export const EXOTEL_FORMAT = 'yyyy-MM-dd HH:mm:ss';

/** "YYYY-MM-DD HH:mm:ss" in Asia/Kolkata. */
export function formatExotel(ms: number): string {
	return DateTime.fromMillis(ms, { zone: EXOTEL_ZONE }).toFormat(EXOTEL_FORMAT);
}

/** ISO 8601 with the +05:30 offset. */
export function formatIso(ms: number): string {
	return DateTime.fromMillis(ms, { zone: EXOTEL_ZONE }).toISO({
		suppressMilliseconds: false,
	}) as string;
}

/** Parses "YYYY-MM-DD HH:mm:ss" (Asia/Kolkata); undefined when malformed. */
export function parseExotel(value: string): number | undefined {
	const dt = DateTime.fromFormat(value.trim(), EXOTEL_FORMAT, { zone: EXOTEL_ZONE });
	return dt.isValid ? dt.toMillis() : undefined;
}

/**
 * Parses a configured point in time: epoch ms, an ISO string (no offset => Asia/Kolkata) or an Exotel timestamp.
 * Throws on anything else so that bad config fails loudly.
 */
const parsedTimes = new Map<string, number>();

export function parseTime(value: string | number): number {
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new Error(`Invalid time: ${value}`);
		return value;
	}
	// Outage windows are checked for every call; cache the parse (pure, so safe to memoise).
	const cached = parsedTimes.get(value);
	if (cached !== undefined) return cached;
	const ms = parseTimeUncached(value);
	if (parsedTimes.size > 10_000) parsedTimes.clear();
	parsedTimes.set(value, ms);
	return ms;
}

function parseTimeUncached(value: string): number {
	const iso = DateTime.fromISO(value, { zone: EXOTEL_ZONE });
	if (iso.isValid) return iso.toMillis();
	const exotel = parseExotel(value);
	if (exotel !== undefined) return exotel;
	throw new Error(`Invalid time "${value}" (use ISO 8601, epoch ms or "YYYY-MM-DD HH:mm:ss" IST)`);
}

export interface TimerHandle {
	cancel(): void;
}

interface Timer {
	id: number;
	at: number;
	fn: () => void;
}

const MAX_TIMEOUT = 0x7fffffff;

export class SimClock {
	private virtualBase: number;
	private realBase: number;
	private rate: number;
	private timers: Timer[] = [];
	private nextId = 1;
	private realTimer: NodeJS.Timeout | undefined;
	private stopped = false;

	constructor(
		options: { factor?: number; virtualStart?: string | number | null } = {},
		private readonly realNow: () => number = () => performance.timeOrigin + performance.now(),
	) {
		this.rate = validFactor(options.factor ?? 1);
		this.realBase = this.realNow();
		this.virtualBase =
			options.virtualStart === undefined || options.virtualStart === null
				? Math.floor(this.realBase)
				: parseTime(options.virtualStart);
	}

	/** Virtual epoch milliseconds (integer). */
	now(): number {
		return Math.floor(this.virtualBase + (this.realNow() - this.realBase) * this.rate);
	}

	get factor(): number {
		return this.rate;
	}

	/** Changes the speed without a jump in virtual time. */
	setFactor(factor: number): void {
		const now = this.now();
		this.rate = validFactor(factor);
		this.rebase(now);
	}

	/** Jumps virtual time to the given instant (timers that became due run right away). */
	set(time: string | number): void {
		this.rebase(parseTime(time));
	}

	/**
	 * Moves virtual time forward by ms and runs every timer that became due, in order; while a timer runs, the clock
	 * reads that timer's own instant (so a callback due at 10:00:35 is stamped 10:00:35, not at the end of the jump).
	 */
	advance(ms: number): void {
		if (!(ms >= 0)) throw new Error('advance() needs a non-negative number of milliseconds');
		const target = this.now() + ms;
		for (let guard = 0; guard < 1_000_000; guard++) {
			const first = this.timers[0];
			if (!first || first.at > target) break;
			this.rebase(Math.max(this.now(), first.at));
		}
		this.rebase(target);
	}

	/** Real milliseconds until the given virtual instant (Infinity while frozen). */
	realDelayUntil(at: number): number {
		const delta = at - this.now();
		if (delta <= 0) return 0;
		return this.rate === 0 ? Infinity : delta / this.rate;
	}

	/** Runs fn when virtual time reaches `at`. */
	schedule(at: number, fn: () => void): TimerHandle {
		const timer: Timer = { id: this.nextId++, at, fn };
		let index = this.timers.length;
		while (index > 0 && this.timers[index - 1].at > at) index--;
		this.timers.splice(index, 0, timer);
		this.arm();
		return {
			cancel: () => {
				const i = this.timers.indexOf(timer);
				if (i >= 0) this.timers.splice(i, 1);
				this.arm();
			},
		};
	}

	/** Runs fn after `ms` of virtual time. */
	after(ms: number, fn: () => void): TimerHandle {
		return this.schedule(this.now() + Math.max(0, ms), fn);
	}

	get pendingTimers(): number {
		return this.timers.length;
	}

	/** Drops all timers; the clock still tells time. */
	clearTimers(): void {
		this.timers = [];
		this.arm();
	}

	/** Drops all timers and refuses new real timeouts (used by stop()). */
	stop(): void {
		this.stopped = true;
		this.clearTimers();
	}

	private rebase(virtualNow: number): void {
		this.realBase = this.realNow();
		this.virtualBase = virtualNow;
		this.runDue();
	}

	private runDue(): void {
		if (this.realTimer) clearTimeout(this.realTimer);
		this.realTimer = undefined;
		// Timers added while running (e.g. a retry due now) run in the same pass, in time order.
		for (let guard = 0; guard < 1_000_000; guard++) {
			const first = this.timers[0];
			if (!first || first.at > this.now()) break;
			this.timers.shift();
			try {
				first.fn();
			} catch (error) {
				// A failing timer must not stop the others; surface it without crashing the server.
				process.emitWarning(`simulator timer failed: ${(error as Error).message}`);
			}
		}
		this.arm();
	}

	private arm(): void {
		if (this.realTimer) clearTimeout(this.realTimer);
		this.realTimer = undefined;
		if (this.stopped || this.timers.length === 0) return;
		const delay = this.realDelayUntil(this.timers[0].at);
		if (delay === Infinity) return;
		this.realTimer = setTimeout(() => this.runDue(), Math.min(MAX_TIMEOUT, Math.ceil(delay)));
		this.realTimer.unref();
	}
}

function validFactor(factor: number): number {
	if (!Number.isFinite(factor) || factor < 0)
		throw new Error(`Invalid clock factor ${factor} (need a number >= 0)`);
	return factor;
}
