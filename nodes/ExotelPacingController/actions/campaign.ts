/** Get Stats, Pause, Resume and Reset: one output item per campaign named by the input items. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { CampaignState } from '../../core/pacing';
import { getStats, pauseCampaign, resetCampaign, resumeCampaign } from '../../core/pacing';
import { isoOrEmpty } from '../fields';
import { forEachCampaign } from './eachCampaign';

const TIME_KEYS = new Set([
	'at',
	'pausedAt',
	'breakerSince',
	'probeAt',
	'rateLimitedUntil',
	'opensAt',
	'closesAt',
]);

/** Epoch-ms fields of the stats as ISO times in India time, so people can read them. */
export function readableTimes(value: unknown, key = ''): unknown {
	if (Array.isArray(value)) return value.map((v) => readableTimes(v));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readableTimes(v, k)]));
	}
	if (TIME_KEYS.has(key) && typeof value === 'number') return isoOrEmpty(value);
	return value;
}

export async function executeCampaignOperation(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	operation: 'getStats' | 'pause' | 'resume' | 'reset',
	stateSaved: boolean,
): Promise<INodeExecutionData[][]> {
	const out: INodeExecutionData[] = [];
	await forEachCampaign(ctx, items, {}, ({ campaign, indexes, now }) => {
		const name = campaign.name;
		let json: IDataObject;
		let next: CampaignState | undefined;
		if (operation === 'getStats') {
			// Reading only: nothing is written, so stats requests never race with the dialling loop.
			json = readableTimes(getStats(campaign.state, now, campaign.settings)) as IDataObject;
		} else {
			next =
				operation === 'pause'
					? pauseCampaign(campaign.state, now)
					: operation === 'resume'
						? resumeCampaign(campaign.state, now)
						: resetCampaign(campaign.state, name, now);
			const words = { pause: 'paused', resume: 'resumed', reset: 'reset' }[operation];
			json = { campaign: name, paused: next.paused, message: `Campaign "${name}" ${words}.` };
		}
		json.stateSaved = stateSaved;
		out.push({ json, pairedItem: indexes.map((item) => ({ item })) });
		return { state: next };
	});
	return [out];
}
