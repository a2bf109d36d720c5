import { NodeOperationError, type INode } from 'n8n-workflow';

/**
 * `value` when it is one of `allowed` (an options parameter's values); otherwise a NodeOperationError. n8n does not
 * check option values set by an expression or an imported workflow, and a silent fallback would run something else.
 */
export function checkOption<T extends string>(
	node: INode,
	displayName: string,
	value: unknown,
	allowed: readonly T[],
	itemIndex?: number,
): T {
	if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
		return value as T;
	throw new NodeOperationError(node, `Unknown ${displayName} "${String(value)}"`, {
		itemIndex,
		description: `${displayName} must be one of: ${allowed.join(', ')}. Pick it from the list, or fix the expression or imported workflow that set it.`,
	});
}

/** checkOption for every value of a multiOptions parameter. */
export function checkOptions<T extends string>(
	node: INode,
	displayName: string,
	values: unknown,
	allowed: readonly T[],
	itemIndex?: number,
): T[] {
	const list = Array.isArray(values) ? (values as unknown[]) : [values];
	return list.map((value) => checkOption(node, displayName, value, allowed, itemIndex));
}
