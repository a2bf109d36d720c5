/**
 * Example 1's callback path under the callbacks scenario's load: the nodes users import (n8n's Webhook node →
 * Exotel Pacing: Record Outcome on real time, plus the Stats webhook), taken from examples/01-google-sheets-campaign.json
 * with only the secret, webhook ids and campaign filled in. The local example's path also reads the simulator's
 * clock over HTTP for every callback; this one is what a real campaign runs, so it is the figure issue 9's target
 * is about. The payloads are the simulator's terminal callbacks of the scenario's calls, relabelled to this
 * workflow's campaign and released a minute ago on the real clock (example 1 has no simulator clock), and signed
 * with this campaign's key: Record Outcome counts an unknown call only on its own signature (nodes/core/correlation.ts),
 * and these calls were released by the scenario's other workflow. The key is read from the static data after one
 * priming callback (unsigned, so not counted) has made the campaign's state.
 */
import { randomUUID } from 'node:crypto';

import { callbackPayload } from '../../../simulator/callbacks';
import type { CallRecord } from '../../../simulator/calls';
import { decodeCorrelation, encodeCorrelation } from '../../../nodes/core/correlation';
import { sheetsWorkflow, webhookPaths } from '../../../scripts/demo/campaign';
import { CALLBACK_WEBHOOK, PKG } from '../../../scripts/demo/examples';
import type { E2eContext } from '../lib/context';
import type { Json } from '../harness/json';

const CALLBACK_NODES = [
	CALLBACK_WEBHOOK,
	'Exotel Pacing: Record Outcome',
	'Stats Webhook',
	'Exotel Pacing: Get Stats',
	'Respond with Stats',
];

export interface ExampleOnePath {
	workflowId: string;
	statusPath: string;
	statsPath: string;
	campaign: string;
	/** The request body of call i's terminal callback for this workflow. */
	payload: (i: number) => Record<string, unknown>;
	/** Outcomes the workflow's campaign counted (Get Stats through its Stats webhook). */
	resolved: () => Promise<number | null>;
	remove: () => Promise<void>;
}

/** The signing key of `campaign` in the workflow's saved static data (store.ts's blob), polled for up to 15 s. */
async function campaignKey(ctx: E2eContext, workflowId: string, campaign: string): Promise<string> {
	const deadline = Date.now() + 15_000;
	for (;;) {
		const sd = await ctx.n8n.client.getStaticData(workflowId);
		const key = sd.global?.exotelPacing?.campaigns?.[campaign]?.state?.key;
		if (typeof key === 'string' && key) return key;
		if (Date.now() > deadline)
			throw new Error(`campaign ${campaign} has no signing key in the static data after 15 s`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

/**
 * What receives the callbacks: example 1 as imported (n8n's own Webhook node, v2, no expression, which n8n 2.x spares
 * the request-phase isolate, in front of Record Outcome's input "Exotel Callback From a Webhook Node"), or the
 * alternative README offers, the Exotel Status Trigger (refuses requests without the secret before an execution).
 */
export type CallbackEntry = 'asImported' | 'statusTrigger';

/** Example 1's Webhook node swapped for the Exotel Status Trigger, Record Outcome reading its events. */
function withStatusTrigger(wf: Json, secret: string): Json {
	const webhookId = randomUUID();
	const nodes = (wf.nodes as Json[]).map((n) => {
		if (n.name === CALLBACK_WEBHOOK)
			return {
				...n,
				name: STATUS_TRIGGER,
				type: `${PKG}.exotelStatusTrigger`,
				typeVersion: 2,
				parameters: { secret, events: 'terminal', options: {} },
				webhookId,
			};
		if (n.name === 'Exotel Pacing: Record Outcome') {
			const { callbackSecret: _s, events: _e, ...rest } = n.parameters as Json;
			return { ...n, parameters: { ...rest, input: 'statusEvents' } };
		}
		return n;
	});
	const connections = { ...wf.connections };
	connections[STATUS_TRIGGER] = connections[CALLBACK_WEBHOOK];
	delete connections[CALLBACK_WEBHOOK];
	return { ...wf, nodes, connections };
}

const STATUS_TRIGGER = 'Exotel Status Trigger';

/** Imports and activates example 1's callback path on its own campaign. */
export async function deployExampleOneCallbackPath(
	ctx: E2eContext,
	calls: readonly CallRecord[],
	secret: string,
	entry: CallbackEntry = 'asImported',
): Promise<ExampleOnePath> {
	const campaign = `e2e-ex1-callbacks-${Date.now()}`;
	const full = sheetsWorkflow({
		documentUrl: 'https://docs.google.com/spreadsheets/d/unused/edit',
		googleCredentialId: 'unused',
		exotelCredentialId: 'unused',
		n8nUrl: 'http://127.0.0.1',
		secret,
		campaign,
		flow: 'unused',
		fallbackCallerId: 'unused',
		statusWebhookId: randomUUID(),
		statsWebhookId: randomUUID(),
		statsPath: `${campaign}-stats`,
		name: 'E2E example 1 callback path',
	});
	const nodes = (full.nodes as Json[]).filter((n) => CALLBACK_NODES.includes(n.name));
	const connections: Json = {};
	for (const name of CALLBACK_NODES)
		if (full.connections[name]) connections[name] = full.connections[name];
	const asImported = { name: full.name, nodes, connections, settings: full.settings ?? {} };
	const wf = entry === 'statusTrigger' ? withStatusTrigger(asImported, secret) : asImported;
	const paths = webhookPaths(wf);
	const imported = await ctx.n8n.client.importWorkflow(wf, { activate: true });
	await ctx.n8n.client.waitForWebhook(paths.stats, undefined, { method: 'GET', waitMs: 10_000 });

	const releasedAt = Date.now() - 60_000;
	const relabel = (i: number, key?: string): Record<string, unknown> => {
		const p = callbackPayload(calls[i], { type: 'terminal' }, true);
		const c = decodeCorrelation(p.CustomField);
		if (!c) throw new Error(`call ${calls[i].sid} has no correlation id`);
		return { ...p, CustomField: encodeCorrelation({ ...c, campaign, releasedAt }, key) };
	};
	const primed = await ctx.n8n.client.webhook(paths.status, relabel(0), { query: { secret } });
	if (primed.status !== 200)
		throw new Error(`example 1's callback path answered ${primed.status} to the priming callback`);
	const key = await campaignKey(ctx, imported.id, campaign);
	const payload = (i: number): Record<string, unknown> => relabel(i, key);
	const resolved = async (): Promise<number | null> => {
		const res = await ctx.n8n.client
			.webhook(paths.stats, undefined, { method: 'GET' })
			.catch(() => null);
		const body =
			res?.status === 200
				? (res.data as { campaign?: string; totals?: { resolved?: number } })
				: null;
		return body?.campaign === campaign && typeof body.totals?.resolved === 'number'
			? body.totals.resolved
			: null;
	};
	const remove = async (): Promise<void> => {
		await ctx.n8n.client.deactivateWorkflow(imported.id).catch(() => undefined);
	};
	return {
		workflowId: imported.id,
		statusPath: paths.status,
		statsPath: paths.stats,
		campaign,
		payload,
		resolved,
		remove,
	};
}
