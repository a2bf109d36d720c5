/**
 * Virtual-time helpers of the benchmark. India has one time zone (IST = UTC+05:30) and no daylight saving, so
 * the calling window is checked with plain arithmetic here — on purpose independent of the engine's luxon-based
 * window code, so that the compliance count is an outside check.
 */
import { DateTime } from 'luxon';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
const DAY = 86_400_000;
const IST_OFFSET = 19_800_000; // +05:30

/** The calling window every policy must respect (Exotel's advice and the engine's default): 09:00-21:00 IST. */
export interface CallingWindow {
	startMinute: number;
	endMinute: number;
}

export const DEFAULT_WINDOW: CallingWindow = { startMinute: 9 * 60, endMinute: 21 * 60 };

/** Minutes after midnight IST. */
export function istMinuteOfDay(t: number): number {
	return Math.floor(((((t + IST_OFFSET) % DAY) + DAY) % DAY) / MINUTE);
}

export function isWindowOpen(t: number, w: CallingWindow = DEFAULT_WINDOW): boolean {
	const ms = (((t + IST_OFFSET) % DAY) + DAY) % DAY;
	return ms >= w.startMinute * MINUTE && ms < w.endMinute * MINUTE;
}

/** The next moment >= t when the window is open. */
export function nextOpening(t: number, w: CallingWindow = DEFAULT_WINDOW): number {
	if (isWindowOpen(t, w)) return t;
	const dayStart = t - ((((t + IST_OFFSET) % DAY) + DAY) % DAY);
	const todayOpen = dayStart + w.startMinute * MINUTE;
	return t < todayOpen ? todayOpen : todayOpen + DAY;
}

/** When the window containing t closes (t must be inside an open window). */
export function windowClose(t: number, w: CallingWindow = DEFAULT_WINDOW): number {
	const dayStart = t - ((((t + IST_OFFSET) % DAY) + DAY) % DAY);
	return dayStart + w.endMinute * MINUTE;
}

/** Milliseconds of open window inside [from, to). */
export function openTimeBetween(
	from: number,
	to: number,
	w: CallingWindow = DEFAULT_WINDOW,
): number {
	let total = 0;
	let t = from;
	while (t < to) {
		if (isWindowOpen(t, w)) {
			const end = Math.min(to, windowClose(t, w));
			total += end - t;
			t = end;
		} else t = nextOpening(t, w);
	}
	return total;
}

/** "Mon 06 Jan 10:00 IST" */
export function formatIst(t: number): string {
	return DateTime.fromMillis(t, { zone: 'Asia/Kolkata' }).toFormat("ccc dd LLL HH:mm 'IST'");
}

/** "10:00" (IST) */
export function hhmm(t: number): string {
	return DateTime.fromMillis(t, { zone: 'Asia/Kolkata' }).toFormat('HH:mm');
}

/** Epoch ms of an ISO time given without offset, read as IST. */
export function ist(iso: string): number {
	const dt = DateTime.fromISO(iso, { zone: 'Asia/Kolkata' });
	if (!dt.isValid) throw new Error(`Bad time ${iso}`);
	return dt.toMillis();
}
