/**
 * Seeded random input for the fuzz suites (test/pacing/fuzz.test.ts, test/nodes/fuzzTrigger.test.ts): the same
 * seed gives the same inputs, and every failure message names it. FUZZ_SEED=<n> replays or varies a run.
 */
import { seededRandom } from '../../nodes/core/callerId';

export function fuzzSeed(fallback: number): number {
	const env = Number(process.env.FUZZ_SEED);
	return Number.isInteger(env) ? env : fallback;
}

/** Throws with the seed and case in the message (a failing random case must be replayable). */
export function check(
	ok: boolean,
	seed: number,
	what: string,
	detail: () => unknown = () => '',
): void {
	if (ok) return;
	let shown: string;
	try {
		shown = JSON.stringify(detail())?.slice(0, 600) ?? '';
	} catch {
		shown = String(detail());
	}
	throw new Error(`FUZZ_SEED=${seed}: ${what} ${shown}`);
}

/** Names that collide with Object.prototype members or look like prototype pollution. */
export const PROTO_KEYS = [
	'__proto__',
	'constructor',
	'prototype',
	'toString',
	'hasOwnProperty',
	'valueOf',
	'__defineGetter__',
];

export class Gen {
	readonly next: () => number;
	constructor(readonly seed: number) {
		this.next = seededRandom(seed);
	}
	int(lo: number, hi: number): number {
		return lo + Math.floor(this.next() * (hi - lo + 1));
	}
	chance(p: number): boolean {
		return this.next() < p;
	}
	pick<T>(list: readonly T[]): T {
		return list[Math.floor(this.next() * list.length)];
	}
	/** Text from a mix of alphabets: digits, ASCII, separators, control and non-BMP characters. */
	text(maxLength = 40): string {
		const alphabets = [
			'0123456789',
			'abcxyzABCXYZ',
			' +-()./|%&=;:',
			'\u0000\t\n\r\u00a0\u200b',
			'éहिंदी٣४',
			'😀𝟘',
		];
		const n = this.int(0, maxLength);
		let out = '';
		for (let i = 0; i < n; i++) out += this.pick([...this.pick(alphabets)]);
		return out;
	}
	/** A phone-ish string: real shapes with random damage. */
	phone(): string {
		const digits = (n: number) => Array.from({ length: n }, () => this.int(0, 9)).join('');
		const shapes = [
			() => `+91${this.int(6, 9)}${digits(9)}`,
			() => `0${this.int(6, 9)}${digits(9)}`,
			() => `91 ${digits(5)} ${digits(5)}`,
			() => `+91-${digits(this.int(1, 14))}`,
			() => `0${digits(2)}${digits(8)}`,
			() => digits(this.int(0, 20)),
			() => `+${digits(this.int(1, 16))}`,
			() => `${digits(10)}e5`,
			() => `(+91) ${digits(3)}.${digits(3)}.${digits(4)} ext ${digits(3)}`,
			() => '٩٨٧٦٥٤٣٢١٠',
			() => this.text(30),
			() => digits(10).repeat(this.int(100, 500)),
		];
		return this.pick(shapes)();
	}
	/** Any JSON-ish value, nested up to `depth`. */
	value(depth = 2): unknown {
		const k = this.int(0, depth > 0 ? 11 : 8);
		switch (k) {
			case 0:
				return null;
			case 1:
				return undefined;
			case 2:
				return this.chance(0.5);
			case 3:
				return this.pick([
					0,
					-1,
					1,
					1.5,
					1e300,
					-1e300,
					NaN,
					Infinity,
					-Infinity,
					Number.MAX_SAFE_INTEGER + 2,
					-0,
				]);
			case 4:
				return this.int(-1e6, 1e6);
			case 5:
				return this.text();
			case 6:
				return this.pick(PROTO_KEYS);
			case 7:
				return 'x'.repeat(this.int(129, 20000));
			case 8:
				return this.phone();
			case 9:
			case 10:
				return Array.from({ length: this.int(0, 4) }, () => this.value(depth - 1));
			default: {
				const o: Record<string, unknown> = {};
				for (let i = this.int(0, 4); i > 0; i--)
					o[this.chance(0.3) ? this.pick(PROTO_KEYS) : this.text(8)] = this.value(depth - 1);
				return o;
			}
		}
	}
}
