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
});
