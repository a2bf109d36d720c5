/** Record Outcome: count callbacks / Call Details / Connect Call answers once each; say what to write back. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { OutcomeInput } from '../../core/pacing';
import { recordOutcomes } from '../../core/pacing';
import { outcomeFromItem, writeBackFields } from '../fields';
import { forEachCampaign } from './eachCampaign';

export async function executeRecordOutcome(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const update: INodeExecutionData[] = [];
	const noChange: INodeExecutionData[] = [];
	// Settings come from the campaign as the Release node saved them. Status callbacks (webhook executions) arrive
	// many times a second: they write static data at most every few seconds (store.ts); registrations in the tick
	// always do.
	const options = { requireName: true, throttled: ctx.getMode() === 'webhook' };
	await forEachCampaign(ctx, items, options, ({ campaign, indexes, now }) => {
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
		return { state: recorded.state, warnings: [...campaign.warnings, ...recorded.warnings] };
	});
	return [update, noChange];
}
