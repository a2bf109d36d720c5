/**
 * Reading per-item parameters fast. Release may see 100k contact items; evaluating an expression per field per
 * item would dominate the tick, so the common `={{ $json.field }}` mapping is read straight from the item.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { LoopTurns } from '../transport/wait';

const PLAIN_FIELD = /^=\{\{\s*\$json(?:\.([A-Za-z_$][\w$]*)|\[\s*["']([^"']+)["']\s*\])\s*\}\}$/;

export function itemParameterReader(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	names: string[],
) {
	const raw = ctx.getNode().parameters;
	const direct = new Map<string, string>();
	for (const name of names) {
		const value = raw[name];
		const match = typeof value === 'string' ? PLAIN_FIELD.exec(value) : null;
		if (match) direct.set(name, match[1] ?? match[2]);
	}
	return (name: string, itemIndex: number): unknown => {
		const field = direct.get(name);
		if (field !== undefined) return items[itemIndex].json[field];
		return ctx.getNodeParameter(name, itemIndex, '');
	};
}

/**
 * Item indexes grouped by the campaign each item names, in input order; only the items `only` lists, when given. A
 * parameter per item (an expression, often): the event loop gets its turns in between (transport/wait.ts).
 */
export async function groupByCampaign(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	turns: LoopTurns,
	only?: readonly number[],
): Promise<Map<string, number[]>> {
	const groups = new Map<string, number[]>();
	await turns.each(only?.length ?? items.length, (k) => {
		const i = only ? only[k] : k;
		const name = String(ctx.getNodeParameter('campaign', i, '')).trim();
		const list = groups.get(name);
		if (list) list.push(i);
		else groups.set(name, [i]);
	});
	return groups;
}
