/**
 * Record Outcome behind n8n's own Webhook node (Input "Exotel Callback From a Webhook Node"). The same raw Exotel
 * callbacks go once through the Exotel Status Trigger's webhook() into Record Outcome and once, as the Webhook node
 * hands them on ({ headers, params, query, body }), straight into Record Outcome: both count the same and leave the
 * same campaign state. Also: wrong or missing secrets count nothing, weak secrets are refused as by the trigger,
 * Terminal Only leaves live events out, duplicates count once, hostile bodies do not block the event loop.
 */
import type { IDataObject, IHookFunctions, INodeExecutionData } from 'n8n-workflow';

import { EDITOR_PLACEHOLDER_VALUE } from '../../nodes/core/secret';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { ExotelStatusTrigger } from '../../nodes/ExotelStatusTrigger/ExotelStatusTrigger.node';
import { createExecuteContext, executeNode, type ExecuteNodeResult } from '../helpers';
import { bestOf, loopFigure, watchLoop } from '../helpers/eventLoop';
import { callWebhook } from '../helpers/triggerRequest';

jest.setTimeout(120_000);

const SECRET = 'Hk4v9QzR2mW7pL3xTb8N';
const CAMPAIGN = 'hooks';
const NOW = '2025-03-03T10:00:00+05:30'; // a Monday, inside the calling window
const LIMIT_MS = 100;
const pacing = new ExotelPacingController();
const trigger = new ExotelStatusTrigger();

type Static = Record<string, unknown>;
type Events = 'terminal' | 'answeredToo';

// ---------------------------------------------------------------- the campaign

const contacts = Array.from({ length: 6 }, (_, i) => ({
	row_number: i + 2,
	phoneNumber: `+9198200000${String(i).padStart(2, '0')}`,
	circle: 'MH',
}));

async function release(staticData: Static): Promise<ExecuteNodeResult> {
	return await executeNode(pacing, {
		mode: 'trigger',
		staticData,
		items: contacts,
		parameters: {
			operation: 'release',
			campaign: CAMPAIGN,
			reconcile: false,
			options: { currentTime: NOW },
		},
	});
}

/** A campaign that has released every contact: the first Release saves the settings, the second dials. */
async function releasedCampaign(): Promise<{ staticData: Static; customFields: string[] }> {
	const staticData: Static = {};
	await release(staticData);
	const dial = (await release(staticData)).output[0];
	expect(dial).toHaveLength(contacts.length);
	return {
		staticData,
		customFields: dial.map((i) => String((i.json.pacing as IDataObject).customField)),
	};
}

function campaignState(staticData: Static): IDataObject {
	const blob = staticData.exotelPacing as { campaigns: Record<string, { state: IDataObject }> };
	return blob.campaigns[CAMPAIGN].state;
}

async function recordOutcome(
	staticData: Static,
	items: Array<IDataObject | INodeExecutionData>,
	parameters: IDataObject = {},
	extra: { continueOnFail?: boolean } = {},
): Promise<ExecuteNodeResult> {
	return await executeNode(pacing, {
		mode: 'trigger', // saves static data at once (mode webhook throttles the save: store.ts)
		staticData,
		items,
		...extra,
		parameters: {
			operation: 'recordOutcome',
			campaign: CAMPAIGN,
			options: { currentTime: NOW },
			...parameters,
		},
	});
}

const fromWebhook = (events: Events = 'terminal'): IDataObject => ({
	input: 'webhookCallback',
	callbackSecret: SECRET,
	events,
});

// ---------------------------------------------------------------- raw callbacks and the two paths

/** Exotel's callback fields (form encoding: flat bracket keys, string values). */
function exotelFields(
	k: number,
	status: string,
	customField: string,
	eventType = 'terminal',
): Record<string, string> {
	const answered = status === 'completed';
	return {
		CallSid: `hook${String(k).padStart(28, '0')}`,
		Status: status,
		EventType: eventType,
		DateCreated: '2025-03-03 09:59:00',
		DateUpdated: '2025-03-03 09:59:50',
		StartTime: '2025-03-03 09:59:00',
		EndTime: eventType === 'terminal' ? '2025-03-03 09:59:50' : '',
		From: '09123456780',
		To: contacts[k].phoneNumber.slice(3),
		PhoneNumberSid: '02248900000',
		Direction: 'outbound-api',
		ConversationDuration: answered ? '21' : '0',
		CustomField: customField,
		'Legs[0][Status]': status,
		'Legs[0][OnCallDuration]': answered ? '38' : '0',
	};
}

/** One HTTP request as it reaches n8n, in a body shape n8n hands on for one content type. */
interface RawRequest {
	body: unknown;
	query: IDataObject;
	headers: IDataObject;
}

const withSecret = { query: { secret: SECRET }, headers: { 'content-type': 'application/json' } };

/** The same fields in each shape n8n delivers: urlencoded (object), multipart ({ data, files }), JSON, raw text. */
const shapes: Array<(fields: Record<string, string>) => unknown> = [
	(f) => f,
	(f) => ({ data: f, files: {} }),
	(f) => JSON.stringify(f),
	(f) => new URLSearchParams(f).toString(),
];

/** The Status Trigger's webhook() for one request: its item when it starts an execution, else its HTTP status. */
async function throughTrigger(
	req: RawRequest,
	events: Events,
): Promise<INodeExecutionData | number | 'filtered'> {
	const params: IDataObject = { secret: SECRET, events, options: {} };
	const { out, code } = await callWebhook(trigger, req, params);
	if (out.workflowData) return (out.workflowData as INodeExecutionData[][])[0][0];
	return code ?? 'filtered';
}

/** What n8n's Webhook node (v2) emits for the request. */
function webhookItem(req: RawRequest): IDataObject {
	return {
		headers: req.headers,
		params: {},
		query: req.query,
		body: req.body as IDataObject,
		webhookUrl: 'https://n8n.example.com/webhook/exotel-status',
		executionMode: 'production',
	};
}

/** Output json without the receipt time (each path stamps its own). */
function comparable(items: INodeExecutionData[]): IDataObject[] {
	return items.map(({ json }) => {
		const { receivedAt, ...rest } = json;
		expect(typeof receivedAt).toBe('string');
		return rest;
	});
}

// ---------------------------------------------------------------- tests

describe('description', () => {
	const props = pacing.description.properties;
	const prop = (name: string) => props.find((p) => p.name === name)!;
	it('Input: Status Trigger Events (default) or Exotel Callback From a Webhook Node', () => {
		expect(prop('input')).toMatchObject({
			displayName: 'Input',
			type: 'options',
			default: 'statusEvents',
			displayOptions: { show: { operation: ['recordOutcome'] } },
		});
		expect(prop('input').options).toEqual([
			expect.objectContaining({
				name: 'Exotel Callback From a Webhook Node',
				value: 'webhookCallback',
			}),
			expect.objectContaining({ name: 'Status Trigger Events', value: 'statusEvents' }),
		]);
	});
	it('Callback Secret (required, masked) and Events, shown for the Webhook input only', () => {
		const onWebhook = { show: { operation: ['recordOutcome'], input: ['webhookCallback'] } };
		expect(prop('callbackSecret')).toMatchObject({
			displayName: 'Callback Secret',
			type: 'string',
			required: true,
			typeOptions: { password: true },
			displayOptions: onWebhook,
		});
		expect(prop('events')).toMatchObject({
			displayName: 'Events',
			default: 'terminal',
			displayOptions: onWebhook,
		});
		// the same choice as the Status Trigger's
		const triggerEvents = trigger.description.properties.find((p) => p.name === 'events')!;
		expect(prop('events').options?.map((o) => 'value' in o && o.value)).toEqual(
			triggerEvents.options?.map((o) => 'value' in o && o.value),
		);
	});
});

describe('the same callbacks through the Status Trigger and through a Webhook node', () => {
	it.each<[Events]>([['terminal'], ['answeredToo']])(
		'Events %s: identical counted outcomes, No Change items and campaign state',
		async (events) => {
			const { staticData, customFields } = await releasedCampaign();
			const plan: Array<[number, string, string]> = [
				[0, 'in-progress', 'answered'],
				[0, 'completed', 'terminal'],
				[1, 'busy', 'terminal'],
				[2, 'no-answer', 'terminal'],
				[3, 'failed', 'terminal'],
				[4, 'ringing', ''], // neither terminal nor answered: left out either way
				[0, 'completed', 'terminal'], // Exotel's retry: a duplicate
				[5, 'canceled', 'terminal'],
			];
			const requests: RawRequest[] = plan.map(([k, status, eventType], n) => {
				const fields = exotelFields(k, status, customFields[k], eventType);
				if (!eventType) delete fields.EventType;
				return { ...withSecret, body: shapes[n % shapes.length](fields) };
			});

			const viaTrigger: Static = structuredClone(staticData);
			const viaWebhook: Static = structuredClone(staticData);
			for (const req of requests) {
				const started = await throughTrigger(req, events);
				const direct = await recordOutcome(viaWebhook, [webhookItem(req)], fromWebhook(events));
				if (typeof started !== 'object') {
					// the trigger started nothing: the Webhook path counts nothing either
					expect(started).toBe('filtered');
					expect(direct.output[0]).toEqual([]);
					expect(direct.output[1]).toEqual([
						{
							json: expect.objectContaining({ ignored: true, reason: 'not wanted' }),
							pairedItem: { item: 0 },
						},
					]);
					continue;
				}
				const counted = await recordOutcome(viaTrigger, [started]);
				expect(comparable(direct.output[0])).toEqual(comparable(counted.output[0]));
				expect(comparable(direct.output[1])).toEqual(comparable(counted.output[1]));
				expect(direct.output.flat().map((i) => i.pairedItem)).toEqual([{ item: 0 }]);
			}
			expect(campaignState(viaWebhook)).toEqual(campaignState(viaTrigger));
			const totals = campaignState(viaWebhook).totals as IDataObject;
			expect(totals).toMatchObject({ completed: 1, busy: 1, noAnswer: 1, failed: 1 });
			expect(totals.duplicatesIgnored).toBe(1);
		},
	);

	it('several callbacks in one execution: duplicates count once, pairedItem points at each request', async () => {
		const { staticData, customFields } = await releasedCampaign();
		const done = { ...withSecret, body: exotelFields(0, 'completed', customFields[0]) };
		const busy = { ...withSecret, body: exotelFields(1, 'busy', customFields[1]) };
		const wrong = { ...done, query: { secret: 'not-the-secret-at-all-42' } };
		const run = await recordOutcome(
			staticData,
			[done, wrong, busy, done].map(webhookItem),
			fromWebhook(),
		);
		const [counted, noChange] = run.output;
		expect(counted.map((i) => [i.json.callSid, i.json.pacingAction, i.pairedItem])).toEqual([
			[exotelFields(0, 'x', '').CallSid, 'counted', { item: 0 }],
			[exotelFields(1, 'x', '').CallSid, 'counted', { item: 2 }],
		]);
		expect(noChange.map((i) => [i.json.pacingAction, i.json.reason, i.pairedItem])).toEqual([
			['ignored', 'wrong secret', { item: 1 }],
			['duplicate', undefined, { item: 3 }],
		]);
		expect(run.inputMutated).toBe(false);
		// and again in a later execution
		const again = await recordOutcome(staticData, [webhookItem(done)], fromWebhook());
		expect(again.output[0]).toEqual([]);
		expect(again.output[1][0].json.pacingAction).toBe('duplicate');
		expect((campaignState(staticData).totals as IDataObject).completed).toBe(1);
	});
});

describe('the secret', () => {
	it('missing or wrong: nothing counted, nothing saved, a clear item that echoes nothing of the request', async () => {
		const { staticData, customFields } = await releasedCampaign();
		const body = exotelFields(0, 'completed', customFields[0]);
		const before = structuredClone(staticData);
		const requests: RawRequest[] = [
			{ body, query: {}, headers: {} },
			{ body, query: { secret: 'Hk4v9QzR2mW7pL3xTb8M' }, headers: {} },
			{ body, query: {}, headers: { 'x-exotel-secret': 'nope' } },
			{ body: { ...body, secret: SECRET }, query: {}, headers: {} }, // in the body does not count
			{ body, query: { secret: '' }, headers: {} },
		];
		const run = await recordOutcome(staticData, requests.map(webhookItem), fromWebhook());
		expect(run.output[0]).toEqual([]);
		expect(run.output[1]).toEqual(
			requests.map((_, item) => ({
				json: {
					ignored: true,
					reason: 'wrong secret',
					pacingAction: 'ignored',
					pacingMessage: 'Missing or wrong secret: nothing was counted.',
				},
				pairedItem: { item },
			})),
		);
		expect(staticData).toEqual(before);
	});

	it('accepted from the X-Exotel-Secret header and from a repeated query parameter, as by the trigger', async () => {
		const { staticData, customFields } = await releasedCampaign();
		const body = exotelFields(0, 'completed', customFields[0]);
		const header = { body, query: {}, headers: { 'x-exotel-secret': SECRET } };
		const repeated = {
			body: exotelFields(1, 'busy', customFields[1]),
			query: { secret: [SECRET, 'other'] },
			headers: {},
		};
		for (const req of [header, repeated])
			expect(typeof (await throughTrigger(req, 'terminal'))).toBe('object');
		const run = await recordOutcome(staticData, [header, repeated].map(webhookItem), fromWebhook());
		expect(run.output[0].map((i) => i.json.pacingAction)).toEqual(['counted', 'counted']);
	});

	const hook = (secret: string) =>
		({
			getNodeParameter: (name: string, fallback?: unknown) =>
				name === 'secret' ? secret : fallback,
			getNode: () => ({ name: 'Exotel Status Trigger' }),
		}) as unknown as IHookFunctions;

	it.each([
		["the Secret field's placeholder", EDITOR_PLACEHOLDER_VALUE],
		['an example value', 'change-me-to-a-long-random-secret'],
		['one repeated pattern', 'abcdefghabcdefghabcdefgh'],
		['too short', 'x7Kq2'],
		['empty', ''],
	])('%s is refused with the trigger’s message, before anything is read', async (_name, weak) => {
		const { staticData, customFields } = await releasedCampaign();
		const before = structuredClone(staticData);
		const item = webhookItem({
			body: exotelFields(0, 'completed', customFields[0]),
			query: { secret: weak },
			headers: {},
		});
		const triggerError = (await trigger.webhookMethods.default.checkExists
			.call(hook(weak))
			.catch((e: unknown) => e)) as Error & { description: string };
		const run = recordOutcome(staticData, [item], { ...fromWebhook(), callbackSecret: weak });
		await expect(run).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: triggerError.message,
			description: triggerError.description,
		});
		expect(staticData).toEqual(before);
		// with continue-on-fail the items carry the error; nothing is counted
		const tolerant = await recordOutcome(
			staticData,
			[item],
			{ ...fromWebhook(), callbackSecret: weak },
			{ continueOnFail: true },
		);
		expect(tolerant.output[0]).toEqual([]);
		expect(tolerant.output[1][0].json.error).toBe(triggerError.message);
		expect(staticData).toEqual(before);
	});

	it('an unknown Input or Events value is refused', async () => {
		const staticData: Static = {};
		await expect(recordOutcome(staticData, [{}], { input: 'webhook' })).rejects.toMatchObject({
			message: 'Unknown Input "webhook"',
		});
		await expect(
			recordOutcome(staticData, [webhookItem({ ...withSecret, body: {} })], {
				...fromWebhook(),
				events: 'all',
			}),
		).rejects.toMatchObject({ message: 'Unknown Events "all"' });
	});
});

describe('what is not a callback to count', () => {
	it('Terminal Only leaves ringing and answered events out; Answered Too takes answered ones', async () => {
		const { staticData, customFields } = await releasedCampaign();
		const ringing = exotelFields(0, 'ringing', customFields[0]);
		delete ringing.EventType;
		const answered = exotelFields(1, 'in-progress', customFields[1], 'answered');
		const items = [ringing, answered].map((body) => webhookItem({ ...withSecret, body }));
		const terminalOnly = await recordOutcome(staticData, items, fromWebhook('terminal'));
		expect(terminalOnly.output[0]).toEqual([]);
		expect(terminalOnly.output[1].map((i) => [i.json.reason, i.pairedItem])).toEqual([
			['not wanted', { item: 0 }],
			['not wanted', { item: 1 }],
		]);
		const answeredToo = await recordOutcome(staticData, items, fromWebhook('answeredToo'));
		// the answered call was released but not registered yet: the event registers it (no outcome)
		expect(answeredToo.output[0].map((i) => [i.json.pacingAction, i.pairedItem])).toEqual([
			['registered', { item: 1 }],
		]);
		expect(answeredToo.output[1].map((i) => [i.json.reason, i.pairedItem])).toEqual([
			['not wanted', { item: 0 }],
		]);
	});

	it('bodies without a CallSid, empty bodies and other shapes are ignored as "not a callback"', async () => {
		const bodies: unknown[] = [
			{},
			'',
			'{not json',
			{ Status: 'completed' },
			{ data: { Other: 1 }, files: {} },
			['CallSid'],
			null,
		];
		const items = bodies.map((body) => webhookItem({ ...withSecret, body }));
		const run = await recordOutcome({}, [...items, { nothing: true }], fromWebhook());
		expect(run.output[0]).toEqual([]);
		expect(run.output[1].map((i) => i.json.reason)).toEqual([
			...bodies.map(() => 'not a callback'),
			'wrong secret', // an item that is no request at all
		]);
	});

	it('hostile bodies (20,000 repeated keys, 80 KB, 300 fields) are refused without blocking the event loop', async () => {
		const repeated = (n: number, pair: string) =>
			'CallSid=c1&Status=completed&' + Array(n).fill(pair).join('&');
		const manyFields: IDataObject = { CallSid: 'c2', Status: 'completed' };
		for (let i = 0; i < 300; i++) manyFields[`junk${i}`] = '1';
		const tooLarge: unknown[] = [
			repeated(20_000, 'Legs=1'), // 80 KB of text
			repeated(20_000, 'a'), // 40 KB, 20,000 fields
			JSON.stringify({ CallSid: 'c3', Status: 'completed', Legs: 'x'.repeat(80 * 1024) }),
			manyFields,
			{ data: manyFields, files: {} },
		];
		// repeated keys n8n already parsed: one field holding 20,000 values, read in linear time
		const parsedRepeats = { CallSid: 'c4', Status: 'completed', Legs: Array(20_000).fill('1') };
		const items = [...tooLarge, parsedRepeats].map((body) => webhookItem({ ...withSecret, body }));
		let reasons: unknown[] = [];
		const best = await bestOf(3, LIMIT_MS, async () =>
			watchLoop(async () => {
				const { context } = createExecuteContext(pacing, {
					mode: 'webhook',
					staticData: {},
					items,
					parameters: {
						operation: 'recordOutcome',
						campaign: CAMPAIGN,
						options: { currentTime: NOW },
						...fromWebhook(),
					},
				});
				const out = (await pacing.execute.call(context)) as INodeExecutionData[][];
				reasons = out[1].map((i) => i.json.reason ?? i.json.pacingAction);
			}),
		);
		console.log(loopFigure(`Record Outcome, ${items.length} hostile Webhook bodies`, best));
		expect(reasons.slice(0, tooLarge.length)).toEqual(tooLarge.map(() => 'too large'));
		// the last one is read as a callback; its unsigned CustomField-less report names no call of the campaign
		expect(reasons).toHaveLength(items.length);
		expect(best.maxBlockMs).toBeLessThan(LIMIT_MS);
	});
});
