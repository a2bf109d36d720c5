/**
 * itemParameterReader (nodes/shared/itemParameters.ts): the same values n8n's getNodeParameter gives, read without an
 * expression per item where the parameter is a plain `{{ $json.field }}` mapping or holds no expression at all.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { itemParameterReader } from '../../nodes/shared/itemParameters';

/** A context whose getNodeParameter evaluates `={{ $json.<path> }}` and counts its calls per parameter. */
function context(parameters: INodeParameters, items: INodeExecutionData[]) {
	const calls: Record<string, number> = {};
	const ctx = {
		getNode: () => ({ parameters }),
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			calls[name] = (calls[name] ?? 0) + 1;
			let v: unknown = parameters;
			for (const step of name.split('.')) v = (v as Record<string, unknown> | undefined)?.[step];
			if (v === undefined) return fallback;
			const m = typeof v === 'string' ? /^=\{\{ \$json\.([\w.]+) \}\}$/.exec(v) : null;
			if (!m) return v;
			return m[1]
				.split('.')
				.reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], items[i].json);
		},
	} as unknown as IExecuteFunctions;
	return { ctx, calls };
}

const items: INodeExecutionData[] = [
	{ json: { phone: '98100 00001', contact: { mobile: '9810000011' } } },
	{ json: { phone: 9810000002, contact: { mobile: '9810000012' } } },
	{ json: { phone: '', contact: {} } },
];

describe('itemParameterReader', () => {
	it('reads a plain $json mapping from each item, and a parameter without an expression once', () => {
		const { ctx, calls } = context(
			{ phoneNumber: '={{ $json.phone }}', skipIfCircle: false, options: { timeout: 5000 } },
			items,
		);
		const read = itemParameterReader(ctx, items, [
			'phoneNumber',
			'skipIfCircle',
			'options.timeout',
		]);
		expect(items.map((_, i) => read('phoneNumber', i))).toEqual(['98100 00001', 9810000002, '']);
		expect(items.map((_, i) => read('skipIfCircle', i, true))).toEqual([false, false, false]);
		expect(items.map((_, i) => read('options.timeout', i, 30000))).toEqual([5000, 5000, 5000]);
		expect(calls).toEqual({ skipIfCircle: 1, 'options.timeout': 1 });
	});

	it('evaluates any other expression per item, and gives the fallback for a parameter not set', () => {
		const { ctx, calls } = context(
			{ phoneNumber: '={{ $json.contact.mobile }}', options: { timeout: '={{ $json.t }}' } },
			items,
		);
		const read = itemParameterReader(ctx, items, [
			'phoneNumber',
			'options.timeout',
			'skipIfCircle',
		]);
		expect(items.map((_, i) => read('phoneNumber', i))).toEqual([
			'9810000011',
			'9810000012',
			undefined,
		]);
		// a plain mapping inside a collection is read from the item too (the item has no `t`)
		expect(read('options.timeout', 0, 30000)).toBeUndefined();
		expect(items.map((_, i) => read('skipIfCircle', i, true))).toEqual([true, true, true]);
		expect(calls).toEqual({ phoneNumber: 3, skipIfCircle: 1 });
	});
});
