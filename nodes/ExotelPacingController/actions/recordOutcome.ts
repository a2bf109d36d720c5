/** Record Outcome: count callbacks / Call Details / Connect Call answers once each; say what to write back. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CampaignState, OutcomeInput } from '../../core/pacing';
import { recordOutcomes } from '../../core/pacing';
import { outcomeFromItem, writeBackFields } from '../fields';
import { groupByCampaign } from '../params';
import type { LoadedCampaign } from '../store';
import { loadCampaign, resolveNow, saveCampaigns } from '../store';

export async function executeRecordOutcome(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const update: INodeExecutionData[] = [];
	const noChange: INodeExecutionData[] = [];
	const changes: Array<[LoadedCampaign, CampaignState]> = [];
	const hints: string[] = [];

	for (const [name, indexes] of groupByCampaign(ctx, items)) {
		const first = indexes[0];
		if (!name)
			throw new NodeOperationError(ctx.getNode(), 'Campaign is empty', { itemIndex: first });
		const now = resolveNow(ctx, first);
		// Settings come from the campaign as the Release node saved them.
		const campaign = loadCampaign(ctx, name, now, undefined, first);

		const outcomes: OutcomeInput[] = [];
		const outcomeItems: number[] = [];
		for (const i of indexes) {
			const parsed = outcomeFromItem(items[i].json);
			if ('skip' in parsed) {
				noChange.push({
					json: { ...items[i].json, pacingAction: 'ignored', pacingMessage: parsed.skip },
					pairedItem: { item: i },
				});
				continue;
			}
			outcomes.push({ ...parsed, campaign: parsed.correlation?.campaign || undefined });
			outcomeItems.push(i);
		}
		const recorded = recordOutcomes(campaign.state, outcomes, now, campaign.settings);
		for (const r of recorded.results) {
			const i = outcomeItems[r.index];
			const base = { ...items[i].json, pacingAction: r.action, pacingMessage: r.message };
			if (r.writeBack)
				update.push({
					json: { ...base, ...writeBackFields(r.writeBack) },
					pairedItem: { item: i },
				});
			else noChange.push({ json: base, pairedItem: { item: i } });
		}
		changes.push([campaign, recorded.state]);
		hints.push(...campaign.warnings, ...recorded.warnings);
	}
	// status callbacks (webhook executions) arrive many times a second: they write static data at most every few
	// seconds (store.ts); registrations in the tick always do
	saveCampaigns(ctx, changes, ctx.getMode() === 'webhook');
	for (const message of hints)
		ctx.addExecutionHints({ message, type: 'warning', location: 'outputPane' });
	return [update, noChange];
}
