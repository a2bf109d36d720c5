import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import {
	CALLBACK_EVENTS,
	callbackEvent,
	carriesSecret,
	HOW_TO_MAKE_A_SECRET,
	SECRET_HEADER,
	SECRET_QUERY_PARAMETER,
	wantedEvent,
	type CallbackEvents,
} from '../core/exotel/callback';
import {
	EDITOR_PLACEHOLDER_VALUE,
	MIN_SECRET_LENGTH,
	secretProblem,
	secretsMatch,
} from '../core/secret';
import { checkOption } from '../shared/options';
import { optionsCollection } from '../shared/properties';
import { readRequestCallback } from './callbackBody';

export const WEBHOOK_PATH = 'exotel-status';
export {
	EDITOR_PLACEHOLDER_VALUE,
	MIN_SECRET_LENGTH,
	SECRET_HEADER,
	SECRET_QUERY_PARAMETER,
	secretProblem,
	secretsMatch,
};

function reject(context: IWebhookFunctions, code: number, message: string): IWebhookResponseData {
	const res = context.getResponseObject();
	res.status(code).send(message).end();
	// No workflowData: no execution starts.
	return { noWebhookResponse: true };
}

function configuredSecret(context: IWebhookFunctions | IHookFunctions): string {
	const value = context.getNodeParameter('secret', '') as unknown;
	return typeof value === 'string' ? value.trim() : '';
}

export class ExotelStatusTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Exotel Status Trigger',
		name: 'exotelStatusTrigger',
		icon: { light: 'file:../../icons/exotel.svg', dark: 'file:../../icons/exotel.dark.svg' },
		group: ['trigger'],
		// Version 2 behaves as version 1. It exists because n8n evaluates a legacy Webhook v1 option as an expression
		// for every request to a version-1 trigger (webhook-helpers parseRequestBody), which on n8n 2.x runs in an
		// isolate and halved the callbacks/s (test/e2e/README.md). New nodes get 2; saved version-1 nodes keep working.
		version: [1, 2],
		defaultVersion: 2,
		subtitle:
			'={{$parameter["events"] === "answeredToo" ? "Answered and terminal events" : "Terminal events"}}',
		description:
			'Starts the workflow when Exotel posts a call status callback. Status Callback URL: the Production URL + ?secret=YOUR_SECRET, e.g. https://n8n.example.com/webhook/WEBHOOK_ID/exotel-status?secret=YOUR_SECRET',
		defaults: {
			name: 'Exotel Status Trigger',
		},
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// Answer 200 (n8n's default code) at once so Exotel never waits: it gives up after 15 s and retries.
				responseMode: 'onReceived',
				// An empty body. Without this, n8n 1.123 falls back to responseData "firstEntryJson" and sends that text.
				responseData: 'noData',
				path: WEBHOOK_PATH,
			},
		],
		properties: [
			{
				displayName:
					"Exotel sends no signature, so this node only accepts callbacks that carry your Secret. In Exotel Connect Call, set Status Callback to this node's Production URL (see Webhook URLs above) followed by ?secret= and the Secret, e.g. https://n8n.example.com/webhook/…/exotel-status?secret=YOUR_SECRET. Activate the workflow and use the Production URL: test runs stop after one request and do not keep pacing state.",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Secret',
				name: 'secret',
				type: 'string',
				// Masked like every secret in n8n (and required so by n8n's verification scan). You choose it, so you
				// already have it for the Status Callback URL.
				typeOptions: { password: true },
				required: true,
				default: '',
				placeholder: 'e.g. 7f3a9c2e5b8d41f6a0c4e9b2',
				description:
					'A random string of at least 16 characters, e.g. from openssl rand -hex 24 (example values are refused). Callbacks must send it as the query parameter "secret" (or the header "X-Exotel-Secret"); others get 401 and start nothing.',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'options',
				options: [
					{
						name: 'Answered Too',
						value: 'answeredToo',
						description:
							'Also run on "answered" callbacks (one per leg that picks up), if Connect Call subscribed to them',
					},
					{
						name: 'Terminal Only',
						value: 'terminal',
						description:
							'Run once per call, when it ends (completed, busy, no-answer, failed, canceled)',
					},
				],
				default: 'terminal',
				description:
					'Which callbacks start the workflow. Ignored callbacks still get 200 so Exotel does not retry.',
			},
			optionsCollection([
				{
					displayName: 'Include Raw Body',
					name: 'includeRawBody',
					type: 'boolean',
					default: false,
					description:
						'Whether to add the callback fields exactly as Exotel sent them, under "rawBody"',
				},
			]),
		],
	};

	// Exotel takes the StatusCallback URL with every Connect request; there is no webhook to register, look up or
	// remove on Exotel's side. The methods exist because n8n's lint requires the full lifecycle for webhook nodes.
	// checkExists also refuses activation with a clear message when the Secret is missing or too short.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const problem = secretProblem(configuredSecret(this));
				if (problem) {
					throw new NodeOperationError(this.getNode(), problem, {
						description: HOW_TO_MAKE_A_SECRET,
					});
				}
				checkOption(
					this.getNode(),
					'Events',
					this.getNodeParameter('events', 'terminal'),
					CALLBACK_EVENTS,
				);
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const receivedAt = Date.now();

		// 1. Authenticate. Nothing here writes static data: the trigger stays stateless (see docs/contracts.md).
		const expected = configuredSecret(this);
		const problem = secretProblem(expected);
		if (problem) {
			return reject(
				this,
				500,
				`Exotel Status Trigger is misconfigured. ${problem}. ${HOW_TO_MAKE_A_SECRET}`,
			);
		}
		if (!carriesSecret(expected, this.getQueryData(), this.getHeaderData())) {
			return reject(this, 401, 'Unauthorized: missing or wrong secret');
		}

		// 2. Read the body in whichever shape n8n delivered it, and normalise it (core/exotel/callback.ts).
		const parsed = callbackEvent(await readRequestCallback(this), receivedAt);
		if ('refused' in parsed && parsed.refused === 'too large') {
			const message = `Payload too large: an Exotel status callback has about 20 fields, this body has ${parsed.detail}. Nothing was started.`;
			return reject(this, 413, message);
		}
		if ('refused' in parsed) {
			return reject(
				this,
				400,
				'Bad request: no CallSid in the body. Expected an Exotel status callback (multipart/form-data, urlencoded or JSON).',
			);
		}
		const { event, fields } = parsed;

		// 3. Filter and emit.
		const events = this.getNodeParameter('events', 'terminal');
		if (!(CALLBACK_EVENTS as readonly unknown[]).includes(events)) {
			return reject(
				this,
				500,
				`Exotel Status Trigger is misconfigured: unknown Events "${String(events)}"`,
			);
		}
		if (!wantedEvent(event, events as CallbackEvents)) {
			// 200 (so Exotel does not retry) but no execution.
			return { webhookResponse: '' };
		}
		const json = event as unknown as IDataObject;
		const options = this.getNodeParameter('options', {}) as { includeRawBody?: boolean };
		if (options.includeRawBody) json.rawBody = fields as IDataObject;

		return { workflowData: [[{ json }]] };
	}
}
