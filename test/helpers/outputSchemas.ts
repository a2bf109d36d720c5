/**
 * Output schemas for n8n's schema preview: what each node adds to an item, so the editor can offer the fields for
 * mapping before the node has run. n8n serves `<node folder>/__schema__/v<version>[/<operation>].json` for a node
 * (n8n 2.x, load-nodes-and-credentials.js `resolveSchema`), and `n8n-node build` copies `**\/__schema__/**\/*.json`.
 *
 * The schemas are not written by hand: each node runs once against the simulator (as test/nodes does) and the
 * schema is read off its real output, minus the fields of the input item. test/unit/outputSchemas.test.ts fails
 * when a node's output and its schema drift apart; `npm run schemas` writes them again (jest runs it: tsx would
 * resolve `X.node` to the codex file X.node.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { IDataObject, INodeType } from 'n8n-workflow';

import { ExotelCallDetails } from '../../nodes/ExotelCallDetails/ExotelCallDetails.node';
import { ExotelCallerIdSelector } from '../../nodes/ExotelCallerIdSelector/ExotelCallerIdSelector.node';
import { ExotelConnectCall } from '../../nodes/ExotelConnectCall/ExotelConnectCall.node';
import { ExotelNumberLookup } from '../../nodes/ExotelNumberLookup/ExotelNumberLookup.node';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { istIso } from '../../nodes/core/time';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { executeNode, simCredentials } from './executeNode';

export type JsonSchema = {
	type: string;
	properties?: Record<string, JsonSchema>;
	items?: JsonSchema;
};

/** The JSON schema of one value (n8n's schema files use type/properties/items only). */
export function schemaOf(value: unknown): JsonSchema {
	if (Array.isArray(value))
		return value.length ? { type: 'array', items: schemaOf(value[0]) } : { type: 'array' };
	if (value && typeof value === 'object') {
		const properties: Record<string, JsonSchema> = {};
		for (const key of Object.keys(value).sort())
			properties[key] = schemaOf((value as IDataObject)[key]);
		return { type: 'object', properties };
	}
	if (typeof value === 'number') return { type: 'number' };
	if (typeof value === 'boolean') return { type: 'boolean' };
	// null: the field is there, its value comes later (e.g. endTime of a live call); n8n shows it as text
	return { type: 'string' };
}

/** The schema of what a node adds: its output item without the input item's own fields. */
function addedFields(output: IDataObject, input: IDataObject): JsonSchema {
	const added: IDataObject = {};
	for (const key of Object.keys(output)) if (!(key in input)) added[key] = output[key];
	return schemaOf(added);
}

interface SchemaFile {
	/** Relative to nodes/. */
	path: string;
	schema: JsonSchema;
}

const MH = { phoneNumber: '+919810000001', circle: 'MH' };
const NOW = Date.parse('2025-01-06T10:00:00+05:30');

async function run(
	node: INodeType,
	sim: RunningSimulator,
	items: IDataObject[],
	parameters: IDataObject = {},
): Promise<IDataObject> {
	const res = await executeNode(node, {
		credentials: { exotelApi: simCredentials(sim.url) },
		items,
		parameters,
		mode: 'trigger',
	});
	return res.json[0];
}

/** Runs every node once against a fresh simulator and reads the schema of each output. */
export async function collectSchemas(): Promise<SchemaFile[]> {
	const sim = await startSimulator({
		seed: 3,
		clock: { factor: 0, virtualStart: '2025-01-06T10:00:00+05:30' },
	});
	try {
		const files: SchemaFile[] = [];
		const lookupIn = { phone: '98100 00001' };
		const lookup = await run(new ExotelNumberLookup(), sim, [lookupIn]);
		files.push({
			path: 'ExotelNumberLookup/__schema__/v1.0.0.json',
			schema: addedFields(lookup, lookupIn),
		});

		const selected = await run(new ExotelCallerIdSelector(), sim, [MH]);
		files.push({
			path: 'ExotelCallerIdSelector/__schema__/v1.0.0.json',
			schema: addedFields(selected, MH),
		});

		const connectIn = { ...MH, callerId: String(selected.callerId) };
		const connected = await run(new ExotelConnectCall(), sim, [connectIn], { flow: '234567' });
		files.push({
			path: 'ExotelConnectCall/__schema__/v1.0.0.json',
			schema: addedFields(connected, connectIn),
		});

		const details = await run(new ExotelCallDetails(), sim, [{}], {
			operation: 'get',
			callSid: String(connected.callSid),
		});
		files.push({
			path: 'ExotelCallDetails/__schema__/v1.0.0/get.json',
			schema: addedFields(details, {}),
		});
		sim.clock.advance(3 * 3600_000); // Exotel lists only calls that have ended
		const many = await run(new ExotelCallDetails(), sim, [{}], {
			operation: 'getAll',
			callSids: String(connected.callSid),
		});
		files.push({
			path: 'ExotelCallDetails/__schema__/v1.0.0/getAll.json',
			schema: addedFields(many, {}),
		});

		const pacing = new ExotelPacingController();
		const staticData: IDataObject = {};
		const at = { options: { currentTime: istIso(NOW) }, campaign: 'schema' };
		const pacingRun = async (
			operation: string,
			items: IDataObject[] = [{}],
			extra: IDataObject = {},
		) =>
			(
				await executeNode(pacing, {
					mode: 'trigger',
					workflowId: 'schemas',
					staticData,
					items,
					parameters: { operation, ...at, ...extra },
				})
			).json[0];
		await pacingRun('release', [{ phoneNumber: '+919810000002', circle: 'MH', dnd: false }]);
		files.push({
			path: 'ExotelPacingController/__schema__/v1.0.0/getStats.json',
			schema: addedFields(await pacingRun('getStats'), {}),
		});
		for (const operation of ['pause', 'resume', 'reset']) {
			files.push({
				path: `ExotelPacingController/__schema__/v1.0.0/${operation}.json`,
				schema: addedFields(await pacingRun(operation), {}),
			});
		}
		// Save State's one item (the campaign as text for a Data table row, example 03)
		files.push({
			path: 'ExotelPacingController/__schema__/v1.0.0/saveState.json',
			schema: addedFields(await pacingRun('saveState'), {}),
		});
		const secret = 'schema-secret-4f9a1e7b';
		const controlIn = { body: { action: 'pause', secret } };
		files.push({
			path: 'ExotelPacingController/__schema__/v1.0.0/dashboardControl.json',
			schema: addedFields(
				await pacingRun('dashboardControl', [controlIn], { controlSecret: secret }),
				controlIn,
			),
		});
		return files;
	} finally {
		await sim.stop();
	}
}

export const NODES_DIR = join(__dirname, '..', '..', 'nodes');

export function schemaText(schema: JsonSchema): string {
	return `${JSON.stringify(schema, null, '\t')}\n`;
}

/** Writes every schema file (npm run schemas). */
export async function writeSchemas(): Promise<string[]> {
	const written: string[] = [];
	for (const f of await collectSchemas()) {
		const file = join(NODES_DIR, f.path);
		mkdirSync(dirname(file), { recursive: true });
		writeFileSync(file, schemaText(f.schema));
		written.push(`nodes/${f.path}`);
	}
	return written;
}
