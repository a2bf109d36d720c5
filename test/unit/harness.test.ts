/** The jest node harness itself (parameters, defaults, expressions, helpers) — other node tests rely on it. */
import type { INodeType } from 'n8n-workflow';

import {
	createExecuteContext,
	executeNode,
	resolveExpression,
	resolveParameters,
} from '../helpers';

const description = {
	displayName: 'T',
	name: 'harnessProbe',
	group: ['transform'],
	version: 1,
	description: 'probe',
	defaults: { name: 'Probe' },
	inputs: ['main'],
	outputs: ['main'],
	properties: [
		{
			displayName: 'Op',
			name: 'operation',
			type: 'options',
			options: [
				{ name: 'A', value: 'a' },
				{ name: 'B', value: 'b' },
			],
			default: 'a',
		},
		{
			displayName: 'Only A',
			name: 'onlyA',
			type: 'string',
			default: 'x',
			displayOptions: { show: { operation: ['a'] } },
		},
		{
			displayName: 'Only B',
			name: 'onlyB',
			type: 'number',
			default: 5,
			displayOptions: { show: { operation: ['b'] } },
		},
		{
			displayName: 'Not B',
			name: 'notB',
			type: 'boolean',
			default: true,
			displayOptions: { hide: { operation: ['b'] } },
		},
		{ displayName: 'Phone', name: 'phone', type: 'string', default: '={{ $json.phone }}' },
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			default: {},
			options: [{ displayName: 'T', name: 'timeout', type: 'number', default: 1 }],
		},
	],
} as unknown as INodeType['description'];

describe('test harness', () => {
	it('fills defaults of displayed parameters only', () => {
		expect(resolveParameters(description, {})).toEqual({
			operation: 'a',
			onlyA: 'x',
			notB: true,
			phone: '={{ $json.phone }}',
			options: {},
		});
		expect(resolveParameters(description, { operation: 'b' })).toEqual({
			operation: 'b',
			onlyB: 5,
			phone: '={{ $json.phone }}',
			options: {},
		});
	});

	it('getNodeParameter: defaults, dot paths, fallbacks, expressions, unknown names', () => {
		const { context } = createExecuteContext({ description } as INodeType, {
			parameters: { options: { timeout: 9 }, onlyA: '=Hello {{ $json.name }}!' },
			items: [{ phone: '98765', name: 'Asha' }, { phone: 123 }],
		});
		expect(context.getNodeParameter('phone', 0)).toBe('98765');
		expect(context.getNodeParameter('phone', 1)).toBe(123);
		expect(context.getNodeParameter('onlyA', 0)).toBe('Hello Asha!');
		expect(context.getNodeParameter('options.timeout', 0, 30)).toBe(9);
		expect(context.getNodeParameter('options.other', 0, 30)).toBe(30);
		expect(() => context.getNodeParameter('nope', 0)).toThrow('Could not get parameter "nope"');
		expect(context.getNodeParameter('onlyA', 0, undefined, { rawExpressions: true })).toBe(
			'=Hello {{ $json.name }}!',
		);
	});

	it('expressions keep types for whole-value expressions', () => {
		expect(resolveExpression('={{ [1, 2] }}', {})).toEqual([1, 2]);
		expect(resolveExpression('={{ $json.a }}-{{ $json.b }}', { $json: { a: 1, b: 'x' } })).toBe(
			'1-x',
		);
		expect(resolveExpression('plain', {})).toBe('plain');
	});

	it('helpers, static data, mode, continueOnFail and input-mutation detection', async () => {
		const shared: Record<string, unknown> = {};
		const node: INodeType = {
			description,
			async execute() {
				const sd = this.getWorkflowStaticData('global');
				sd.count = ((sd.count as number) ?? 0) + 1;
				const items = this.getInputData();
				items[0].json.touched = true; // a bad node mutating its input
				const out = this.helpers.constructExecutionMetaData(
					this.helpers.returnJsonArray([{ mode: this.getMode(), cof: this.continueOnFail() }]),
					{
						itemData: { item: 0 },
					},
				);
				return [out];
			},
		};
		const a = await executeNode(node, {
			staticData: shared,
			mode: 'trigger',
			continueOnFail: true,
		});
		await executeNode(node, { staticData: shared });
		expect(shared.count).toBe(2);
		expect(a.json).toEqual([{ mode: 'trigger', cof: true }]);
		expect(a.items[0].pairedItem).toEqual({ item: 0 });
		expect(a.inputMutated).toBe(true);
		expect(a.node.type).toBe('n8n-nodes-exotel-campaigns.harnessProbe');
	});
});
