/**
 * Pacing settings: every knob of the engine with its default in one place, and validation with plain messages.
 *
 * All functions of the engine take a full, resolved `PacingSettings`. Build one with `resolveSettings(partial)`
 * (throws `PacingSettingsError` listing every problem) or `checkSettings(partial)` (returns the problems).
 * Durations are in the unit their name says (Seconds, Minutes, Hours); times passed to the engine are epoch ms.
 */
import { DateTime } from 'luxon';

export interface RetryGapMinutes {
	/** The callee was on another call. Exotel's own advice: retry after 30-60 min. */
	busy: number;
	/** Rang out. Retry in a different hour. */
	noAnswer: number;
	/** Network/number failure. Retry soon, once or twice. */
	failed: number;
	/** canceled or any other terminal status. */
	other: number;
	/** The Connect Call request itself failed (HTTP error, 429): no call was placed. */
	notPlaced: number;
}

export interface PacingSettings {
	// --- hard guards -------------------------------------------------------------------------------------
	/** Exotel's Voice API limit per account: connect + call-details requests per minute (sliding 60 s). */
	accountLimitPerMinute: number;
	/** Requests per minute kept for Call Details reconciliation; dialling uses at most limit - reserve. */
	reserveForReconciliation: number;
	/** Optional lower dialling rate (calls/min). null = as fast as the guard allows (limit - reserve). */
	maxCallsPerMinute: number | null;
	/**
	 * Calls live at once, counting the calls a tick has reserved but not yet sent (placed or reserved, no outcome
	 * yet). Set it to your Exotel plan's concurrency (Starter 10-25, Growth 50-200, Enterprise 100+). Throughput
	 * needs about rate x (mean call + tick) of it: 190/min x (55 s + 15 s) = 222, hence the default 250.
	 */
	maxInFlight: number;
	/** How often Release runs (the Schedule trigger interval). Each release spreads its calls over this span. */
	tickSeconds: number;
	/** After Exotel answers 429, no calls are released for this long. */
	rateLimitBackoffSeconds: number;

	// --- calling window (in the callee's time; India has one time zone) ------------------------------------
	timezone: string;
	/** ISO weekdays on which calls may be placed: 1 = Monday ... 7 = Sunday. */
	callingDays: number[];
	/** "HH:mm", inclusive. */
	callingStart: string;
	/** "HH:mm", exclusive: a call is never placed at or after this minute. */
	callingEnd: string;

	// --- per-contact rules -------------------------------------------------------------------------------
	/** Call numbers registered on the DND (NCPR) list. Only for transactional/service calls that may. */
	allowDnd: boolean;
	/**
	 * Call numbers whose DND status Exotel could not give (DND "Unavailable", or a DND cell that is neither yes nor
	 * no). Off: they are held like DND numbers (unless allowDnd).
	 */
	callDndUnavailable: boolean;
	/** Attempts per contact, counting the first call. Refunded attempts do not count. */
	maxAttempts: number;
	retryGapMinutes: RetryGapMinutes;

	// --- call lifetime, leases, reconciliation -------------------------------------------------------------
	/** Exotel TimeOut: how long a call rings before it is no-answer. */
	ringTimeoutSeconds: number;
	/** Exotel TimeLimit: the longest a connected call can last. */
	maxCallSeconds: number;
	/** Extra time for Exotel's status callback to arrive. lease = ring + max call + slack. */
	leaseSlackSeconds: number;
	/**
	 * Ask Exotel (Call Details) about a call with no outcome this long after it was placed. null = the full lease.
	 * Default 180 s: past the ring timeout and a typical IVR call. Asking early is cheap (one bulk request covers
	 * 100 calls; a call that is still live is just asked again later) and frees in-flight slots held by lost
	 * callbacks much sooner than the lease would.
	 */
	reconcileAfterSeconds: number | null;
	/** After a lookup (or a lookup that says "still in progress") ask again no sooner than this. */
	reconcileRecheckSeconds: number;
	/** Give up on a call with no outcome this long after it was placed (counted as "abandoned"). */
	abandonAfterMinutes: number;
	/** How long finished CallSids are remembered to ignore duplicate callbacks (bounds the state size). */
	dedupeHorizonMinutes: number;
	/**
	 * A contact is called again only once its previous call has been counted in the state for this long. Protects
	 * counts when n8n executions overwrite each other's static data: the contact row (which the next call
	 * overwrites) is the only other record of that call. Must exceed the longest execution that writes the state
	 * (other than the tick itself). Re-call gaps are longer anyway, so this rarely delays anything.
	 */
	settleSeconds: number;

	// --- circle health -------------------------------------------------------------------------------------
	/** Resolved outcomes per circle are judged over this sliding window. */
	healthWindowSeconds: number;
	/** Resolution of the window (the state keeps one counter row per circle per bucket). */
	healthBucketSeconds: number;
	/** No verdict on a circle with fewer resolved calls than this in the window (except the fast rules). */
	minVolume: number;
	/** Trip when the failed share is at least this (lower confidence bound). */
	failedShareToTrip: number;
	/** Trip when completion is at most this fraction of what is expected from the other circles (upper bound). */
	completionRatioToTrip: number;
	/** z of the Wilson score bounds (2.33 = one-sided 99%). Higher = fewer false trips, slower verdicts. */
	confidenceZ: number;
	/** The other circles must have this many resolved calls in the window to serve as a baseline. */
	minBaselineVolume: number;
	/** Fast path: this many resolved in the last fastWindowSeconds with at least fastFailedShare failed. */
	fastWindowSeconds: number;
	fastMinResolved: number;
	fastFailedShare: number;
	/**
	 * Hard-outage test: a failure counts only if it is known within this long after the call was placed (the
	 * network refuses a dead circle within seconds); a call not failed by then counts as not failed. Must cover
	 * the failure itself plus the status callback's way to the controller (with the single-writer set-up, where
	 * Release folds outcomes from the sheet, use at least tickSeconds + 10).
	 */
	failFastSeconds: number;
	/** Silent-outage test: a call with no outcome ringTimeoutSeconds + this long after placement was answered. */
	silentMatureSlackSeconds: number;
	/** Run tests (CUSUM of log-likelihood ratios): evidence needed to call a hard (failed) outage. */
	failedRunThreshold: number;
	/** ... and a silent outage (every call rings out to no-answer). ~ln(1/false-alarm probability). */
	silentRunThreshold: number;
	/**
	 * Share of other statuses the run tests still allow during an outage. Outcomes of calls placed before the
	 * outage keep arriving for a minute or two; a larger value keeps them from resetting the hard-outage run
	 * (failures arrive within seconds, so that test can afford it), a small one keeps the silent test strict.
	 */
	failedRunEpsilon: number;
	silentRunEpsilon: number;
	/** Each circle's normal mix (completion, no-answer, failed shares) is learnt with this half-life. */
	calibrationHalfLifeMinutes: number;
	/** Pseudo-outcomes pulling a circle's learnt mix towards the pooled mix while it has little data. */
	calibrationPriorWeight: number;

	// --- completion-% steering ----------------------------------------------------------------------------
	/** Give a circle that is clearly below the other circles a smaller share of each tick. */
	slowDegradedCircles: boolean;
	/** "Clearly below": upper bound of its completion < this x expected. */
	slowBelowRatio: number;
	/** The smallest share weight a degraded (but not tripped) circle gets. */
	minCircleWeight: number;
	/** Campaign target completion %, 0 = none. Shown in stats; steers the rate only with the option below. */
	targetCompletionPct: number;
	/**
	 * Also slow the WHOLE campaign when every circle together is below target. Off by default: a shortfall
	 * shared by all circles (time of day, list quality) is not an outage, and dialling slower does not raise
	 * completion for automated calls; it only lowers throughput.
	 */
	throttleWhenAllBelowTarget: boolean;
	/** Lowest rate factor the global throttle may apply. */
	minRateFactor: number;

	// --- breaker ----------------------------------------------------------------------------------------------
	/** Open for cooldown x 2^k (k = consecutive failed probe rounds / quick re-trips), capped. */
	cooldownSeconds: number;
	cooldownMaxSeconds: number;
	/** Probe calls released into a half-open circle. */
	probeCalls: number;
	/**
	 * Verification calls: while a closed circle's run test is under way (a fast failure not yet answered by
	 * calls that did not fail, or a silent run past a quarter of its threshold), it gets at least this many calls
	 * per minute from its own backlog, so a small circle collects the evidence as fast as a large one. 0 = off.
	 */
	verifyCallsPerMinute: number;

	// --- refunds ----------------------------------------------------------------------------------------------
	/** Failed/no-answer attempts into a circle that trips within the health window do not count. */
	refundOutageAttempts: boolean;
	/** Trip times kept per circle so refunds can be honoured when a contact comes back later. */
	tripHistoryHours: number;
}

export const defaultSettings: Readonly<PacingSettings> = Object.freeze({
	accountLimitPerMinute: 200,
	reserveForReconciliation: 10,
	maxCallsPerMinute: null,
	maxInFlight: 250,
	tickSeconds: 15,
	rateLimitBackoffSeconds: 30,

	timezone: 'Asia/Kolkata',
	callingDays: [1, 2, 3, 4, 5, 6, 7],
	callingStart: '09:00',
	callingEnd: '21:00',

	allowDnd: false,
	callDndUnavailable: false,
	maxAttempts: 3,
	retryGapMinutes: Object.freeze({
		busy: 30,
		noAnswer: 60,
		failed: 10,
		other: 60,
		notPlaced: 5,
	}) as RetryGapMinutes,

	ringTimeoutSeconds: 45,
	maxCallSeconds: 600,
	leaseSlackSeconds: 120,
	reconcileAfterSeconds: 180,
	reconcileRecheckSeconds: 120,
	abandonAfterMinutes: 120,
	dedupeHorizonMinutes: 15,
	settleSeconds: 120,

	healthWindowSeconds: 300,
	healthBucketSeconds: 20,
	minVolume: 20,
	failedShareToTrip: 0.5,
	completionRatioToTrip: 0.35,
	confidenceZ: 2.33,
	minBaselineVolume: 40,
	fastWindowSeconds: 60,
	fastMinResolved: 10,
	fastFailedShare: 0.8,
	failFastSeconds: 15,
	silentMatureSlackSeconds: 20,
	failedRunThreshold: 16,
	silentRunThreshold: 14,
	failedRunEpsilon: 0.2,
	silentRunEpsilon: 0.05,
	calibrationHalfLifeMinutes: 60,
	calibrationPriorWeight: 30,

	slowDegradedCircles: true,
	slowBelowRatio: 0.7,
	minCircleWeight: 0.25,
	targetCompletionPct: 0,
	throttleWhenAllBelowTarget: false,
	minRateFactor: 0.25,

	cooldownSeconds: 120,
	cooldownMaxSeconds: 1800,
	probeCalls: 3,
	verifyCallsPerMinute: 12,

	refundOutageAttempts: true,
	tripHistoryHours: 48,
}) as PacingSettings;

export type PartialSettings = Partial<Omit<PacingSettings, 'retryGapMinutes'>> & {
	retryGapMinutes?: Partial<RetryGapMinutes>;
};

export class PacingSettingsError extends Error {
	constructor(readonly problems: string[]) {
		super(`Pacing settings are not valid: ${problems.join(' ')}`);
		this.name = 'PacingSettingsError';
	}
}

/** Merges `partial` over the defaults (undefined values keep the default) and validates. */
export function checkSettings(partial?: PartialSettings | null): {
	settings: PacingSettings;
	problems: string[];
} {
	const p = (partial ?? {}) as Record<string, unknown>;
	const merged: Record<string, unknown> = {
		...defaultSettings,
		callingDays: [...defaultSettings.callingDays],
	};
	for (const [k, v] of Object.entries(p)) {
		if (v === undefined || k === 'retryGapMinutes') continue;
		merged[k] = v;
	}
	const gaps: Record<string, unknown> = { ...defaultSettings.retryGapMinutes };
	const pg = p.retryGapMinutes;
	if (pg !== undefined && pg !== null && typeof pg === 'object') {
		for (const [k, v] of Object.entries(pg as Record<string, unknown>))
			if (v !== undefined) gaps[k] = v;
	}
	merged.retryGapMinutes = gaps;
	const settings = merged as unknown as PacingSettings;
	return { settings, problems: validateSettings(settings, Object.keys(p)) };
}

/** Like checkSettings but throws PacingSettingsError when anything is wrong. */
export function resolveSettings(partial?: PartialSettings | null): PacingSettings {
	const { settings, problems } = checkSettings(partial);
	if (problems.length) throw new PacingSettingsError(problems);
	return settings;
}

function describe(v: unknown): string {
	return typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

const KNOWN_KEYS = new Set(Object.keys(defaultSettings));

/** The calling window: time zone, weekdays, start before end. */
function callingWindowProblems(s: PacingSettings): string[] {
	const problems: string[] = [];
	if (typeof s.timezone !== 'string' || !DateTime.now().setZone(s.timezone).isValid) {
		problems.push(
			`timezone ${describe(s.timezone)} is not a known IANA time zone (use "Asia/Kolkata").`,
		);
	}
	if (
		!Array.isArray(s.callingDays) ||
		s.callingDays.length === 0 ||
		!s.callingDays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)
	) {
		problems.push(
			`callingDays must list weekdays 1 (Monday) to 7 (Sunday), at least one (got ${describe(s.callingDays)}).`,
		);
	}
	const start = parseHhMm(s.callingStart);
	const end = parseHhMm(s.callingEnd);
	if (start === null)
		problems.push(
			`callingStart must be a time "HH:mm" such as "09:00" (got ${describe(s.callingStart)}).`,
		);
	if (end === null)
		problems.push(
			`callingEnd must be a time "HH:mm" such as "21:00" (got ${describe(s.callingEnd)}).`,
		);
	if (start !== null && end !== null && end <= start) {
		problems.push(
			`callingEnd (${s.callingEnd}) must be later than callingStart (${s.callingStart}) on the same day.`,
		);
	}
	return problems;
}

const RETRY_GAP_KEYS = ['busy', 'noAnswer', 'failed', 'other', 'notPlaced'];

/** One retry gap per kind of outcome, in minutes, and no other keys. */
function retryGapProblems(s: PacingSettings): string[] {
	const problems: string[] = [];
	const g = s.retryGapMinutes as unknown as Record<string, unknown>;
	for (const k of RETRY_GAP_KEYS) {
		const v = g?.[k];
		if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 60 * 24 * 30) {
			problems.push(
				`retryGapMinutes.${k} must be a number of minutes from 0 to 43200 (got ${describe(v)}).`,
			);
		}
	}
	for (const k of Object.keys(g ?? {})) {
		if (!RETRY_GAP_KEYS.includes(k)) problems.push(`Unknown setting "retryGapMinutes.${k}".`);
	}
	return problems;
}

/**
 * Checks number settings against their ranges: `check(key, min, max, integer)` adds a problem to `problems` and
 * returns false when `s[key]` is not a (whole) number from min to max.
 */
function rangeCheck(s: PacingSettings, problems: string[]) {
	return (key: keyof PacingSettings, min: number, max: number, integer = false): boolean => {
		const v = s[key] as unknown;
		if (
			typeof v !== 'number' ||
			!Number.isFinite(v) ||
			v < min ||
			v > max ||
			(integer && !Number.isInteger(v))
		) {
			problems.push(
				`${key} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${describe(v)}).`,
			);
			return false;
		}
		return true;
	};
}

/** The hard guards: the account's limit and its reserve, the rate, calls in flight, the tick. */
function guardProblems(s: PacingSettings): string[] {
	const problems: string[] = [];
	const num = rangeCheck(s, problems);
	num('accountLimitPerMinute', 1, 100000, true);
	num('reserveForReconciliation', 0, 100000, true);
	if (
		Number.isInteger(s.accountLimitPerMinute) &&
		Number.isInteger(s.reserveForReconciliation) &&
		s.reserveForReconciliation >= s.accountLimitPerMinute
	) {
		problems.push(
			`reserveForReconciliation (${s.reserveForReconciliation}) must be below accountLimitPerMinute (${s.accountLimitPerMinute}), or no call could ever be placed.`,
		);
	}
	if (s.maxCallsPerMinute !== null) num('maxCallsPerMinute', 0.1, 100000);
	num('maxInFlight', 1, 100000, true);
	num('tickSeconds', 1, 3600);
	num('rateLimitBackoffSeconds', 0, 3600);
	return problems;
}

/** DND, attempts per contact and the gaps between them. */
function contactRuleProblems(s: PacingSettings): string[] {
	const problems: string[] = [];
	if (typeof s.allowDnd !== 'boolean')
		problems.push(`allowDnd must be true or false (got ${describe(s.allowDnd)}).`);
	if (typeof s.callDndUnavailable !== 'boolean')
		problems.push(
			`callDndUnavailable must be true or false (got ${describe(s.callDndUnavailable)}).`,
		);
	rangeCheck(s, problems)('maxAttempts', 1, 50, true);
	problems.push(...retryGapProblems(s));
	return problems;
}

/**
 * A call's lifetime, its lease and reconciliation. The lease check compares several settings, so it runs only when
 * nothing else is wrong (`othersOk`: no problem found before this group).
 */
function callLifetimeProblems(s: PacingSettings, othersOk: boolean): string[] {
	const problems: string[] = [];
	const num = rangeCheck(s, problems);
	num('ringTimeoutSeconds', 5, 600);
	num('maxCallSeconds', 1, 14400);
	num('leaseSlackSeconds', 0, 3600);
	if (s.reconcileAfterSeconds !== null) num('reconcileAfterSeconds', 10, 86400);
	num('reconcileRecheckSeconds', 5, 86400);
	num('abandonAfterMinutes', 1, 60 * 24 * 7);
	num('dedupeHorizonMinutes', 1, 24 * 60);
	num('settleSeconds', 0, 3600);
	if (!othersOk || problems.length) return problems;
	const lease = s.ringTimeoutSeconds + s.maxCallSeconds + s.leaseSlackSeconds;
	if (s.abandonAfterMinutes * 60 < lease) {
		problems.push(
			`abandonAfterMinutes (${s.abandonAfterMinutes}) must be at least the lease (ringTimeoutSeconds + maxCallSeconds + leaseSlackSeconds = ${lease} s).`,
		);
	}
	return problems;
}

/** Circle health: the window and its buckets, the trip rules and the calibration of each circle's usual level. */
function healthProblems(s: PacingSettings): string[] {
	const problems: string[] = [];
	const num = rangeCheck(s, problems);
	num('healthWindowSeconds', 30, 3600);
	if (num('healthBucketSeconds', 1, 300) && Number.isFinite(s.healthWindowSeconds)) {
		if (s.healthWindowSeconds / s.healthBucketSeconds > 240) {
			problems.push(
				`healthWindowSeconds / healthBucketSeconds must be at most 240 buckets (the state keeps one row per bucket).`,
			);
		}
		if (s.healthBucketSeconds > s.fastWindowSeconds) {
			problems.push(
				`healthBucketSeconds (${s.healthBucketSeconds}) must not be longer than fastWindowSeconds (${s.fastWindowSeconds}).`,
			);
		}
	}
	num('minVolume', 1, 100000, true);
	num('failedShareToTrip', 0.05, 1);
	num('completionRatioToTrip', 0, 1);
	num('confidenceZ', 0, 5);
	num('minBaselineVolume', 1, 100000, true);
	num('fastWindowSeconds', 5, 3600);
	num('fastMinResolved', 1, 100000, true);
	num('fastFailedShare', 0.05, 1);
	num('failFastSeconds', 1, 600);
	num('silentMatureSlackSeconds', 0, 600);
	num('failedRunThreshold', 1, 100);
	num('silentRunThreshold', 1, 100);
	num('failedRunEpsilon', 0.001, 0.5);
	num('silentRunEpsilon', 0.001, 0.5);
	num('calibrationHalfLifeMinutes', 1, 60 * 24 * 7);
	num('calibrationPriorWeight', 0, 100000);
	return problems;
}

/** Completion-% steering: slowing degraded circles, the target and the campaign-wide slow-down. */
function steeringProblems(s: PacingSettings): string[] {
	const problems: string[] = [];
	const num = rangeCheck(s, problems);
	if (typeof s.slowDegradedCircles !== 'boolean')
		problems.push(`slowDegradedCircles must be true or false.`);
	num('slowBelowRatio', 0, 1);
	num('minCircleWeight', 0.01, 1);
	num('targetCompletionPct', 0, 100);
	if (typeof s.throttleWhenAllBelowTarget !== 'boolean')
		problems.push(`throttleWhenAllBelowTarget must be true or false.`);
	num('minRateFactor', 0.01, 1);
	return problems;
}

/** The breaker's cooldown and probes, refunds and the trip history kept. */
function breakerProblems(s: PacingSettings): string[] {
	const problems: string[] = [];
	const num = rangeCheck(s, problems);
	num('cooldownSeconds', 1, 86400);
	num('cooldownMaxSeconds', 1, 7 * 86400);
	if (
		Number.isFinite(s.cooldownSeconds) &&
		Number.isFinite(s.cooldownMaxSeconds) &&
		s.cooldownMaxSeconds < s.cooldownSeconds
	) {
		problems.push(
			`cooldownMaxSeconds (${s.cooldownMaxSeconds}) must not be below cooldownSeconds (${s.cooldownSeconds}).`,
		);
	}
	num('probeCalls', 1, 100, true);
	num('verifyCallsPerMinute', 0, 1000);

	if (typeof s.refundOutageAttempts !== 'boolean')
		problems.push(`refundOutageAttempts must be true or false.`);
	num('tripHistoryHours', 1, 24 * 30);
	return problems;
}

/** Returns one plain sentence per problem, in the order of the settings; empty when the settings are usable. */
export function validateSettings(s: PacingSettings, givenKeys: string[] = []): string[] {
	const problems = givenKeys
		.filter((k) => !KNOWN_KEYS.has(k))
		.map((k) => `Unknown setting "${k}".`);
	problems.push(...guardProblems(s), ...callingWindowProblems(s), ...contactRuleProblems(s));
	problems.push(...callLifetimeProblems(s, problems.length === 0));
	problems.push(...healthProblems(s), ...steeringProblems(s), ...breakerProblems(s));
	return problems;
}

/** "HH:mm" -> minutes after midnight, or null. "24:00" is allowed as an end of day. */
export function parseHhMm(value: unknown): number | null {
	if (typeof value !== 'string') return null;
	const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
	if (!m) return null;
	const h = Number(m[1]);
	const min = Number(m[2]);
	if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
	return h * 60 + min;
}

// ---- derived values (one definition each) ----------------------------------------------------------------

/** Connect requests allowed in any 60 s window. */
export function dialLimitPerMinute(s: PacingSettings): number {
	return s.accountLimitPerMinute - s.reserveForReconciliation;
}

/** The dialling rate before completion steering: min(user max, guard limit). */
export function baseRatePerMinute(s: PacingSettings): number {
	const limit = dialLimitPerMinute(s);
	return s.maxCallsPerMinute === null ? limit : Math.min(limit, s.maxCallsPerMinute);
}

/** How long a placed call may stay without outcome before we suspect a lost callback. */
export function leaseMs(s: PacingSettings): number {
	return (s.ringTimeoutSeconds + s.maxCallSeconds + s.leaseSlackSeconds) * 1000;
}

export function reconcileAfterMs(s: PacingSettings): number {
	return s.reconcileAfterSeconds === null ? leaseMs(s) : s.reconcileAfterSeconds * 1000;
}

export function retryGapMs(s: PacingSettings, category: string): number | null {
	const g = s.retryGapMinutes;
	switch (category) {
		case 'busy':
			return g.busy * 60000;
		case 'noAnswer':
			return g.noAnswer * 60000;
		case 'failed':
			return g.failed * 60000;
		case 'other':
			return g.other * 60000;
		case 'notPlaced':
			return g.notPlaced * 60000;
		default:
			return null;
	}
}
