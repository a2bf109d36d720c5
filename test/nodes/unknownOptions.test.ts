/**
 * Option values n8n does not check (set by an expression or an imported workflow) are refused with a clear
 * NodeOperationError before anything is sent; they never fall back to another operation.
 */
import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';

import { ExotelCallDetails } from '../../nodes/ExotelCallDetails/ExotelCallDetails.node';
import { ExotelCallerIdSelector } from '../../nodes/ExotelCallerIdSelector/ExotelCallerIdSelector.node';
import { ExotelConnectCall } from '../../nodes/ExotelConnectCall/ExotelConnectCall.node';
import { ExotelNumberLookup } from '../../nodes/ExotelNumberLookup/ExotelNumberLookup.node';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { ExotelStatusTrigger } from '../../nodes/ExotelStatusTrigger/ExotelStatusTrigger.node';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { executeNode, simCredentials } from '../helpers';

let sim: RunningSimulator;
beforeAll(async () => {
	sim = await startSimulator();
});
afterAll(async () => {
	await sim.stop();
});

const contact = { phoneNumber: '+919810000010', callerId: '02040000001', circle: 'MH' };

async function refused(
	node: Parameters<typeof executeNode>[0],
	parameters: Record<string, unknown>,
	items: object[],
	pattern: RegExp,
) {
	const res = executeNode(node, {
		credentials: { exotelApi: simCredentials(sim.url) },
		parameters,
		items: items as Array<Record<string, unknown>>,
	});
	await expect(res).rejects.toMatchObject({
		name: 'NodeOperationError',
		message: expect.stringMatching(pattern),
	});
	await expect(res).rejects.toMatchObject({ description: expect.stringMatching(/must be one of/) });
}

describe('unknown option values are refused', () => {
	it('Call Details: operation "getMany" (the value is getAll) does not run an unfiltered Get Many', async () => {
		await refused(
			new ExotelCallDetails(),
			{ operation: 'getMany' },
			[{}],
			/Unknown Operation "getMany"/,
		);
		expect(sim.ledger.calls).toHaveLength(0);
	});

	it('Call Details: with continueOnFail the item carries the error and nothing is listed', async () => {
		const res = await executeNode(new ExotelCallDetails(), {
			credentials: { exotelApi: simCredentials(sim.url) },
			parameters: { operation: 'getMany' },
			items: [{ callSid: 'abc' }],
			continueOnFail: true,
		});
		expect(res.json).toEqual([{ callSid: 'abc', error: 'Unknown Operation "getMany"' }]);
		expect(res.requests).toHaveLength(0);
	});

	it('Connect Call: variant, status callback events and content type', async () => {
		const node = new ExotelConnectCall();
		await refused(
			node,
			{ variant: 'numbers', flow: '234567' },
			[contact],
			/Unknown Connect To "numbers"/,
		);
		const callback = {
			flow: '234567',
			statusCallback: 'https://n8n.example.com/webhook/x/exotel-status?secret=s',
		};
		await refused(
			node,
			{ ...callback, statusCallbackEvents: ['ended'] },
			[contact],
			/Unknown Status Callback Events "ended"/,
		);
		await refused(
			node,
			{ ...callback, statusCallbackContentType: 'text/xml' },
			[contact],
			/Unknown Status Callback Content Type/,
		);
		expect(sim.ledger.calls).toHaveLength(0);
	});

	it('Caller ID Selector: source, when no match and strategy', async () => {
		const node = new ExotelCallerIdSelector();
		await refused(node, { source: 'sheet' }, [contact], /Unknown ExoPhones From "sheet"/);
		await refused(
			node,
			{ whenNoMatch: 'drop' },
			[contact],
			/Unknown When No ExoPhone Matches "drop"/,
		);
		await refused(
			node,
			{ strategy: 'roundrobin' },
			[contact],
			/Unknown Pick Strategy "roundrobin"/,
		);
	});

	it('Pacing Controller: operation', async () => {
		await refused(
			new ExotelPacingController(),
			{ operation: 'releaseAll', campaign: 'c1' },
			[contact],
			/Unknown Operation "releaseAll"/,
		);
	});

	it("Pacing Controller: Release's Not Now Output does not fall back to every contact", async () => {
		await refused(
			new ExotelPacingController(),
			{ operation: 'release', campaign: 'c1', notNowOutput: 'onlyFinal' },
			[contact],
			/Unknown Not Now Output "onlyFinal"/,
		);
	});

	it('Call Details: a Status filter value Exotel does not have is refused, not ignored', async () => {
		await refused(
			new ExotelCallDetails(),
			{
				operation: 'getAll',
				returnAll: false,
				limit: 5,
				filters: { status: ['completed', 'answered'] },
			},
			[{}],
			/Unknown Status "answered"/,
		);
		// one status set by an expression (a string, not a list) is checked the same way
		await refused(
			new ExotelCallDetails(),
			{ operation: 'getAll', returnAll: false, limit: 5, filters: { status: 'noanswer' } },
			[{}],
			/Unknown Status "noanswer"/,
		);
	});

	it('Status Trigger: events, at activation and on a callback', async () => {
		const trigger = new ExotelStatusTrigger();
		const params: Record<string, unknown> = { secret: 'Xq7p2L9vR4mT8wKc3Fz6', events: 'all' };
		const getNodeParameter = (name: string, fallback?: unknown) =>
			name in params ? params[name] : fallback;
		const getNode = () => ({ name: 'Exotel Status Trigger' });
		const hook = { getNodeParameter, getNode } as unknown as IHookFunctions;
		await expect(trigger.webhookMethods.default.checkExists.call(hook)).rejects.toThrow(
			/Unknown Events "all"/,
		);
		const res = {
			statusCode: 0,
			sent: '',
			status: (c: number) => ((res.statusCode = c), res),
			send: (b: string) => ((res.sent = b), res),
			end: () => res,
		};
		const webhook = {
			getNodeParameter,
			getNode,
			getBodyData: () => ({ CallSid: 'c1', Status: 'completed' }),
			getQueryData: () => ({ secret: params.secret }),
			getHeaderData: () => ({}),
			getRequestObject: () => ({}),
			getResponseObject: () => res,
		} as unknown as IWebhookFunctions;
		expect(await trigger.webhook.call(webhook)).toEqual({ noWebhookResponse: true });
		expect(res.statusCode).toBe(500);
		expect(res.sent).toMatch(/unknown Events "all"/);
	});

	it('Number Lookup has no option parameters', () => {
		expect(
			new ExotelNumberLookup().description.properties.filter(
				(p) => p.type === 'options' || p.type === 'multiOptions',
			),
		).toEqual([]);
	});
});
