/**
 * Release, pick: the budget is split across circles (allocation.ts); within each circle first calls (contacts with
 * no counted attempt) are taken before due retries, each group in list order; then the calls are interleaved so
 * each circle's calls spread over the tick.
 */
import type { ContactInput } from '../types';
import { allocate, interleave, type Allotment } from '../allocation';
import type { CircleDemands } from '../budget';
import type { ContactScan } from './scan';

export interface Picks {
	/** Each circle's share of the budget, per round (first calls, then retries). */
	allotted: { first: Map<string, Allotment>; retry: Map<string, Allotment> };
	/** Per circle (parallel to the scan's names): contacts taken, in list order. */
	picked: number[][];
	/** Per circle: contacts skipped because an earlier contact with the same key was taken. */
	skipped: number[][];
	duplicates: number;
}

/** Splits `n` calls across circles and takes each circle's share from its eligible contacts. */
export function pickContacts(
	contacts: readonly ContactInput[],
	scan: ContactScan,
	demands: CircleDemands,
	n: number,
): Picks {
	const first = allocate(n, demands.first);
	let firstRound = 0;
	for (const a of first.values()) firstRound += a.n;
	const retry = allocate(n - firstRound, demands.retry);
	const want = scan.names.map((name) => (first.get(name)?.n ?? 0) + (retry.get(name)?.n ?? 0));
	return { allotted: { first, retry }, ...takeInListOrder(contacts, scan, want) };
}

/**
 * Takes `want[k]` contacts of each circle k. Within a circle, first calls go before due retries while the circle
 * has any (a hopper priority): retries then use only what the first pass leaves, and the first pass runs at the
 * full rate. Two passes over the marks, each stopping as soon as every circle's share is filled.
 */
function takeInListOrder(
	contacts: readonly ContactInput[],
	scan: ContactScan,
	want: number[],
): Omit<Picks, 'allotted'> {
	const { mark, fresh } = scan;
	let remaining = want.reduce((a, b) => a + b, 0);
	const picked: number[][] = scan.names.map(() => []);
	const skipped: number[][] = scan.names.map(() => []);
	const pickedKeys = new Set<string>();
	let duplicates = 0;
	const wantFresh = want.map((w, k) => Math.min(w, scan.freshBacklog[k]));
	let remainingFresh = wantFresh.reduce((a, b) => a + b, 0);
	const take = (i: number, k: number): boolean => {
		const key = contacts[i].key;
		if (pickedKeys.has(key)) {
			duplicates++;
			skipped[k].push(i);
			return false;
		}
		pickedKeys.add(key);
		picked[k].push(i);
		want[k]--;
		remaining--;
		return true;
	};
	for (let i = 0; i < contacts.length && remainingFresh > 0; i++) {
		const k = mark[i];
		if (k < 0 || fresh[i] === 0 || wantFresh[k] === 0) continue;
		if (!take(i, k)) continue;
		wantFresh[k]--;
		remainingFresh--;
	}
	for (let i = 0; i < contacts.length && remaining > 0; i++) {
		const k = mark[i];
		if (k < 0 || want[k] === 0) continue;
		// first calls: already taken by the first loop (or skipped there as duplicates)
		if (fresh[i] === 1) continue;
		take(i, k);
	}
	return { picked, skipped, duplicates };
}

/** The picked calls in send order (one circle per call) and their send times. */
export interface CallOrder {
	circles: string[];
	slots: number[];
}

/**
 * Interleaves the picked calls (circles in the order of the first round's demands). When fewer contacts were
 * found than `slots` planned, the send times are planned again for the calls found (`replan`), so they still
 * spread over the whole tick.
 */
export function orderCalls(
	names: readonly string[],
	demands: CircleDemands,
	picked: number[][],
	slots: number[],
	replan: (count: number) => number[],
): CallOrder {
	const counts: Array<[string, number]> = [];
	for (const d of demands.first) {
		const k = names.indexOf(d.circle);
		if (picked[k].length) counts.push([d.circle, picked[k].length]);
	}
	const total = counts.reduce((a, [, k]) => a + k, 0);
	if (total < slots.length) {
		slots = replan(total);
		// cannot happen in practice (fewer calls over the same span); trim to be safe
		if (slots.length < total) trimPicks(names, counts, picked, total - slots.length);
	}
	return { circles: interleave(counts.filter(([, k]) => k > 0)), slots };
}

/** Drops `drop` picked calls, from the last circle of `counts` backwards. */
function trimPicks(
	names: readonly string[],
	counts: Array<[string, number]>,
	picked: number[][],
	drop: number,
): void {
	for (let i = counts.length - 1; i >= 0 && drop > 0; i--) {
		const take = Math.min(drop, counts[i][1]);
		counts[i][1] -= take;
		picked[names.indexOf(counts[i][0])].length = counts[i][1];
		drop -= take;
	}
}
