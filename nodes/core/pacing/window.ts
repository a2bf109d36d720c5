/**
 * The calling window in the callee's time (Asia/Kolkata by default; India has one time zone and no DST, but
 * luxon handles any IANA zone). Calls may be placed on `callingDays` from `callingStart` (inclusive) to
 * `callingEnd` (exclusive): with 09:00-21:00, 08:59:59 is closed, 09:00:00 open, 20:59:59 open, 21:00:00 closed.
 */
import { DateTime } from 'luxon';
import type { PacingSettings } from './settings';
import { parseHhMm } from './settings';

export interface WindowInfo {
	open: boolean;
	/** When open: the end of the current window (epoch ms). */
	closesAt: number | null;
	/** When closed: the next opening (epoch ms). When open: equals now. */
	opensAt: number;
}

type WindowSettings = Pick<
	PacingSettings,
	'timezone' | 'callingDays' | 'callingStart' | 'callingEnd'
>;

// One-entry memo: Release asks every tick and the answer only changes at the window's edges (the result is a
// pure function of its inputs; the memo just skips luxon's time-zone arithmetic).
let memo: {
	key: string;
	from: number;
	until: number;
	open: boolean;
	closesAt: number | null;
	opensAt: number;
} | null = null;

/** Where `now` falls relative to the calling window. Searches up to 8 days ahead. */
export function windowAt(now: number, s: WindowSettings): WindowInfo {
	const key = `${s.timezone}|${s.callingDays.join(',')}|${s.callingStart}|${s.callingEnd}`;
	if (memo !== null && memo.key === key && now >= memo.from && now < memo.until) {
		return { open: memo.open, closesAt: memo.closesAt, opensAt: memo.open ? now : memo.opensAt };
	}
	const info = computeWindow(now, s);
	memo = { key, from: now, until: info.open ? info.closesAt! : info.opensAt, ...info };
	return info;
}

function computeWindow(now: number, s: WindowSettings): WindowInfo {
	const startMin = parseHhMm(s.callingStart) ?? 9 * 60;
	const endMin = parseHhMm(s.callingEnd) ?? 21 * 60;
	const local = DateTime.fromMillis(now, { zone: s.timezone });
	const day0 = local.startOf('day');
	for (let d = 0; d <= 8; d++) {
		const day = d === 0 ? day0 : day0.plus({ days: d });
		if (!s.callingDays.includes(day.weekday)) continue;
		const opens = day.plus({ minutes: startMin }).toMillis();
		const closes = day.plus({ minutes: endMin }).toMillis();
		if (now < opens) return { open: false, closesAt: null, opensAt: opens };
		if (now < closes) return { open: true, closesAt: closes, opensAt: now };
	}
	// Unreachable with at least one calling day; be safe.
	return { open: false, closesAt: null, opensAt: now + 7 * 86400000 };
}

/** First moment at or after `t` when calls may be placed. */
export function nextWindowOpening(t: number, s: WindowSettings): number {
	return windowAt(t, s).opensAt;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/**
 * A formatter "Mon 3 Mar 09:00" in the window's zone, for messages. Uses the zone's UTC offset at `at` for every
 * time it formats (India has no daylight saving; elsewhere a message may be an hour off across a DST change),
 * which keeps it cheap enough to explain 100k held contacts per tick.
 */
export function localFormatter(
	s: Pick<PacingSettings, 'timezone'>,
	at: number,
): (t: number) => string {
	const offsetMs = DateTime.fromMillis(at, { zone: s.timezone }).offset * 60000;
	return (t: number) => {
		const d = new Date(t + offsetMs);
		return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
	};
}

/** "Mon 3 Mar 09:00" in the window's zone, for messages. */
export function formatLocal(t: number, s: Pick<PacingSettings, 'timezone'>): string {
	return DateTime.fromMillis(t, { zone: s.timezone }).toFormat('ccc d LLL HH:mm');
}
