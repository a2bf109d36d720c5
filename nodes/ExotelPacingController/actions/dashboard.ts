/**
 * Get Dashboard: Get Stats as a live HTML page (core/dashboard.ts), one item per campaign named by the input items,
 * for Webhook -> Get Dashboard -> Respond to Webhook (Text: `{{ $json.html }}`). Reads only, like Get Stats.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { renderDashboard, safeActionUrl } from '../../core/dashboard';
import { getStats, lastHour, recentActivity } from '../../core/pacing';
import { readableTimes } from './campaign';
import { forEachCampaign } from './eachCampaign';

/** The Pause / Resume URL, checked here so a bad one is a clear node error naming the parameter. */
function actionUrlOf(ctx: IExecuteFunctions, itemIndex: number): string {
	const url = String(ctx.getNodeParameter('dashboardActionUrl', itemIndex, '') ?? '');
	try {
		return safeActionUrl(url);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
			description:
				'Set Pause / Resume URL to the Production URL of the webhook that pauses and resumes this campaign, or leave it empty.',
			itemIndex,
		});
	}
}

export async function executeGetDashboard(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	stateSaved: boolean,
): Promise<INodeExecutionData[][]> {
	const out: INodeExecutionData[] = [];
	// reads only: nothing is saved
	await forEachCampaign(ctx, items, {}, ({ campaign, indexes, now }) => {
		const first = indexes[0];
		const stats = getStats(campaign.state, now, campaign.settings);
		const recent = recentActivity(campaign.state, now, campaign.settings);
		const hour = lastHour(campaign.state, now);
		const html = renderDashboard(stats, {
			now,
			history: hour,
			actionUrl: actionUrlOf(ctx, first),
			refreshSeconds: Number(ctx.getNodeParameter('refreshSeconds', first, 5)),
		});
		const json = readableTimes({ ...stats, recent, lastHour: hour }) as IDataObject;
		out.push({
			json: { ...json, stateSaved, html },
			pairedItem: indexes.map((item) => ({ item })),
		});
		return {};
	});
	return [out];
}
