/**
 * The campaign's contact list: seeded Indian mobile numbers with the circle and DND flag the simulator's Number
 * Metadata model gives them (what the Number Lookup node would have written into the sheet). Every policy and
 * every scenario of one run gets the same list, in the same order.
 */
import type { CircleCode } from '../../nodes/core/circles';
import {
	DEFAULT_NUMBERS_CONFIG,
	numberMetadata,
	type NumbersConfig,
} from '../../simulator/numbers';
import { deriveRng, type Seed } from '../../simulator/rng';

export interface Contact {
	/** Position in the list (the sheet's row order). */
	idx: number;
	/** E.164, the campaign's contact key. */
	key: string;
	/** 10-digit national number (the outcome model's key). */
	national: string;
	circle: CircleCode;
	dnd: boolean;
}

export function makeContacts(
	n: number,
	seed: Seed,
	config: NumbersConfig = DEFAULT_NUMBERS_CONFIG,
): Contact[] {
	const rng = deriveRng(seed, 'contacts');
	const seen = new Set<string>();
	const out: Contact[] = [];
	while (out.length < n) {
		// Mobile series start 6-9; avoid 7x/8x numbers that look like landlines to the metadata model.
		const first = rng.pick(['6', '9', '9', '9', '7', '8']);
		let national = first;
		for (let i = 0; i < 9; i++) national += String(rng.int(0, 9));
		if (seen.has(national)) continue;
		const meta = numberMetadata(national, seed, config);
		if (meta.type !== 'Mobile') continue;
		seen.add(national);
		out.push({ idx: out.length, key: meta.e164, national, circle: meta.circle, dnd: meta.dnd });
	}
	return out;
}

/** Contacts that may be called at all (not DND). */
export function eligibleCount(contacts: readonly Contact[]): number {
	let n = 0;
	for (const c of contacts) if (!c.dnd) n++;
	return n;
}
