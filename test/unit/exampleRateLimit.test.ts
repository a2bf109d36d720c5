/**
 * Issue 11 row 14: Connect Call never sends more per minute than the campaign's Max Calls per Minute. Release puts
 * the campaign's limit on every item it dials (`pacing.maxCallsPerMinute`, test/nodes/connectCall.test.ts "the
 * campaign's per-minute cap from Release"); each example's Connect Call must read it there, or a Connect Call left
 * at its default 200/min sends more than a campaign set to 180.
 */
import { readFileSync } from 'node:fs';

import {
	EXAMPLE_DATA_TABLE,
	EXAMPLE_DATA_TABLE_QUEUE,
	EXAMPLE_LOCAL,
	EXAMPLE_QUEUE,
	EXAMPLE_SHEETS,
} from '../../scripts/demo/campaign';

interface Node {
	name: string;
	type: string;
	parameters: { options?: { maxRequestsPerMinute?: unknown } };
}

/** The value n8n gives `={{ expr }}` for one item's json (plain JavaScript expressions only). */
function evaluate(expression: string, json: object): unknown {
	const body = /^=\{\{([\s\S]*)\}\}$/.exec(expression)?.[1];
	if (!body) throw new Error(`not an expression: ${expression}`);
	return new Function('$json', `return (${body});`)(json) as unknown;
}

describe.each([
	['example 1 (Google Sheets)', EXAMPLE_SHEETS],
	['example 2 (local simulator)', EXAMPLE_LOCAL],
	['example 3 (queue mode)', EXAMPLE_QUEUE],
	['example 4 (Data table, long lists)', EXAMPLE_DATA_TABLE],
	['example 5 (Data table, queue mode)', EXAMPLE_DATA_TABLE_QUEUE],
])('%s: Connect Call takes its per-minute limit from Release', (_label, file) => {
	const nodes = (JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[] }).nodes;
	const connects = nodes.filter((n) => n.type.endsWith('.exotelConnectCall'));

	it('has a Connect Call', () => expect(connects.length).toBeGreaterThan(0));

	it.each(connects.map((n) => [n.name, n]))(
		'%s: a campaign at 180/min sends at most 180',
		(_n, node) => {
			const limit = node.parameters.options?.maxRequestsPerMinute;
			expect(typeof limit).toBe('string');
			expect(evaluate(limit as string, { pacing: { maxCallsPerMinute: 180 } })).toBe(180);
			expect(evaluate(limit as string, { pacing: { maxCallsPerMinute: 60 } })).toBe(60);
			// items that did not come from Release: the account limit Connect Call defaults to
			expect(evaluate(limit as string, { phoneNumber: '+919810000010' })).toBe(200);
		},
	);
});
