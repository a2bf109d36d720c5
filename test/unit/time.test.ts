import {
	dateCreatedFilter,
	exotelToIso,
	istIso,
	parseDateBound,
	toEpochMs,
	toExotelTime,
} from '../../nodes/core/time';

describe('time (Asia/Kolkata, +05:30, no DST)', () => {
	it('reads Exotel timestamps as India time', () => {
		expect(exotelToIso('2017-03-03 10:48:33')).toBe('2017-03-03T10:48:33+05:30');
		expect(toEpochMs('2017-03-03 10:48:33')).toBe(Date.UTC(2017, 2, 3, 5, 18, 33));
	});

	it('has no DST: the offset is +05:30 all year', () => {
		expect(exotelToIso('2024-01-15 12:00:00')).toBe('2024-01-15T12:00:00+05:30');
		expect(exotelToIso('2024-07-15 12:00:00')).toBe('2024-07-15T12:00:00+05:30');
		expect(exotelToIso('2024-03-31 02:30:00')).toBe('2024-03-31T02:30:00+05:30'); // a European DST night
	});

	it('treats null, empty, "null" and garbage as null', () => {
		expect(exotelToIso(null)).toBeNull();
		expect(exotelToIso(undefined)).toBeNull();
		expect(exotelToIso('')).toBeNull();
		expect(exotelToIso('null')).toBeNull();
		expect(exotelToIso('not a date')).toBeNull();
		expect(exotelToIso({})).toBeNull();
	});

	it('re-zones ISO input and reads zone-less ISO as India time', () => {
		expect(exotelToIso('2017-03-03T05:18:33Z')).toBe('2017-03-03T10:48:33+05:30');
		expect(exotelToIso('2017-03-03T10:48:33+05:30')).toBe('2017-03-03T10:48:33+05:30');
		expect(exotelToIso('2017-03-03T10:48:33')).toBe('2017-03-03T10:48:33+05:30');
		expect(exotelToIso(Date.UTC(2017, 2, 3, 5, 18, 33))).toBe('2017-03-03T10:48:33+05:30');
	});

	it('writes Exotel format', () => {
		expect(toExotelTime('2024-01-01T00:00:00Z')).toBe('2024-01-01 05:30:00');
		expect(toExotelTime(new Date(Date.UTC(2023, 11, 31, 18, 30, 0)))).toBe('2024-01-01 00:00:00');
		expect(() => toExotelTime('nope')).toThrow('is not a date/time');
	});

	it('round-trips', () => {
		for (const s of ['2019-01-01 00:00:00', '2024-02-29 23:59:59', '2030-12-31 12:34:56']) {
			expect(toExotelTime(exotelToIso(s) as string)).toBe(s);
		}
	});

	it('istIso', () => {
		expect(istIso(0)).toBe('1970-01-01T05:30:00+05:30');
		expect(istIso()).toMatch(/\+05:30$/);
	});

	it('builds DateCreated filters; bare dates cover whole IST days', () => {
		expect(dateCreatedFilter('2019-01-01', '2019-01-31')).toBe(
			'gte:2019-01-01 00:00:00;lte:2019-01-31 23:59:59',
		);
		expect(dateCreatedFilter('2019-01-01T09:00:00+05:30')).toBe('gte:2019-01-01 09:00:00');
		expect(dateCreatedFilter(undefined, '2019-01-31T18:29:59Z')).toBe('lte:2019-01-31 23:59:59');
		expect(dateCreatedFilter('', null)).toBeUndefined();
		expect(() => dateCreatedFilter('2019-02-01', '2019-01-01')).toThrow('ends before it starts');
		expect(() => parseDateBound('garbage', 'from')).toThrow('is not a date/time');
	});
});
