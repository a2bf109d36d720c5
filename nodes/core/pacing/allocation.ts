/**
 * Splitting one tick's budget across circles, and ordering the calls.
 *
 * Half-open circles get their probe slots first (a handful of calls). The rest of the budget is shared in
 * proportion to backlog x health weight: every healthy circle drains at the same relative pace, and a degraded
 * circle (weight < 1) gets less. Work-conserving: a circle cannot take more than its eligible backlog, and what it
 * cannot use goes to the others. Shares are fractional; the integer split uses largest remainders with the
 * remainder carried to the next tick (deficit round robin), so a small circle whose share is 0.2 calls per tick
 * still gets a call every fifth tick, and the carry of a circle with no backlog resets.
 *
 * interleave() orders the calls so that each circle's calls are spread evenly over the tick (stride scheduling):
 * circle c's j-th call sits at position (j + 0.5) / n_c; sorted by position. Release then gives the k-th call of
 * that order the k-th evenly spaced send time.
 */
export interface Demand {
	circle: string;
	/** Eligible contacts now. */
	backlog: number;
	/** Health weight in (0, 1]. */
	weight: number;
	/** Most calls this circle may get (backlog, or probe slots when half-open). */
	cap: number;
	/** Half-open: served first, not proportionally. */
	probe: boolean;
	/** Carry from earlier ticks, in [-1, 1]. */
	carry: number;
	/** Verification floor (budget.ts): at least this many calls (within cap) even above its share. */
	floor?: number;
}

export interface Allotment {
	n: number;
	carry: number;
}

/** Clamped to [-1, 1] and rounded to 3 decimals (it is stored). */
const clampCarry = (x: number): number => Math.round((x < -1 ? -1 : x > 1 ? 1 : x) * 1000) / 1000;

export function allocate(budget: number, demands: readonly Demand[]): Map<string, Allotment> {
	const out = new Map<string, Allotment>();
	for (const d of demands) out.set(d.circle, { n: 0, carry: 0 });
	let remaining = Math.max(0, Math.floor(budget));

	for (const d of demands) {
		if (!d.probe || remaining <= 0) continue;
		const take = Math.min(d.cap, remaining);
		out.get(d.circle)!.n = take;
		remaining -= take;
	}

	let active = demands.filter((d) => !d.probe && d.cap > 0 && d.weight > 0 && d.backlog > 0);
	const ideal = new Map<string, number>();
	while (remaining > 0 && active.length) {
		let total = 0;
		for (const d of active) total += d.backlog * d.weight;
		const full = active.filter((d) => (remaining * d.backlog * d.weight) / total >= d.cap);
		if (full.length) {
			for (const d of full) {
				const a = out.get(d.circle)!;
				const give = Math.min(d.cap, remaining);
				a.n = give;
				remaining -= give;
			}
			active = active.filter((d) => !full.includes(d));
			continue;
		}
		for (const d of active) ideal.set(d.circle, (remaining * d.backlog * d.weight) / total);
		break;
	}
	if (remaining > 0 && ideal.size) splitRemaining(out, active, ideal, remaining);
	liftFloors(out, demands, budget);
	return out;
}

/** Integer split of `remaining` over `active` by largest remainder, with carries (owned `out`). */
function splitRemaining(
	out: Map<string, Allotment>,
	active: readonly Demand[],
	ideal: ReadonlyMap<string, number>,
	remaining: number,
): void {
	// integer split of `remaining` over `active` by largest remainder, with carries
	const rows = active.map((d) => {
		const q = ideal.get(d.circle)! + clampCarry(d.carry);
		const n = Math.max(0, Math.min(d.cap, Math.floor(q)));
		return { d, q, n };
	});
	let left = remaining - rows.reduce((a, r) => a + r.n, 0);
	const byFraction = (dir: 1 | -1) =>
		rows
			.slice()
			.sort(
				(a, b) =>
					dir * (b.q - Math.floor(b.q) - (a.q - Math.floor(a.q))) ||
					(a.d.circle < b.d.circle ? -1 : 1),
			);
	while (left > 0) {
		let moved = false;
		for (const r of byFraction(1)) {
			if (left <= 0) break;
			if (r.n < r.d.cap) {
				r.n++;
				left--;
				moved = true;
			}
		}
		if (!moved) break;
	}
	while (left < 0) {
		let moved = false;
		for (const r of byFraction(-1)) {
			if (left >= 0) break;
			if (r.n > 0) {
				r.n--;
				left++;
				moved = true;
			}
		}
		if (!moved) break;
	}
	for (const r of rows) {
		const a = out.get(r.d.circle)!;
		a.n = r.n;
		a.carry = clampCarry(r.q - r.n);
	}
}

/**
 * Raises each circle with a verification floor to it (within its cap): first from budget nobody used, then one
 * call at a time from the circle holding the most (never a probe or another floored circle). The giver's carry
 * grows by the call it gave, so it gets the call back on a later tick.
 */
function liftFloors(out: Map<string, Allotment>, demands: readonly Demand[], budget: number): void {
	const floored = demands.filter((d) => (d.floor ?? 0) > 0 && !d.probe);
	if (!floored.length) return;
	let unused = Math.max(0, Math.floor(budget));
	for (const a of out.values()) unused -= a.n;
	for (const d of floored) {
		const a = out.get(d.circle)!;
		const want = Math.min(d.floor!, d.cap);
		while (a.n < want) {
			if (unused > 0) {
				unused--;
				a.n++;
				continue;
			}
			let giver: Allotment | undefined;
			for (const e of demands) {
				if (e.probe || (e.floor ?? 0) > 0) continue;
				const b = out.get(e.circle)!;
				if (b.n > 0 && (!giver || b.n > giver.n)) giver = b;
			}
			if (!giver) break;
			giver.n--;
			giver.carry = clampCarry(giver.carry + 1);
			a.n++;
		}
	}
}

/** Circle names in dispatch order, each circle's calls evenly spread. `counts` order breaks ties. */
export function interleave(counts: ReadonlyArray<readonly [string, number]>): string[] {
	const slots: Array<{ pos: number; order: number; circle: string }> = [];
	counts.forEach(([circle, n], order) => {
		for (let j = 0; j < n; j++) slots.push({ pos: (j + 0.5) / n, order, circle });
	});
	slots.sort((a, b) => a.pos - b.pos || a.order - b.order);
	return slots.map((s) => s.circle);
}
