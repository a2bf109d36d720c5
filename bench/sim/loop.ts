/**
 * The discrete-event simulation: one policy, one scenario, one contact list, on a virtual clock.
 *
 * Events (a min-heap ordered by time, then by scheduling order):
 *   tick           the policy's own schedule (every policy.tickMs)
 *   send           a connect request leaves the policy; the virtual Exotel accepts it (a call starts) or answers 429
 *   answer         Exotel's answer reaches the policy (CONNECT_LATENCY_MS later)
 *   end            a call ends; its status callback is planned (lost / delayed / duplicated, seeded per call)
 *   status         a status callback (or, for Exotel's own dialler, the outcome) reaches the policy
 *   details        a bulk Call Details request leaves the policy; its answer arrives DETAILS_LATENCY_MS later
 * Nothing reads the wall clock; the same inputs give the same run.
 *
 * Idle nights: when the calling window is closed and nothing but ticks is pending, the next tick is moved to one
 * tick before the window opens (the skipped ticks could only have found nothing to do).
 */
import type { Seed } from '../../simulator/rng';
import type { Policy, PolicyHost, ConnectTag, SentConnect, StatusReport } from '../policies/types';
import { callbackDeliveries } from './callbacks';
import type { Contact } from './contacts';
import { VirtualExotel, type ConnectAnswer, type DetailsAnswer } from './exotel';
import { EventQueue } from './heap';
import { Ledger, type CallRecord } from './ledger';
import type { Scenario } from './scenarios';
import { isWindowOpen, nextOpening } from './time';

export const CONNECT_LATENCY_MS = 300;
export const DETAILS_LATENCY_MS = 500;
export const MAX_ATTEMPTS = 3;

type Ev =
	| { t: number; seq: number; k: 'tick' }
	| { t: number; seq: number; k: 'send'; req: SentConnect }
	| { t: number; seq: number; k: 'answer'; req: SentConnect; answer: ConnectAnswer }
	| { t: number; seq: number; k: 'end'; call: CallRecord }
	| { t: number; seq: number; k: 'status'; report: StatusReport }
	| { t: number; seq: number; k: 'details'; sids: string[] }
	| { t: number; seq: number; k: 'detailsAnswer'; sids: string[]; answer: DetailsAnswer };

export interface RunRecord {
	scenario: Scenario;
	policy: Policy;
	ledger: Ledger;
	/** Virtual time the run stopped. */
	stoppedAt: number;
	/** The policy said it was finished (false = stopped at the horizon). */
	finished: boolean;
	events: number;
	/** Wall-clock ms the run took (not part of any figure). */
	wallMs: number;
}

export function runSimulation(opts: {
	scenario: Scenario;
	contacts: readonly Contact[];
	seed: Seed;
	policy: Policy;
}): RunRecord {
	const { scenario, contacts, seed, policy } = opts;
	const wall0 = process.hrtime.bigint();
	const ledger = new Ledger(contacts, scenario.start, MAX_ATTEMPTS);
	const exotel = new VirtualExotel(scenario, contacts, seed, ledger);
	const q = new EventQueue<Ev>();
	let seq = 0;
	let now = scenario.start;
	let pending = 0; // events other than ticks
	const push = (e: Ev) => {
		if (e.k !== 'tick') pending++;
		q.push(e);
	};

	const host: PolicyHost = {
		contacts,
		scenario,
		connect(at: number, contact: number, tag: ConnectTag) {
			push({
				t: Math.max(at, now),
				seq: seq++,
				k: 'send',
				req: { contact, sentAt: Math.max(at, now), tag },
			});
		},
		details(at: number, callSids: string[]) {
			push({ t: Math.max(at, now), seq: seq++, k: 'details', sids: callSids.slice() });
		},
	};

	policy.init(host, now);
	push({ t: now, seq: seq++, k: 'tick' });
	const horizon = scenario.start + scenario.horizonMs;
	let finished = false;
	let events = 0;

	for (;;) {
		const e = q.pop();
		if (!e) break;
		if (e.t > horizon) {
			now = horizon;
			break;
		}
		now = e.t;
		events++;
		if (e.k !== 'tick') pending--;
		switch (e.k) {
			case 'tick': {
				if (pending === 0 && policy.finished(now)) {
					finished = true;
					break;
				}
				policy.tick(now);
				let next = now + policy.tickMs;
				if (pending === 0 && !isWindowOpen(next))
					next = Math.max(next, nextOpening(next) - policy.tickMs);
				push({ t: next, seq: seq++, k: 'tick' });
				break;
			}
			case 'send': {
				const answer = exotel.connect(
					now,
					e.req.contact,
					e.req.tag.customField,
					e.req.tag.probe === true,
				);
				push({ t: now + CONNECT_LATENCY_MS, seq: seq++, k: 'answer', req: e.req, answer });
				if (answer.call) push({ t: answer.call.endAt, seq: seq++, k: 'end', call: answer.call });
				break;
			}
			case 'answer':
				policy.onConnect(now, e.req, e.answer);
				break;
			case 'end': {
				const call = e.call;
				const base = {
					callSid: call.sid,
					status: call.status,
					endAt: call.endAt,
					customField: call.customField,
				};
				if (policy.outcomes === 'internal') {
					push({
						t: now,
						seq: seq++,
						k: 'status',
						report: { ...base, contact: call.contact, duplicate: false },
					});
					break;
				}
				const delays = callbackDeliveries(
					seed,
					contacts[call.contact].national,
					call.ordinal,
					scenario.callbacks,
				);
				if (delays.length === 0) ledger.callbacksLost++;
				delays.forEach((d, i) => {
					if (i > 0) ledger.callbacksDuplicated++;
					push({ t: now + d, seq: seq++, k: 'status', report: { ...base, duplicate: i > 0 } });
				});
				break;
			}
			case 'status':
				ledger.callbacksDelivered++;
				policy.onStatus(now, e.report);
				break;
			case 'details': {
				const answer = exotel.details(now, e.sids);
				push({ t: now + DETAILS_LATENCY_MS, seq: seq++, k: 'detailsAnswer', sids: e.sids, answer });
				break;
			}
			case 'detailsAnswer':
				policy.onDetails(now, e.sids, e.answer);
				break;
		}
		if (finished) break;
	}
	return {
		scenario,
		policy,
		ledger,
		stoppedAt: now,
		finished,
		events,
		wallMs: Number(process.hrtime.bigint() - wall0) / 1e6,
	};
}
