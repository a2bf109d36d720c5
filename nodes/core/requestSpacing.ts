/**
 * Pacing of requests inside one execution (e.g. the Connect Call node placing a tick's calls).
 * Pure: the clock is injected, nothing here waits. The node asks how long to wait, sleeps, sends, then records.
 *
 * Two rules, both applied to every send:
 *  - sliding window: never more than `maxPerWindow` sends in any `windowMs` (60 s) window, i.e. send k may not
 *    happen before send k - maxPerWindow + windowMs;
 *  - spread: with `spreadSeconds` > 0 the n sends are spaced evenly over that time, send i not before
 *    start + i * spreadSeconds / n (start = the first send), so a batch does not burst.
 *
 * The window can be shared (SendLog): executions that overlap in one n8n process (ticks of a Schedule that fires
 * again before the last one finished) then keep the account's limit together, not each on its own.
 */

export interface SpacingSettings {
	/** Maximum sends in any sliding window (Exotel's account limit is 200 calls per minute). */
	maxPerWindow: number;
	/** Seconds over which to spread the sends evenly; 0 = as fast as the window allows. */
	spreadSeconds: number;
	/** Window length in ms; 60 000 unless a test says otherwise. */
	windowMs?: number;
}

export const DEFAULT_WINDOW_MS = 60_000;
/**
 * The window Connect Call keeps: Exotel counts requests when they arrive, and a request sent exactly 60 s after
 * another can arrive inside Exotel's 60 s when the earlier one spent longer on the way (a Sheets campaign once
 * showed 171 arrivals in 60 s at a 170/min limit). One second of margin costs under 2% of the rate.
 */
export const SEND_WINDOW_MS = DEFAULT_WINDOW_MS + 1_000;
/** How long a limit learnt from Exotel's 429 answers is kept (SendLog.refused). */
export const LIMIT_MEMORY_MS = 10 * 60_000;

export interface SpacingState {
	/** Number of sends planned for this execution. */
	total: number;
	/** Sends recorded so far. */
	sent: number;
	/** Time of the first send (epoch ms), null before it. */
	startedAt: number | null;
	/** Times of the most recent sends (ascending), at most maxPerWindow of them. */
	recent: number[];
}

function checkedSettings(settings: SpacingSettings): Required<SpacingSettings> {
	const maxPerWindow = Math.floor(Number(settings.maxPerWindow));
	if (!Number.isFinite(maxPerWindow) || maxPerWindow < 1) {
		throw new Error(`Max requests per minute must be 1 or more (got ${settings.maxPerWindow})`);
	}
	const spreadSeconds = Number(settings.spreadSeconds ?? 0);
	if (!Number.isFinite(spreadSeconds) || spreadSeconds < 0) {
		throw new Error(`Spread over seconds must be 0 or more (got ${settings.spreadSeconds})`);
	}
	const windowMs = Number(settings.windowMs ?? DEFAULT_WINDOW_MS);
	if (!Number.isFinite(windowMs) || windowMs <= 0)
		throw new Error('The window must be longer than 0 ms');
	return { maxPerWindow, spreadSeconds, windowMs };
}

export function createSpacingState(total: number): SpacingState {
	return { total: Math.max(0, Math.floor(total)), sent: 0, startedAt: null, recent: [] };
}

/** Milliseconds to wait at `now` before the next send (0 = send now). */
export function waitBeforeNext(
	state: SpacingState,
	settings: SpacingSettings,
	now: number,
): number {
	const s = checkedSettings(settings);
	let earliest = now;
	if (state.startedAt !== null && s.spreadSeconds > 0 && state.total > 0) {
		const spreadTarget =
			state.startedAt + Math.floor((state.sent * s.spreadSeconds * 1000) / state.total);
		earliest = Math.max(earliest, spreadTarget);
	}
	if (state.recent.length >= s.maxPerWindow) {
		const blocking = state.recent[state.recent.length - s.maxPerWindow];
		earliest = Math.max(earliest, blocking + s.windowMs);
	}
	return Math.max(0, earliest - now);
}

/** Returns the state after a send at `at` (the input state is not changed). */
export function recordSend(
	state: SpacingState,
	settings: SpacingSettings,
	at: number,
): SpacingState {
	const s = checkedSettings(settings);
	const recent = [...state.recent, at].slice(-s.maxPerWindow);
	return {
		total: state.total,
		sent: state.sent + 1,
		startedAt: state.startedAt ?? at,
		recent,
	};
}

/**
 * The whole plan for n sends that each take `sendDurationMs` (default 0), starting at `start`:
 * the wait before each send. Used by tests and to tell the user how long a batch will take.
 */
export function planWaits(
	n: number,
	settings: SpacingSettings,
	start: number,
	sendDurationMs = 0,
): number[] {
	let state = createSpacingState(n);
	let now = start;
	const waits: number[] = [];
	for (let i = 0; i < n; i++) {
		const wait = waitBeforeNext(state, settings, now);
		waits.push(wait);
		now += wait;
		state = recordSend(state, settings, now);
		now += sendDurationMs;
	}
	return waits;
}

/**
 * Send times of every execution that places calls on one Exotel account in this process, for the sliding window.
 * Entries older than the window are dropped; at most `capacity` are kept (enough for any limit up to it).
 */
export class SendLog {
	private times: number[] = [];
	/** The limit Exotel showed by refusing a send (429), and until when it is believed. */
	private refusedAbove: { limit: number; until: number } | null = null;

	constructor(
		private readonly windowMs = DEFAULT_WINDOW_MS,
		private readonly capacity = 10_000,
	) {}

	/**
	 * Exotel refused the send made at `sentAt` (429: it counts accepted calls, so that send is dropped from the
	 * window). The sends it had accepted in the window are the account's real limit, lower than the configured one;
	 * it holds for LIMIT_MEMORY_MS, then the configured limit is tried again (the refusals may have come from
	 * another system calling on the same account, or the limit may have been raised).
	 */
	refused(sentAt: number, now: number): void {
		const at = this.times.lastIndexOf(sentAt);
		if (at >= 0) this.times.splice(at, 1);
		const accepted = Math.max(1, this.recent(now).length);
		const limit =
			this.refusedAbove && now < this.refusedAbove.until
				? Math.min(this.refusedAbove.limit, accepted)
				: accepted;
		this.refusedAbove = { limit, until: now + LIMIT_MEMORY_MS };
	}

	/** The limit learnt from a recent refusal, or undefined. */
	learntLimit(now: number): number | undefined {
		if (this.refusedAbove && now >= this.refusedAbove.until) this.refusedAbove = null;
		return this.refusedAbove?.limit;
	}

	/** Send times inside the window ending at `now`, ascending. */
	recent(now: number): number[] {
		const from = now - this.windowMs;
		let drop = 0;
		while (drop < this.times.length && this.times[drop] <= from) drop++;
		if (drop > 0) this.times = this.times.slice(drop);
		return this.times;
	}

	record(at: number): void {
		this.times.push(at);
		if (this.times.length > this.capacity) this.times = this.times.slice(-this.capacity);
	}
}

/** Convenience wrapper holding the state, with an injected clock. */
export class RequestSpacer {
	private state: SpacingState;
	private readonly log: SendLog;
	private lastSentAt: number | null = null;

	/** `log`, when given, holds the window shared with other executions (see SendLog); else the spacer has its own. */
	constructor(
		total: number,
		private readonly settings: SpacingSettings,
		private readonly clock: () => number,
		log?: SendLog,
	) {
		const checked = checkedSettings(settings);
		this.state = createSpacingState(total);
		this.log = log ?? new SendLog(checked.windowMs);
	}

	/**
	 * Milliseconds to wait before the next send. With a shared log, call markSent in the same synchronous step as
	 * a 0 answer (no await between), so two executions cannot both take the last free place in the window.
	 */
	nextWait(): number {
		const now = this.clock();
		const learnt = this.log.learntLimit(now);
		const maxPerWindow =
			learnt === undefined
				? this.settings.maxPerWindow
				: Math.min(this.settings.maxPerWindow, learnt);
		return waitBeforeNext(
			{ ...this.state, recent: this.log.recent(now) },
			{ ...this.settings, maxPerWindow },
			now,
		);
	}

	/** Call right before each send. */
	markSent(): void {
		const at = this.clock();
		this.state = recordSend(this.state, this.settings, at);
		this.log.record(at);
		this.lastSentAt = at;
	}

	/**
	 * The last send was refused as over the account's limit (429): it does not count, and the window now keeps the
	 * limit Exotel showed (SendLog.refused), so nextWait() answers when a place in Exotel's window frees up.
	 */
	markRefused(): void {
		if (this.lastSentAt === null) return;
		this.state = {
			...this.state,
			sent: Math.max(0, this.state.sent - 1),
			recent: this.state.recent.slice(0, -1),
		};
		this.log.refused(this.lastSentAt, this.clock());
		this.lastSentAt = null;
	}

	/** The per-window limit learnt from Exotel's refusals, or undefined. */
	learntLimit(): number | undefined {
		return this.log.learntLimit(this.clock());
	}

	get snapshot(): SpacingState {
		return { ...this.state, recent: [...this.state.recent] };
	}
}
