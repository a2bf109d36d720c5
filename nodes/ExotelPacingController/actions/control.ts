/**
 * Dashboard Control: the dashboard's Pause / Resume buttons. The page POSTs `action` and the secret the person typed
 * (core/dashboard.ts); nothing changes unless that secret equals this node's Secret (compared in constant time).
 * Each answer carries the HTTP status for Respond to Webhook: 200 done, 401 wrong secret, 400 unknown action,
 * 503 when this node's own Secret is not usable (so the person sees why, and the owner what to fix).
 * Only Check the Request answers as the change would be answered and changes nothing: a workflow that must take a lock
 * first (example 3) refuses a wrong secret before it waits for the lock.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { pauseCampaign, resumeCampaign } from '../../core/pacing';
import { secretProblem, secretsMatch } from '../../core/secret';
import { loadCampaign, resolveNow, saveCampaigns } from '../store';

const ACTIONS = { pause: 'paused', resume: 'resumed' } as const;

function answer(ctx: IExecuteFunctions, itemIndex: number, stateSaved: boolean): IDataObject {
	const campaign = String(ctx.getNodeParameter('campaign', itemIndex, '')).trim();
	const expected = String(ctx.getNodeParameter('controlSecret', itemIndex, '') ?? '');
	const given = String(ctx.getNodeParameter('givenSecret', itemIndex, '') ?? '');
	const action = String(ctx.getNodeParameter('controlAction', itemIndex, '') ?? '')
		.trim()
		.toLowerCase();
	const problem = secretProblem(expected);
	if (problem) {
		return {
			campaign,
			action,
			accepted: false,
			statusCode: 503,
			message: `Pause / Resume is not set up: ${problem}. The workflow's owner sets the Secret of the Dashboard Control node (openssl rand -hex 24).`,
		};
	}
	if (!secretsMatch(given, expected))
		return {
			campaign,
			action,
			accepted: false,
			statusCode: 401,
			message: 'Wrong secret: nothing was changed.',
		};
	if (action !== 'pause' && action !== 'resume') {
		return {
			campaign,
			action: action.slice(0, 40),
			accepted: false,
			statusCode: 400,
			message: `Unknown action "${action.slice(0, 40)}": use pause or resume.`,
		};
	}
	if (ctx.getNodeParameter('checkOnly', itemIndex, false) === true) {
		return {
			campaign,
			action,
			accepted: true,
			statusCode: 200,
			message: `Secret and action accepted: "${action}" not applied yet.`,
		};
	}
	const now = resolveNow(ctx, itemIndex);
	const loaded = loadCampaign(ctx, campaign, now, undefined, itemIndex);
	const next =
		action === 'pause' ? pauseCampaign(loaded.state, now) : resumeCampaign(loaded.state, now);
	// saved item by item: the next item of the same campaign loads this change from memory
	saveCampaigns(ctx, [[loaded, next]]);
	return {
		campaign,
		action,
		accepted: true,
		statusCode: 200,
		paused: next.paused,
		message: `Campaign "${campaign}" ${ACTIONS[action]}.`,
		stateSaved,
	};
}

export async function executeDashboardControl(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	stateSaved: boolean,
): Promise<INodeExecutionData[][]> {
	return [items.map((_, i) => ({ json: answer(ctx, i, stateSaved), pairedItem: { item: i } }))];
}
