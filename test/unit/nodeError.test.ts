/**
 * asNodeError: what the nodes throw from a catch block. n8n's community-node rules (require-node-api-error, also
 * enforced by the verification scan) forbid re-throwing a caught error as it is.
 */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { asNodeError } from '../../nodes/transport/nodeError';

const node: INode = {
	id: 'n1',
	name: 'Exotel Number Lookup',
	type: 'n8n-nodes-exotel-campaigns.exotelNumberLookup',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

describe('asNodeError', () => {
	it('passes a NodeApiError through, with the index of the item being processed', () => {
		const api = new NodeApiError(node, { message: 'Authentication failed' } as JsonObject, {
			httpCode: '401',
			itemIndex: 0,
		});
		const thrown = asNodeError(node, api, 3);
		expect(thrown).toBe(api);
		expect(thrown.context.itemIndex).toBe(3);
	});

	it('passes a NodeOperationError through, and one from another copy of n8n-workflow (recognised by name)', () => {
		const op = new NodeOperationError(node, 'bad number');
		expect(asNodeError(node, op, 1)).toBe(op);
		const foreign = Object.assign(new Error('from another n8n-workflow'), {
			name: 'NodeApiError',
			context: {},
		});
		expect(asNodeError(node, foreign, 2)).toBe(foreign);
		expect((foreign.context as { itemIndex?: number }).itemIndex).toBe(2);
	});

	it('wraps anything else in a NodeOperationError for the node and item, keeping the message', () => {
		const wrapped = asNodeError(node, new TypeError('x is undefined'), 4);
		expect(wrapped).toBeInstanceOf(NodeOperationError);
		expect(wrapped.message).toBe('x is undefined');
		expect(wrapped.node).toBe(node);
		expect(wrapped.context.itemIndex).toBe(4);
		expect(asNodeError(node, 'plain string', 0).message).toBe('plain string');
	});
});
