/** Record Outcome: count callbacks / Call Details / Connect Call answers once each; say what to write back. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { outcomeRecorder } from '../../core/pacing';
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
	await forEachCampaign(ctx, items, options, async ({ campaign, indexes, now, turns }) => {
		// One batch for the campaign's reports, fed a slice at a time with the event loop's turns in between (an
		// HMAC per report: 20,000 reports were one 300 ms block); nothing else changes the campaign meanwhile (the
		// workflow's lock, memory.ts).
		const recorder = outcomeRecorder(campaign.state, now, campaign.settings);
		const outcomeItems: number[] = [];
		await turns.each(indexes.length, (k) => {
			const i = indexes[k];
			const parsed = outcomeFromItem(items[i].json);
			if ('skip' in parsed) {
				noChange.push({
					json: { ...items[i].json, pacingAction: 'ignored', pacingMessage: parsed.skip },
					pairedItem: { item: i },
				});
				return;
			}
			recorder.record({ ...parsed, campaign: parsed.correlation?.campaign || undefined });
			outcomeItems.push(i);
		});
		await turns.pause();
		const recorded = recorder.close();
		await turns.each(recorded.results.length, (k) => {
			const r = recorded.results[k];
			const i = outcomeItems[r.index];
			const base = { ...items[i].json, pacingAction: r.action, pacingMessage: r.message };
			if (r.writeBack)
				update.push({
					json: { ...base, ...writeBackFields(r.writeBack) },
					pairedItem: { item: i },
				});
			else noChange.push({ json: base, pairedItem: { item: i } });
		});
		return { state: recorded.state, warnings: [...campaign.warnings, ...recorded.warnings] };
	});
	return [update, noChange];
}
