/** Record Outcome: count callbacks / Call Details / Connect Call answers once each; say what to write back. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { outcomeRecorder } from '../../core/pacing';
import { checkOption } from '../../shared/options';
import { LoopTurns } from '../../transport/wait';
import { outcomeFromItem, writeBackFields } from '../fields';
import { forEachCampaign } from './eachCampaign';
import { readWebhookCallbacks, RECORD_INPUTS } from './webhookCallbacks';

/** The items to count, as Status Trigger events where they came from a Webhook node; and the items left out. */
interface RecordInputs {
	jsonOf: (itemIndex: number) => IDataObject;
	/** Only these items name a campaign; all of them when absent. */
	itemIndexes?: number[];
	ignored: INodeExecutionData[];
}

async function recordInputs(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<RecordInputs> {
	const input = checkOption(
		ctx.getNode(),
		'Input',
		ctx.getNodeParameter('input', 0, 'statusEvents'),
		RECORD_INPUTS,
		0,
	);
	if (input === 'statusEvents') return { jsonOf: (i) => items[i].json, ignored: [] };
	const read = await readWebhookCallbacks(ctx, items, new LoopTurns());
	return { jsonOf: (i) => read.events[i]!, itemIndexes: read.accepted, ignored: read.ignored };
}

export async function executeRecordOutcome(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const { jsonOf, itemIndexes, ignored } = await recordInputs(ctx, items);
	const update: INodeExecutionData[] = [];
	const noChange: INodeExecutionData[] = [...ignored];
	// A request that is no callback to count (wrong secret, filtered out) loads no campaign.
	if (itemIndexes?.length === 0) return [update, noChange];
	// Settings come from the campaign as the Release node saved them. Status callbacks (webhook executions) arrive
	// many times a second: they write static data at most every few seconds (store.ts); registrations in the tick
	// always do.
	const options = { requireName: true, throttled: ctx.getMode() === 'webhook', itemIndexes };
	await forEachCampaign(ctx, items, options, async ({ campaign, indexes, now, turns }) => {
		// One batch for the campaign's reports, fed a slice at a time with the event loop's turns in between (an
		// HMAC per report: 20,000 reports were one 300 ms block); nothing else changes the campaign meanwhile (the
		// workflow's lock, memory.ts).
		const recorder = outcomeRecorder(campaign.state, now, campaign.settings);
		const outcomeItems: number[] = [];
		await turns.each(indexes.length, (k) => {
			const i = indexes[k];
			const parsed = outcomeFromItem(jsonOf(i));
			if ('skip' in parsed) {
				noChange.push({
					json: { ...jsonOf(i), pacingAction: 'ignored', pacingMessage: parsed.skip },
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
			const base = { ...jsonOf(i), pacingAction: r.action, pacingMessage: r.message };
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
