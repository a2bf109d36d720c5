import { NodeOperationError, type INode, type NodeApiError } from 'n8n-workflow';

/** n8n's own error classes, recognised by name: a copy of n8n-workflow other than ours may have created them. */
function isNodeError(error: unknown): error is NodeOperationError | NodeApiError {
	const name = (error as { name?: unknown } | null)?.name;
	return (
		error instanceof NodeOperationError ||
		(typeof error === 'object' &&
			error !== null &&
			(name === 'NodeApiError' || name === 'NodeOperationError'))
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
