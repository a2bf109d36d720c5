/**
 * The correlation id we put in Exotel's CustomField and read back from status callbacks.
 * Exotel echoes CustomField verbatim on terminal callbacks (max 128 characters), and nothing else of ours
 * survives the round trip, so it carries what the pacing engine needs to count an outcome for a call it
 * never saw registered: campaign, contact, attempt number, circle and the release time.
 *
 * Formats (`|` and `%` percent-escaped in the text fields):
 *   `x1|campaign|contact|attempt|circle|releasedAtBase36`       unsigned: older versions, Connect Call's own
 *   `x2|campaign|contact|attempt|circle|releasedAtBase36|tag`   Release's: `tag` proves Release issued it
 * The tag is HMAC-SHA256, keyed by the campaign's random key (kept in its state, never sent anywhere), over the
 * x2 text before `|tag`, cut to TAG_LENGTH base64url characters (72 bits). A status callback can only be posted by
 * someone holding the callback secret; the tag also makes them unable to invent a call of this campaign
 * (docs/pacing-design.md, "Untrusted status callbacks").
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';

export interface Correlation {
	campaign: string;
	contact: string;
	attempt: number;
	circle?: string;
	/** Epoch milliseconds when the pacing engine released the call (second precision on the wire). */
	releasedAt?: number;
	/** x2: the signature Release put on it (checked with verifyCorrelation); absent on x1. */
	tag?: string;
}

export const CUSTOM_FIELD_MAX_LENGTH = 128;
const UNSIGNED = 'x1';
const SIGNED = 'x2';
/** Characters of the tag (base64url): 9 bytes of the HMAC. */
export const TAG_LENGTH = 12;
/** Longest tag decodeCorrelation keeps (a longer one is not ours; a wrong one of any length fails verification). */
const MAX_TAG_CHARS = 64;

function escapePart(value: string): string {
	return value.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

function unescapePart(value: string): string {
	return value.replace(/%7C/gi, '|').replace(/%25/g, '%');
}

/** A new random campaign key (16 bytes, base64url): what correlation tags are keyed with. */
export function newCampaignKey(): string {
	return randomBytes(16).toString('base64url');
}

/** Whether a stored value can be a campaign key. */
export function isCampaignKey(value: unknown): value is string {
	return typeof value === 'string' && /^[A-Za-z0-9_-]{22,86}$/.test(value);
}

/** The fields as text, in the given format, without a tag: what is signed (x2) or sent (x1). */
function body(prefix: string, c: Correlation): string {
	const released = c.releasedAt === undefined ? '' : Math.floor(c.releasedAt / 1000).toString(36);
	return [
		prefix,
		escapePart(c.campaign),
		escapePart(c.contact),
		String(Math.max(0, Math.floor(c.attempt))),
		escapePart(c.circle ?? ''),
		released,
	].join('|');
}

function tagOf(key: string, signed: string): string {
	return createHmac('sha256', key).update(signed).digest('base64url').slice(0, TAG_LENGTH);
}

/** The tag Release puts on a correlation with this campaign key. */
export function correlationTag(key: string, c: Correlation): string {
	return tagOf(key, body(SIGNED, c));
}

/**
 * The CustomField for a correlation: signed (x2) when a campaign key is given, else x1. Throws when it would be
 * longer than Exotel's 128 characters.
 */
export function encodeCorrelation(c: Correlation, key?: string): string {
	const unsigned = body(key === undefined ? UNSIGNED : SIGNED, c);
	const encoded = key === undefined ? unsigned : `${unsigned}|${tagOf(key, unsigned)}`;
	if (encoded.length > CUSTOM_FIELD_MAX_LENGTH) {
		const signature =
			key === undefined ? '' : ` (${TAG_LENGTH + 1} of them the campaign's signature)`;
		throw new Error(
			`The correlation id is ${encoded.length} characters${signature}; Exotel's CustomField allows ${CUSTOM_FIELD_MAX_LENGTH}. Use a shorter campaign name or contact id.`,
		);
	}
	return encoded;
}

/**
 * Whether a correlation carries this campaign key's tag: 'valid', 'invalid' (a tag that is not this key's: forged,
 * altered, or from another copy or reset of the campaign), or 'none' (unsigned: x1, or no correlation at all).
 */
export function verifyCorrelation(
	key: string,
	c: Correlation | null | undefined,
): 'valid' | 'invalid' | 'none' {
	if (!c || c.tag === undefined || c.tag === null) return 'none';
	if (typeof c.tag !== 'string' || c.tag.length !== TAG_LENGTH) return 'invalid';
	const expected = Buffer.from(correlationTag(key, c));
	const given = Buffer.from(c.tag);
	return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}

/** Returns null for anything that is not one of our correlation ids (e.g. a user's own CustomField). */
export function decodeCorrelation(value: unknown): Correlation | null {
	if (typeof value !== 'string') return null;
	const signed = value.startsWith(SIGNED + '|');
	if (!signed && !value.startsWith(UNSIGNED + '|')) return null;
	const parts = value.split('|');
	if (parts.length !== (signed ? 7 : 6)) return null;
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
	// any tag of sane length is kept, right or wrong: verifyCorrelation judges it (an x2 without one is not ours)
	if (signed) {
		if (!parts[6] || parts[6].length > MAX_TAG_CHARS) return null;
		result.tag = parts[6];
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
	if (typeof c !== 'object' || c === null || Array.isArray(c))
		return 'the correlation is not an object';
	const r = c as Record<string, unknown>;
	if (typeof r.campaign !== 'string') return 'its campaign is not text';
	if (
		typeof r.contact !== 'string' ||
		r.contact === '' ||
		r.contact.length > CUSTOM_FIELD_MAX_LENGTH
	)
		return 'its contact is not a short non-empty text';
	if (
		typeof r.attempt !== 'number' ||
		!Number.isInteger(r.attempt) ||
		r.attempt < 1 ||
		r.attempt > MAX_CORRELATION_ATTEMPT
	) {
		return `its attempt is not a whole number from 1 to ${MAX_CORRELATION_ATTEMPT}`;
	}
	if (r.circle !== undefined && r.circle !== null && typeof r.circle !== 'string')
		return 'its circle is not text';
	if (
		r.releasedAt !== undefined &&
		r.releasedAt !== null &&
		(typeof r.releasedAt !== 'number' || !Number.isFinite(r.releasedAt))
	) {
		return 'its release time is not a number';
	}
	if (
		r.tag !== undefined &&
		r.tag !== null &&
		(typeof r.tag !== 'string' || r.tag === '' || r.tag.length > MAX_TAG_CHARS)
	) {
		return 'its signature is not a short text';
	}
	return null;
}
