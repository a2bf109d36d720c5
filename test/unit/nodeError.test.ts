/**
 * asNodeError: what the nodes throw from a catch block. n8n's community-node rules (require-node-api-error, also
 * enforced by the verification scan) forbid re-throwing a caught error as it is. failedItem / itemFailed: the
 * per-item error policy every node shares.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import { asNodeError, failedItem, isNodeError, itemFailed } from '../../nodes/shared/errors';

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

describe('isNodeError', () => {
	it('knows both n8n error classes, by class and by name, and nothing else', () => {
		expect(isNodeError(new NodeOperationError(node, 'x'))).toBe(true);
		expect(isNodeError(new NodeApiError(node, { message: 'x' } as JsonObject))).toBe(true);
		expect(isNodeError(Object.assign(new Error('x'), { name: 'NodeOperationError' }))).toBe(true);
		expect(isNodeError(new Error('x'))).toBe(false);
		expect(isNodeError('NodeApiError')).toBe(false);
		expect(isNodeError(null)).toBe(false);
	});
});

describe('failedItem / itemFailed', () => {
	const context = (continueOnFail: boolean) =>
		({ continueOnFail: () => continueOnFail, getNode: () => node }) as unknown as IExecuteFunctions;

	it('keeps the input json (a copy), adds the extra fields and the error, and pairs the item', () => {
		const input = { phone: '9876543210', nested: { a: 1 } };
		const item = failedItem(input, 2, new Error('boom'), { callMayHaveBeenPlaced: false });
		expect(item).toEqual({
			json: { phone: '9876543210', nested: { a: 1 }, callMayHaveBeenPlaced: false, error: 'boom' },
			pairedItem: { item: 2 },
		});
		expect(item.json.nested).not.toBe(input.nested);
		// the error wins over an input field of the same name
		expect(failedItem({ error: 'old' }, 0, new Error('new')).json).toEqual({ error: 'new' });
	});

	it('with continue-on-fail returns the failed item; otherwise throws the n8n error for the item', () => {
		expect(itemFailed(context(true), { a: 1 }, 1, new TypeError('bad'))).toEqual({
			json: { a: 1, error: 'bad' },
			pairedItem: { item: 1 },
		});
		let thrown: unknown;
		try {
			itemFailed(context(false), { a: 1 }, 1, new TypeError('bad'));
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(NodeOperationError);
		expect((thrown as NodeOperationError).context.itemIndex).toBe(1);
	});
});
