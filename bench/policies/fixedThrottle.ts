/**
 * Exotel Campaigns style: Exotel's own campaign dialler with a fixed account throttle (60 calls/min by default,
 * raisable to 200 in the UI). It spaces calls evenly (one every 60/rate s), checks the schedule before each call,
 * retries by status with the shared rules, and skips DND numbers. It runs inside Exotel, so it learns every
 * outcome directly (status callbacks are only notifications to the user; losing one does not affect it). It has
 * no per-circle health: a down circle keeps getting its share of calls. A refused request (429) goes back to the
 * list like in every baseline.
 */
import { isWindowOpen } from '../sim/time';
import { BaselinePolicy } from './baseline';

export class FixedThrottlePolicy extends BaselinePolicy {
	readonly id: string;
	readonly label: string;
	readonly tickMs = 5_000;
	readonly outcomes = 'internal' as const;
	private nextSlot = -Infinity;
	private readonly spacingMs: number;

	constructor(readonly perMinute: number) {
		super();
		this.id = `exotel-${perMinute}`;
		this.label = `Exotel Campaigns ${perMinute}/min`;
		this.spacingMs = 60_000 / perMinute;
	}

	tick(now: number): void {
		const end = now + this.tickMs;
		if (this.nextSlot < now) this.nextSlot = now;
		const slots: number[] = [];
		for (let at = this.nextSlot; at < end; at += this.spacingMs)
			if (isWindowOpen(at)) slots.push(at);
		const picked = this.book.pick(slots.length, now);
		picked.forEach((c, i) => this.dial(c, slots[i]));
		// An unused slot is not saved up: Exotel's throttle is a ceiling, not a quota.
		this.nextSlot =
			picked.length < slots.length
				? end
				: this.nextSlot + Math.ceil((end - this.nextSlot) / this.spacingMs) * this.spacingMs;
	}
}
