/**
 * Record Outcome's input "Exotel Callback From a Webhook Node": each item is what n8n's Webhook node hands on
 * (`{ headers, params, query, body }`). n8n 2.x spares only its own Webhook node an expression isolate per request,
 * so this lets that node stand in front of Record Outcome. Each item is checked and read exactly as the Exotel
 * Status Trigger checks and reads a request (core/exotel/callback.ts).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	acceptCallback,
	CALLBACK_EVENTS,
	HOW_TO_MAKE_A_SECRET,
	isRecord,
	type CallbackEvents,
	type CallbackRefusal,
} from '../../core/exotel/callback';
import { secretProblem } from '../../core/secret';
import { checkOption } from '../../shared/options';
import type { LoopTurns } from '../../transport/wait';

export const RECORD_INPUTS = ['statusEvents', 'webhookCallback'] as const;

const REFUSALS: Record<CallbackRefusal, string> = {
	'wrong secret': 'Missing or wrong secret: nothing was counted.',
	'too large': 'The body is far too large for an Exotel status callback: nothing was counted.',
	'not a callback': 'No CallSid in the body: not an Exotel status callback, nothing was counted.',
	'not wanted':
		'Not a terminal event (nor, with Events "Answered Too", an answered one): nothing was counted.',
};

/** What the webhook items hold: the events (by item index) of the callbacks to count, and the items left out. */
export interface WebhookCallbacks {
	events: Array<IDataObject | undefined>;
	accepted: number[];
	ignored: INodeExecutionData[];
}

/** The Callback Secret and Events for an item; a NodeOperationError when the node's settings are unusable. */
function callbackSettings(
	ctx: IExecuteFunctions,
	itemIndex: number,
): { secret: string; events: CallbackEvents } {
	const raw = ctx.getNodeParameter('callbackSecret', itemIndex, '') as unknown;
	const secret = typeof raw === 'string' ? raw.trim() : '';
	const problem = secretProblem(secret);
	if (problem) {
		throw new NodeOperationError(ctx.getNode(), problem, {
			itemIndex,
			description: HOW_TO_MAKE_A_SECRET,
		});
	}
	const events = ctx.getNodeParameter('events', itemIndex, 'terminal');
	return {
		secret,
		events: checkOption(ctx.getNode(), 'Events', events, CALLBACK_EVENTS, itemIndex),
	};
}

function ignoredItem(reason: CallbackRefusal, itemIndex: number): INodeExecutionData {
	// Nothing of the request is echoed: its query and headers carry the secret.
	return {
		json: { ignored: true, reason, pacingAction: 'ignored', pacingMessage: REFUSALS[reason] },
		pairedItem: { item: itemIndex },
	};
}

/** Reads Webhook node items as the Status Trigger reads requests, with the event loop's turns in between. */
export async function readWebhookCallbacks(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	turns: LoopTurns,
): Promise<WebhookCallbacks> {
	const receivedAt = Date.now();
	const read: WebhookCallbacks = { events: [], accepted: [], ignored: [] };
	// Small slices: a hostile body (up to 64 KB of text, or an object n8n parsed) may cost a millisecond to read.
	const slice = 10;
	await turns.each(
		items.length,
		(i) => {
			const { secret, events } = callbackSettings(ctx, i);
			const request = isRecord(items[i].json) ? items[i].json : {};
			const verdict = acceptCallback(request, secret, events, receivedAt);
			if ('refused' in verdict) {
				read.ignored.push(ignoredItem(verdict.refused, i));
				return;
			}
			read.events[i] = verdict.event as unknown as IDataObject;
			read.accepted.push(i);
		},
		slice,
	);
	return read;
}
