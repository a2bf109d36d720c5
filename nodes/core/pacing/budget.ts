/**
 * Release's budget: how many calls may go this tick, and each circle's claim on them.
 *
 * Budget = min(rate tokens, in-flight headroom, eligible capacity, maxRelease); the 60 s guard (guards.ts) then
 * plans that many send times spread evenly over the tick (clipped at the window's close) and drops any that would
 * exceed the limit in some 60 s window. The circles' claims (demands) feed allocation.ts.
 */
import type { PacingSettings } from './settings';
import { combinedRequestTimes, dialWindowLimit } from './reconcile';
import type { CampaignState, CircleState } from './state';
import { circleOf } from './state';
import type { WindowInfo } from './window';
import { countInWindow, inFlightHeadroom, planSendTimes, refillTokens } from './guards';
import { circleWeight, globalRateFactor, healthPicture, type HealthPicture } from './health';
import { probeSlots } from './probes';
import { verifyCalls } from './runs';
import type { Allotment, Demand } from './allocation';
import type { LimitedBy } from './release/types';

/** The rate this tick, after completion steering, and the token bucket it fills. */
export interface TickRate {
	/** Calls/min. */
	ratePerMinute: number;
	/** Global completion factor applied to the rate (1 = none). */
	rateFactor: number;
	/** Requests allowed in any 60 s window. */
	windowLimit: number;
	/** Token bucket after the refill, before this release. */
	tokens: number;
	health: HealthPicture;
}

/** Refills the token bucket to `now` (stored in the state) at the rate the health of the circles allows. */
export function refillRate(s: CampaignState, now: number, settings: PacingSettings): TickRate {
	const health = healthPicture(s, now, settings);
	const rateFactor = globalRateFactor(health, settings);
	// Dialling borrows the part of the reconciliation reserve that lookups will not need in the next minute
	// (reconcile.ts); the 60 s guard counts dial and Call Details requests together against that limit.
	const windowLimit = dialWindowLimit(s, now, settings);
	const ratePerMinute =
		(settings.maxCallsPerMinute === null
			? windowLimit
			: Math.min(windowLimit, settings.maxCallsPerMinute)) * rateFactor;
	const tokens = refillTokens(
		s.tokens,
		s.lastReleaseAt,
		now,
		ratePerMinute,
		settings.tickSeconds,
	).tokens;
	s.tokens = tokens;
	s.lastReleaseAt = now;
	return { ratePerMinute, rateFactor, windowLimit, tokens, health };
}

/** Calls per tick a recently re-closed circle may get (Infinity when it is not ramping). */
export function recoveryCap(
	cs: CircleState,
	now: number,
	ratePerMinute: number,
	settings: PacingSettings,
): number {
	if (cs.trips.length === 0 || !(cs.breaker.closedAt > 0)) return Infinity;
	const elapsed = now - cs.breaker.closedAt;
	const rampMs = settings.healthWindowSeconds * 1000;
	if (elapsed < 0 || elapsed >= rampMs) return Infinity;
	const tickBudget = (ratePerMinute * settings.tickSeconds) / 60;
	return Math.max(settings.probeCalls, Math.ceil((tickBudget * elapsed) / rampMs));
}

/** The circles' claims on the budget, each round sorted by circle name. */
export interface CircleDemands {
	/** First calls (and a half-open circle's probes). */
	first: Demand[];
	/** Due retries, served with what the first round leaves. */
	retry: Demand[];
	/** Contacts eligible now, and how many of them may go (probe slots for half-open circles, recovery ramps). */
	eligible: number;
	capacity: number;
}

/** Eligible contacts per circle, as scanned: names with backlog and freshBacklog parallel to it. */
export interface CircleBacklog {
	names: readonly string[];
	backlog: readonly number[];
	freshBacklog: readonly number[];
}

/**
 * Two rounds: first calls across all circles (in proportion to each circle's first-pass backlog x health weight),
 * then due retries with what is left, so retries never slow the first pass of any circle. A circle's rounding
 * carry goes with the round it is in (first pass while it has first calls, then retries).
 */
export function circleDemands(
	s: CampaignState,
	b: CircleBacklog,
	rate: TickRate,
	now: number,
	settings: PacingSettings,
): CircleDemands {
	const first: Demand[] = [];
	const retry: Demand[] = [];
	let eligible = 0;
	let capacity = 0;
	b.names.forEach((name, k) => {
		const cs = circleOf(s, name, now);
		const backlog = b.backlog[k];
		if (cs.breaker.mode === 'open') return; // tripped by an outcome folded from the rows just now
		eligible += backlog;
		if (cs.breaker.mode === 'half-open') {
			const cap = Math.min(backlog, probeSlots(cs, settings, rate.health.circles.get(name)?.exp));
			first.push({ circle: name, backlog, weight: 1, cap, probe: true, carry: 0 });
			capacity += cap;
			return;
		}
		const weight = circleWeight(rate.health.circles.get(name), settings);
		const f = b.freshBacklog[k];
		const r = backlog - f;
		// Recovery ramp: a circle that closed again after an outage has a backlog that piled up while it was
		// paused. Its calls per tick grow linearly from probeCalls to a full tick's budget over one health window
		// instead of jumping to its whole backlog share, so a relapse is caught after few calls.
		const ramp = recoveryCap(cs, now, rate.ratePerMinute, settings);
		const capF = Math.min(f, ramp);
		const capR = Math.min(r, ramp - capF);
		const floor = verifyCalls(cs, rate.health.circles.get(name)?.exp, settings);
		first.push({
			circle: name,
			backlog: f,
			weight,
			cap: capF,
			probe: false,
			carry: f > 0 ? cs.carry : 0,
			floor: f > 0 ? floor : 0,
		});
		if (capR > 0)
			retry.push({
				circle: name,
				backlog: r,
				weight,
				cap: capR,
				probe: false,
				carry: f > 0 ? 0 : cs.carry,
				floor: f > 0 ? 0 : floor,
			});
		capacity += capF + capR;
	});
	retry.sort(byCircle);
	first.sort(byCircle);
	return { first, retry, eligible, capacity };
}

const byCircle = (a: Demand, b: Demand): number =>
	a.circle < b.circle ? -1 : a.circle > b.circle ? 1 : 0;

/** How many calls go this tick and when: the send times planned for them, and what limited their number. */
export interface SendBudget {
	/** Planned send times (ascending); their number is the budget. */
	slots: number[];
	limitedBy: LimitedBy;
	/** Requests the log holds in the 60 s window ending now, including ones planned later. */
	requestsInWindow: number;
	inFlightHeadroom: number;
	/** The send times are planned in [now, spanEnd). */
	spanEnd: number;
	/** Dial and Call Details request times the 60 s guard counts (ascending). */
	requestTimes: number[];
}

export function sendBudget(
	s: CampaignState,
	now: number,
	settings: PacingSettings,
	win: WindowInfo,
	rate: TickRate,
	capacity: number,
	maxReleaseOption: number | undefined,
	warnings: string[],
): SendBudget {
	const logTimes = s.sendLog.map((e) => e[0]);
	const requestTimes = s.reconcileLog.length ? combinedRequestTimes(s) : logTimes;
	const requestsInWindow = countInWindow(logTimes, now) + logTimes.filter((t) => t > now).length;
	const headroom = inFlightHeadroom(s.inFlight.length, settings.maxInFlight);
	const rateLimited = now < s.rateLimitedUntil;
	const maxRelease =
		maxReleaseOption === undefined ? Infinity : Math.max(0, Math.floor(maxReleaseOption));
	// Spread at most the rate's worth over the span actually available (shorter near the window's close, or when
	// a previous release already planned sends into this tick).
	const spanEnd = Math.min(now + settings.tickSeconds * 1000, win.closesAt ?? now);
	const spanStart = Math.max(now, logTimes.length ? logTimes[logTimes.length - 1] : now);
	const bySpan = Math.max(
		0,
		Math.ceil((rate.ratePerMinute * (spanEnd - spanStart)) / 60000 - 1e-9),
	);
	const byRate = Math.min(Math.floor(rate.tokens + 1e-9), bySpan);
	const n = rateLimited ? 0 : Math.min(byRate, headroom, capacity, maxRelease);
	let limitedBy: LimitedBy = 'none';
	if (rateLimited) limitedBy = 'rate_limited';
	else if (n === capacity) limitedBy = capacity === 0 ? 'none' : 'backlog';
	else if (n === headroom) limitedBy = 'in_flight';
	else if (n === maxRelease) limitedBy = 'max_release';
	else if (n === byRate) limitedBy = 'rate';
	if (rateLimited)
		warnings.push(
			`Exotel answered 429 (rate limited); no calls before ${new Date(s.rateLimitedUntil).toISOString()}.`,
		);
	const slots = planSendTimes(requestTimes, now, spanEnd, n, rate.windowLimit);
	if (slots.length < n) limitedBy = 'sixty_second_limit';
	return { slots, limitedBy, requestsInWindow, inFlightHeadroom: headroom, spanEnd, requestTimes };
}

/** Send times for `count` calls over the same span (when fewer contacts were found than the budget allowed). */
export function replanSends(
	budget: SendBudget,
	now: number,
	count: number,
	windowLimit: number,
): number[] {
	return planSendTimes(budget.requestTimes, now, budget.spanEnd, count, windowLimit);
}

/** Per-circle bookkeeping for stats (backlog, calls released, weight) and the allocation carry to the next tick. */
export function noteCircleShares(
	s: CampaignState,
	b: CircleBacklog,
	demands: CircleDemands,
	allotted: { first: ReadonlyMap<string, Allotment>; retry: ReadonlyMap<string, Allotment> },
	releasedBy: ReadonlyMap<string, number>,
): void {
	for (const [name, cs] of Object.entries(s.circles)) {
		const d = demands.first.find((x) => x.circle === name);
		const inFirst = d !== undefined && d.backlog > 0;
		const a = inFirst ? allotted.first.get(name) : allotted.retry.get(name);
		const k = b.names.indexOf(name);
		cs.backlog = k >= 0 && d ? b.backlog[k] : 0;
		cs.allocated = releasedBy.get(name) ?? 0;
		if (d && d.weight !== 1) cs.weight = d.weight;
		else delete cs.weight;
		cs.carry = d && !d.probe && a ? a.carry : 0;
	}
}
