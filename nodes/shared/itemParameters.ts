/**
 * Reading per-item parameters fast. Release and Number Lookup may see 100k items in one tick; evaluating an
 * expression per field per item would dominate it, so the common `={{ $json.field }}` mapping is read straight from
 * the item, and a parameter that holds no expression is read once (it is the same for every item).
 */
import type { IExecuteFunctions, INodeExecutionData, INodeParameters } from 'n8n-workflow';

const PLAIN_FIELD = /^=\{\{\s*\$json(?:\.([A-Za-z_$][\w$]*)|\[\s*["']([^"']+)["']\s*\])\s*\}\}$/;

/** The stored value at a dot path (`options.timeout`), undefined where a step is missing. */
function storedValue(parameters: INodeParameters, path: string): unknown {
	let value: unknown = parameters;
	for (const step of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[step];
	}
	return value;
}

function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (value !== null && typeof value === 'object')
		return Object.values(value as Record<string, unknown>).some(holdsExpression);
	return false;
}

export type ItemParameterReader = (name: string, itemIndex: number, fallback?: unknown) => unknown;

export function itemParameterReader(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	names: string[],
): ItemParameterReader {
	const stored = ctx.getNode().parameters;
	const direct = new Map<string, string>();
	const constant = new Set<string>();
	for (const name of names) {
		const value = storedValue(stored, name);
		const match = typeof value === 'string' ? PLAIN_FIELD.exec(value) : null;
		if (match) direct.set(name, match[1] ?? match[2]);
		else if (!holdsExpression(value)) constant.add(name);
	}
	const once = new Map<string, unknown>();
	return (name, itemIndex, fallback = '') => {
		const field = direct.get(name);
		if (field !== undefined) return items[itemIndex].json[field];
		if (!constant.has(name)) return ctx.getNodeParameter(name, itemIndex, fallback);
		if (!once.has(name)) once.set(name, ctx.getNodeParameter(name, itemIndex, fallback));
		return once.get(name);
	};
}
