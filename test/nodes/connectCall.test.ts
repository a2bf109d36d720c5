/**
 * Exotel Connect Call over real HTTP against the in-process simulator: both variants, the automatic CustomField
 * reaching Exotel (ledger) and the terminal callback, validation before any call, 5xx/timeouts never retried,
 * wrong credentials, and spreading a batch over time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { decodeCorrelation } from '../../nodes/core/correlation';
import { ExotelConnectCall } from '../../nodes/ExotelConnectCall/ExotelConnectCall.node';
import { startSimulator, type RunningSimulator } from '../../simulator';
import {
	executeNode,
	simCredentials,
	type ExecuteNodeOptions,
	type RecordedRequest,
} from '../helpers';

const node = new ExotelConnectCall();

let sim: RunningSimulator;

beforeAll(async () => {
	sim = await startSimulator({ seed: 5 });
});

afterAll(async () => {
	await sim.stop();
});

beforeEach(() => {
	sim.reset();
	sim.update({
		rateLimit: { enabled: true, limit: 200, windowMs: 60_000 },
		faults: { serverErrorRate: 0, latencyMs: { min: 0, max: 0 } },
	});
});

const contacts = (n: number, extra: IDataObject = {}): IDataObject[] =>
	Array.from({ length: n }, (_, k) => ({
		phoneNumber: `+9198100000${String(k + 10).padStart(2, '0')}`,
		callerId: '02040000001',
		circle: 'MH',
		...extra,
	}));

const run = async (opts: ExecuteNodeOptions) =>
	await executeNode(node, { credentials: { exotelApi: simCredentials(sim.url) }, ...opts });

const connectRequests = (requests: RecordedRequest[]) =>
	requests.filter((r) => r.url.includes('/Calls/connect'));

const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));

describe('Exotel Connect Call — placing calls (simulator)', () => {
	it('connects numbers to a call flow with the automatic CustomField; the ledger shows each call once', async () => {
		const items = [
			...contacts(2),
			{ ...contacts(1)[0], phoneNumber: '09810000099', attempts: 2 },
			{
				...contacts(1)[0],
				phoneNumber: '+919810000098',
				pacing: { customField: 'x1|diwali|row-7|1|MH|' },
			},
		];
		const res = await run({ parameters: { flow: '234567' }, items });

		expect(res.json).toHaveLength(4);
		expect(res.inputMutated).toBe(false);
		expect(res.items.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		const sent = connectRequests(res.requests);
		expect(sent).toHaveLength(4);
		expect(sent[0].url).toBe(`${sim.url}/v1/Accounts/simaccount/Calls/connect.json`);
		expect(form(sent[0].body)).toMatchObject({
			From: '+919810000010',
			CallerId: '02040000001',
			Url: 'http://my.exotel.com/simaccount/exoml/start_voice/234567',
		});
		expect(form(sent[0].body).To).toBeUndefined();

		for (const [k, json] of res.json.entries()) {
			expect(json.callSid).toMatch(/^[0-9a-f]{32}$/);
			expect(json.callStatus).toBe('in-progress');
			expect(json.phoneNumber).toBe(items[k].phoneNumber); // input fields kept
			const call = json.call as IDataObject;
			expect(call.callSid).toBe(json.callSid);
			expect(call.dateCreated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/);
			expect((json.exotelResponse as IDataObject).Call).toMatchObject({ Sid: json.callSid });
			const ledger = sim.ledger.call(String(json.callSid));
			expect(ledger).toMatchObject({
				variant: 'flow',
				callerId: '02040000001',
				customField: json.customField,
			});
		}
		expect(decodeCorrelation(res.json[0].customField)).toEqual({
			campaign: '',
			contact: '919810000010',
			attempt: 1,
			circle: 'MH',
		});
		expect(decodeCorrelation(res.json[2].customField)).toMatchObject({
			contact: '919810000099',
			attempt: 3,
		});
		expect(res.json[3].customField).toBe('x1|diwali|row-7|1|MH|');
		expect(sim.ledger.calls).toHaveLength(4);
	});

	it('connects two numbers, with status callback settings, a user CustomField and call settings', async () => {
		const res = await run({
			parameters: {
				variant: 'number',
				to: '+91 98123 45678',
				statusCallback: 'https://n8n.example.com/webhook/exotel-status',
				statusCallbackEvents: ['terminal', 'answered'],
				statusCallbackContentType: 'multipart/form-data',
				customField: '={{ "order-" + $json.orderId }}',
				callSettings: { timeLimit: 600, timeOut: 25, record: true },
			},
			items: contacts(1, { orderId: 4711 }),
		});
		const body = form(connectRequests(res.requests)[0].body);
		expect(body).toMatchObject({
			From: '+919810000010',
			To: '+919812345678',
			CallerId: '02040000001',
			StatusCallback: 'https://n8n.example.com/webhook/exotel-status',
			'StatusCallbackEvents[0]': 'terminal',
			'StatusCallbackEvents[1]': 'answered',
			StatusCallbackContentType: 'multipart/form-data',
			CustomField: 'order-4711',
			TimeLimit: '600',
			TimeOut: '25',
			Record: 'true',
		});
		expect(body.Url).toBeUndefined();
		expect(res.json[0].customField).toBe('order-4711');
		expect(sim.ledger.call(String(res.json[0].callSid))).toMatchObject({
			variant: 'number',
			customField: 'order-4711',
			statusCallback: 'https://n8n.example.com/webhook/exotel-status',
		});
	});

	it('number to number: the automatic CustomField names the customer (To), not the agent (From)', async () => {
		const res = await run({
			parameters: { variant: 'number', from: '+919810000077', to: '={{ $json.phoneNumber }}' },
			items: contacts(1, { attempts: 1 }),
		});
		expect(form(connectRequests(res.requests)[0].body)).toMatchObject({
			From: '+919810000077',
			To: '+919810000010',
		});
		expect(decodeCorrelation(res.json[0].customField)).toEqual({
			campaign: '',
			contact: '919810000010',
			attempt: 2,
			circle: 'MH',
		});
	});

	it('the terminal status callback carries our CustomField back (fast virtual clock)', async () => {
		const received: IDataObject[] = [];
		const receiver: Server = createServer((req, res) => {
			let data = '';
			req.on('data', (c) => (data += c));
			req.on('end', () => {
				received.push(JSON.parse(data) as IDataObject);
				res.writeHead(200).end('ok');
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		const fast = await startSimulator({ seed: 9, clock: { factor: 2000 } });
		try {
			const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
			const res = await executeNode(node, {
				credentials: { exotelApi: simCredentials(fast.url) },
				parameters: { flow: '234567', statusCallback: callbackUrl },
				items: contacts(1),
			});
			const sid = String(res.json[0].callSid);
			for (
				let waited = 0;
				waited < 5000 && !received.some((r) => r.CallSid === sid);
				waited += 50
			) {
				await new Promise((r) => setTimeout(r, 50));
			}
			const terminal = received.find((r) => r.CallSid === sid);
			expect(terminal).toMatchObject({
				EventType: 'terminal',
				CustomField: res.json[0].customField,
			});
		} finally {
			await fast.stop();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});

	it('passes a full flow URL (here a Mumbai one) through unchanged', async () => {
		const res = await run({
			parameters: { flow: 'http://my.in.exotel.com/simaccount/exoml/start_voice/99' },
			items: contacts(1),
		});
		expect(form(connectRequests(res.requests)[0].body).Url).toBe(
			'http://my.in.exotel.com/simaccount/exoml/start_voice/99',
		);
	});
});

describe('Exotel Connect Call — invalid input', () => {
	const bad = (): IDataObject[] => [
		contacts(1)[0],
		{ callerId: '02040000001' }, // no phoneNumber
		{ phoneNumber: '+919810000011' }, // no callerId
		{ ...contacts(1)[0], phoneNumber: '+919810000012', note: 'x'.repeat(129) },
		{ ...contacts(1)[0], phoneNumber: '12345' },
	];

	it('without continueOnFail: the first bad item stops the run before any call is placed', async () => {
		await expect(run({ parameters: { flow: '234567' }, items: bad() })).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: 'From is empty: there is no number to call',
			context: expect.objectContaining({ itemIndex: 1 }),
		});
		expect(sim.ledger.connectRequests).toHaveLength(0);
		expect(sim.ledger.calls).toHaveLength(0);
	});

	it('with continueOnFail: bad items get clear errors, good ones are called', async () => {
		const res = await run({
			parameters: { flow: '234567', customField: '={{ $json.note ?? "" }}' },
			items: bad(),
			continueOnFail: true,
		});
		expect(res.json).toHaveLength(5);
		expect(res.json[0].callSid).toBeDefined();
		expect(res.json[1].error).toBe('From is empty: there is no number to call');
		expect(res.json[1].callMayHaveBeenPlaced).toBe(false);
		expect(res.json[2].error).toBe('Caller ID is empty: no ExoPhone to call from');
		expect(res.json[3].error).toBe(
			'Custom Field is 129 characters long; Exotel accepts at most 128',
		);
		expect(String(res.json[4].error)).toMatch(/From: "12345" is not a valid Indian phone number/);
		expect(res.items.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		expect(sim.ledger.calls).toHaveLength(1);
	});

	it('rejects a Time Limit above 14400 seconds before sending', async () => {
		await expect(
			run({
				parameters: { flow: '234567', callSettings: { timeLimit: 20000 } },
				items: contacts(1),
			}),
		).rejects.toMatchObject({
			message: 'Time Limit is 20000 seconds; Exotel accepts 1 to 14400 (4 hours)',
			context: expect.objectContaining({ itemIndex: 0 }),
		});
		expect(sim.ledger.connectRequests).toHaveLength(0);
	});

	it('rejects a flow that is neither an App ID nor a URL', async () => {
		await expect(
			run({ parameters: { flow: 'my flow' }, items: contacts(1) }),
		).rejects.toMatchObject({
			message: expect.stringContaining('is not a flow App ID'),
		});
	});
});

describe('Exotel Connect Call — Exotel refusing or not answering', () => {
	// 429 (Exotel's own per-minute limit): test/nodes/connectCallRateLimit.test.ts, on an injected clock.

	it('5xx is never retried: the item says the call may or may not have been placed and how to check', async () => {
		sim.update({ faults: { serverErrorRate: 1 } });
		const res = await run({
			parameters: { flow: '234567' },
			items: contacts(2),
			continueOnFail: true,
		});
		expect(sim.ledger.connectRequests).toHaveLength(2); // one request per item, no retry
		for (const j of res.json) {
			expect(String(j.error)).toMatch(
				/^Exotel did not confirm the call to \+9198100000\d\d \(.*HTTP 50\d.*\): the call may or may not have been placed$/,
			);
			expect(j.callMayHaveBeenPlaced).toBe(true);
			expect(String(j.errorDescription)).toMatch(/^It was not retried automatically/);
			expect(j.customField).toEqual(expect.stringMatching(/^x1\|/));
		}
		await expect(run({ parameters: { flow: '234567' }, items: contacts(1) })).rejects.toMatchObject(
			{
				name: 'NodeApiError',
				description: expect.stringMatching(
					/not retried automatically.*Call Logs.*with From \+919810000010 and ExoPhone 02040000001 created at or after .*\+05:30.*do not dial again/,
				),
				context: expect.objectContaining({ itemIndex: 0 }),
			},
		);
	});

	it('number to number: a failure names the customer (To) and the first leg (From)', async () => {
		sim.update({ faults: { serverErrorRate: 1 } });
		const res = await run({
			parameters: { variant: 'number', to: '={{ $json.customer }}' },
			items: [{ ...contacts(1)[0], phoneNumber: '+919810000077', customer: '+919810000088' }],
			continueOnFail: true,
		});
		expect(String(res.json[0].error)).toMatch(
			/^Exotel did not confirm the call to \S*9810000088 \(first leg \S*9810000077\)/,
		);
		expect(String(res.json[0].errorDescription)).toMatch(
			/Before dialling \S*9810000088 \(first leg/,
		);
	});

	it('a timeout is never retried — the call was in fact placed, so a retry would have called twice', async () => {
		sim.update({ faults: { latencyMs: { min: 1200, max: 1200 } } });
		const res = await run({
			parameters: { flow: '234567', options: { timeout: 300 } },
			items: contacts(1),
			continueOnFail: true,
		});
		expect(String(res.json[0].error)).toMatch(/may or may not have been placed/);
		expect(res.json[0].callMayHaveBeenPlaced).toBe(true);
		expect(connectRequests(res.requests)).toHaveLength(1);
		await new Promise((r) => setTimeout(r, 1500));
		expect(sim.ledger.calls).toHaveLength(1); // Exotel did place it
		expect(sim.ledger.calls[0].customField).toBe(res.json[0].customField);
	});

	it('wrong credentials: a clear message naming the API key and token; nothing placed', async () => {
		await expect(
			executeNode(node, {
				credentials: { exotelApi: simCredentials(sim.url, { apiToken: 'nope-nope' }) },
				parameters: { flow: '234567' },
				items: contacts(1),
			}),
		).rejects.toMatchObject({
			message: expect.stringMatching(/^Exotel did not place the call to \+919810000010: .*401/),
			description: expect.stringMatching(/no call was made.*API key and API token/),
		});
		expect(sim.ledger.calls).toHaveLength(0);
	});
});

describe('Exotel Connect Call — spacing', () => {
	it('Spread Over Seconds spaces a batch evenly instead of bursting', async () => {
		const res = await run({
			parameters: { flow: '234567', options: { spreadOverSeconds: 1.2 } },
			items: contacts(3),
		});
		const times = connectRequests(res.requests).map((r) => r.at);
		expect(times).toHaveLength(3);
		expect(times[1] - times[0]).toBeGreaterThanOrEqual(380);
		expect(times[2] - times[0]).toBeGreaterThanOrEqual(780);
		expect(sim.ledger.calls).toHaveLength(3);
	});

	it('rejects a Max Requests Per Minute below 1', async () => {
		await expect(
			run({
				parameters: { flow: '234567', options: { maxRequestsPerMinute: 0 } },
				items: contacts(1),
			}),
		).rejects.toMatchObject({ message: expect.stringMatching(/1 or more/) });
	});
});

describe('Exotel Connect Call — as an AI agent tool (n8n 2.x derives exotelConnectCallTool)', () => {
	// What n8n does to a usableAsTool node: same class, description name + "Tool", usableAsTool.replacements applied.
	const replacements =
		(node.description.usableAsTool as { replacements?: IDataObject } | undefined)?.replacements ??
		{};
	const tool = {
		description: { ...node.description, ...replacements, name: `${node.description.name}Tool` },
		execute: node.execute,
	} as unknown as ExotelConnectCall;

	const runTool = async (
		parameters: IDataObject,
		items: IDataObject[] = [{ chatInput: 'call my colleague' }],
	) => {
		const sent: RecordedRequest[] = [];
		const attempt = executeNode(tool, {
			credentials: { exotelApi: simCredentials(sim.url) },
			parameters: { flow: '234567', ...parameters },
			items,
			beforeRequest: (r) => {
				if (r.url.includes('/Calls/connect')) sent.push(r);
			},
		});
		return { attempt, sent };
	};

	it('tells the agent that each use places a real, billed call', () => {
		expect(replacements.description).toMatch(/real phone call/);
		expect(replacements.description).toMatch(/billed/);
		const toolOnly = node.description.properties.filter((p) => p.displayOptions?.show?.['@tool']);
		// Our own Tool Description field: n8n builds the running tool without usableAsTool.replacements.
		expect(toolOnly.map((p) => [p.name, p.default])).toEqual([
			['toolNotice', ''],
			['allowAgentCalls', false],
			['toolDescription', replacements.description],
		]);
	});

	it('places no call until "Allow the AI Agent to Place Calls" is on', async () => {
		const { attempt, sent } = await runTool({ from: '+919810000010', callerId: '02040000001' });
		await expect(attempt).rejects.toThrow(/Allow the AI Agent to Place Calls/);
		expect(sent).toHaveLength(0);
	});

	it('places no call with the row defaults for From and Caller ID: the numbers must be set in the tool', async () => {
		const { attempt, sent } = await runTool({ allowAgentCalls: true }, [
			{ phoneNumber: '+919810000010', callerId: '02040000001' },
		]);
		await expect(attempt).rejects.toThrow('Set from, callerId explicitly in the tool node');
		expect(sent).toHaveLength(0);
	});

	it('places exactly one call with explicit numbers, and refuses a batch', async () => {
		const explicit = { allowAgentCalls: true, from: '+919810000010', callerId: '02040000001' };
		const one = await runTool(explicit);
		const res = await one.attempt;
		expect(one.sent).toHaveLength(1);
		expect(form(one.sent[0].body)).toMatchObject({
			From: '+919810000010',
			CallerId: '02040000001',
		});
		expect(res.json[0].callSid).toMatch(/^[0-9a-f]{32}$/);

		const batch = await runTool(explicit, [{}, {}]);
		await expect(batch.attempt).rejects.toThrow(
			'A tool call places one call; it got 2 items and placed none',
		);
		expect(batch.sent).toHaveLength(0);
	});

	it('Number to Number also needs To set in the tool', async () => {
		const { attempt, sent } = await runTool({
			allowAgentCalls: true,
			variant: 'number',
			from: '+919810000010',
			callerId: '02040000001',
		});
		await expect(attempt).rejects.toThrow('Set to explicitly in the tool node');
		expect(sent).toHaveLength(0);
	});
});

describe('Exotel Connect Call — overlapping executions share the account limit', () => {
	it('a second execution waits for the window the first one used, and places nothing more once cancelled', async () => {
		// Another host name for the same simulator: a send log of its own, untouched by the other tests' calls.
		const baseUrl = sim.url.replace('127.0.0.1', 'localhost');
		expect(baseUrl).not.toBe(sim.url);
		const opts = {
			credentials: { exotelApi: simCredentials(baseUrl) },
			parameters: { flow: '234567', options: { maxRequestsPerMinute: 3 } },
		};
		const first = await executeNode(node, { ...opts, items: contacts(2) });
		expect(first.json.map((j) => j.callStatus)).toEqual(['in-progress', 'in-progress']);

		// The account's third place in the minute goes to the second execution; its next call waits ~60 s.
		const items = contacts(2).map((c, k) => ({ ...c, phoneNumber: `+9198200000${10 + k}` }));
		await expectCallsThenCancel({ ...opts, items }, 3);
	});
});

describe('Exotel Connect Call — the campaign’s per-minute cap from Release', () => {
	it('with {{ $json.pacing.maxCallsPerMinute }} as its limit, places no more calls in a minute than Release allows', async () => {
		// Another spelling of the host: a send log of its own (the log is per API host and account).
		const baseUrl = sim.url.replace('127.0.0.1', 'LOCALHOST');
		const items = contacts(3).map((c, k) => ({
			...c,
			phoneNumber: `+9198300000${10 + k}`,
			pacing: { maxCallsPerMinute: 2 },
		}));
		await expectCallsThenCancel(
			{
				credentials: { exotelApi: simCredentials(baseUrl) },
				parameters: {
					flow: '234567',
					options: { maxRequestsPerMinute: '={{ $json.pacing.maxCallsPerMinute }}' },
				},
				items,
			},
			2,
		);
	});

	it('left at its own default (200/min), still keeps the cap Release put on the items', async () => {
		const baseUrl = sim.url.replace('127.0.0.1', 'LocalHost');
		const items = contacts(3).map((c, k) => ({
			...c,
			phoneNumber: `+9198300000${20 + k}`,
			pacing: { maxCallsPerMinute: 2 },
		}));
		await expectCallsThenCancel(
			{
				credentials: { exotelApi: simCredentials(baseUrl) },
				parameters: { flow: '234567' },
				items,
			},
			2,
		);
	});
});

describe('Exotel Connect Call — never the same call twice (Retry On Fail)', () => {
	it('a re-run of the same items in one execution sends only what was never sent; the ledger has each call once', async () => {
		const items = contacts(3).map((c, k) => ({ ...c, phoneNumber: `+9198400000${10 + k}` }));
		let connects = 0;
		const first = run({
			parameters: { flow: '234567' },
			items,
			executionId: 'exec-retry-1',
			beforeRequest: (req) => {
				if (req.url.includes('/Calls/connect') && ++connects === 2)
					throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
			},
		});
		await expect(first).rejects.toMatchObject({ name: 'NodeApiError' });
		expect(sim.ledger.calls).toHaveLength(1);
		const placedSid = sim.ledger.calls[0].sid;

		// n8n's Retry On Fail: the same node, the same items, the same execution. The dropped connection left the
		// second call unclear (it may have been placed), so it is not sent again: the run fails the same way.
		const second = run({ parameters: { flow: '234567' }, items, executionId: 'exec-retry-1' });
		await expect(second).rejects.toMatchObject({
			name: 'NodeApiError',
			message: expect.stringMatching(/may or may not have been placed/),
			description: expect.stringMatching(/Not sent again when n8n ran this node again/),
		});
		expect(sim.ledger.connectRequests).toHaveLength(1);

		// with On Error = continue: the placed call and the unclear one come back without a request; the third is sent
		const third = await run({
			parameters: { flow: '234567' },
			items,
			executionId: 'exec-retry-1',
			continueOnFail: true,
		});
		expect(connectRequests(third.requests)).toHaveLength(1);
		expect(third.json.map((j) => j.notSentAgain)).toEqual([true, true, undefined]);
		expect(third.json[0].callSid).toBe(placedSid);
		expect(third.json[1]).toMatchObject({ callMayHaveBeenPlaced: true });
		expect(third.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);

		const dialled = sim.ledger.calls.map((c) => c.customField);
		expect(dialled).toHaveLength(2);
		expect(new Set(dialled).size).toBe(2);
	});

	it("the Pacing Controller's Custom Field is never sent twice, even from another execution", async () => {
		const item = {
			...contacts(1)[0],
			phoneNumber: '+919850000010',
			pacing: { customField: 'x1|retry|row-9|1|MH|1715665960000' },
		};
		const a = await run({ parameters: { flow: '234567' }, items: [item] });
		const b = await run({ parameters: { flow: '234567' }, items: [item] });
		expect(connectRequests(b.requests)).toHaveLength(0);
		expect(b.json[0]).toMatchObject({ callSid: a.json[0].callSid, notSentAgain: true });
		expect(sim.ledger.calls).toHaveLength(1);
	});

	it('other Custom Fields count per execution: a new execution may call the same row again', async () => {
		const item = { ...contacts(1)[0], phoneNumber: '+919860000010' };
		await run({ parameters: { flow: '234567' }, items: [item] });
		await run({ parameters: { flow: '234567' }, items: [item] });
		expect(sim.ledger.calls).toHaveLength(2);
	});
});

/** Runs the node, checks the ledger holds `calls` after 1.5 s (the rest wait for the window), then cancels it. */
async function expectCallsThenCancel(opts: ExecuteNodeOptions, calls: number): Promise<void> {
	const cancel = new AbortController();
	const running = executeNode(node, { ...opts, cancelSignal: cancel.signal });
	await new Promise((r) => setTimeout(r, 1500));
	expect(sim.ledger.calls).toHaveLength(calls);
	cancel.abort();
	await expect(running).rejects.toThrow(/cancelled before every call was placed/);
	expect(sim.ledger.calls).toHaveLength(calls);
}
