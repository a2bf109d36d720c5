/**
 * Circle-matched caller ID (ExoPhone) selection. Pure: no n8n, no I/O, no clock.
 *
 * Callers in India pick up more often when the caller ID is a number from their own telecom circle, so each
 * item's circle is mapped to one of the account's ExoPhones in that circle, falling back to a neighbouring
 * circle (circles.ts NEIGHBOURS) and finally to a fixed fallback caller ID or "no caller ID".
 */
import { CIRCLES, NEIGHBOURS, toCircleCode, type CircleCode } from './circles';

export type CallerIdStrategy = 'roundRobin' | 'random' | 'first';

/** Circle code -> ExoPhones (in the order they are configured / listed). */
export type CallerIdPool = Partial<Record<CircleCode, string[]>>;

/** Next round-robin index per circle; kept by the node in static data so rotation survives executions. */
export type RoundRobinCursors = Record<string, number>;

export interface TableRow {
	circle: string;
	/** Comma, semicolon or newline separated, as typed into the node. */
	numbers: string | string[];
}

export interface DiscoveredExoPhone {
	/** The number to use as CallerId. */
	number: string;
	/** Circle code as Exotel lists it in `region` (may be missing or unknown). */
	region?: string | null;
}

export interface SelectionSettings {
	strategy: CallerIdStrategy;
	/** Try NEIGHBOURS[circle] in order when the circle itself has no ExoPhone. */
	neighbourFallback: boolean;
	/** Used when nothing matches; empty/undefined means "no caller ID" (the node's second output). */
	fallbackCallerId?: string;
}

export type SelectionSource = 'circle' | 'neighbour' | 'fallback' | 'none';

export interface CallerIdSelection {
	/** null when nothing matched and there is no fallback caller ID. */
	callerId: string | null;
	/** Circle of the chosen ExoPhone; null for the fallback caller ID or no match. */
	callerIdCircle: CircleCode | null;
	/** Plain-words explanation for ops staff. */
	callerIdReason: string;
	source: SelectionSource;
	/** The item's circle after normalisation (null when missing or not a circle code). */
	circle: CircleCode | null;
}

/** Splits "080 1234 5678, 022-1234" style text into numbers; keeps each number as typed minus spaces. */
export function splitNumbers(value: string | string[] | undefined | null): string[] {
	if (value === undefined || value === null) return [];
	const parts = Array.isArray(value) ? value : String(value).split(/[,;\n\r]+/);
	const out: string[] = [];
	for (const part of parts) {
		const cleaned = String(part).replace(/[\s()-]/g, '');
		if (cleaned && !out.includes(cleaned)) out.push(cleaned);
	}
	return out;
}

/** Accepts a circle code ("mh", " MH ") or a full circle name ("Maharashtra Telecom Circle (excludes Mumbai)"). */
export function normaliseCircle(value: unknown): CircleCode | null {
	const code = toCircleCode(value);
	if (code) return code;
	if (typeof value !== 'string') return null;
	const wanted = value.trim().toLowerCase();
	if (!wanted) return null;
	for (const [c, name] of Object.entries(CIRCLES)) {
		if (name.toLowerCase() === wanted) return c as CircleCode;
	}
	return null;
}

export interface PoolBuildResult {
	pool: CallerIdPool;
	/** Table rows whose circle was not a circle code (reported to the user instead of silently dropped). */
	invalidTableCircles: string[];
	/** Discovered ExoPhones without a usable `region`. */
	unassignedExoPhones: string[];
}

/**
 * Builds the circle -> numbers pool. Discovery fills every circle it knows; a table row replaces discovery for
 * its circle (so a user can pin or exclude numbers circle by circle). Several rows for one circle are merged.
 */
export function buildPool(
	table: TableRow[] = [],
	discovered: DiscoveredExoPhone[] = [],
): PoolBuildResult {
	const pool: CallerIdPool = {};
	const unassignedExoPhones: string[] = [];
	for (const phone of discovered) {
		const number = splitNumbers([phone.number])[0];
		if (!number) continue;
		const circle = normaliseCircle(phone.region ?? '');
		if (!circle) {
			unassignedExoPhones.push(number);
			continue;
		}
		const list = (pool[circle] ??= []);
		if (!list.includes(number)) list.push(number);
	}
	const fromTable: CallerIdPool = {};
	const invalidTableCircles: string[] = [];
	for (const row of table) {
		const circle = normaliseCircle(row.circle);
		if (!circle) {
			invalidTableCircles.push(String(row.circle ?? ''));
			continue;
		}
		const list = (fromTable[circle] ??= []);
		for (const n of splitNumbers(row.numbers)) if (!list.includes(n)) list.push(n);
	}
	for (const [circle, numbers] of Object.entries(fromTable) as Array<[CircleCode, string[]]>) {
		if (numbers.length > 0) pool[circle] = numbers;
	}
	return { pool, invalidTableCircles, unassignedExoPhones };
}

interface Pick {
	number: string;
	label: string;
}

function pickFrom(
	circle: CircleCode,
	numbers: string[],
	strategy: CallerIdStrategy,
	cursors: RoundRobinCursors,
	random: () => number,
): Pick {
	const count = numbers.length;
	if (strategy === 'first') {
		return { number: numbers[0], label: count === 1 ? 'only number' : `first of ${count}` };
	}
	if (strategy === 'random') {
		const r = random();
		const index = Math.min(
			count - 1,
			Math.max(0, Math.floor((Number.isFinite(r) ? r : 0) * count)),
		);
		return { number: numbers[index], label: `random ${index + 1} of ${count}` };
	}
	const stored = Number(cursors[circle]);
	const index = Number.isInteger(stored) && stored >= 0 ? stored % count : 0;
	cursors[circle] = (index + 1) % count;
	return { number: numbers[index], label: `round-robin ${index + 1} of ${count}` };
}

/**
 * Picks the caller ID for one item. `cursors` is updated in place for round-robin (so the node can hand in its
 * static data object directly); `random` returns [0, 1) and defaults to Math.random.
 */
export function selectCallerId(
	rawCircle: unknown,
	pool: CallerIdPool,
	settings: SelectionSettings,
	cursors: RoundRobinCursors = {},
	random: () => number = Math.random,
): CallerIdSelection {
	const circle = normaliseCircle(rawCircle);
	const fallback = (settings.fallbackCallerId ?? '').trim();
	const shown =
		rawCircle === undefined || rawCircle === null || String(rawCircle).trim() === ''
			? null
			: String(rawCircle).trim();

	if (circle) {
		const own = pool[circle];
		if (own && own.length > 0) {
			const pick = pickFrom(circle, own, settings.strategy, cursors, random);
			return {
				callerId: pick.number,
				callerIdCircle: circle,
				callerIdReason: `Circle match ${circle}, ${pick.label}`,
				source: 'circle',
				circle,
			};
		}
		if (settings.neighbourFallback) {
			for (const neighbour of NEIGHBOURS[circle] ?? []) {
				const numbers = pool[neighbour];
				if (numbers && numbers.length > 0) {
					const pick = pickFrom(neighbour, numbers, settings.strategy, cursors, random);
					return {
						callerId: pick.number,
						callerIdCircle: neighbour,
						callerIdReason: `No ExoPhone in ${circle}; used neighbour ${neighbour}, ${pick.label}`,
						source: 'neighbour',
						circle,
					};
				}
			}
		}
	}

	let why: string;
	if (circle) {
		const neighbours = NEIGHBOURS[circle] ?? [];
		why =
			settings.neighbourFallback && neighbours.length > 0
				? `No ExoPhone for circle ${circle} or its neighbours (${neighbours.join(', ')})`
				: `No ExoPhone for circle ${circle}`;
	} else if (shown === null) {
		why = 'The item has no circle';
	} else {
		why = `"${shown}" is not a telecom circle code`;
	}

	if (fallback) {
		return {
			callerId: fallback,
			callerIdCircle: null,
			callerIdReason: `${why}; used the fallback caller ID`,
			source: 'fallback',
			circle,
		};
	}
	return {
		callerId: null,
		callerIdCircle: null,
		callerIdReason: `${why}; no fallback caller ID is set`,
		source: 'none',
		circle,
	};
}

/** Small deterministic PRNG (mulberry32) for tests and reproducible runs. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
