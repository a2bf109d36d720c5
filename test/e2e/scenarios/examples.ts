/**
 * The example workflows import cleanly into n8n (1.123 and 2.x) through the public API, and every node type is known.
 * Examples 3, 4 and 5 use the Data table node's version 1, which both lines have.
 */
import { readFileSync } from 'node:fs';

import {
	EXAMPLE_DATA_TABLE,
	EXAMPLE_DATA_TABLE_QUEUE,
	EXAMPLE_LOCAL,
	EXAMPLE_QUEUE,
	EXAMPLE_SHEETS,
} from '../../../scripts/demo/campaign';
import type { Checks } from '../lib/runner';
import type { E2eContext } from '../lib/context';

export async function examplesImport(ctx: E2eContext, checks: Checks): Promise<void> {
	for (const [label, file] of [
		['example 1 (Google Sheets)', EXAMPLE_SHEETS],
		['example 2 (local simulator)', EXAMPLE_LOCAL],
		['example 3 (queue mode)', EXAMPLE_QUEUE],
		['example 4 (Data table, long lists)', EXAMPLE_DATA_TABLE],
		['example 5 (Data table, queue mode)', EXAMPLE_DATA_TABLE_QUEUE],
	] as const) {
		const wf = JSON.parse(readFileSync(file, 'utf8'));
		let message = '';
		let ok = false;
		try {
			const created = await ctx.n8n.client.createWorkflow(wf);
			const back = await ctx.n8n.client.getWorkflow(created.id);
			const unknown = await ctx.n8n.client.unknownNodeTypes(
				back.nodes as Array<{ type: string; typeVersion: number }>,
			);
			const lostConnections = Object.keys(wf.connections).filter(
				(k) => !(back.connections as Record<string, unknown>)[k],
			);
			ok =
				back.nodes.length === wf.nodes.length &&
				unknown.length === 0 &&
				lostConnections.length === 0;
			message = `nodes ${back.nodes.length}/${wf.nodes.length}; unknown types: ${unknown.join(', ') || 'none'}; lost connections: ${lostConnections.join(', ') || 'none'}`;
			await ctx.n8n.client.deleteWorkflow(created.id);
		} catch (e) {
			message = (e as Error).message;
		}
		checks.check(`${label} imports cleanly and all node types are known`, ok, message, {
			nodes: wf.nodes.length,
		});
	}
	await outputSchemasServed(ctx, checks);
}

/**
 * n8n's editor previews a node's output before it runs from `/schemas/<type>/<version>[/<operation>].json`, which n8n
 * serves from the node's `__schema__` folder in the installed package (test/helpers/outputSchemas.ts writes them).
 */
async function outputSchemasServed(ctx: E2eContext, checks: Checks): Promise<void> {
	const wanted: Array<[string, string]> = [
		['exotelNumberLookup', '1.0.0.json'],
		['exotelCallerIdSelector', '1.0.0.json'],
		['exotelConnectCall', '1.0.0.json'],
		['exotelCallDetails', '1.0.0/get.json'],
		['exotelPacingController', '1.0.0/getStats.json'],
	];
	const answers: string[] = [];
	let ok = true;
	for (const [node, file] of wanted) {
		const res = await ctx.n8n.client.http.get(
			`/schemas/n8n-nodes-exotel-campaigns.${node}/${file}`,
		);
		const props = Object.keys((res.data as { properties?: object } | undefined)?.properties ?? {});
		answers.push(`${node}/${file}: HTTP ${res.status}, ${props.length} fields`);
		if (res.status !== 200 || props.length === 0) ok = false;
	}
	const lookup = await ctx.n8n.client.http.get(
		'/schemas/n8n-nodes-exotel-campaigns.exotelNumberLookup/1.0.0.json',
	);
	const circle = (lookup.data as { properties?: Record<string, unknown> } | undefined)?.properties
		?.circle;
	checks.check(
		"n8n serves the nodes' output schemas (the editor's preview before a node runs)",
		ok && circle !== undefined,
		answers.join('; '),
	);
}
