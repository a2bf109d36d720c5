/**
 * Load State / Save State: queue mode (README "Running at scale", example 03). n8n 2.41.1 starts every production
 * execution on a worker with empty static data (the execution it enqueues carries none, measured in
 * test/e2e/scenarios/queueFull.ts), so there the campaign lives in an n8n Data table row that the workflow reads
 * and writes under its tick lock. Load State puts that row's saved campaign into this execution; the Pacing nodes
 * after it work as usual; Save State returns the campaign for the row.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { exportCampaign, importCampaign } from '../store';

/** Largest saved campaign accepted (characters): far above the state's bound, below what could stall n8n. */
const MAX_STATE_CHARS = 4 * 1024 * 1024;

export function executeLoadState(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): INodeExecutionData[][] {
	const campaign = ctx.getNodeParameter('campaign', 0) as string;
	const field = ctx.getNodeParameter('stateField', 0, 'state') as string;
	if (!campaign) throw new NodeOperationError(ctx.getNode(), 'Campaign is empty', { itemIndex: 0 });
	const raw = items[0]?.json[field];
	if (typeof raw === 'string' && raw.length > MAX_STATE_CHARS)
		throw new NodeOperationError(ctx.getNode(), `The saved campaign in "${field}" is too large`, {
			description: `${raw.length} characters; a campaign's state stays far below ${MAX_STATE_CHARS}. Check that the field holds what Save State returned.`,
			itemIndex: 0,
		});
	const problem = importCampaign(ctx, campaign, raw);
	if (problem)
		throw new NodeOperationError(ctx.getNode(), `The saved campaign in "${field}" cannot be read`, {
			description: `${problem} Give this node the row that Save State wrote (an empty field starts the campaign afresh).`,
			itemIndex: 0,
		});
	return [items.map((item, i) => ({ json: item.json, pairedItem: { item: i } }))];
}

export function executeSaveState(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): INodeExecutionData[][] {
	const campaign = ctx.getNodeParameter('campaign', 0) as string;
	const state = exportCampaign(ctx, campaign);
	return [
		[
			{
				json: { campaign, state: state ?? '', saved: state !== undefined },
				pairedItem: items.map((_, i) => ({ item: i })),
			},
		],
	];
}
