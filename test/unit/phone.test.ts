import {
	InvalidPhoneNumberError,
	isIndianPhone,
	normalizeIndianPhone,
	parseIndianPhone,
	samePhone,
	toE164,
	toNational,
} from '../../nodes/core/phone';

describe('normalizeIndianPhone', () => {
	const mobile = {
		e164: '+919876543210',
		national: '09876543210',
		digits10: '9876543210',
		kind: 'mobile',
	};

	it.each([
		'+919876543210',
		'+91 98765 43210',
		'+91-98765-43210',
		'+91 (987) 654-3210',
		'+91.98765.43210',
		'+91 0 98765 43210',
		'919876543210',
		'91 98765 43210',
		'09876543210',
		'0 98765 43210',
		'9876543210',
		'98765 43210',
		'98765-43210',
		'(98765) 43210',
		'987.654.3210',
		'0091 98765 43210',
		'  9876543210  ',
		'tel:+919876543210',
		'98765\u00a043210',
	])('accepts %j', (input) => {
		expect(normalizeIndianPhone(input)).toEqual({ ok: true, ...mobile });
	});

	it('accepts a number cell from a sheet', () => {
		expect(normalizeIndianPhone(9876543210)).toEqual({ ok: true, ...mobile });
		expect(normalizeIndianPhone(919876543210)).toEqual({ ok: true, ...mobile });
	});

	it.each(['6000000001', '7012345678', '8123456789', '9123456789'])(
		'%s (starts 6-9) is a mobile',
		(n) => {
			expect(parseIndianPhone(n).kind).toBe('mobile');
		},
	);

	it('treats STD-coded numbers as landlines', () => {
		expect(parseIndianPhone('011 2345 6789')).toEqual({
			e164: '+911123456789',
			national: '01123456789',
			digits10: '1123456789',
			kind: 'landline',
		});
		expect(parseIndianPhone('+91 22 2345 6789').kind).toBe('landline');
		expect(parseIndianPhone('0522-2345678').national).toBe('05222345678');
	});

	it('can refuse landlines', () => {
		const r = normalizeIndianPhone('01123456789', { allowLandline: false });
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.reason).toMatch(/landline/);
	});

	it.each([
		['98765', 'it has 5 digits, expected 10'],
		['', 'it is empty'],
		['   ', 'it is empty'],
		['98765432101234', 'it has 14 digits, expected 10'],
		['+14155550100', 'not an Indian number (country code +1, expected +91)'],
		['+447911123456', 'not an Indian number (country code +44, expected +91)'],
		['441234567890', "12 digits but does not start with India's country code 91"],
		['0044 7911 123456', 'not an Indian number'],
		['98765abcde', 'characters other than digits'],
		['+91 98765', 'digits after the country code, expected 10'],
		['0000000000', 'cannot start with 0'],
	])('rejects %j with a reason', (input, reason) => {
		const r = normalizeIndianPhone(input);
		expect(r.ok).toBe(false);
		if (!r.ok) {
			expect(r.reason).toContain(reason);
			expect(r.message).toBe(`"${input.trim()}" is not a valid Indian phone number: ${r.reason}`);
		}
	});

	it('rejects null, objects and non-integers', () => {
		expect(normalizeIndianPhone(null).ok).toBe(false);
		expect(normalizeIndianPhone(undefined).ok).toBe(false);
		expect(normalizeIndianPhone({}).ok).toBe(false);
		expect(normalizeIndianPhone(98765.5).ok).toBe(false);
	});

	it('parseIndianPhone throws the documented message', () => {
		expect(() => parseIndianPhone('98765')).toThrow(InvalidPhoneNumberError);
		expect(() => parseIndianPhone('98765')).toThrow(
			'"98765" is not a valid Indian phone number: it has 5 digits, expected 10',
		);
	});

	it('helpers', () => {
		expect(toE164('09876543210')).toBe('+919876543210');
		expect(toNational('+919876543210')).toBe('09876543210');
		expect(toE164('123')).toBeUndefined();
		expect(isIndianPhone('98765 43210')).toBe(true);
		expect(samePhone('+91 98765 43210', '09876543210')).toBe(true);
		expect(samePhone('9876543210', '9876543211')).toBe(false);
		expect(samePhone('bad', 'bad')).toBe(false);
	});
});
