/**
 * Exotel Caller ID Selector over real HTTP against the in-process simulator (ExoPhones discovery), plus the
 * table-only mode that needs no credential.
 */
import {
	NodeHelpers,
	Workflow,
	type IDataObject,
	type INode,
	type INodeParameters,
	type INodeTypes,
} from 'n8n-workflow';

import { ExotelCallerIdSelector } from '../../nodes/ExotelCallerIdSelector/ExotelCallerIdSelector.node';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { executeNode, simCredentials } from '../helpers';

const node = new ExotelCallerIdSelector();

let sim: RunningSimulator;

beforeAll(async () => {
	sim = await startSimulator({ seed: 11 });
});

afterAll(async () => {
	await sim.stop();
});

beforeEach(() => {
	sim.reset();
});

const exoPhoneRequests = (requests: Array<{ url: string }>) =>
	requests.filter((r) => r.url.includes('/IncomingPhoneNumbers'));

describe('Exotel Caller ID Selector — ExoPhones from the Exotel account (simulator)', () => {
	it('matches circles, falls back to neighbours and routes the rest to "No Caller ID"; one ExoPhone fetch per run', async () => {
		const res = await executeNode(node, {
			credentials: { exotelApi: simCredentials(sim.url) },
			items: [
				{ phoneNumber: '+919800000001', circle: 'MH' },
				{ phoneNumber: '+919800000002', circle: 'DL' },
				{ phoneNumber: '+919800000003', circle: 'dl' },
				{ phoneNumber: '+919800000004', circle: 'JK' }, // no ExoPhone in JK -> neighbour HP
				{ phoneNumber: '+919800000005', circle: 'XX' },
				{ phoneNumber: '+919800000006' },
			],
		});
		expect(res.output).toHaveLength(2);
		const [matched, unmatched] = res.output;
		expect(matched.map((i) => i.json.callerId)).toEqual([
			'02040000001',
			'01140000001',
			'01140000002',
			'01774000001',
		]);
		expect(matched.map((i) => i.json.callerIdCircle)).toEqual(['MH', 'DL', 'DL', 'HP']);
		expect(matched[0].json.callerIdReason).toBe('Circle match MH, round-robin 1 of 1');
		expect(matched[2].json.callerIdReason).toBe('Circle match DL, round-robin 2 of 2');
		expect(matched[3].json.callerIdReason).toBe(
			'No ExoPhone in JK; used neighbour HP, round-robin 1 of 1',
		);
		expect(matched[0].json.phoneNumber).toBe('+919800000001'); // input fields kept
		expect(matched.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);

		expect(unmatched.map((i) => i.pairedItem)).toEqual([{ item: 4 }, { item: 5 }]);
		expect(unmatched[0].json).toMatchObject({
			callerId: null,
			callerIdCircle: null,
			callerIdReason: '"XX" is not a telecom circle code; no fallback caller ID is set',
		});
		expect(unmatched[1].json.callerIdReason).toBe(
			'The item has no circle; no fallback caller ID is set',
		);

		expect(exoPhoneRequests(res.requests)).toHaveLength(1);
		expect(res.requests[0].method).toBe('GET');
		expect(res.requests[0].url).toBe(`${sim.url}/v2_beta/Accounts/simaccount/IncomingPhoneNumbers`);
		expect(res.inputMutated).toBe(false);
	});

	it('reads every page of ExoPhones (150 numbers = 2 pages of 100)', async () => {
		const many = Array.from({ length: 149 }, (_, k) => ({
			number: `0226${String(1000000 + k).padStart(7, '0')}`,
			circle: 'MU' as const,
		}));
		const base = sim.config.accounts[0].exoPhones.map((p) => ({ ...p }));
		sim.update({
			accounts: [
				{
					...sim.config.accounts[0],
					exoPhones: [...many, { number: '02040000001', circle: 'MH' }],
				},
			],
		});
		try {
			const res = await executeNode(node, {
				credentials: { exotelApi: simCredentials(sim.url) },
				parameters: { strategy: 'first' },
				items: [{ circle: 'MU' }, { circle: 'MH' }],
			});
			expect(exoPhoneRequests(res.requests).map((r) => (r as { qs?: IDataObject }).qs)).toEqual([
				{ Page: 0, PageSize: 100 },
				{ Page: 1, PageSize: 100 },
			]);
			expect(res.json[0]).toMatchObject({
				callerId: many[0].number,
				callerIdReason: 'Circle match MU, first of 149',
			});
			// the MH number is on page 2
			expect(res.json[1]).toMatchObject({ callerId: '02040000001', callerIdCircle: 'MH' });
		} finally {
			sim.update({ accounts: [{ ...sim.config.accounts[0], exoPhones: base }] });
		}
	});

	it('round-robin continues from the cursor kept in node static data in the next execution', async () => {
		const nodeStaticData: IDataObject = {};
		const run = async (n: number) =>
			await executeNode(node, {
				credentials: { exotelApi: simCredentials(sim.url) },
				items: Array.from({ length: n }, () => ({ circle: 'KA' })),
				nodeStaticData,
				mode: 'trigger',
			});
		const first = await run(3);
		expect(first.json.map((j) => j.callerId)).toEqual([
			'08040000001',
			'08040000002',
			'08040000001',
		]);
		expect(nodeStaticData.roundRobinCursors).toEqual({ KA: 1 });
		const second = await run(2);
		expect(second.json.map((j) => j.callerId)).toEqual(['08040000002', '08040000001']);
		expect(second.json[0].callerIdReason).toBe('Circle match KA, round-robin 2 of 2');
	});

	it('table entries override the account list for their circle only', async () => {
		const res = await executeNode(node, {
			credentials: { exotelApi: simCredentials(sim.url) },
			parameters: {
				source: 'both',
				circleNumbers: { rows: [{ circle: 'DL', numbers: '01140000002' }] },
			},
			items: [{ circle: 'DL' }, { circle: 'DL' }, { circle: 'MU' }],
		});
		expect(res.json.map((j) => j.callerId)).toEqual(['01140000002', '01140000002', '02240000001']);
	});

	it('with neighbour fallback off and a fallback caller ID there is a single output', async () => {
		const res = await executeNode(node, {
			credentials: { exotelApi: simCredentials(sim.url) },
			parameters: {
				neighbourFallback: false,
				whenNoMatch: 'fallback',
				fallbackCallerId: '02040000001',
			},
			items: [{ circle: 'JK' }, { circle: 'TN' }],
		});
		expect(res.output).toHaveLength(1);
		expect(res.json[0]).toMatchObject({
			callerId: '02040000001',
			callerIdCircle: null,
			callerIdReason: 'No ExoPhone for circle JK; used the fallback caller ID',
		});
		expect(res.json[1]).toMatchObject({ callerId: '04440000001', callerIdCircle: 'TN' });
	});

	it('wrong credentials: a clear message, asked once, and continueOnFail keeps every item', async () => {
		const res = await executeNode(node, {
			credentials: { exotelApi: simCredentials(sim.url, { apiToken: 'wrong-token' }) },
			continueOnFail: true,
			items: [{ circle: 'MH' }, { circle: 'DL' }],
		});
		expect(res.output[0]).toHaveLength(2);
		expect(String(res.json[0].error)).toMatch(/list ExoPhones failed.*401/);
		expect(res.json[1].error).toBe(res.json[0].error);
		expect(exoPhoneRequests(res.requests)).toHaveLength(1);

		await expect(
			executeNode(node, {
				credentials: { exotelApi: simCredentials(sim.url, { apiToken: 'wrong-token' }) },
				items: [{ circle: 'MH' }],
			}),
		).rejects.toMatchObject({
			description: expect.stringMatching(/API key and API token/),
			context: expect.objectContaining({ itemIndex: 0 }),
		});
	});
});

describe('Exotel Caller ID Selector — table only (no credential)', () => {
	it('works without an Exotel credential and never calls Exotel', async () => {
		const res = await executeNode(node, {
			parameters: {
				source: 'table',
				strategy: 'roundRobin',
				circleNumbers: {
					rows: [
						{ circle: 'MH', numbers: '020 4000 0001, 020-4000-0002' },
						{ circle: 'UE', numbers: '05224000001' },
					],
				},
			},
			items: [{ circle: 'MH' }, { circle: 'MH' }, { circle: 'MH' }, { circle: 'UW' }],
		});
		expect(res.requests).toHaveLength(0);
		expect(res.json.map((j) => j.callerId)).toEqual([
			'02040000001',
			'02040000002',
			'02040000001',
			'05224000001',
		]);
		expect(res.json[3].callerIdReason).toBe(
			'No ExoPhone in UW; used neighbour UE, round-robin 1 of 1',
		);
	});

	it('an empty table is a clear error with the item index', async () => {
		await expect(
			executeNode(node, { parameters: { source: 'table' }, items: [{ circle: 'MH' }] }),
		).rejects.toMatchObject({
			message: 'The ExoPhones per Circle table is empty',
			context: expect.objectContaining({ itemIndex: 0 }),
		});
	});

	it('random picks stay inside the circle list', async () => {
		const res = await executeNode(node, {
			parameters: {
				source: 'table',
				strategy: 'random',
				circleNumbers: { rows: [{ circle: 'KA', numbers: '08040000001,08040000002' }] },
			},
			items: Array.from({ length: 20 }, () => ({ circle: 'KA' })),
		});
		for (const j of res.json) expect(['08040000001', '08040000002']).toContain(j.callerId);
		expect(String(res.json[0].callerIdReason)).toMatch(/^Circle match KA, random [12] of 2$/);
	});
});

describe('Exotel Caller ID Selector — description as n8n evaluates it', () => {
	// n8n-workflow 1.120.31 is the version n8n 1.123.81 runs; its getNodeOutputs evaluates the outputs expression.
	const nodeTypes = {
		getByName: () => node,
		getByNameAndVersion: () => node,
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes;

	const evaluate = (parameters: Record<string, unknown>) => {
		const wf = new Workflow({
			nodes: [
				{
					id: '1',
					name: 'Selector',
					type: 'n8n-nodes-exotel-campaigns.exotelCallerIdSelector',
					typeVersion: 1,
					position: [0, 0],
					parameters: parameters as INodeParameters,
				},
			],
			connections: {},
			active: false,
			nodeTypes,
		});
		const wfNode = wf.getNode('Selector') as INode;
		wfNode.parameters = NodeHelpers.getNodeParameters(
			node.description.properties,
			wfNode.parameters,
			true,
			false,
			wfNode,
			node.description,
		) as INodeParameters;
		return {
			outputs: NodeHelpers.getNodeOutputs(wf, wfNode, node.description),
			subtitle: wf.expression.getSimpleParameterValue(
				wfNode,
				node.description.subtitle as string,
				'internal',
				{},
			),
		};
	};

	it('has a "No Caller ID" output only when unmatched items should go there', () => {
		expect(evaluate({}).outputs).toEqual([
			{ type: 'main', displayName: 'Caller ID' },
			{ type: 'main', displayName: 'No Caller ID' },
		]);
		expect(evaluate({ whenNoMatch: 'fallback', fallbackCallerId: '02040000001' }).outputs).toEqual([
			'main',
		]);
	});

	it('renders its subtitle', () => {
		expect(evaluate({}).subtitle).toBe('Exotel ExoPhones, round-robin');
		expect(evaluate({ source: 'table', strategy: 'first' }).subtitle).toBe('Table, first number');
	});
});
