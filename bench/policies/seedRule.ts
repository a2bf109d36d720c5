/**
 * The seed's rule (Exotel's "dynamic caller ID campaign" use case): one global rate, 60 calls/min, stepped down to
 * 45/min while the campaign's completion (completed / resolved, last 5 min, at least 20 resolved) is below 70%,
 * and back up to 60 when it recovers. An n8n Schedule trigger every minute (started 0-3 s late like any n8n
 * schedule) releases that many eligible rows, which Connect Call spreads evenly over the minute; a row whose
 * planned send time falls outside the calling window is not sent. Outcomes arrive as status callbacks.
 */
import { deriveRng, type Rng, type Seed } from '../../simulator/rng';
import { isWindowOpen } from '../sim/time';
import { BaselinePolicy } from './baseline';
import type { PolicyHost } from './types';

export const SEED_RATE_HIGH = 60;
export const SEED_RATE_LOW = 45;
export const SEED_THRESHOLD = 0.7;
const LOOKBACK_MS = 5 * 60_000;
const MIN_RESOLVED = 20;

export class SeedRulePolicy extends BaselinePolicy {
	readonly id = 'seed-rule';
	readonly label = 'Seed rule 60→45/min';
	readonly tickMs = 60_000;
	private rng!: Rng;
	rate = SEED_RATE_HIGH;
	/** [time, rate] whenever the rate changed. */
	readonly rateLog: Array<[number, number]> = [];

	constructor(private readonly seed: Seed) {
		super();
	}

	init(host: PolicyHost): void {
		super.init(host);
		this.rng = deriveRng(this.seed, 'seed-rule-schedule');
	}

	tick(now: number): void {
		this.book.expire(now);
		let n = 0;
		let comp = 0;
		for (let i = this.resolved.length - 1; i >= 0 && this.resolved[i].at > now - LOOKBACK_MS; i--) {
			n++;
			if (this.resolved[i].status === 'completed') comp++;
		}
		if (n >= MIN_RESOLVED) {
			const rate = comp / n < SEED_THRESHOLD ? SEED_RATE_LOW : SEED_RATE_HIGH;
			if (rate !== this.rate) this.rateLog.push([now, rate]);
			this.rate = rate;
		}
		const start = now + this.rng.int(0, 3000);
		const picked = this.book.pick(this.rate, start);
		const spacing = 60_000 / this.rate;
		picked.forEach((c, i) => {
			const at = start + Math.floor(i * spacing);
			if (isWindowOpen(at)) this.dial(c, at);
		});
	}

	notes(): string[] {
		const low = this.rateLog.filter(([, r]) => r === SEED_RATE_LOW).length;
		return [
			...super.notes(),
			`rate changes: ${this.rateLog.length} (${low} step-downs to ${SEED_RATE_LOW}/min)`,
		];
	}
}
