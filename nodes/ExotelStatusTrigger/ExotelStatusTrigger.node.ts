import { createHash, timingSafeEqual } from 'node:crypto';
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

/** Minimum length of the shared secret; shorter ones are guessable. */
export const MIN_SECRET_LENGTH = 16;
/** Query parameter (and, alternatively, header) that must carry the secret. */
export const SECRET_QUERY_PARAMETER = 'secret';
export const SECRET_HEADER = 'x-exotel-secret';
export const WEBHOOK_PATH = 'exotel-status';

type Events = 'terminal' | 'answeredToo';

/** Constant-time string equality: both sides are hashed first, so neither the content nor the length leaks. */
export function secretsMatch(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given, 'utf8').digest();
	const b = createHash('sha256').update(expected, 'utf8').digest();
	return timingSafeEqual(a, b) && given.length === expected.length;
}

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

function isRecord(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The raw bytes n8n kept for JSON / urlencoded / unknown content types (not for multipart). */
function rawBodyOf(context: IWebhookFunctions): string | undefined {
	try {
		const raw = (context.getRequestObject() as { rawBody?: unknown } | undefined)?.rawBody;
		if (Buffer.isBuffer(raw)) return raw.toString('utf8');
		if (typeof raw === 'string') return raw;
	} catch {
		// no request object (should not happen in a webhook call)
	}
	return undefined;
}

/**
 * The callback's fields as a flat-ish object, from whatever n8n 1.123 put in the body:
 * - multipart/form-data (Exotel's default): `{ data: { CallSid, 'Legs[0][Status]', … }, files }` (formidable);
 * - application/x-www-form-urlencoded: `{ CallSid, 'Legs[0][Status]', … }` (querystring, flat keys);
 * - application/json: `{ CallSid, Legs: [{ Status, OnCallDuration }] }`;
 * - any other content type: n8n leaves the body unparsed, so the raw bytes are read as JSON or urlencoded.
 */
export function callbackFields(body: unknown, rawBody?: string): IDataObject | undefined {
	if (isRecord(body)) {
		if (body.CallSid !== undefined) return body;
		if (isRecord(body.data) && body.data.CallSid !== undefined) return body.data;
	}
	const text = typeof body === 'string' ? body : rawBody;
	if (text === undefined || text.trim() === '') return undefined;
	const trimmed = text.trim();
	if (trimmed.startsWith('{')) {
		try {
			const parsed: unknown = JSON.parse(trimmed);
			return isRecord(parsed) && parsed.CallSid !== undefined ? parsed : undefined;
		} catch {
			return undefined;
		}
	}
	const form: IDataObject = {};
	for (const [key, value] of new URLSearchParams(trimmed)) {
		const previous = form[key];
		if (previous === undefined) form[key] = value;
		else form[key] = Array.isArray(previous) ? [...(previous as string[]), value] : [previous as string, value];
	}
	return form.CallSid !== undefined ? form : undefined;
}

export class ExotelStatusTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Exotel Status Trigger',
		name: 'exotelStatusTrigger',
		icon: { light: 'file:exotel.svg', dark: 'file:exotel.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"] === "answeredToo" ? "Answered and terminal events" : "Terminal events"}}',
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
					'A random string of at least 16 characters (letters and digits). Callbacks must send it as the query parameter "secret" (or the header "X-Exotel-Secret"); others get 401 and start nothing.',
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
						description: 'Run once per call, when it ends (completed, busy, no-answer, failed, canceled)',
					},
				],
				default: 'terminal',
				description:
					'Which callbacks start the workflow. Ignored callbacks still get 200 so Exotel does not retry.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Include Raw Body',
						name: 'includeRawBody',
						type: 'boolean',
						default: false,
						description: 'Whether to add the callback fields exactly as Exotel sent them, under "rawBody"',
					},
				],
			},
		],
	};

	// Exotel takes the StatusCallback URL with every Connect request; there is no webhook to register, look up or
	// remove on Exotel's side. The methods exist because n8n's lint requires the full lifecycle for webhook nodes.
	// checkExists also refuses activation with a clear message when the Secret is missing or too short.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const secret = configuredSecret(this);
				if (secret.length < MIN_SECRET_LENGTH) {
					throw new NodeOperationError(
						this.getNode(),
						`The Secret must be at least ${MIN_SECRET_LENGTH} characters (it has ${secret.length})`,
						{ description: 'Use a random string of letters and digits; it goes into the Status Callback URL as ?secret=…' },
					);
				}
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
		if (expected.length < MIN_SECRET_LENGTH) {
			return reject(
				this,
				500,
				`Exotel Status Trigger is misconfigured: its Secret must be at least ${MIN_SECRET_LENGTH} characters`,
			);
		}
		const offered = offeredSecrets(this);
		// Every candidate is compared (no early exit), each in constant time.
		const matches = offered.map((given) => secretsMatch(given, expected));
		if (!matches.includes(true)) {
			return reject(this, 401, 'Unauthorized: missing or wrong secret');
		}

		// 2. Read the body in whichever shape n8n delivered it, and normalise it.
		const fields = callbackFields(this.getBodyData(), rawBodyOf(this));
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
		const events = this.getNodeParameter('events', 'terminal') as Events;
		if (event.eventType === 'answered' && events !== 'answeredToo') {
			// 200 (so Exotel does not retry) but no execution.
			return { webhookResponse: '' };
		}
		const json = event as unknown as IDataObject;
		const options = this.getNodeParameter('options', {}) as { includeRawBody?: boolean };
		if (options.includeRawBody) json.rawBody = fields;

		return { workflowData: [[{ json }]] };
	}
}
