/** The example workflows import cleanly into n8n 1.123 through the public API, and every node type is known. */
import { readFileSync } from 'node:fs';

import { EXAMPLE_LOCAL, EXAMPLE_SHEETS } from '../../../scripts/demo/campaign';
import type { Checks } from '../lib/runner';
import type { E2eContext } from '../lib/context';

export async function examplesImport(ctx: E2eContext, checks: Checks): Promise<void> {
	for (const [label, file] of [
		['example 1 (Google Sheets)', EXAMPLE_SHEETS],
		['example 2 (local simulator)', EXAMPLE_LOCAL],
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
}
