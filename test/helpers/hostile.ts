/**
 * Hostile input for the event-loop fuzz (test/pacing/fuzzEventLoop.test.ts, test/nodes/fuzzEventLoop.test.ts):
 * reports nobody should act on, forged ones (some validly signed, as if the campaign key had leaked), and sheets
 * with free text where circle codes belong. Seeded through Gen (test/helpers/fuzz.ts).
 */
import { CIRCLE_CODES } from '../../nodes/core/circles';
import { encodeCorrelation } from '../../nodes/core/correlation';
import { createState, type CampaignState, type ContactInput } from '../../nodes/core/pacing';
import { MON_10, signed } from '../pacing/helpers';
import { Gen, PROTO_KEYS } from './fuzz';

export const CAMPAIGN = 'camp';
const STATUSES = ['completed', 'busy', 'no-answer', 'failed', 'ringing', 'in-progress', '', 'x'];

/** A report nobody should act on, or one forged with a valid-looking (sometimes validly signed) correlation. */
export function hostileReport(g: Gen, state: CampaignState, now: number, n: number): unknown {
	const contact = `+9197${String(g.int(0, 99_999_999)).padStart(8, '0')}`;
	const correlation = {
		campaign: CAMPAIGN,
		contact,
		attempt: g.int(1, 3),
		circle: g.pick([...CIRCLE_CODES, 'Town 17', '__proto__', g.text(8)]),
		releasedAt: g.pick([now - g.int(0, 600_000), now + 31 * 86_400_000, 8.64e15]),
	};
	switch (g.int(0, 5)) {
		case 0:
			return g.value(3);
		case 1: // forged live event of a call never placed, signed as Release would (the worst case: a leaked key)
			return {
				callSid: `f${n}`,
				status: g.pick(['in-progress', 'ringing']),
				eventType: 'answered',
				source: 'callback',
				correlation: signed(state, { ...correlation, releasedAt: now - g.int(0, 60_000) }),
			};
		case 2: // forged terminal report, unsigned or with another key
			return {
				callSid: `f${n}`,
				status: g.pick(STATUSES),
				source: 'callback',
				correlation: g.chance(0.5)
					? correlation
					: encodeCorrelation(
							{ ...correlation, circle: 'MH', releasedAt: now },
							createState('x', now).key,
						),
			};
		case 3:
			return {
				callSid: g.chance(0.5) ? `f${n}` : g.pick(PROTO_KEYS),
				status: g.pick(STATUSES),
				correlation: { ...correlation, attempt: g.pick([1e300, NaN, -1, '2']) },
			};
		case 4:
			return { callSid: 'x'.repeat(g.int(1, 20_000)), status: 'completed', at: g.value(0) };
		default:
			return {
				callSid: `f${n}`,
				status: g.pick(STATUSES),
				contact,
				circle: g.text(12),
				attempt: 1,
				releasedAt: now,
			};
	}
}

/** A sheet as a careless user (or an attacker with edit rights) leaves it: free text where codes belong. */
export function hostileSheet(g: Gen, rows: number): ContactInput[] {
	const towns = Array.from({ length: 3000 }, (_, i) => `Town ${i} ${g.text(6)}`);
	return Array.from({ length: rows }, (_, i) => {
		const row: Record<string, unknown> = {
			key: g.chance(0.97) ? `+9196${String(i).padStart(8, '0')}` : g.pick(['', g.phone()]),
			circle: g.chance(0.5) ? g.pick(towns) : g.pick([...CIRCLE_CODES, ' mh ', '', '__proto__']),
		};
		if (g.chance(0.2)) row.attempts = g.pick([0, 1, 2, 9, -1, 1e300, NaN]);
		if (g.chance(0.2)) row.lastStatus = g.pick(STATUSES);
		if (g.chance(0.2)) row.lastAttemptAt = g.pick([MON_10 - g.int(0, 7_200_000), 1e300, NaN]);
		if (g.chance(0.1)) row.dnd = g.pick([true, false, 'unknown']);
		if (g.chance(0.05)) row.lastCallSid = `s${g.int(0, 500)}`;
		return row as unknown as ContactInput;
	});
}
