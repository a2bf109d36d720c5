/** Exotel Call Details over real HTTP against the in-process simulator (frozen virtual clock). */
import { NodeApiError } from 'n8n-workflow';

import { normalizeCall } from '../../nodes/core/exotel/mapping';
import { connectCallRequest } from '../../nodes/core/exotel/requests';
import { ExotelCallDetails } from '../../nodes/ExotelCallDetails/ExotelCallDetails.node';
import { exotelApiRequest } from '../../nodes/transport/exotelApi';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { createExecuteContext, executeNode, simCredentials } from '../helpers';

const AGENT = '9000000001';
const COMPLETED = '9811111111';
const BUSY = '9822222222';
const NO_ANSWER = '9833333333';
const BULK_COUNT = 130;

describe('Exotel Call Details (simulator)', () => {
	let sim: RunningSimulator;
	const node = new ExotelCallDetails();
	const sids: Record<string, string> = {};
	const bulkSids: string[] = [];

	const credentials = () => ({ exotelApi: simCredentials(sim.url) });

	async function connect(to: string): Promise<string> {
		const { context } = createExecuteContext(undefined, { credentials: credentials() });
		const body = await exotelApiRequest.call(
			context,
			connectCallRequest('simaccount', { from: AGENT, to, callerId: '08040000001' }),
		);
		return (body.Call as { Sid: string }).Sid;
	}

	beforeAll(async () => {
		sim = await startSimulator({
			clock: { factor: 0, virtualStart: '2024-03-15T11:00:00' },
			numbers: { dndShare: 0 },
			model: {
				fixtures: {
					[COMPLETED]: {
						status: 'completed',
						ringSeconds: 5,
						talkSeconds: 42,
						answeredBy: 'Human',
					},
					[BUSY]: { status: 'busy' },
					[NO_ANSWER]: { status: 'no-answer' },
				},
			},
		});
		sids.completed = await connect(COMPLETED);
		sids.busy = await connect(BUSY);
		sids.noAnswer = await connect(NO_ANSWER);
		sim.clock.advance(60_000);
		for (let i = 0; i < BULK_COUNT; i++)
			bulkSids.push(await connect(`97${String(i).padStart(8, '0')}`));
		sim.clock.advance(10 * 60_000); // every call has ended by now
	}, 60_000);

	afterAll(async () => {
		await sim.stop();
	});

	it('Get: one call with details, normalised, plus the raw response', async () => {
		const res = await executeNode(node, {
			parameters: { operation: 'get' },
			items: [{ callSid: sids.completed, row_number: 7 }],
			credentials: credentials(),
		});
		expect(res.json).toHaveLength(1);
		const call = res.json[0];
		expect(call).toMatchObject({
			callSid: sids.completed,
			status: 'completed',
			answered: true,
			direction: 'outbound-api',
			from: `+91${AGENT}`,
			to: `+91${COMPLETED}`,
			callerId: '08040000001',
			conversationDuration: 42,
			leg1Status: 'completed',
			leg2Status: 'completed',
			recordingUrl: null,
		});
		expect(call.dateCreated).toBe('2024-03-15T11:00:00+05:30');
		expect(call.duration).toEqual(expect.any(Number));
		expect(call.price).toEqual(expect.any(Number));
		expect((call.legs as Array<{ id: number }>).map((l) => l.id)).toEqual([1, 2]);
		expect((call.exotelResponse as { Sid: string }).Sid).toBe(sids.completed);
		expect(res.items[0].pairedItem).toEqual({ item: 0 });
		expect(res.requests[0].url).toBe(
			`${sim.url}/v1/Accounts/simaccount/Calls/${sids.completed}.json`,
		);
		expect(res.requests[0].qs).toEqual({ details: 'true' });
	});

	it('Get: busy and no-answer calls are not answered', async () => {
		const res = await executeNode(node, {
			parameters: { operation: 'get' },
			items: [{ callSid: sids.busy }, { callSid: sids.noAnswer }],
			credentials: credentials(),
		});
		expect(res.json.map((c) => [c.status, c.answered, c.leg2Status])).toEqual([
			['busy', false, 'busy'],
			['no-answer', false, 'no-answer'],
		]);
		expect(res.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('Get: unknown Call SID -> 404 with a hint; with continue-on-fail the item carries the error', async () => {
		const err = await executeNode(node, {
			parameters: { operation: 'get', callSid: 'ffffffffffffffffffffffffffffffff' },
			credentials: credentials(),
		}).catch((e) => e);
		expect(err).toBeInstanceOf(NodeApiError);
		expect(err.httpCode).toBe('404');
		expect(err.message).toMatch(/^Exotel call details failed: .*not found.*\(HTTP 404\)$/);
		expect(err.description).toMatch(/Call SID/);

		const res = await executeNode(node, {
			parameters: { operation: 'get' },
			items: [
				{ callSid: 'ffffffffffffffffffffffffffffffff', row_number: 2 },
				{ callSid: sids.completed },
				{ callSid: '', row_number: 4 },
			],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(res.json[0].error).toMatch(/HTTP 404/);
		expect(res.json[1].callSid).toBe(sids.completed);
		expect(res.json[2].error).toBe('The Call SID is empty');
		// a failed item keeps its input json, as in every node (shared/errors.ts failedItem), paired to its input
		expect(res.json[0]).toEqual({
			callSid: 'ffffffffffffffffffffffffffffffff',
			row_number: 2,
			error: res.json[0].error,
		});
		expect(res.json[2]).toEqual({ callSid: '', row_number: 4, error: 'The Call SID is empty' });
		expect(res.items.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		expect(res.inputMutated).toBe(false);
	});

	it('Get Many: Call SIDs as a comma list', async () => {
		const res = await executeNode(node, {
			parameters: {
				operation: 'getAll',
				callSids: `${sids.completed}, ${sids.busy},${sids.noAnswer}`,
				returnAll: true,
			},
			credentials: credentials(),
		});
		expect(res.json.map((c) => c.callSid).sort()).toEqual(
			[sids.completed, sids.busy, sids.noAnswer].sort(),
		);
		expect(res.requests).toHaveLength(1);
		expect(res.requests[0].url).toBe(`${sim.url}/v1/Accounts/simaccount/Calls.json`);
		expect(res.json.every((c) => typeof c.exotelResponse === 'object')).toBe(true);
	});

	it('Get Many: 130 SIDs from an array expression are fetched 100 at a time', async () => {
		const res = await executeNode(node, {
			parameters: { operation: 'getAll', callSids: '={{ $json.sids }}', returnAll: true },
			items: [{ sids: bulkSids }],
			credentials: credentials(),
		});
		expect(res.json).toHaveLength(BULK_COUNT);
		expect(new Set(res.json.map((c) => c.callSid))).toEqual(new Set(bulkSids));
		expect(res.requests.map((r) => String(r.qs?.Sid).split(',').length)).toEqual([100, 30]);
		expect(res.items.every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
	});

	it('Get Many: date range + paging with the After cursor; limit stops early', async () => {
		const all = await executeNode(node, {
			parameters: {
				operation: 'getAll',
				returnAll: true,
				filters: { dateFrom: '2024-03-15', dateTo: '2024-03-15' },
			},
			credentials: credentials(),
		});
		expect(all.json).toHaveLength(BULK_COUNT + 3);
		expect(all.requests).toHaveLength(2);
		expect(all.requests[0].qs).toMatchObject({
			DateCreated: 'gte:2024-03-15 00:00:00;lte:2024-03-15 23:59:59',
			PageSize: 100,
		});
		expect(all.requests[1].qs?.After).toEqual(expect.any(String));

		const limited = await executeNode(node, {
			parameters: {
				operation: 'getAll',
				returnAll: false,
				limit: 5,
				filters: { dateFrom: '2024-03-15T10:00:00', dateTo: '2024-03-15T12:00:00' },
			},
			credentials: credentials(),
		});
		expect(limited.json).toHaveLength(5);
		expect(limited.requests).toHaveLength(1);
		expect(limited.requests[0].qs?.PageSize).toBe(5);

		const earlier = await executeNode(node, {
			parameters: {
				operation: 'getAll',
				returnAll: true,
				filters: { dateFrom: '2024-03-14', dateTo: '2024-03-14' },
			},
			credentials: credentials(),
		});
		expect(earlier.json).toEqual([]);
	});

	it('Get Many: status filter', async () => {
		const res = await executeNode(node, {
			parameters: {
				operation: 'getAll',
				callSids: [sids.completed, sids.busy, sids.noAnswer].join(','),
				returnAll: true,
				filters: { status: ['busy', 'no-answer'] },
			},
			credentials: credentials(),
		});
		expect(res.requests[0].qs?.Status).toBe('busy,no-answer');
		expect(res.json.map((c) => c.status).sort()).toEqual(['busy', 'no-answer']);
	});

	it('Get Many: each input item runs its own query and pairs to it', async () => {
		const res = await executeNode(node, {
			parameters: { operation: 'getAll', callSids: '={{ $json.sid }}', returnAll: true },
			items: [{ sid: sids.completed }, { sid: sids.busy }],
			credentials: credentials(),
		});
		expect(res.json.map((c) => c.callSid)).toEqual([sids.completed, sids.busy]);
		expect(res.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('XML answers (no .json) parse into the same shape', async () => {
		const { context } = createExecuteContext(undefined, { credentials: credentials() });
		const xml = await exotelApiRequest.call(context, {
			method: 'GET',
			path: `/v1/Accounts/simaccount/Calls/${sids.completed}`,
			qs: { details: 'true' },
			idempotent: true,
			label: 'call details',
		});
		const json = await exotelApiRequest.call(context, {
			method: 'GET',
			path: `/v1/Accounts/simaccount/Calls/${sids.completed}.json`,
			qs: { details: 'true' },
			idempotent: true,
			label: 'call details',
		});
		expect(typeof (xml.Call as { Sid: string }).Sid).toBe('string');
		expect(normalizeCall(xml)).toEqual(normalizeCall(json));

		const bulkXml = await exotelApiRequest.call(context, {
			method: 'GET',
			path: '/v1/Accounts/simaccount/Calls',
			qs: { Sid: `${sids.completed},${sids.busy}` },
			idempotent: true,
			label: 'bulk call details',
		});
		expect(Array.isArray(bulkXml.Calls)).toBe(true);
		expect((bulkXml.Calls as unknown[]).length).toBe(2);
	});

	it('XML errors are read too', async () => {
		const { context } = createExecuteContext(undefined, {
			credentials: { exotelApi: simCredentials(sim.url, { apiToken: 'bad-token' }) },
		});
		const err = await exotelApiRequest
			.call(context, {
				method: 'GET',
				path: `/v1/Accounts/simaccount/Calls/${sids.completed}`,
				idempotent: true,
				label: 'call details',
			})
			.catch((e) => e);
		expect(err.httpCode).toBe('401');
		expect(err.message).toMatch(/^Exotel call details failed: .+ \(HTTP 401\)$/);
	});
});
