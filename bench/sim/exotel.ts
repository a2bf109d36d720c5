/**
 * The virtual Exotel the policies talk to (no HTTP): the account's sliding 60 s limit shared by connect and
 * call-details requests, 429 storms, and calls whose outcome comes from the simulator's pure model
 * (decideCall). Each call's outcome is drawn from an RNG derived from (seed, contact, call ordinal), so the k-th
 * call to a number ends the same way under every policy (unless the time of day or an outage differs).
 */
import {
	decideCall,
	defaultModelConfig,
	LUNCH_DIP_CURVE,
	type ModelConfig,
	type TerminalStatus,
} from '../../simulator/model';
import { deriveRng, type Seed } from '../../simulator/rng';
import type { Contact } from './contacts';
import { Ledger, type CallRecord } from './ledger';
import { SlidingLimiter } from './ratelimit';
import type { Scenario } from './scenarios';

/** Exotel TimeOut and TimeLimit every policy sends (the engine's ringTimeoutSeconds / maxCallSeconds defaults). */
export const RING_TIMEOUT_SECONDS = 45;
export const MAX_CALL_SECONDS = 600;

export interface ConnectAnswer {
	accepted: boolean;
	refusal?: 'rate-limit' | 'storm';
	callSid?: string;
	/** The call as placed (ground truth; a policy must not look at its outcome before it ends). */
	call?: CallRecord;
}

export type DetailsStatus = TerminalStatus | 'in-progress' | 'not-found';

export interface DetailsAnswer {
	accepted: boolean;
	entries: Array<{ callSid: string; status: DetailsStatus; endAt?: number }>;
}

export function benchModelConfig(scenario: Scenario): ModelConfig {
	const model = defaultModelConfig();
	model.answerByHourIST = LUNCH_DIP_CURVE.slice();
	model.outages = scenario.outages.map((o) => ({
		circle: o.circle,
		kind: o.kind,
		from: o.from,
		to: o.to,
	}));
	return model;
}

export class VirtualExotel {
	readonly limiter = new SlidingLimiter(200, 60_000);
	private readonly model: ModelConfig;

	constructor(
		readonly scenario: Scenario,
		readonly contacts: readonly Contact[],
		readonly seed: Seed,
		readonly ledger: Ledger,
	) {
		this.model = benchModelConfig(scenario);
	}

	connect(
		t: number,
		contactIdx: number,
		customField: string | undefined,
		probe: boolean,
	): ConnectAnswer {
		const l = this.ledger;
		l.connectSent++;
		if (this.scenario.storms.some((s) => s.from <= t && t < s.to)) {
			l.request(t, false);
			l.refusedStorm++;
			return { accepted: false, refusal: 'storm' };
		}
		if (!this.limiter.tryAccept(t)) {
			l.request(t, false);
			l.refusedRateLimit++;
			return { accepted: false, refusal: 'rate-limit' };
		}
		l.request(t, true);
		l.connectAccepted++;
		const contact = this.contacts[contactIdx];
		const ordinal = l.placedCount[contactIdx] + 1;
		const rng = deriveRng(this.seed, 'call', contact.national, ordinal);
		const outcome = decideCall(
			rng,
			{
				circle: contact.circle,
				number: contact.national,
				at: t,
				variant: 'flow',
				dndBlocked: contact.dnd,
				timeOutSeconds: RING_TIMEOUT_SECONDS,
				timeLimitSeconds: MAX_CALL_SECONDS,
			},
			this.model,
		);
		const sid = rng.hex(32);
		const rec: CallRecord = {
			sid,
			contact: contactIdx,
			circle: contact.circle,
			ordinal,
			placedAt: t,
			endAt: t + Math.max(1, outcome.durationSeconds) * 1000,
			status: outcome.status,
			reason: outcome.reason,
			customField,
			probe,
		};
		l.placed(rec);
		return { accepted: true, callSid: sid, call: rec };
	}

	/** Bulk Call Details (GET /Calls?Sid=a,b,c): status of each call as of t. */
	details(t: number, callSids: readonly string[]): DetailsAnswer {
		const l = this.ledger;
		l.detailsSent++;
		if (!this.limiter.tryAccept(t)) {
			l.request(t, false);
			l.refusedRateLimit++;
			return { accepted: false, entries: [] };
		}
		l.request(t, true);
		l.detailsAccepted++;
		return {
			accepted: true,
			entries: callSids.map((callSid) => {
				const rec = l.bySid.get(callSid);
				if (!rec) return { callSid, status: 'not-found' as const };
				if (rec.endAt <= t) return { callSid, status: rec.status, endAt: rec.endAt };
				return { callSid, status: 'in-progress' as const };
			}),
		};
	}
}
