/** The campaign each item names, read per item (Pacing Controller). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { LoopTurns } from '../transport/wait';
import { itemParameterReader } from '../shared/itemParameters';

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
	const read = itemParameterReader(ctx, items, ['campaign']);
	await turns.each(only?.length ?? items.length, (k) => {
		const i = only ? only[k] : k;
		const name = String(read('campaign', i, '')).trim();
		const list = groups.get(name);
		if (list) list.push(i);
		else groups.set(name, [i]);
	});
	return groups;
}
