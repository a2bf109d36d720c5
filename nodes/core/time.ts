/**
 * Exotel timestamps are `YYYY-MM-DD HH:mm:ss` with no zone; they are India time (Asia/Kolkata, +05:30, no DST).
 * Everything we output is ISO 8601 with the +05:30 offset so a sheet shows the same wall-clock time Exotel's
 * dashboard does, while staying unambiguous.
 */
import { DateTime } from 'luxon';

import { memoizedZone } from './zone';

export const EXOTEL_ZONE = 'Asia/Kolkata';
export const EXOTEL_FORMAT = 'yyyy-MM-dd HH:mm:ss';
/** Asia/Kolkata with its offsets remembered (zone.ts): every conversion below goes through it. */
const INDIA = memoizedZone(EXOTEL_ZONE);

export type TimeInput = string | number | Date | DateTime;

const EXOTEL_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const DATE_ONLY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses anything we may meet into a DateTime in Asia/Kolkata; zone-less strings are read as India time. */
export function toIstDateTime(value: TimeInput): DateTime | null {
	let dt: DateTime;
	if (DateTime.isDateTime(value)) dt = value;
	else if (value instanceof Date) dt = DateTime.fromJSDate(value);
	else if (typeof value === 'number') dt = DateTime.fromMillis(value);
	else if (typeof value === 'string') {
		const s = value.trim();
		if (s === '' || s.toLowerCase() === 'null') return null;
		if (EXOTEL_RE.test(s)) dt = DateTime.fromFormat(s, EXOTEL_FORMAT, { zone: INDIA });
		// setZone keeps an explicit offset/Z; a zone-less ISO string is taken as India time.
		else dt = DateTime.fromISO(s, { zone: INDIA, setZone: hasExplicitZone(s) });
	} else return null;
	return dt.isValid ? dt.setZone(INDIA) : null;
}

function hasExplicitZone(s: string): boolean {
	return /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(s);
}

/** `2017-03-03 10:48:33` -> `2017-03-03T10:48:33+05:30`; null/""/"null"/garbage -> null. ISO input is re-zoned. */
export function exotelToIso(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date))
		return null;
	const dt = toIstDateTime(value);
	return dt ? dt.startOf('second').toISO({ suppressMilliseconds: true }) : null;
}

/** Any instant -> Exotel's `YYYY-MM-DD HH:mm:ss` in India time. Throws on an unparseable value. */
export function toExotelTime(value: TimeInput): string {
	const dt = toIstDateTime(value);
	if (!dt) throw new Error(`"${String(value)}" is not a date/time`);
	return dt.toFormat(EXOTEL_FORMAT);
}

/** ISO with +05:30 for an epoch-ms instant (default now), to the second like Exotel's own timestamps. */
export function istIso(now: number = Date.now()): string {
	return DateTime.fromMillis(now, { zone: INDIA })
		.startOf('second')
		.toISO({ suppressMilliseconds: true }) as string;
}

/**
 * A user-entered bound for a date filter. A bare date means the whole day in India:
 * start of day for `from`, 23:59:59 for `to`.
 */
export function parseDateBound(value: TimeInput, bound: 'from' | 'to'): DateTime {
	if (typeof value === 'string' && DATE_ONLY_RE.test(value.trim())) {
		const day = DateTime.fromISO(value.trim(), { zone: INDIA });
		if (day.isValid)
			return bound === 'from' ? day.startOf('day') : day.endOf('day').set({ millisecond: 0 });
	}
	const dt = toIstDateTime(value);
	if (!dt)
		throw new Error(
			`"${String(value)}" is not a date/time (use e.g. 2024-01-31 or 2024-01-31T18:00:00+05:30)`,
		);
	return dt;
}

/**
 * Exotel bulk Call Details `DateCreated` filter: `gte:2019-01-01 00:00:00;lte:2019-01-31 23:59:59`.
 * Either bound may be omitted; returns undefined when both are.
 */
export function dateCreatedFilter(
	from?: TimeInput | null,
	to?: TimeInput | null,
): string | undefined {
	const parts: string[] = [];
	const hasValue = (v: unknown) => v !== undefined && v !== null && v !== '';
	let fromDt: DateTime | undefined;
	if (hasValue(from)) {
		fromDt = parseDateBound(from as TimeInput, 'from');
		parts.push(`gte:${fromDt.toFormat(EXOTEL_FORMAT)}`);
	}
	if (hasValue(to)) {
		const toDt = parseDateBound(to as TimeInput, 'to');
		if (fromDt && toDt < fromDt) throw new Error('The date range ends before it starts');
		parts.push(`lte:${toDt.toFormat(EXOTEL_FORMAT)}`);
	}
	return parts.length ? parts.join(';') : undefined;
}

/** Epoch ms of an Exotel/ISO timestamp, or null. */
export function toEpochMs(value: unknown): number | null {
	if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date))
		return null;
	const dt = toIstDateTime(value);
	return dt ? dt.toMillis() : null;
}
