/**
 * Naive: "dial everything at the account limit". An n8n Schedule trigger every minute reads up to 200 eligible
 * rows and Connect Call places them back to back (each request waits for the previous answer, 80-250 ms);
 * the calling-window check is an IF node at the start of the execution. n8n starts each execution 0-3 s after
 * the minute (queue and sheet read). It never counts requests across executions, so a run that starts early
 * overlaps the previous run's tail inside Exotel's sliding 60 s window — those requests get 429 and the contact
 * goes back to the list (retried after 5 min, the attempt not counted).
 */
import { deriveRng, type Rng, type Seed } from '../../simulator/rng';
import { isWindowOpen } from '../sim/time';
import { BaselinePolicy } from './baseline';
import type { PolicyHost } from './types';

export class NaivePolicy extends BaselinePolicy {
	readonly id = 'naive';
	readonly label = 'Naive 200/min';
	readonly tickMs = 60_000;
	private rng!: Rng;

	constructor(
		private readonly seed: Seed,
		private readonly perMinute = 200,
	) {
		super();
	}

	init(host: PolicyHost): void {
		super.init(host);
		this.rng = deriveRng(this.seed, 'naive-schedule');
	}

	tick(now: number): void {
		this.book.expire(now);
		const start = now + this.rng.int(0, 3000);
		if (!isWindowOpen(start)) return;
		let t = start;
		for (const c of this.book.pick(this.perMinute, start)) {
			this.dial(c, t);
			t += this.rng.int(80, 250);
		}
	}
}
