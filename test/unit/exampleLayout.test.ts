/** Both example canvases read left to right without clutter (scripts/demo/canvasLayout.ts states the rules). */
import { readFileSync } from 'node:fs';

import {
	EXAMPLE_DATA_TABLE,
	EXAMPLE_DATA_TABLE_QUEUE,
	EXAMPLE_LOCAL,
	EXAMPLE_QUEUE,
	EXAMPLE_SHEETS,
} from '../../scripts/demo/campaign';
import { layoutProblems, noteTextBox } from '../../scripts/demo/canvasLayout';

describe('example canvases', () => {
	it.each([
		['example 1 (Google Sheets)', EXAMPLE_SHEETS],
		['example 2 (local simulator)', EXAMPLE_LOCAL],
		['example 3 (queue mode)', EXAMPLE_QUEUE],
		['example 4 (Data table, long lists)', EXAMPLE_DATA_TABLE],
		['example 5 (Data table, queue mode)', EXAMPLE_DATA_TABLE_QUEUE],
	])('%s: no note under a node, groups left to right, no long or crossing edge', (_label, file) => {
		expect(layoutProblems(JSON.parse(readFileSync(file, 'utf8')))).toEqual([]);
	});

	it('finds what the session-5 canvas of example 1 had: nodes on note text, an edge through a node', () => {
		const wf = {
			nodes: [
				{
					name: 'Note: Lookups',
					type: 'n8n-nodes-base.stickyNote',
					position: [640, -60],
					parameters: {
						width: 440,
						height: 260,
						content:
							'### 2. Number Lookup\nAdds circle, operator and DND for rows without a circle.',
					},
				},
				{ name: 'Save Row Updates', type: 'x', position: [880, -100], parameters: {} },
				{ name: 'Release', type: 'x', position: [660, 400], parameters: {} },
				{ name: 'Mark Dialling', type: 'x', position: [880, 400], parameters: {} },
				{ name: 'Connect', type: 'x', position: [1100, 400], parameters: {} },
			],
			connections: { Release: { main: [[{ node: 'Connect', type: 'main', index: 0 }]] } },
		};
		expect(layoutProblems(wf)).toEqual([
			'"Save Row Updates" covers the text of "Note: Lookups"',
			'the edge Release → Connect runs through "Mark Dialling"',
		]);
		expect(noteTextBox(wf.nodes[0]).bottom).toBeGreaterThan(-60 + 60);
	});
});
