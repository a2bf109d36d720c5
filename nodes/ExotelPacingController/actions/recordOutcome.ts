/** Record Outcome: count callbacks / Call Details / Connect Call answers once each; say what to write back. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { OutcomeInput } from '../../core/pacing';
import { recordOutcomes } from '../../core/pacing';
import { outcomeFromItem, writeBackFields } from '../fields';
import { groupByCampaign } from '../params';
import { loadCampaign, resolveNow, saveCampaign } from '../store';

export async function executeRecordOutcome(ctx: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
	const update: INodeExecutionData[] = [];
	const noChange: INodeExecutionData[] = [];

	for (const [name, indexes] of groupByCampaign(ctx, items)) {
		const first = indexes[0];
		if (!name) throw new NodeOperationError(ctx.getNode(), 'Campaign is empty', { itemIndex: first });
		const now = resolveNow(ctx, first);
		// Settings come from the campaign as the Release node saved them.
		const campaign = loadCampaign(ctx, name, now, undefined, first);

		const outcomes: OutcomeInput[] = [];
		const outcomeItems: number[] = [];
		for (const i of indexes) {
			const parsed = outcomeFromItem(items[i].json);
			if ('skip' in parsed) {
				noChange.push({ json: { ...items[i].json, pacingAction: 'ignored', pacingMessage: parsed.skip }, pairedItem: { item: i } });
				continue;
			}
			outcomes.push({ ...parsed, campaign: parsed.correlation?.campaign || undefined });
			outcomeItems.push(i);
		}
		const recorded = recordOutcomes(campaign.state, outcomes, now, campaign.settings);
		for (const r of recorded.results) {
			const i = outcomeItems[r.index];
			const base = { ...items[i].json, pacingAction: r.action, pacingMessage: r.message };
			if (r.writeBack) update.push({ json: { ...base, ...writeBackFields(r.writeBack) }, pairedItem: { item: i } });
			else noChange.push({ json: base, pairedItem: { item: i } });
		}
		saveCampaign(ctx, campaign, recorded.state);
		for (const message of [...campaign.warnings, ...recorded.warnings]) {
			ctx.addExecutionHints({ message, type: 'warning', location: 'outputPane' });
		}
	}
	return [update, noChange];
}
