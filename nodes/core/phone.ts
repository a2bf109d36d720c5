/**
 * Indian phone number normalisation.
 *
 * Exotel accepts E.164 (`+919876543210`) and echoes numbers back in national form with a leading 0
 * (`09876543210`); sheets hold every other variant (`98765 43210`, `+91-98765-43210`, `(0)98765.43210`,
 * a bare number cell `9876543210`). Everything is reduced to the 10-digit national significant number.
 *
 * Mobile vs landline: Indian mobile numbers start with 6-9 (TRAI numbering plan). Landlines are written with
 * their STD code (`011 2345 6789` -> `1123456789`), so any other leading digit 1-5 is a landline. A few STD
 * codes start with 7 or 8 (e.g. 080 Bengaluru), so this is a best-effort guess; Number Lookup asks Exotel.
 */

export type PhoneKind = 'mobile' | 'landline';

export interface IndianPhone {
	/** `+919876543210` */
	e164: string;
	/** `09876543210` — the form Exotel echoes back */
	national: string;
	/** `9876543210` */
	digits10: string;
	kind: PhoneKind;
}

export type PhoneParseResult =
	| ({ ok: true } & IndianPhone)
	| { ok: false; input: string; reason: string; message: string };

export interface PhoneParseOptions {
	/** Default true. When false a landline is rejected ("it is a landline, expected a mobile number"). */
	allowLandline?: boolean;
}

export class InvalidPhoneNumberError extends Error {
	constructor(
		readonly input: string,
		readonly reason: string,
	) {
		super(`"${input}" is not a valid Indian phone number: ${reason}`);
		this.name = 'InvalidPhoneNumberError';
	}
}

// Separators people type or sheets produce; anything else (letters, '#', 'x') makes the number invalid.
const SEPARATORS = /[\s\-.()/\u00a0]/g;

function displayInput(input: unknown): string {
	if (input === null || input === undefined) return '';
	if (typeof input === 'string') return input.trim();
	try {
		return String(input);
	} catch {
		// e.g. an object from parsed JSON whose own toString is not a function (test/pacing/fuzz.test.ts)
		return Object.prototype.toString.call(input);
	}
}

function fail(input: string, reason: string): PhoneParseResult {
	return { ok: false, input, reason, message: new InvalidPhoneNumberError(input, reason).message };
}

/** Never throws; returns `{ ok: false, reason, message }` for anything that is not an Indian number. */
export function normalizeIndianPhone(
	input: unknown,
	options: PhoneParseOptions = {},
): PhoneParseResult {
	const shown = displayInput(input);
	if (typeof input === 'number') {
		if (!Number.isSafeInteger(input) || input <= 0) return fail(shown, 'it is not a whole number');
	} else if (typeof input !== 'string') {
		return fail(
			shown,
			input === null || input === undefined ? 'it is empty' : 'it is not text or a number',
		);
	}
	let s = shown.replace(SEPARATORS, '');
	if (s === '') return fail(shown, 'it is empty');
	if (/^tel:/i.test(s)) s = s.slice(4);

	let plus = false;
	if (s.startsWith('+')) {
		plus = true;
		s = s.slice(1);
	}
	if (!/^\d+$/.test(s))
		return fail(
			shown,
			'it contains characters other than digits, spaces, dashes, dots, brackets and a leading +',
		);

	let national: string;
	if (plus) {
		if (!s.startsWith('91'))
			return fail(
				shown,
				`it is not an Indian number (country code +${countryCodeGuess(s)}, expected +91)`,
			);
		national = s.slice(2);
		// "+91 0 98765 43210" — the trunk 0 written after the country code
		if (national.length === 11 && national.startsWith('0')) national = national.slice(1);
	} else if (s.startsWith('0091') && s.length === 14) {
		national = s.slice(4);
	} else if (s.length === 12 && s.startsWith('91')) {
		national = s.slice(2);
	} else if (s.length === 11 && s.startsWith('0')) {
		national = s.slice(1);
	} else if (s.length === 10) {
		national = s;
	} else if (s.length > 10 && s.startsWith('00')) {
		return fail(
			shown,
			`it is not an Indian number (international prefix 00${s.slice(2, 4)}…, expected 0091)`,
		);
	} else if (s.length === 12) {
		return fail(shown, "it has 12 digits but does not start with India's country code 91");
	} else {
		return fail(shown, `it has ${s.length} digits, expected 10`);
	}

	if (national.length !== 10)
		return fail(shown, `it has ${national.length} digits after the country code, expected 10`);
	const first = national[0];
	if (first === '0') return fail(shown, 'the 10-digit number cannot start with 0');
	const kind: PhoneKind = first >= '6' ? 'mobile' : 'landline';
	if (kind === 'landline' && options.allowLandline === false) {
		return fail(shown, 'it looks like a landline (mobile numbers start with 6, 7, 8 or 9)');
	}
	return { ok: true, e164: `+91${national}`, national: `0${national}`, digits10: national, kind };
}

function countryCodeGuess(digits: string): string {
	// Good enough for a message: NANP is 1, most others are 2-3 digits.
	if (digits.startsWith('1') || digits.startsWith('7')) return digits[0];
	return digits.slice(0, 2);
}

/** Throws InvalidPhoneNumberError (`"98765" is not a valid Indian phone number: it has 5 digits, expected 10`). */
export function parseIndianPhone(input: unknown, options: PhoneParseOptions = {}): IndianPhone {
	const r = normalizeIndianPhone(input, options);
	if (!r.ok) throw new InvalidPhoneNumberError(r.input, r.reason);
	return { e164: r.e164, national: r.national, digits10: r.digits10, kind: r.kind };
}

export function isIndianPhone(input: unknown, options: PhoneParseOptions = {}): boolean {
	return normalizeIndianPhone(input, options).ok;
}

/** E.164 for valid numbers; undefined otherwise. */
export function toE164(input: unknown): string | undefined {
	const r = normalizeIndianPhone(input);
	return r.ok ? r.e164 : undefined;
}

/** 0-prefixed national form (what Exotel echoes) for valid numbers; undefined otherwise. */
export function toNational(input: unknown): string | undefined {
	const r = normalizeIndianPhone(input);
	return r.ok ? r.national : undefined;
}

/** True when both are valid and denote the same number, whatever their spelling. */
export function samePhone(a: unknown, b: unknown): boolean {
	const x = normalizeIndianPhone(a);
	const y = normalizeIndianPhone(b);
	return x.ok && y.ok && x.digits10 === y.digits10;
}
