/**
 * Seeded pseudo-random numbers (pure, no I/O). mulberry32 for the stream, a 32-bit string hash (cyrb53-style mix,
 * folded to 32 bits) to turn any seed parts into a stream seed. The benchmark reuses this module directly.
 */

export type Seed = number | string;

/** Stable 32-bit hash of a string. */
export function hashString(value: string): number {
	let h1 = 0xdeadbeef;
	let h2 = 0x41c6ce57;
	for (let i = 0; i < value.length; i++) {
		const ch = value.charCodeAt(i);
		h1 = Math.imul(h1 ^ ch, 2654435761);
		h2 = Math.imul(h2 ^ ch, 1597334677);
	}
	h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
	h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return (h1 ^ h2) >>> 0;
}

/** mulberry32: returns a function yielding floats in [0, 1). One implementation, shared with the nodes. */
import { seededRandom as mulberry32 } from '../nodes/core/callerId';

export { mulberry32 };

export interface Rng {
	/** Float in [0, 1). */
	next(): number;
	/** Integer in [min, max] (inclusive). */
	int(min: number, max: number): number;
	/** True with probability p. */
	chance(p: number): boolean;
	pick<T>(items: readonly T[]): T;
	/** Picks a key by weight; weights need not sum to 1. */
	weighted<K extends string>(
		weights: Readonly<Record<K, number>> | ReadonlyArray<readonly [K, number]>,
	): K;
	/** n lowercase hex characters. */
	hex(n: number): string;
}

export function createRng(seed: Seed): Rng {
	const next = mulberry32(
		typeof seed === 'number' && Number.isInteger(seed) ? seed : hashString(String(seed)),
	);
	const rng: Rng = {
		next,
		int(min, max) {
			const lo = Math.ceil(Math.min(min, max));
			const hi = Math.floor(Math.max(min, max));
			return lo + Math.floor(next() * (hi - lo + 1));
		},
		chance(p) {
			if (p <= 0) return false;
			if (p >= 1) return true;
			return next() < p;
		},
		pick(items) {
			if (items.length === 0) throw new Error('pick() from an empty list');
			return items[Math.floor(next() * items.length)];
		},
		weighted<K extends string>(
			weights: Readonly<Record<K, number>> | ReadonlyArray<readonly [K, number]>,
		): K {
			const entries = (Array.isArray(weights) ? weights : Object.entries(weights)) as Array<
				readonly [K, number]
			>;
			const positive = entries.filter(([, w]) => w > 0);
			if (positive.length === 0) throw new Error('weighted() needs at least one positive weight');
			const total = positive.reduce((sum, [, w]) => sum + w, 0);
			let r = next() * total;
			for (const [key, w] of positive) {
				r -= w;
				if (r < 0) return key;
			}
			return positive[positive.length - 1][0];
		},
		hex(n) {
			let out = '';
			while (out.length < n)
				out += Math.floor(next() * 0x100000000)
					.toString(16)
					.padStart(8, '0');
			return out.slice(0, n);
		},
	};
	return rng;
}

/** An independent stream for (seed, ...parts): same inputs, same stream, whatever else was drawn before. */
export function deriveRng(seed: Seed, ...parts: Array<string | number>): Rng {
	return createRng(hashString([String(seed), ...parts.map(String)].join('\u0001')));
}
