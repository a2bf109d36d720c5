/**
 * Release: which contacts to call this tick, in what order, and when to send each request. A pipeline of phases:
 *
 *   1. Breakers (release/breakers.ts): open breakers whose cooldown is over turn half-open; circles may trip.
 *   2. One pass over the contact list (release/scan.ts): repair from rows what the state lost (release/repair.ts),
 *      classify each contact (eligibility.ts) and bucket the eligible ones by circle, in list order.
 *   3. Budget (budget.ts): min(rate tokens, in-flight headroom, eligible capacity); the 60 s guard (guards.ts)
 *      plans that many send times spread evenly over the tick, clipped at the window's close.
 *   4. Pick (release/pick.ts): the budget is split across circles (allocation.ts), first calls before due
 *      retries, and the calls are interleaved so each circle's calls spread over the tick.
 *   5. Reserve (release/reserve.ts): every released call is reserved in the state and logged in the send log.
 *   6. Holds (holds.ts): the eligible contacts left behind are counted, and explained when asked.
 *
 * The dispatcher MUST NOT send a request before its `sendAt` (sending later is safe only by the margin of the
 * reconciliation reserve). Cost: one cheap check per contact; ~5-10 ms for 100k contacts.
 */
import type { ContactInput } from './types';
import type { PacingSettings } from './settings';
import type { CampaignState } from './state';
import { cloneState, pruneInPlace } from './state';
import { windowAt } from './window';
import { DoneSet } from './dedupe';
import { buildEligibilityContext } from './eligibility';
import { circleDemands, noteCircleShares, refillRate, replanSends, sendBudget } from './budget';
import { explainHolds, holdUnreleased } from './holds';
import { advanceBreakers } from './release/breakers';
import { applyRowRepairs } from './release/repair';
import { scanContacts } from './release/scan';
import { orderCalls, pickContacts } from './release/pick';
import { reserveCalls } from './release/reserve';
import type { ReleaseOptions, ReleaseResult } from './release/types';

export type {
	HeldContact,
	LimitedBy,
	ReleaseBudget,
	ReleasedCall,
	ReleaseOptions,
	ReleaseResult,
} from './release/types';

export function release(
	state: CampaignState,
	contacts: readonly ContactInput[],
	now: number,
	settings: PacingSettings,
	options: ReleaseOptions = {},
): ReleaseResult {
	let s = cloneState(state);
	pruneInPlace(s, now, settings);
	s.updatedAt = now;
	const warnings: string[] = [];
	const transitions = advanceBreakers(s, now, settings);

	const win = windowAt(now, settings);
	const ctx = buildEligibilityContext(
		s,
		now,
		settings,
		win,
		new DoneSet(s),
		options.lookingUp ?? null,
	);
	const scan = scanContacts(s, ctx, contacts, settings, options.includeHeld);
	s = applyRowRepairs(s, scan.repairs, now, settings, warnings, transitions);

	const rate = refillRate(s, now, settings);
	const demands = circleDemands(s, scan, rate, now, settings);
	const budget = sendBudget(
		s,
		now,
		settings,
		win,
		rate,
		demands.capacity,
		options.maxRelease,
		warnings,
	);

	const picks = pickContacts(contacts, scan, demands, budget.slots.length);
	const order = orderCalls(scan.names, demands, picks.picked, budget.slots, (count) =>
		replanSends(budget, now, count, rate.windowLimit),
	);

	const inFlightBefore = s.inFlight.length;
	const { released, releasedBy } = reserveCalls(
		s,
		contacts,
		scan,
		picks.picked,
		order,
		now,
		settings,
		warnings,
	);
	s.tokens = Math.max(0, rate.tokens - released.length);

	const holdInput = {
		contacts,
		names: scan.names,
		pausedCircle: scan.names.map((name) => s.circles[name].breaker.mode !== 'closed'),
		backlog: scan.backlog,
		mark: scan.mark,
		reasons: scan.reasons,
		skipped: picks.skipped,
		releasedBy,
	};
	holdUnreleased(holdInput, scan.held);
	if (picks.duplicates)
		warnings.push(`${picks.duplicates} duplicate contact key(s) in the input were skipped.`);
	noteCircleShares(s, scan, demands, picks.allotted, releasedBy);
	const heldLimit = options.heldLimit === undefined ? Infinity : Math.max(0, options.heldLimit);
	const holds = explainHolds(
		ctx,
		holdInput,
		released.length,
		heldLimit,
		options.finalHoldsOnly === true,
	);

	return {
		state: s,
		released,
		held: scan.held,
		holds,
		budget: {
			ratePerMinute: rate.ratePerMinute,
			rateFactor: rate.rateFactor,
			tokens: rate.tokens,
			windowLimit: rate.windowLimit,
			requestsInWindow: budget.requestsInWindow,
			inFlight: inFlightBefore,
			inFlightHeadroom: budget.inFlightHeadroom,
			eligible: demands.eligible,
			capacity: demands.capacity,
			released: released.length,
			spanMs: Math.max(0, budget.spanEnd - now),
			limitedBy: budget.limitedBy,
		},
		transitions,
		recovered: scan.repairs.recovered,
		warnings,
	};
}
