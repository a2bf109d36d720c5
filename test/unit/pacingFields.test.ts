import { contactInput } from '../../nodes/ExotelPacingController/fields';

describe('Pacing Controller contact fields: DND', () => {
	it('reads Number Lookup dnd values, "unavailable" as unknown', () => {
		const dnd = (value: unknown) =>
			contactInput({ phoneNumber: '+919800000001', circle: 'MH', dnd: value }).dnd;
		expect([true, 'TRUE', 'yes', false, 'FALSE', 'no', '', undefined, null].map(dnd)).toEqual([
			true,
			true,
			true,
			false,
			false,
			false,
			false,
			false,
			false,
		]);
		expect(dnd('unavailable')).toBe('unknown');
		expect(dnd(' Unavailable ')).toBe('unknown');
	});

	it('reads a DND cell that is neither yes nor no as unknown, never as callable (issue 11, row 19)', () => {
		const dnd = (value: unknown) =>
			contactInput({ phoneNumber: '+919800000001', circle: 'MH', dnd: value }).dnd;
		expect(['N/A', 'maybe', 'DND', '?', 2, -1, { x: 1 }].map(dnd)).toEqual(
			Array(7).fill('unknown'),
		);
		expect([1, 0, 'Y', 'n', ' 0 '].map(dnd)).toEqual([true, false, true, false, false]);
	});
});
