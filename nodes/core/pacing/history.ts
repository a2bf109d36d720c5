/**
 * The last hour at a glance: calls finished per minute, completed and not, all circles together, for the dashboard's
 * chart (core/dashboard.ts). The health window (per-circle `healthWindow`) is too short for it (5 minutes) and leaves out
 * circles whose breaker is not closed, so the state keeps this small ring as well.
 *
 * A call is put in the minute it was COUNTED (the `now` of recordOutcomes), not the minute Exotel says it ended: the
 * chart then adds up to what the totals gained in that hour, whichever way the outcome arrived (callback, Call
 * Details, a contact row).
 *
 * STORED COMPACTLY: the state must stay under its 64 KiB target at full rate (test/pacing/stateSize.test.ts), so the
 * ring is one string, not 60 small arrays (which took ~1.1 KB at 180 calls a minute):
 *
 *   state.minuteHistory = [first minute, "ccnnccnn..."]    minute = floor(t / 60 s); then 4 characters per minute from the first:
 *                                               completed and not completed, 2 base-36 digits each (capped at 1295)
 *
 * The first minute always has calls; minutes without calls after it are "0000". At most 60 minutes: <= 240
 * characters, about 255 bytes of JSON with the minute, whatever the call volume. Absent = no finished call in the
 * last hour (or a state saved before the ring existed).
 */
import type { CampaignState } from './state';

export const HISTORY_MINUTES = 60;
const MINUTE_MS = 60_000;
/** Base-36 digits per count, and the largest count they hold (a bar of a minute with more calls is capped). */
const DIGITS = 2;
const MAX_COUNT = 36 ** DIGITS - 1;
const SLOT = 2 * DIGITS;

/** The stored ring: [first minute index, 4 characters per minute]. */
export type StoredHistory = [number, string];
/** [minute index = floor(t / 60 s), completed, finished but not completed] */
export type MinuteBucket = [number, number, number];

const enc = (v: number): string =>
	Math.min(MAX_COUNT, Math.max(0, Math.round(v)))
		.toString(36)
		.padStart(DIGITS, '0');

/** The ring's minutes that have calls, oldest first. */
export function historyBuckets(mh: StoredHistory | undefined): MinuteBucket[] {
	if (!mh) return [];
	const [first, slots] = mh;
	const out: MinuteBucket[] = [];
	for (let i = 0; i * SLOT < slots.length; i++) {
		const c = parseInt(slots.slice(i * SLOT, i * SLOT + DIGITS), 36);
		const n = parseInt(slots.slice(i * SLOT + DIGITS, (i + 1) * SLOT), 36);
		if (c || n) out.push([first + i, c, n]);
	}
	return out;
}

/** The stored form of minutes (ascending, within one hour); undefined when there are none. */
function pack(buckets: MinuteBucket[]): StoredHistory | undefined {
	if (!buckets.length) return undefined;
	const first = buckets[0][0];
	const slots = Array<string>(buckets[buckets.length - 1][0] - first + 1).fill('0'.repeat(SLOT));
	for (const b of buckets) slots[b[0] - first] = enc(b[1]) + enc(b[2]);
	return [first, slots.join('')];
}

/** Keeps the minutes (newest - 60, newest]: at most HISTORY_MINUTES of them. */
function trimTo(buckets: MinuteBucket[], newest: number): MinuteBucket[] {
	return buckets.filter((b) => b[0] > newest - HISTORY_MINUTES);
}

/** Counts one finished call into the ring (owned state). */
export function noteFinished(s: CampaignState, now: number, completed: boolean): void {
	const minute = Math.floor(now / MINUTE_MS);
	const buckets = historyBuckets(s.minuteHistory);
	const newest = buckets.length ? Math.max(minute, buckets[buckets.length - 1][0]) : minute;
	// older than the newest hour kept: nothing to show it in
	if (minute <= newest - HISTORY_MINUTES) return;
	let b = buckets.find((x) => x[0] === minute);
	if (!b) {
		b = [minute, 0, 0];
		buckets.push(b);
		buckets.sort((x, y) => x[0] - y[0]);
	}
	b[completed ? 1 : 2]++;
	s.minuteHistory = pack(trimTo(buckets, newest));
}

/** Drops minutes more than an hour before `now` (owned state); an empty ring is removed. */
export function pruneHistory(s: CampaignState, now: number): void {
	if (!s.minuteHistory) return;
	const buckets = historyBuckets(s.minuteHistory);
	const newest = Math.max(
		Math.floor(now / MINUTE_MS),
		buckets.length ? buckets[buckets.length - 1][0] : 0,
	);
	const kept = trimTo(buckets, newest);
	if (kept.length === buckets.length && kept.length) return;
	const mh = pack(kept);
	if (mh) s.minuteHistory = mh;
	else delete s.minuteHistory;
}

/**
 * The stored ring, checked at the storage boundary: states saved before it existed have none (undefined); a damaged
 * one (wrong shape, characters that are not base-36 digits, more than an hour) is dropped or cut to its newest hour.
 */
export function migrateHistory(raw: unknown): StoredHistory | undefined {
	if (
		!Array.isArray(raw) ||
		raw.length !== 2 ||
		!Number.isSafeInteger(raw[0]) ||
		raw[0] < 0 ||
		typeof raw[1] !== 'string'
	)
		return undefined;
	const slots = raw[1];
	if (slots.length % SLOT !== 0 || !/^[0-9a-z]*$/.test(slots)) return undefined;
	const buckets = historyBuckets([raw[0], slots]);
	return buckets.length ? pack(trimTo(buckets, buckets[buckets.length - 1][0])) : undefined;
}

export function cloneHistory(mh: StoredHistory | undefined): StoredHistory | undefined {
	return mh ? [mh[0], mh[1]] : undefined;
}

/** The chart's data: one slot per minute of the hour ending with the current minute, oldest first. */
export interface LastHour {
	minutes: number;
	/** `at` = start of the minute (epoch ms); minutes without finished calls have zeros. */
	buckets: Array<{ at: number; completed: number; notCompleted: number }>;
}

export function lastHour(state: CampaignState, now: number): LastHour {
	const current = Math.floor(now / MINUTE_MS);
	const byMinute = new Map(historyBuckets(state.minuteHistory).map((b) => [b[0], b]));
	const buckets = [...Array(HISTORY_MINUTES)].map((_, i) => {
		const minute = current - HISTORY_MINUTES + 1 + i;
		const b = byMinute.get(minute);
		return { at: minute * MINUTE_MS, completed: b?.[1] ?? 0, notCompleted: b?.[2] ?? 0 };
	});
	return { minutes: HISTORY_MINUTES, buckets };
}
