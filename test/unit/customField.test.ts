/** Connect Call's automatic CustomField (nodes/core/customField.ts). */
import { decodeCorrelation } from '../../nodes/core/correlation';
import { automaticCustomField, pacingCustomField } from '../../nodes/core/customField';

describe('automatic CustomField', () => {
	it("takes the Pacing Controller's correlation id, trimmed, when the item has one", () => {
		const json = { pacing: { customField: '  x2|c|919876543210|1|MH|abc|tag ' }, attempts: 4 };
		expect(pacingCustomField(json)).toBe('x2|c|919876543210|1|MH|abc|tag');
		expect(automaticCustomField(json, '9876543210')).toBe('x2|c|919876543210|1|MH|abc|tag');
		expect(pacingCustomField({ pacing: { customField: '  ' } })).toBeUndefined();
		expect(pacingCustomField({ pacing: 'x' })).toBeUndefined();
		expect(pacingCustomField({})).toBeUndefined();
	});

	it("otherwise builds one from the customer's number, the next attempt and the circle", () => {
		const field = automaticCustomField({ attempts: 2, circle: ' mh ' }, '098765 43210');
		expect(decodeCorrelation(field)).toMatchObject({
			campaign: '',
			contact: '919876543210',
			attempt: 3,
			circle: 'MH',
		});
		const first = decodeCorrelation(automaticCustomField({ attempts: 'x' }, '+91 98765 43210'));
		expect(first).toMatchObject({ contact: '919876543210', attempt: 1 });
		expect(first?.circle).toBeUndefined();
	});
});
