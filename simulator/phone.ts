/** Indian phone number parsing for the simulator (pure). Accepts +91…, 0091…, 91…, 0…, bare 10 digits, spaces/dashes. */

export interface ParsedNumber {
	/** 10-digit national significant number. */
	national: string;
	/** 0-prefixed national form, as Exotel echoes numbers ("0XXXXXXXXXX"). */
	zeroPrefixed: string;
	/** E.164 "+91XXXXXXXXXX". */
	e164: string;
}

export function parseIndianNumber(input: unknown): ParsedNumber | null {
	if (typeof input !== 'string' && typeof input !== 'number') return null;
	const compact = String(input)
		.trim()
		.replace(/[\s\-().]/g, '');
	const match =
		/^\+91(\d{10})$/.exec(compact) ??
		/^0091(\d{10})$/.exec(compact) ??
		/^91(\d{10})$/.exec(compact) ??
		/^0(\d{10})$/.exec(compact) ??
		/^(\d{10})$/.exec(compact);
	if (!match) return null;
	const national = match[1];
	if (national.startsWith('0')) return null;
	return { national, zeroPrefixed: '0' + national, e164: '+91' + national };
}

/** The 10-digit national number, or undefined. Handy for comparing numbers written differently. */
export function nationalDigits(input: unknown): string | undefined {
	return parseIndianNumber(input)?.national;
}

const recordIndex = new WeakMap<object, { signature: string; map: Map<string, unknown> }>();

/**
 * Looks a number up in a map keyed by numbers written any way ("+91 98765 43210", "09876543210", …).
 * The normalised index is cached per map object and rebuilt when its keys change.
 */
export function findByNumber<T>(
	record: Readonly<Record<string, T>>,
	national: string,
): T | undefined {
	const keys = Object.keys(record);
	if (keys.length === 0) return undefined;
	const signature = keys.join('\u0001');
	let entry = recordIndex.get(record);
	if (!entry || entry.signature !== signature) {
		const map = new Map<string, unknown>();
		for (const key of keys) map.set(parseIndianNumber(key)?.national ?? key, record[key]);
		entry = { signature, map };
		recordIndex.set(record, entry);
	}
	return entry.map.get(national) as T | undefined;
}

/** True when a list of numbers written any way contains the national number (index cached per list). */
export function listHasNumber(list: readonly string[], national: string): boolean {
	if (list.length === 0) return false;
	const key = list as unknown as object;
	let entry = recordIndex.get(key);
	const signature = list.join('\u0001');
	if (!entry || entry.signature !== signature) {
		const map = new Map<string, unknown>();
		for (const n of list) map.set(parseIndianNumber(n)?.national ?? n, true);
		entry = { signature, map };
		recordIndex.set(key, entry);
	}
	return entry.map.has(national);
}
