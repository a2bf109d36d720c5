/**
 * The loop the per-campaign actions share (Release, Record Outcome, Get Stats / Pause / Resume / Reset, Get
 * Dashboard): the input items grouped by the campaign they name; for each campaign, load it, let the action act on
 * it; then save every changed state at once and show the warnings as execution hints.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CampaignState, PartialSettings } from '../../core/pacing';
import { groupByCampaign } from '../params';
import { LoopTurns } from '../../transport/wait';
import type { LoadedCampaign } from '../store';
import { loadCampaign, resolveNow, saveCampaigns } from '../store';

/** One campaign, loaded, with the items that name it. */
export interface CampaignTurn {
	campaign: LoadedCampaign;
	/** Indexes of the campaign's items, in input order; the first one's parameters speak for the campaign. */
	indexes: number[];
	now: number;
	/** The event loop's turns for this execution: an action over many items pauses between slices of them. */
	turns: LoopTurns;
}

/** What an action did with one campaign. */
export interface CampaignResult {
	/** The state to save; absent when the action only read. */
	state?: CampaignState;
	/** Shown as execution hints once every campaign is saved. */
	warnings?: string[];
}

export interface EachCampaignOptions {
	/** Items naming no campaign fail the run (Release, Record Outcome); elsewhere "" is a name like any other. */
	requireName?: boolean;
	/** The settings from this node's parameters (Release); without it, the ones saved with the campaign. */
	settings?: (itemIndex: number) => PartialSettings;
	/** Release's "Queue Mode (Several Workers)" setting; without it, what was saved with the campaign (store.ts). */
	queueMode?: (itemIndex: number) => boolean;
	/** Save as status callbacks do: static data at most every few seconds (store.ts, saveCampaigns). */
	throttled?: boolean;
	/** Only these items (Record Outcome: the accepted webhook callbacks); the others name no campaign. */
	itemIndexes?: readonly number[];
}

export async function forEachCampaign(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	options: EachCampaignOptions,
	act: (turn: CampaignTurn) => CampaignResult | Promise<CampaignResult>,
): Promise<void> {
	const changes: Array<[LoadedCampaign, CampaignState]> = [];
	const hints: string[] = [];
	const turns = new LoopTurns();
	for (const [name, indexes] of await groupByCampaign(ctx, items, turns, options.itemIndexes)) {
		const first = indexes[0];
		if (options.requireName && !name)
			throw new NodeOperationError(ctx.getNode(), 'Campaign is empty', { itemIndex: first });
		const now = resolveNow(ctx, first);
		const campaign = loadCampaign(
			ctx,
			name,
			now,
			options.settings?.(first),
			first,
			options.queueMode?.(first),
		);
		const result = await act({ campaign, indexes, now, turns });
		if (result.state) changes.push([campaign, result.state]);
		hints.push(...(result.warnings ?? []));
	}
	await turns.pause();
	// Only once every campaign succeeded: a run failing half-way must not save some campaigns' reservations or
	// counted outcomes whose items never reached the outputs (store.ts, saveCampaigns).
	saveCampaigns(ctx, changes, options.throttled);
	for (const message of hints)
		ctx.addExecutionHints({ message, type: 'warning', location: 'outputPane' });
}
