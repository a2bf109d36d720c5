/**
 * Outcome streams for breaker tests on an injected clock: status callbacks of unknown CallSids carrying our
 * correlation (counted once each), every 5 s, for a few circles.
 */
import {
	createState,
	recordOutcomes,
	type BreakerTransition,
	type CampaignState,
	type OutcomeInput,
	type PacingSettings,
} from '../../nodes/core/pacing';
import { MON_10, mulberry32, signed } from './helpers';

export type Status = 'completed' | 'busy' | 'no-answer' | 'failed';

export class Feed {
	state: CampaignState;
	now: number;
	seq = 0;
	transitions: BreakerTransition[] = [];
	rng = mulberry32(7);
	constructor(
		readonly s: PacingSettings,
		start = MON_10,
	) {
		this.now = start;
		this.state = createState('camp', start - 3600000);
	}
	healthy(p = 0.5): Status {
		const x = this.rng();
		return x < p ? 'completed' : x < p + 0.08 ? 'busy' : x < p + 0.12 ? 'failed' : 'no-answer';
	}
	/** A status callback arriving now, for a call placed as long ago as such a call lasts. */
	outcome(circle: string, status: Status): OutcomeInput {
		const id = ++this.seq;
		const lasted = { failed: 3000, busy: 6000, 'no-answer': 45000, completed: 60000 }[status];
		return {
			callSid: `S${id}`,
			status,
			at: this.now,
			correlation: signed(this.state, {
				campaign: 'camp',
				contact: `+91${circle}${id}`,
				attempt: 1,
				circle,
				releasedAt: this.now - lasted,
			}),
		};
	}
	/** Advance `seconds` in 5 s steps; each step `gen` yields the outcomes of that step. */
	run(seconds: number, gen: (f: Feed, step: number) => OutcomeInput[]): void {
		for (let t = 0; t < seconds; t += 5) {
			this.now += 5000;
			const r = recordOutcomes(this.state, gen(this, t / 5), this.now, this.s);
			this.state = r.state;
			this.transitions.push(...r.transitions);
		}
	}
	mode(circle: string) {
		return this.state.circles[circle]?.breaker.mode;
	}
}

export const OTHERS = ['DL', 'KA', 'TN', 'GJ'];
/** ~12 outcomes/min per circle: one per circle every 5 s. */
export const healthyAll =
	(circles: string[], p = 0.5) =>
	(f: Feed) =>
		circles.map((c) => f.outcome(c, f.healthy(p)));
