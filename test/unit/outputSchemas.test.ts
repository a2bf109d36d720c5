/**
 * The output schemas n8n's editor shows before a node has run (nodes/<Node>/__schema__, test/helpers/outputSchemas.ts)
 * are what the nodes really output: each node runs against the simulator and its output is compared with its
 * schema file. `npm run schemas` (UPDATE_SCHEMAS=1) writes them again after a deliberate change of a node's output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { collectSchemas, NODES_DIR, schemaText, writeSchemas } from '../helpers/outputSchemas';

jest.setTimeout(60_000);

if (process.env.UPDATE_SCHEMAS === '1') {
	test('writes the output schemas', async () => {
		expect((await writeSchemas()).length).toBeGreaterThan(0);
	});
} else {
	test('every node has an output schema, and it matches what the node outputs', async () => {
		const files = await collectSchemas();
		expect(files.map((f) => f.path)).toEqual(
			expect.arrayContaining([
				'ExotelNumberLookup/__schema__/v1.0.0.json',
				'ExotelCallerIdSelector/__schema__/v1.0.0.json',
				'ExotelConnectCall/__schema__/v1.0.0.json',
				'ExotelCallDetails/__schema__/v1.0.0/get.json',
				'ExotelCallDetails/__schema__/v1.0.0/getAll.json',
				'ExotelPacingController/__schema__/v1.0.0/getStats.json',
				'ExotelPacingController/__schema__/v1.0.0/dashboardControl.json',
				'ExotelPacingController/__schema__/v1.0.0/saveState.json',
			]),
		);
		const drift = files.filter((f) => {
			const file = join(NODES_DIR, f.path);
			return !existsSync(file) || readFileSync(file, 'utf8') !== schemaText(f.schema);
		});
		expect(
			drift.map((f) => `${f.path} differs from the node's output: run npm run schemas`),
		).toEqual([]);
		// the lookup's schema offers the fields users map next (circle, dnd, operator...)
		const lookup = files.find((f) => f.path.startsWith('ExotelNumberLookup'))!.schema;
		expect(Object.keys(lookup.properties ?? {})).toEqual(
			expect.arrayContaining(['phoneNumber', 'circle', 'dnd', 'operator']),
		);
		expect(Object.keys(lookup.properties ?? {})).not.toContain('phone');
	});
}
