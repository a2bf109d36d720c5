/** Exotel Number Lookup over real HTTP against the in-process simulator. */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { ExotelNumberLookup } from '../../nodes/ExotelNumberLookup/ExotelNumberLookup.node';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { executeNode, simCredentials } from '../helpers';

describe('Exotel Number Lookup (simulator)', () => {
	let sim: RunningSimulator;
	const node = new ExotelNumberLookup();

	beforeAll(async () => {
		sim = await startSimulator({
			numbers: {
				fixtures: {
					'9876543210': { circle: 'GJ', operator: 'R', operatorName: 'Reliance', dnd: true },
					'9123456789': { circle: 'MH', operator: 'A', operatorName: 'Airtel', dnd: false },
				},
			},
		});
	});
	afterAll(async () => {
		await sim.stop();
	});

	const run = (
		items: Array<Record<string, unknown>>,
		extra: Parameters<typeof executeNode>[1] = {},
	) => executeNode(node, { items, credentials: { exotelApi: simCredentials(sim.url) }, ...extra });

	it('looks up numbers written in several forms and keeps the input fields', async () => {
		const res = await run([
			{ phone: '+91 98765 43210', row_number: 2, name: 'Asha' },
			{ phone: '09123456789', row_number: 3 },
			{ phone: '98765-43210', row_number: 4 },
			{ phone: 9123456789, row_number: 5 },
		]);
		expect(res.json).toHaveLength(4);
		expect(res.json[0]).toEqual({
			phone: '+91 98765 43210',
			row_number: 2,
			name: 'Asha',
			phoneNumber: '+919876543210',
			circle: 'GJ',
			circleName: 'Gujarat Telecom Circle (includes Daman & Diu, Dadra & Nagar Haveli)',
			numberType: 'Mobile',
			operator: 'R',
			operatorName: 'Reliance',
			dnd: true,
			lookedUpAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/),
		});
		expect(res.json[1]).toMatchObject({
			row_number: 3,
			phoneNumber: '+919123456789',
			circle: 'MH',
			operator: 'A',
			dnd: false,
			numberType: 'Mobile',
		});
		expect(res.json[2]).toMatchObject({
			row_number: 4,
			phoneNumber: '+919876543210',
			circle: 'GJ',
		});
		expect(res.json[3]).toMatchObject({
			row_number: 5,
			phone: 9123456789,
			phoneNumber: '+919123456789',
			circle: 'MH',
		});
		expect(res.items.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(res.inputMutated).toBe(false);
		// duplicates are looked up once per execution, in national form, with basic auth
		expect(res.requests.map((r) => r.url)).toEqual([
			`${sim.url}/v1/Accounts/simaccount/Numbers/09876543210.json`,
			`${sim.url}/v1/Accounts/simaccount/Numbers/09123456789.json`,
		]);
		expect(res.requests[0].headers.Authorization).toBe(
			`Basic ${Buffer.from('sim-key:sim-token').toString('base64')}`,
		);
	});

	it('reports landlines as such', async () => {
		const res = await run([{ phone: '011 2345 6789' }]);
		expect(res.json[0]).toMatchObject({
			phoneNumber: '+911123456789',
			numberType: 'Landline',
			circle: 'DL',
		});
	});

	it('skips items that already have a circle (normalises only), unless told not to', async () => {
		const items = [
			{ phone: '98765 43210', circle: 'MU', row_number: 9 },
			{ phone: '9123456789', circle: '' },
		];
		const res = await run(items);
		expect(res.requests).toHaveLength(1); // only the item with an empty circle
		expect(res.json[0]).toEqual({
			phone: '98765 43210',
			circle: 'MU',
			row_number: 9,
			phoneNumber: '+919876543210',
		});
		expect(res.json[1]).toMatchObject({ circle: 'MH', phoneNumber: '+919123456789' });

		const again = await run(items, { parameters: { skipIfCircle: false } });
		expect(again.requests).toHaveLength(2);
		expect(again.json[0]).toMatchObject({ circle: 'GJ', row_number: 9 });
	});

	it('"Add Output for Items Looked Up Now": every item on All Items, only those looked up now on the second', async () => {
		const items = [
			{ phone: '98765 43210', circle: 'MU', row_number: 2 },
			{ phone: '9123456789', circle: '', row_number: 3 },
			{ phone: 'not a number', circle: '', row_number: 4 },
			{ phone: '09876543210', row_number: 5 },
		];
		const res = await run(items, {
			parameters: { lookedUpOutput: true },
			continueOnFail: true,
		});
		const [all, lookedUp] = res.output;
		expect(all.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(all[2].json.error).toBeDefined(); // the bad number stays on All Items only, with its error
		expect(lookedUp.map((i) => [i.json.row_number, i.json.phoneNumber, i.json.circle])).toEqual([
			[3, '+919123456789', 'MH'],
			[5, '+919876543210', 'GJ'],
		]);
		expect(lookedUp.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 3 }]);
		expect(lookedUp[0].json).toEqual(all[1].json);
		expect(lookedUp[0].json).not.toBe(all[1].json); // two items, not one shared by both branches
		// without the option: one output, as before
		expect((await run(items, { continueOnFail: true })).output).toHaveLength(1);
	});

	it('its outputs follow the option (the editor shows the second output only when it is on)', () => {
		const expression = String(node.description.outputs);
		const body = /^=\{\{([\s\S]*)\}\}$/.exec(expression)![1];
		const outputs = ($parameter: Record<string, unknown>) =>
			new Function('$parameter', `return (${body});`)($parameter) as unknown[];
		expect(outputs({ lookedUpOutput: false })).toEqual(['main']);
		expect(outputs({})).toEqual(['main']);
		expect(outputs({ lookedUpOutput: true })).toEqual([
			{ type: 'main', displayName: 'All Items' },
			{ type: 'main', displayName: 'Looked Up Now' },
		]);
	});

	it('a row that already holds its lookup (circle, phoneNumber in E.164) goes on unchanged, without a request', async () => {
		const row = { phone: '98765 43210', phoneNumber: '+919876543210', circle: 'MU', dnd: false };
		const other = { phone: '9123456789', phoneNumber: '', circle: 'MH' };
		const res = await run([row, other]);
		expect(res.requests).toHaveLength(0);
		expect(res.json[0]).toEqual(row);
		expect(res.json[1]).toEqual({ ...other, phoneNumber: '+919123456789' });
		expect(res.inputMutated).toBe(false);
	});

	it('an item without any field (a read that found no row, Always Output Data) goes on as it came, no request, no error', async () => {
		const res = await run([{}, { phone: '9123456789' }, {}], {
			parameters: { phoneNumber: '={{ $json.phone }}', lookedUpOutput: true },
		});
		expect(res.output[0].map((i) => [i.json, i.pairedItem])).toEqual([
			[{}, { item: 0 }],
			[expect.objectContaining({ phoneNumber: '+919123456789', circle: 'MH' }), { item: 1 }],
			[{}, { item: 2 }],
		]);
		expect(res.output[1].map((i) => i.json.phoneNumber)).toEqual(['+919123456789']);
		expect(res.requests).toHaveLength(1);
	});

	it('reads the number from a custom expression', async () => {
		const res = await run([{ contact: { mobile: '9876543210' } }], {
			parameters: { phoneNumber: '={{ $json.contact.mobile }}' },
		});
		expect(res.json[0]).toMatchObject({ phoneNumber: '+919876543210', circle: 'GJ' });
	});

	it('invalid number with continue-on-fail: that item carries the error, the others go on', async () => {
		const res = await run(
			[
				{ phone: '9876543210', row_number: 2 },
				{ phone: '98765', row_number: 3 },
				{ phone: '+1 415 555 0100', row_number: 4 },
				{ phone: '9123456789', row_number: 5 },
			],
			{ continueOnFail: true },
		);
		expect(res.json).toHaveLength(4);
		expect(res.json[1]).toEqual({
			phone: '98765',
			row_number: 3,
			error: '"98765" is not a valid Indian phone number: it has 5 digits, expected 10',
		});
		expect(res.json[2].error).toMatch(/not an Indian number/);
		expect(res.json[0]).toMatchObject({ circle: 'GJ', row_number: 2 });
		expect(res.json[3]).toMatchObject({ circle: 'MH', row_number: 5 });
		expect(res.items.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(res.requests).toHaveLength(2);
	});

	it('invalid number without continue-on-fail: NodeOperationError with the item index', async () => {
		const err = await run([{ phone: '9876543210' }, { phone: '98765' }]).catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toBe(
			'"98765" is not a valid Indian phone number: it has 5 digits, expected 10',
		);
		expect(err.context.itemIndex).toBe(1);
	});

	it('wrong API key: plain message and hint, no secret in it', async () => {
		const err = await executeNode(node, {
			items: [{ phone: '9876543210' }],
			credentials: {
				exotelApi: simCredentials(sim.url, { apiKey: 'wrong-key', apiToken: 'wrong-secret-token' }),
			},
		}).catch((e) => e);
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.message).toMatch(/^Exotel number lookup failed: .+\(HTTP 401\)$/);
		expect(err.description).toBe(
			'Check the API key and API token in the Exotel credential (Exotel dashboard → Settings → API Settings).',
		);
		expect(err.httpCode).toBe('401');
		expect(err.context.itemIndex).toBe(0);
		expect(
			JSON.stringify({ m: err.message, d: err.description, r: err.errorResponse }),
		).not.toContain('wrong-secret-token');
	});

	it('wrong account SID: 403 with an Account SID hint', async () => {
		const err = await executeNode(node, {
			items: [{ phone: '9876543210' }],
			credentials: { exotelApi: simCredentials(sim.url, { accountSid: 'someoneelse' }) },
		}).catch((e) => e);
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.httpCode).toBe('403');
		expect(err.description).toMatch(/Account SID/);
	});

	it('wrong API key with continue-on-fail: every item carries the error', async () => {
		const res = await executeNode(node, {
			items: [
				{ phone: '9876543210', row_number: 1 },
				{ phone: '9123456789', row_number: 2 },
			],
			credentials: { exotelApi: simCredentials(sim.url, { apiToken: 'nope-nope' }) },
			continueOnFail: true,
		});
		expect(res.json.map((j) => [j.row_number, typeof j.error])).toEqual([
			[1, 'string'],
			[2, 'string'],
		]);
	});

	it('unreachable base URL: says to check the cluster / base URL', async () => {
		const err = await executeNode(node, {
			items: [{ phone: '9876543210' }],
			credentials: { exotelApi: simCredentials('http://127.0.0.1:1') },
		}).catch((e) => e);
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.message).toBe('Exotel number lookup failed: connection refused');
		expect(err.description).toMatch(/cluster/);
		expect(err.description).toContain('http://127.0.0.1:1');
	});
});
