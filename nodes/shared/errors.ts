import {
	NodeApiError,
	NodeOperationError,
	deepCopy,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
} from 'n8n-workflow';

/**
 * Whether `error` is one of n8n's own error classes. By class, and by name for one created by a copy of n8n-workflow
 * other than ours (n8n's, when the package brings its own), where `instanceof` fails. Every node asks this here.
 */
export function isNodeError(error: unknown): error is NodeOperationError | NodeApiError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return true;
	const name = (error as { name?: unknown } | null)?.name;
	return (
		typeof error === 'object' &&
		error !== null &&
		(name === 'NodeApiError' || name === 'NodeOperationError')
	);
}

/**
 * What a node throws for item `itemIndex`: an n8n error (NodeApiError from the transport, NodeOperationError) as it
 * is, with its item index set to this item (a request shared by several items failed for this one too); anything else
 * wrapped in a NodeOperationError, so n8n shows the node and the item, never a bare Error.
 */
export function asNodeError(
	node: INode,
	error: unknown,
	itemIndex: number,
): NodeOperationError | NodeApiError {
	if (isNodeError(error)) {
		if (error.context && typeof error.context === 'object') error.context.itemIndex = itemIndex;
		return error;
	}
	const cause = error instanceof Error ? error : new Error(String(error));
	return new NodeOperationError(node, cause, { itemIndex });
}

/**
 * The item a node outputs for a failed input item when "On Error" continues: the input item's json (a copy), then
 * `extra` (what the node adds, e.g. Connect Call's callMayHaveBeenPlaced), then `error` with the message; paired
 * with the input item. Every node reports a failed item in this shape.
 */
export function failedItem(
	input: IDataObject,
	itemIndex: number,
	error: unknown,
	extra: IDataObject = {},
): INodeExecutionData {
	return {
		json: { ...deepCopy(input), ...extra, error: (error as Error).message },
		pairedItem: { item: itemIndex },
	};
}

/**
 * The per-item error policy of every node: with continue-on-fail, the failed item (failedItem); otherwise the error
 * is thrown as an n8n error for this item (asNodeError), also when the failed request was shared with another item.
 */
export function itemFailed(
	ctx: IExecuteFunctions,
	input: IDataObject,
	itemIndex: number,
	error: unknown,
	extra: IDataObject = {},
): INodeExecutionData {
	if (!ctx.continueOnFail()) throw asNodeError(ctx.getNode(), error, itemIndex);
	return failedItem(input, itemIndex, error, extra);
}
