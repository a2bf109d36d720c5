import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { parseStatusCallback, type StatusEvent } from '../core/exotel/mapping';
import {
	EDITOR_PLACEHOLDER_VALUE,
	MIN_SECRET_LENGTH,
	secretProblem,
	secretsMatch,
} from '../core/secret';
import { isTerminalStatus, normaliseStatus } from '../core/pacing/statuses';
import { checkOption } from '../shared/options';
import { optionsCollection } from '../shared/properties';
import { readRequestCallback } from './callbackBody';

/** Query parameter (and, alternatively, header) that must carry the secret. */
export const SECRET_QUERY_PARAMETER = 'secret';
export const SECRET_HEADER = 'x-exotel-secret';
export const WEBHOOK_PATH = 'exotel-status';
export { EDITOR_PLACEHOLDER_VALUE, MIN_SECRET_LENGTH, secretProblem, secretsMatch };
const HOW_TO_MAKE_A_SECRET =
	"Make one with `openssl rand -hex 24` and put the same value into Connect Call's Status Callback URL (?secret=…).";

const EVENTS = ['terminal', 'answeredToo'] as const;
type Events = (typeof EVENTS)[number];

function firstString(value: unknown): string | undefined {
	if (Array.isArray(value)) return firstString(value[0]);
	return typeof value === 'string' ? value : undefined;
}

function reject(context: IWebhookFunctions, code: number, message: string): IWebhookResponseData {
	const res = context.getResponseObject();
	res.status(code).send(message).end();
	// No workflowData: no execution starts.
	return { noWebhookResponse: true };
}

/** The secrets the request offers: the `secret` query parameter and the `X-Exotel-Secret` header. */
function offeredSecrets(context: IWebhookFunctions): string[] {
	const query = (context.getQueryData() ?? {}) as IDataObject;
	const headers = context.getHeaderData() ?? {};
	return [firstString(query[SECRET_QUERY_PARAMETER]), firstString(headers[SECRET_HEADER])].filter(
		(value): value is string => value !== undefined && value !== '',
	);
}

function configuredSecret(context: IWebhookFunctions | IHookFunctions): string {
	const value = context.getNodeParameter('secret', '') as unknown;
	return typeof value === 'string' ? value.trim() : '';
}

/**
 * Whether an event starts the workflow: a terminal status (core/pacing/statuses.ts), or an "answered" event when
 * asked for. Anything else (e.g. Status=ringing without EventType) is neither and starts nothing.
 */
function wanted(event: StatusEvent, events: Events): boolean {
	if (event.eventType === 'answered') return events === 'answeredToo';
	return isTerminalStatus(normaliseStatus(event.status));
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
				checkOption(this.getNode(), 'Events', this.getNodeParameter('events', 'terminal'), EVENTS);
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
		const offered = offeredSecrets(this);
		// Every candidate is compared (no early exit), each in constant time.
		const matches = offered.map((given) => secretsMatch(given, expected));
		if (!matches.includes(true)) {
			return reject(this, 401, 'Unauthorized: missing or wrong secret');
		}

		// 2. Read the body in whichever shape n8n delivered it, and normalise it.
		const { fields, tooLarge } = await readRequestCallback(this);
		if (tooLarge) {
			const message = `Payload too large: an Exotel status callback has about 20 fields, this body has ${tooLarge}. Nothing was started.`;
			return reject(this, 413, message);
		}
		let event: StatusEvent | undefined;
		try {
			if (fields) event = parseStatusCallback(fields, receivedAt);
		} catch {
			event = undefined; // no usable CallSid
		}
		if (!fields || !event) {
			return reject(
				this,
				400,
				'Bad request: no CallSid in the body. Expected an Exotel status callback (multipart/form-data, urlencoded or JSON).',
			);
		}

		// 3. Filter and emit.
		const events = this.getNodeParameter('events', 'terminal');
		if (!(EVENTS as readonly unknown[]).includes(events)) {
			return reject(
				this,
				500,
				`Exotel Status Trigger is misconfigured: unknown Events "${String(events)}"`,
			);
		}
		if (!wanted(event, events as Events)) {
			// 200 (so Exotel does not retry) but no execution.
			return { webhookResponse: '' };
		}
		const json = event as unknown as IDataObject;
		const options = this.getNodeParameter('options', {}) as { includeRawBody?: boolean };
		if (options.includeRawBody) json.rawBody = fields;

		return { workflowData: [[{ json }]] };
	}
}
