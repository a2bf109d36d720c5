/**
 * The correlation id we put in Exotel's CustomField and read back from status callbacks.
 * Exotel echoes CustomField verbatim on terminal callbacks (max 128 characters), and nothing else of ours
 * survives the round trip, so it carries what the pacing engine needs to count an outcome for a call it
 * never saw registered: campaign, contact, attempt number, circle and the release time.
 *
 * Format: `x1|campaign|contact|attempt|circle|releasedAtBase36` with `|` and `%` percent-escaped.
 */
export interface Correlation {
	campaign: string;
	contact: string;
	attempt: number;
	circle?: string;
	/** Epoch milliseconds when the pacing engine released the call (second precision on the wire). */
	releasedAt?: number;
}

export const CUSTOM_FIELD_MAX_LENGTH = 128;
const PREFIX = 'x1';

function escapePart(value: string): string {
	return value.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

function unescapePart(value: string): string {
	return value.replace(/%7C/gi, '|').replace(/%25/g, '%');
}

export function encodeCorrelation(c: Correlation): string {
	const released = c.releasedAt === undefined ? '' : Math.floor(c.releasedAt / 1000).toString(36);
	const encoded = [
		PREFIX,
		escapePart(c.campaign),
		escapePart(c.contact),
		String(Math.max(0, Math.floor(c.attempt))),
		escapePart(c.circle ?? ''),
		released,
	].join('|');
	if (encoded.length > CUSTOM_FIELD_MAX_LENGTH) {
		throw new Error(
			`The correlation id is ${encoded.length} characters; Exotel's CustomField allows ${CUSTOM_FIELD_MAX_LENGTH}. Use a shorter campaign name or contact id.`,
		);
	}
	return encoded;
}

/** Returns null for anything that is not one of our correlation ids (e.g. a user's own CustomField). */
export function decodeCorrelation(value: unknown): Correlation | null {
	if (typeof value !== 'string' || !value.startsWith(PREFIX + '|')) return null;
	const parts = value.split('|');
	if (parts.length !== 6) return null;
	// Decimal digits only: Number() would also read '0x1f', '1e3' and '' (as 0).
	if (!/^\d{1,9}$/.test(parts[3])) return null;
	const attempt = Number(parts[3]);
	const result: Correlation = {
		campaign: unescapePart(parts[1]),
		contact: unescapePart(parts[2]),
		attempt,
	};
	if (parts[4]) result.circle = unescapePart(parts[4]);
	if (parts[5]) {
		// a long base-36 run is finite in seconds but not in ms (test/pacing/fuzz.test.ts)
		// parseInt reads a valid prefix of anything ('1x!' -> 1): only lower-case base-36 digits are a time.
		const ms = /^[0-9a-z]{1,12}$/.test(parts[5]) ? parseInt(parts[5], 36) * 1000 : NaN;
		if (Number.isFinite(ms)) result.releasedAt = ms;
	}
	return result;
}

/** Highest attempt number a correlation may carry (settings.ts caps maxAttempts far lower). */
export const MAX_CORRELATION_ATTEMPT = 1000;

/**
 * Why a correlation (decoded from a callback, or an object a workflow passed on) cannot be used; null when it can.
 * Callback content is untrusted (the callback URL can leak): every field is checked before the engine uses it.
 */
export function correlationProblem(c: unknown): string | null {
	if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'the correlation is not an object';
	const r = c as Record<string, unknown>;
	if (typeof r.campaign !== 'string') return 'its campaign is not text';
	if (typeof r.contact !== 'string' || r.contact === '' || r.contact.length > CUSTOM_FIELD_MAX_LENGTH) return 'its contact is not a short non-empty text';
	if (typeof r.attempt !== 'number' || !Number.isInteger(r.attempt) || r.attempt < 1 || r.attempt > MAX_CORRELATION_ATTEMPT) {
		return `its attempt is not a whole number from 1 to ${MAX_CORRELATION_ATTEMPT}`;
	}
	if (r.circle !== undefined && r.circle !== null && typeof r.circle !== 'string') return 'its circle is not text';
	if (r.releasedAt !== undefined && r.releasedAt !== null && (typeof r.releasedAt !== 'number' || !Number.isFinite(r.releasedAt))) {
		return 'its release time is not a number';
	}
	return null;
}
