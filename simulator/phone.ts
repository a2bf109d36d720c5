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
	const compact = String(input).trim().replace(/[\s\-().]/g, '');
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
