/**
 * getStats: the campaign at a glance — totals, one row per circle (counters, breaker, health window, share of
 * the next tick), the guards (requests in the last 60 s, headroom, in flight) and the completion rule in force.
 */
import { CIRCLES } from '../circles';
import type { PacingSettings } from './settings';
import { baseRatePerMinute, dialLimitPerMinute } from './settings';
import type { BreakerMode, CampaignState, CircleState, Totals } from './state';
import { cloneState } from './state';
import { storedState } from './storage';
import { advanceBreaker } from './breaker';
import { probeSlots } from './probes';
import type { CircleHealth } from './health';
import { circleWeight, globalRateFactor, healthPicture } from './health';
import { countInWindow } from './guards';
import { windowAt } from './window';

/** The circle's counters since the start, named as the campaign's (Totals). */
type CircleCounts = Pick<
	Totals,
	'attempted' | 'completed' | 'busy' | 'noAnswer' | 'failed' | 'other' | 'refunded'
>;

export interface CircleStatsRow extends CircleCounts {
	circle: string;
	circleName: string | null;
	breaker: BreakerMode;
	breakerSince: number;
	/** While open: when probing starts. */
	probeAt: number | null;
	/** Rule that last opened the breaker. */
	tripReason: string | null;
	/** Cooldown level k (cooldown = base x 2^k). */
	cooldownLevel: number;
	trips: number;
	probesReleased: number;
	probesResolved: number;
	/** completed / resolved since the start, %. */
	completionPct: number | null;
	inFlight: number;
	/** Eligible contacts and calls given at the last release; the health weight used. */
	backlog: number;
	lastRelease: number;
	weight: number;
	/** Expected calls for this circle at the next tick (open: 0, half-open: probe slots). */
	nextReleaseBudget: number;
	window: {
		resolved: number;
		completed: number;
		busy: number;
		noAnswer: number;
		failed: number;
		completionPct: number | null;
		noAnswerPct: number | null;
		failedPct: number | null;
		/** What this circle's completion is expected to be now (its normal level x the other circles' mood). */
		expectedCompletionPct: number;
		/** Pooled completion of the other closed circles in the window, and their volume. */
		baselineCompletionPct: number | null;
		baselineResolved: number;
		/** Run statistics vs their trip thresholds. */
		failedRun: number;
		silentRun: number;
	};
	belowTarget: boolean | null;
}

export interface PacingStats {
	campaign: string;
	at: number;
	paused: boolean;
	pausedAt: number | null;
	/** Why the package paused the campaign (null when the user did, or it runs). */
	pausedBecause: string | null;
	totals: Totals & {
		inFlight: number;
		reserved: number;
		resolved: number;
		completionPct: number | null;
	};
	circles: CircleStatsRow[];
	guards: {
		windowLimit: number;
		/** Connect requests planned in the 60 s ending now (including any planned for later). */
		requestsLast60s: number;
		headroom: number;
		reconcileReserve: number;
		reconcileRequestsLast60s: number;
		inFlight: number;
		maxInFlight: number;
		inFlightHeadroom: number;
		rateLimitedUntil: number | null;
	};
	rule: {
		targetCompletionPct: number;
		/** Pooled completion of all closed circles in the health window. */
		windowCompletionPct: number | null;
		throttleWhenAllBelowTarget: boolean;
		rateFactor: number;
		ratePerMinute: number;
		slowDegradedCircles: boolean;
		description: string;
	};
	callingWindow: { open: boolean; opensAt: number; closesAt: number | null };
	/** Size of the stored state (JSON bytes). */
	stateBytes: number;
}

/**
 * Finished calls of the health window (default the last 5 minutes in 20 s buckets), all circles together: the only
 * history the state keeps (state.ts: per-circle `healthWindow`). Calls counted while their circle's breaker was not closed
 * are not in it (health.ts feeds the window only from closed circles).
 */
export interface RecentActivity {
	bucketSeconds: number;
	windowSeconds: number;
	/** Oldest first; buckets without finished calls are left out. `at` = start of the bucket (epoch ms). */
	buckets: Array<{ at: number; resolved: number; completed: number }>;
}

export function recentActivity(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): RecentActivity {
	const bucketMs = settings.healthBucketSeconds * 1000;
	const last = Math.floor(now / bucketMs);
	const from = Math.floor((now - settings.healthWindowSeconds * 1000) / bucketMs);
	const pooled = new Map<number, { resolved: number; completed: number }>();
	for (const c of Object.values(state.circles)) {
		for (const b of c.healthWindow) {
			if (b[0] <= from || b[0] > last) continue;
			const p = pooled.get(b[0]) ?? { resolved: 0, completed: 0 };
			p.resolved += b[1] + b[2] + b[3] + b[4] + b[5];
			p.completed += b[1];
			pooled.set(b[0], p);
		}
	}
	const buckets = [...pooled.entries()]
		.sort((a, b) => a[0] - b[0])
		.map(([i, p]) => ({ at: i * bucketMs, ...p }));
	return {
		bucketSeconds: settings.healthBucketSeconds,
		windowSeconds: settings.healthWindowSeconds,
		buckets,
	};
}

const pct = (k: number, n: number): number | null =>
	n > 0 ? Math.round((1000 * k) / n) / 10 : null;

/** The figures every circle's row is read against: the next tick's call budget and the backlog it is shared by. */
interface TickShare {
	/** Calls the next tick gives out, all circles together. */
	tickBudget: number;
	/** Backlog of the closed circles, each weighted by its health weight. */
	weighted: number;
	inFlightBy: Map<string, number>;
}

/** One circle's row: its counters, breaker and health window, and its expected share of the next tick. */
function circleRow(
	name: string,
	c: CircleState,
	h: CircleHealth,
	share: TickShare,
	settings: PacingSettings,
): CircleStatsRow {
	const resolved =
		c.counters.completed +
		c.counters.busy +
		c.counters.noAnswer +
		c.counters.failed +
		c.counters.other;
	let next = 0;
	if (c.breaker.mode === 'half-open') next = Math.min(probeSlots(c, settings, h.exp), c.backlog);
	else if (c.breaker.mode === 'closed' && share.weighted > 0)
		next =
			Math.round(
				((share.tickBudget * c.backlog * circleWeight(h, settings)) / share.weighted) * 10,
			) / 10;
	const w = h.win;
	const winPct = pct(w.comp, w.n);
	return {
		circle: name,
		circleName: (CIRCLES as Record<string, string>)[name] ?? null,
		breaker: c.breaker.mode,
		breakerSince: c.breaker.since,
		probeAt: c.breaker.mode === 'open' ? c.breaker.until : null,
		tripReason: c.breaker.why || null,
		cooldownLevel: c.breaker.cooldownLevel,
		trips: c.trips.length,
		probesReleased: c.breaker.probesReleased,
		probesResolved: c.breaker.probeOutcomes,
		attempted: c.counters.attempted,
		completed: c.counters.completed,
		busy: c.counters.busy,
		noAnswer: c.counters.noAnswer,
		failed: c.counters.failed,
		other: c.counters.other,
		refunded: c.counters.refunded,
		completionPct: pct(c.counters.completed, resolved),
		inFlight: share.inFlightBy.get(name) ?? 0,
		backlog: c.backlog,
		lastRelease: c.allocated,
		weight: Math.round((c.weight ?? 1) * 100) / 100,
		nextReleaseBudget: next,
		window: {
			resolved: w.n,
			completed: w.comp,
			busy: w.busy,
			noAnswer: w.na,
			failed: w.fail,
			completionPct: winPct,
			noAnswerPct: pct(w.na, w.n),
			failedPct: pct(w.fail, w.n),
			expectedCompletionPct: Math.round(h.exp.p * 1000) / 10,
			baselineCompletionPct: h.exp.baselineN ? Math.round(h.exp.baselineP * 1000) / 10 : null,
			baselineResolved: h.exp.baselineN,
			failedRun: Math.round(c.cusum[0] * 10) / 10,
			silentRun: Math.round(c.cusum[1] * 10) / 10,
		},
		belowTarget:
			settings.targetCompletionPct > 0 && winPct !== null
				? winPct < settings.targetCompletionPct
				: null,
	};
}

/** The request and in-flight guards as they stand now. */
function guardStats(
	s: CampaignState,
	now: number,
	settings: PacingSettings,
): PacingStats['guards'] {
	const limit = dialLimitPerMinute(settings);
	const logTimes = s.sendLog.map((e) => e[0]);
	const requests = countInWindow(logTimes, now) + logTimes.filter((x) => x > now).length;
	return {
		windowLimit: limit,
		requestsLast60s: requests,
		headroom: Math.max(0, limit - requests),
		reconcileReserve: settings.reserveForReconciliation,
		reconcileRequestsLast60s: countInWindow(s.reconcileLog, now),
		inFlight: s.inFlight.length,
		maxInFlight: settings.maxInFlight,
		inFlightHeadroom: Math.max(0, settings.maxInFlight - s.inFlight.length),
		rateLimitedUntil: now < s.rateLimitedUntil ? s.rateLimitedUntil : null,
	};
}

/** The completion rule in force, in words. */
function ruleDescription(settings: PacingSettings): string {
	const target = settings.targetCompletionPct;
	return (
		(settings.slowDegradedCircles
			? 'A circle clearly below what the other circles show right now (scaled by its own usual level) gets a smaller share; an outage opens its breaker. '
			: 'Circles are not slowed for low completion; only an outage opens a breaker. ') +
		(target > 0
			? settings.throttleWhenAllBelowTarget
				? `When all circles together are below the ${target}% target, the whole campaign slows in proportion (not below ${Math.round(settings.minRateFactor * 100)}% of the rate).`
				: `The ${target}% target is reported only: a shortfall shared by all circles is not an outage, so the rate is not cut.`
			: 'No campaign completion target is set.')
	);
}

export function getStats(state: CampaignState, now: number, settings: PacingSettings): PacingStats {
	const s = cloneState(state);
	for (const [name, c] of Object.entries(s.circles)) advanceBreaker(name, c, now);
	const pic = healthPicture(s, now, settings);
	const rateFactor = globalRateFactor(pic, settings);
	const ratePerMinute = baseRatePerMinute(settings) * rateFactor;

	const inFlightBy = new Map<string, number>();
	let reserved = 0;
	for (const f of s.inFlight) {
		inFlightBy.set(f.circle, (inFlightBy.get(f.circle) ?? 0) + 1);
		if (!f.callSid) reserved++;
	}
	let weighted = 0;
	for (const c of Object.values(s.circles))
		if (c.breaker.mode === 'closed') weighted += c.backlog * (c.weight ?? 1);
	const share: TickShare = {
		tickBudget: (ratePerMinute * settings.tickSeconds) / 60,
		weighted,
		inFlightBy,
	};
	const circles = Object.keys(s.circles)
		.sort()
		.map((name) => circleRow(name, s.circles[name], pic.circles.get(name)!, share, settings));

	const t = s.totals;
	const resolved = t.completed + t.busy + t.noAnswer + t.failed + t.other;
	const win = windowAt(now, settings);
	return {
		campaign: s.campaign,
		at: now,
		paused: s.paused,
		pausedAt: s.pausedAt,
		pausedBecause: s.pausedBecause,
		totals: {
			...t,
			inFlight: s.inFlight.length,
			reserved,
			resolved,
			completionPct: pct(t.completed, resolved),
		},
		circles,
		guards: guardStats(s, now, settings),
		rule: {
			targetCompletionPct: settings.targetCompletionPct,
			windowCompletionPct: pct(pic.pool.comp, pic.pool.n),
			throttleWhenAllBelowTarget: settings.throttleWhenAllBelowTarget,
			rateFactor,
			ratePerMinute,
			slowDegradedCircles: settings.slowDegradedCircles,
			description: ruleDescription(settings),
		},
		callingWindow: { open: win.open, opensAt: win.opensAt, closesAt: win.closesAt },
		stateBytes: Buffer.byteLength(JSON.stringify(storedState(state)), 'utf8'),
	};
}
