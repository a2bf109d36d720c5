/**
 * The memoized zone (nodes/core/zone.ts) gives luxon's own offsets and output, across daylight-saving changes too,
 * while asking luxon once per hour of time it sees.
 */
import { DateTime, IANAZone } from 'luxon';

import { memoizedZone, MemoizedZone } from '../../nodes/core/zone';
import { istIso, toEpochMs } from '../../nodes/core/time';

const HOUR = 3_600_000;

/** Every 7 minutes and 13 s over a span, so instants land on every side of a change. */
function instants(fromIso: string, hours: number): number[] {
	const from = Date.parse(fromIso);
	const out: number[] = [];
	for (let t = from; t < from + hours * HOUR; t += 433_000) out.push(t);
	return out;
}

describe('MemoizedZone', () => {
	it.each([
		['Asia/Kolkata', '1942-08-31T00:00:00Z'], // India's war-time offsets (+06:30 on 1 Sep 1942)
		['Asia/Kolkata', '2025-01-06T00:00:00Z'],
		['America/New_York', '2025-03-09T00:00:00Z'], // spring forward at 02:00
		['Europe/London', '2025-10-26T00:00:00Z'], // fall back at 02:00
		['Australia/Lord_Howe', '2025-04-05T12:00:00Z'], // a 30-minute change
	])('%s near %s: the same offsets and ISO strings as luxon', (name, from) => {
		const memo = new MemoizedZone(IANAZone.create(name));
		for (const t of instants(from, 48)) {
			expect(memo.offset(t)).toBe(IANAZone.create(name).offset(t));
			expect(DateTime.fromMillis(t, { zone: memo }).toISO()).toBe(
				DateTime.fromMillis(t, { zone: name }).toISO(),
			);
		}
	});

	it('asks luxon twice per hour it sees, not once per conversion', () => {
		const memo = new MemoizedZone(IANAZone.create('Asia/Kolkata'));
		const times = instants('2025-01-06T04:00:00Z', 1).flatMap((t) => [t, t + 1, t + 2]);
		for (const t of times) DateTime.fromMillis(t, { zone: memo }).toISO();
		expect(times.length).toBeGreaterThan(20);
		expect(memo.lookups).toBeLessThanOrEqual(4); // the hour and at most the next one
	});

	it("is the same zone as luxon's for setZone and equality", () => {
		const memo = memoizedZone('Asia/Kolkata');
		const dt = DateTime.fromISO('2025-01-06T10:00:00', { zone: 'Asia/Kolkata' });
		expect(dt.setZone(memo)).toBe(dt); // luxon keeps a DateTime already in an equal zone
		expect(memo.equals(IANAZone.create('Asia/Kolkata'))).toBe(true);
		expect(memoizedZone('Asia/Kolkata')).toBe(memo);
		expect(memoizedZone('Not/AZone').isValid).toBe(false);
	});

	it('keeps India time conversions as they were', () => {
		expect(istIso(Date.parse('2025-01-06T04:30:15.900Z'))).toBe('2025-01-06T10:00:15+05:30');
		expect(toEpochMs('2025-01-06 10:00:15')).toBe(Date.parse('2025-01-06T04:30:15Z'));
		expect(toEpochMs('2025-01-06T10:00:15+05:30')).toBe(Date.parse('2025-01-06T04:30:15Z'));
		expect(toEpochMs('2025-01-06T04:30:15Z')).toBe(Date.parse('2025-01-06T04:30:15Z'));
	});
});
