import {
	NodeConnectionTypes,
	NodeApiError,
	NodeOperationError,
	deepCopy,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { CUSTOM_FIELD_MAX_LENGTH } from '../core/correlation';
import { automaticCustomField, pacingCustomField } from '../core/customField';
import { mayHaveBeenPlaced } from '../core/exotel/errors';
import { normalizeCall } from '../core/exotel/mapping';
import {
	MAX_TIME_LIMIT_SECONDS,
	buildFlowUrl,
	connectCallRequest,
	type ConnectCallParams,
	type ExotelRequest,
	type StatusCallbackEvent,
} from '../core/exotel/requests';
import { RequestSpacer, SEND_WINDOW_MS } from '../core/requestSpacing';
import { placedCallKey, placedCalls } from './placedCalls';
import { sendLogFor } from './sendLogs';
import { istIso } from '../core/time';
import { exotelApiRequest, getExotelAccount, type ExotelAccount } from '../transport/exotelApi';
import { asNodeError, itemFailed } from '../shared/errors';
import { checkOption, checkOptions } from '../shared/options';
import { DEFAULT_TIMEOUT_MS, optionsCollection, timeoutOption } from '../shared/properties';
import { waitUnlessCancelled } from '../transport/wait';
import { isRateLimited, limitAdvice, RATE_LIMIT_GRACE_MS } from './rateLimit';

/** Exotel's default account limit for voice calls (docs/exotel-api.md §7). */
const DEFAULT_MAX_PER_MINUTE = 200;

const VARIANTS = ['flow', 'number'] as const;
type Variant = (typeof VARIANTS)[number];
const CALLBACK_EVENTS = ['terminal', 'answered'] as const;
const CALLBACK_CONTENT_TYPES = ['application/json', 'multipart/form-data'] as const;

/** The defaults of From and Caller ID (they read the incoming row); an agent's tool call has no row, so a tool must set them. */
const ROW_DEFAULTS = {
	from: '={{ $json.phoneNumber }}',
	callerId: '={{ $json.callerId }}',
} as const;

/**
 * Description of the AI-agent tool variant n8n derives from this node (n8n 2.x makes every `usableAsTool` node a
 * tool). The agent reads it to decide when to use the tool. It is the default of our own Tool Description field:
 * n8n 2.41 builds the tool that runs without `usableAsTool.replacements` (its node-types.js), so a replaced
 * description reached the editor but not the model (test/e2e/scenarios/agentTool.ts).
 */
const TOOL_DESCRIPTION =
	'Places ONE real phone call through Exotel, billed to the Exotel account. Use it only when the user explicitly asks to call, never to test, retry or look something up. Each use is a new call.';

/**
 * An AI agent may only place calls through this node when the user has switched it on in the tool node and set the
 * numbers explicitly; then one call per tool call. Throws (before any request) otherwise. Outside an agent, no-op.
 */
export function assertToolMayCall(
	ctx: IExecuteFunctions,
	itemCount: number,
	variant: Variant,
): void {
	const node = ctx.getNode();
	if (!node.type.endsWith('Tool')) return;
	const allowed = ctx.getNodeParameter('allowAgentCalls', 0, false) as boolean;
	if (!allowed) {
		throw new NodeOperationError(
			node,
			'This tool may not place calls: "Allow the AI Agent to Place Calls" is off',
			{
				description:
					'Every use of this tool places a real, billed call. Turn on "Allow the AI Agent to Place Calls" in the tool node only if the agent should be able to do that.',
			},
		);
	}
	const unset: string[] = (['from', 'callerId'] as const).filter((name) => {
		const raw = node.parameters[name];
		return raw === undefined || raw === '' || raw === ROW_DEFAULTS[name];
	});
	if (variant === 'number' && (node.parameters.to === undefined || node.parameters.to === ''))
		unset.push('to');
	if (unset.length > 0) {
		throw new NodeOperationError(node, `Set ${unset.join(', ')} explicitly in the tool node`, {
			description:
				'As an agent tool there is no incoming row to take the numbers from. Enter fixed numbers, or let the model fill a field with {{ $fromAI(...) }} if it should choose it.',
		});
	}
	if (itemCount > 1) {
		throw new NodeOperationError(
			node,
			`A tool call places one call; it got ${itemCount} items and placed none`,
		);
	}
}

interface PreparedCall {
	itemIndex: number;
	request: ExotelRequest;
	from: string;
	/** The number the call is for, as messages name it: From, or for number-to-number "To (first leg From)". */
	callee: string;
	callerId: string;
	customField: string;
	/** The Custom Field is the Pacing Controller's correlation id (unique per release). */
	fromPacing: boolean;
}

function isBlank(value: unknown): boolean {
	return value === undefined || value === null || String(value).trim() === '';
}

/**
 * The lowest Max Calls per Minute that Exotel Pacing: Release put on these items (`pacing.maxCallsPerMinute`):
 * without a limit of its own, Connect Call keeps the campaign's cap (issue 11, row 14). A limit set in the node wins:
 * the e2e suite and the demo lift it on purpose, their clock running faster than Connect Call's real minutes.
 */
function releaseCap(items: INodeExecutionData[]): number {
	let cap = Infinity;
	for (const item of items) {
		const pacing = item.json.pacing as IDataObject | undefined;
		const v =
			typeof pacing === 'object' && pacing !== null ? Number(pacing.maxCallsPerMinute) : NaN;
		if (Number.isFinite(v) && v >= 1) cap = Math.min(cap, Math.floor(v));
	}
	return cap;
}

export class ExotelConnectCall implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Exotel Connect Call',
		name: 'exotelConnectCall',
		icon: { light: 'file:../../icons/exotel.svg', dark: 'file:../../icons/exotel.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{ $parameter["variant"] === "number" ? "Connect two numbers" : "Connect to call flow" }}',
		description:
			'Place outbound calls through Exotel: connect each number to a call flow (IVR) or to a second number',
		defaults: { name: 'Exotel Connect Call' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// A tool only with explicit consent and numbers: see assertToolMayCall and README ("AI agents").
		usableAsTool: { replacements: { description: TOOL_DESCRIPTION } },
		credentials: [{ name: 'exotelApi', required: true }],
		properties: [
			{
				displayName:
					'Used by an AI agent, every use of this tool places a real, billed phone call. It places none unless you turn on "Allow the AI Agent to Place Calls" below and set From and Caller ID (and To) yourself: fixed numbers, or {{ $fromAI(...) }} where the model may choose. One call per tool use.',
				name: 'toolNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { '@tool': [true] } },
			},
			{
				displayName: 'Allow the AI Agent to Place Calls',
				name: 'allowAgentCalls',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '@tool': [true] } },
				description:
					'Whether the agent may place real, billed calls with this tool. Off: the tool refuses and calls nobody.',
			},
			{
				displayName: 'Tool Description',
				name: 'toolDescription',
				type: 'string',
				default: TOOL_DESCRIPTION,
				required: true,
				typeOptions: { rows: 3 },
				displayOptions: { show: { '@tool': [true] } },
				description: 'What the AI agent reads about this tool to decide when to use it',
			},
			{
				displayName: 'Connect To',
				name: 'variant',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Call Flow',
						value: 'flow',
						description:
							'Call the number and, once answered, run an Exotel call flow (IVR, greeting, passthru)',
					},
					{
						name: 'Another Number',
						value: 'number',
						description:
							'Call the From number first and, once answered, connect it to the To number',
					},
				],
				default: 'flow',
			},
			{
				displayName: 'Call Flow',
				name: 'flow',
				type: 'string',
				default: '',
				required: true,
				placeholder: '234567',
				displayOptions: { show: { variant: ['flow'] } },
				description:
					"The App ID of the call flow (the number in the flow's address in Exotel App Bazaar), or the full flow URL such as http://my.exotel.com/youraccount/exoml/start_voice/234567",
			},
			{
				displayName: 'From (Called First)',
				name: 'from',
				type: 'string',
				default: '={{ $json.phoneNumber }}',
				required: true,
				placeholder: '+919876543210',
				description:
					'The number Exotel calls first. For a call flow this is the customer; for number to number, usually the agent. Any usual Indian format works (+91 98765 43210, 09876543210).',
			},
			{
				displayName: 'To (Called Second)',
				name: 'to',
				type: 'string',
				default: '',
				required: true,
				placeholder: '+919812345678',
				displayOptions: { show: { variant: ['number'] } },
				description:
					'The number Exotel connects to once the From number answers: the customer. The automatic Custom Field names this number as the contact.',
			},
			{
				displayName: 'Caller ID (ExoPhone)',
				name: 'callerId',
				type: 'string',
				default: '={{ $json.callerId }}',
				required: true,
				placeholder: '02071171234',
				description:
					'The ExoPhone of your account that the called person sees. The Exotel Caller ID Selector node puts a circle-matched one in the callerId field.',
			},
			{
				displayName: 'Status Callback URL',
				name: 'statusCallback',
				type: 'string',
				default: '',
				placeholder: 'https://n8n.example.com/webhook/exotel-status',
				description:
					'Where Exotel reports how each call ended. Use the Production URL of the Exotel Status Trigger node. Leave empty for no callback.',
			},
			{
				displayName: 'Status Callback Events',
				name: 'statusCallbackEvents',
				type: 'multiOptions',
				options: [
					{
						name: 'Answered',
						value: 'answered',
						description: 'When the call is answered',
					},
					{
						name: 'Terminal',
						value: 'terminal',
						description:
							'When the call ends (completed, busy, no answer, failed); carries the Custom Field',
					},
				],
				default: ['terminal'],
				description: 'Which moments of the call Exotel reports to the Status Callback URL',
			},
			{
				displayName: 'Status Callback Content Type',
				name: 'statusCallbackContentType',
				type: 'options',
				options: [
					{
						name: 'JSON',
						value: 'application/json',
					},
					{
						name: 'Multipart Form',
						value: 'multipart/form-data',
						description: "Exotel's own default",
					},
				],
				default: 'application/json',
				description:
					'How Exotel encodes the status callback. The Exotel Status Trigger node reads both.',
			},
			{
				displayName: 'Custom Field',
				name: 'customField',
				type: 'string',
				default: '',
				placeholder: 'Leave empty for automatic',
				description:
					'Up to 128 characters that Exotel passes to the call flow and returns in the final status callback. Leave empty to use the Pacing Controller’s correlation ID (pacing.customField), or one made from the customer’s number (From for a call flow, To for number to number) and attempt.',
			},
			{
				displayName: 'Call Settings',
				name: 'callSettings',
				type: 'collection',
				placeholder: 'Add Setting',
				default: {},
				options: [
					{
						displayName: 'Record',
						name: 'record',
						type: 'boolean',
						default: false,
						description:
							'Whether to record the call. The recording link arrives in the status callback and in Call Details.',
					},
					{
						displayName: 'Ring Timeout (Seconds)',
						name: 'timeOut',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 30,
						description: 'How long each number may ring before Exotel gives up',
					},
					{
						displayName: 'Time Limit (Seconds)',
						name: 'timeLimit',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 3600,
						description: `Longest the call may last; Exotel allows at most ${MAX_TIME_LIMIT_SECONDS} seconds (4 hours)`,
					},
				],
			},
			optionsCollection([
				{
					displayName: 'Max Requests Per Minute',
					name: 'maxRequestsPerMinute',
					type: 'number',
					typeOptions: { minValue: 1 },
					default: DEFAULT_MAX_PER_MINUTE,
					description:
						'The most calls placed on this Exotel account in any 60 seconds, counted across every run of this node in this n8n process (runs that overlap share it); it waits when needed, timing 61 seconds so that calls arriving at Exotel a little late still fit its 60. Without this option, items from Exotel Pacing: Release keep their campaign’s Max Calls per Minute (pacing.maxCallsPerMinute), else 200; set here, this limit applies as set. Exotel’s account limit is 200 per minute unless Exotel raised it.',
				},
				{
					displayName: 'Max Retries When Rate-Limited',
					name: 'maxRetries',
					type: 'number',
					typeOptions: { minValue: 0, maxValue: 10 },
					default: 3,
					description:
						'How often to try again, with growing pauses, when Exotel answers "too many requests" (the call was refused, so retrying is safe). A call whose result is unclear is never retried.',
				},
				{
					...timeoutOption(),
					displayName: 'Request Timeout (Ms)',
					description:
						'How long to wait for Exotel to accept each call. If it does not answer in time the call may still have been placed and the item reports that.',
				},
				{
					displayName: 'Spread Over Seconds',
					name: 'spreadOverSeconds',
					type: 'number',
					typeOptions: { minValue: 0 },
					default: 0,
					description:
						'Spread the calls of one run evenly over this many seconds instead of placing them as fast as the limit allows (0). E.g. 60 places 100 items about 0.6 s apart.',
				},
			]),
			{
				displayName:
					'Calls are never placed twice: when Exotel does not clearly confirm or refuse a call, the item reports that the call may have been placed. Set Settings → On Error to "Continue" so one failed item does not hide the calls already placed.',
				name: 'safetyNotice',
				type: 'notice',
				default: '',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const results: Array<INodeExecutionData | undefined> = new Array(items.length);
		const account: ExotelAccount = await getExotelAccount.call(this);
		const variant = checkOption(
			this.getNode(),
			'Connect To',
			this.getNodeParameter('variant', 0, 'flow'),
			VARIANTS,
			0,
		);
		assertToolMayCall(this, items.length, variant);

		// A tool answers the model with the call only: its input item is the agent's own (e.g. a webhook's headers).
		const isTool = this.getNode().type.endsWith('Tool');
		const inputOf = (itemIndex: number): IDataObject => (isTool ? {} : items[itemIndex].json);

		// Pass 1: check every item before placing any call, so a bad row does not stop a half-sent batch.
		const prepared: PreparedCall[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				prepared.push(prepareCall(this, i, variant, account));
			} catch (error) {
				// reported as the n8n error it is thrown as, so the message is the same either way
				const err = asNodeError(this.getNode(), error, i);
				results[i] = itemFailed(this, inputOf(i), i, err, { callMayHaveBeenPlaced: false });
			}
		}

		// Pass 2: place the calls in order, spaced to stay within the per-minute limit.
		const ownLimit = this.getNodeParameter('options.maxRequestsPerMinute', 0, '') as unknown;
		const maxPerWindow =
			ownLimit === '' || ownLimit === null || ownLimit === undefined
				? Math.min(DEFAULT_MAX_PER_MINUTE, releaseCap(isTool ? [] : items))
				: Number(ownLimit);
		const spreadSeconds = Number(this.getNodeParameter('options.spreadOverSeconds', 0, 0));
		const maxRetries = Number(this.getNodeParameter('options.maxRetries', 0, 3));
		const timeout = Number(this.getNodeParameter('options.timeout', 0, DEFAULT_TIMEOUT_MS));
		let spacer: RequestSpacer;
		try {
			spacer = new RequestSpacer(
				prepared.length,
				{ maxPerWindow, spreadSeconds, windowMs: SEND_WINDOW_MS },
				() => Date.now(),
				sendLogFor(account),
			);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, {
				description: 'Check Max Requests Per Minute and Spread Over Seconds under Options.',
			});
		}

		// Waiting for Exotel's window after a 429 may add at most one window to the execution (rateLimit.ts).
		const rateLimitDeadline = Date.now() + spreadSeconds * 1000 + RATE_LIMIT_GRACE_MS;
		for (const call of prepared) {
			const i = call.itemIndex;
			const key = placedCallKey(account, call, this.getExecutionId());
			const earlier = placedCalls.get(key, Date.now());
			if (earlier?.unclear) {
				// Sent before and Exotel did not say whether it placed the call (timeout, 5xx, dropped connection):
				// n8n's Retry On Fail re-runs the node, and sending it again could call the number twice.
				const unclear = earlier.unclear as IDataObject;
				const error = notSentAgain(this, unclear, i);
				results[i] = itemFailed(this, inputOf(i), i, error, {
					customField: call.customField,
					callMayHaveBeenPlaced: true,
					requestedAt: String(unclear.requestedAt ?? ''),
					errorDescription: String(error.description ?? ''),
					notSentAgain: true,
				});
				continue;
			}
			if (earlier) {
				// Placed already (e.g. n8n's Retry On Fail re-ran this node): the same result, nothing sent.
				const json = { ...deepCopy(inputOf(i)), ...deepCopy(earlier), notSentAgain: true };
				results[i] = { json, pairedItem: { item: i } };
				continue;
			}
			let requestedAt = istIso();
			try {
				let body: IDataObject | undefined;
				for (let refusals = 0; body === undefined; ) {
					const wait = spacer.nextWait();
					if (refusals > 0 || spacer.learntLimit() !== undefined) {
						if (wait > Math.max(0, rateLimitDeadline - Date.now()))
							throw handBack(this, call, spacer, maxPerWindow);
					}
					await waitForPlace(this, spacer, wait);
					spacer.markSent();
					requestedAt = istIso();
					try {
						body = await exotelApiRequest.call(this, call.request, {
							account,
							itemIndex: i,
							maxRetries,
							timeout,
							retryUnsafe: false,
							retryRateLimited: false,
						});
					} catch (error) {
						if (!isRateLimited(error))
							throw explainFailure(this, error as Error, call, requestedAt, account.baseUrl);
						// Exotel counted nothing: wait for a place in its window (nextWait knows the limit it showed).
						spacer.markRefused();
						if (++refusals > maxRetries) {
							throw explainFailure(
								this,
								withAdvice(error as Error, spacer, maxPerWindow),
								call,
								requestedAt,
								account.baseUrl,
							);
						}
					}
				}
				let normalized;
				try {
					normalized = normalizeCall(body);
				} catch {
					throw explainFailure(
						this,
						Object.assign(new Error('Exotel answered without a Call SID'), { httpCode: '200' }),
						call,
						requestedAt,
						account.baseUrl,
					);
				}
				const placed: IDataObject = {
					callSid: normalized.callSid,
					callStatus: normalized.status,
					customField: call.customField,
					call: normalized as unknown as IDataObject,
					exotelResponse: body,
				};
				placedCalls.remember(key, deepCopy(placed), Date.now());
				results[i] = { json: { ...deepCopy(inputOf(i)), ...placed }, pairedItem: { item: i } };
			} catch (error) {
				if (mayHaveBeenPlaced(error)) {
					const e = error as Error & { description?: unknown; httpCode?: unknown };
					placedCalls.remember(
						key,
						{
							unclear: {
								message: e.message,
								description: String(e.description ?? ''),
								httpCode: e.httpCode ? String(e.httpCode) : '',
								requestedAt,
							},
						},
						Date.now(),
					);
				}
				results[i] = itemFailed(this, inputOf(i), i, error, {
					customField: call.customField,
					callMayHaveBeenPlaced: mayHaveBeenPlaced(error),
					requestedAt,
					errorDescription: String((error as { description?: unknown }).description ?? ''),
				});
			}
		}

		return [results.filter((r): r is INodeExecutionData => r !== undefined)];
	}
}

function prepareCall(
	ctx: IExecuteFunctions,
	i: number,
	variant: Variant,
	account: ExotelAccount,
): PreparedCall {
	const node = ctx.getNode();
	const json = ctx.getInputData()[i].json;
	const from = ctx.getNodeParameter('from', i, '') as unknown;
	const callerId = ctx.getNodeParameter('callerId', i, '') as unknown;
	if (isBlank(from)) {
		throw new NodeOperationError(node, 'From is empty: there is no number to call', {
			itemIndex: i,
			description:
				'Map the customer’s number into "From". By default it is the phoneNumber field that Exotel Number Lookup adds.',
		});
	}
	if (isBlank(callerId)) {
		throw new NodeOperationError(node, 'Caller ID is empty: no ExoPhone to call from', {
			itemIndex: i,
			description:
				'Map an ExoPhone into "Caller ID". By default it is the callerId field from Exotel Caller ID Selector; items on its "No Caller ID" output have none.',
		});
	}
	const fromText = String(from).trim();

	const settings = ctx.getNodeParameter('callSettings', i, {}) as IDataObject;
	const params: ConnectCallParams = { from: fromText, callerId: String(callerId).trim() };
	if (variant === 'number') {
		const to = ctx.getNodeParameter('to', i, '') as unknown;
		if (isBlank(to)) {
			throw new NodeOperationError(node, 'To is empty: there is no second number to connect', {
				itemIndex: i,
				description:
					'Enter the number Exotel should connect once From answers, or choose "Connect To: Call Flow".',
			});
		}
		params.to = String(to).trim();
	} else {
		const flow = ctx.getNodeParameter('flow', i, '') as unknown;
		try {
			params.url = buildFlowUrl(
				account.accountSid,
				String(flow ?? ''),
				account.cluster,
				account.baseUrl,
			);
		} catch (error) {
			throw new NodeOperationError(node, (error as Error).message, {
				itemIndex: i,
				description:
					'Enter the App ID of the flow (digits) or its full URL. Find it in the Exotel dashboard under App Bazaar → your flow.',
			});
		}
	}

	if (
		settings.timeLimit !== undefined &&
		settings.timeLimit !== null &&
		settings.timeLimit !== ''
	) {
		const timeLimit = Number(settings.timeLimit);
		if (!Number.isFinite(timeLimit) || timeLimit > MAX_TIME_LIMIT_SECONDS || timeLimit < 1) {
			throw new NodeOperationError(
				node,
				`Time Limit is ${String(settings.timeLimit)} seconds; Exotel accepts 1 to ${MAX_TIME_LIMIT_SECONDS} (4 hours)`,
				{ itemIndex: i, description: 'Lower "Time Limit (Seconds)" under Call Settings.' },
			);
		}
		params.timeLimit = Math.floor(timeLimit);
	}
	if (settings.timeOut !== undefined && settings.timeOut !== null && settings.timeOut !== '') {
		params.timeOut = Math.floor(Number(settings.timeOut));
	}
	if (typeof settings.record === 'boolean') params.record = settings.record;

	const statusCallback = String(ctx.getNodeParameter('statusCallback', i, '') ?? '').trim();
	if (statusCallback) {
		if (!/^https?:\/\//i.test(statusCallback)) {
			throw new NodeOperationError(
				node,
				`The Status Callback URL "${statusCallback}" does not start with http:// or https://`,
				{
					itemIndex: i,
					description:
						'Copy the Production URL of the Exotel Status Trigger node into "Status Callback URL".',
				},
			);
		}
		params.statusCallback = statusCallback;
		const events = ctx.getNodeParameter('statusCallbackEvents', i, ['terminal']);
		params.statusCallbackEvents = checkOptions(
			node,
			'Status Callback Events',
			events,
			CALLBACK_EVENTS,
			i,
		) as StatusCallbackEvent[];
		const contentType = ctx.getNodeParameter('statusCallbackContentType', i, 'application/json');
		params.statusCallbackContentType = checkOption(
			node,
			'Status Callback Content Type',
			contentType,
			CALLBACK_CONTENT_TYPES,
			i,
		);
	}

	const userCustomField = ctx.getNodeParameter('customField', i, '') as unknown;
	let customField: string;
	if (isBlank(userCustomField)) {
		try {
			customField = automaticCustomField(json, params.to ?? fromText);
		} catch (error) {
			throw new NodeOperationError(node, (error as Error).message, { itemIndex: i });
		}
	} else {
		customField =
			typeof userCustomField === 'string' ? userCustomField : JSON.stringify(userCustomField);
		if (customField.length > CUSTOM_FIELD_MAX_LENGTH) {
			throw new NodeOperationError(
				node,
				`Custom Field is ${customField.length} characters long; Exotel accepts at most ${CUSTOM_FIELD_MAX_LENGTH}`,
				{
					itemIndex: i,
					description:
						'Shorten the value (e.g. send an ID and look the details up later), or leave Custom Field empty to use the automatic correlation ID.',
				},
			);
		}
	}
	params.customField = customField;

	let request: ExotelRequest;
	try {
		request = connectCallRequest(account.accountSid, params);
	} catch (error) {
		throw new NodeOperationError(node, (error as Error).message, {
			itemIndex: i,
			description:
				'Fix the value named in the message (for example a phone number that is not a valid Indian number).',
		});
	}
	const fromPacing = isBlank(userCustomField) && pacingCustomField(json) !== undefined;
	const sentFrom = request.form?.From ?? fromText;
	const callee = params.to ? `${request.form?.To ?? params.to} (first leg ${sentFrom})` : sentFrom;
	return {
		itemIndex: i,
		request,
		from: sentFrom,
		callee,
		callerId: params.callerId,
		customField,
		fromPacing,
	};
}

/**
 * The error of a call whose result was unclear when this node ran before in the same execution (Retry On Fail):
 * the same words, and why it was not sent again.
 */
function notSentAgain(
	ctx: IExecuteFunctions,
	unclear: IDataObject,
	itemIndex: number,
): NodeApiError {
	const message = String(unclear.message);
	const description = [
		String(unclear.description ?? ''),
		'Not sent again when n8n ran this node again (Retry On Fail): the first request may have placed the call.',
	]
		.filter(Boolean)
		.join(' ');
	const httpCode = unclear.httpCode ? String(unclear.httpCode) : undefined;
	return new NodeApiError(
		ctx.getNode(),
		{ message, description, ...(httpCode ? { httpCode } : {}) } as JsonObject,
		{ message, description, httpCode, itemIndex },
	);
}

/** Rewrites a failed Connect into words that say whether the call exists and what to do next. */
/** Waits `ms` (the spacer's answer) unless the execution is cancelled. */
async function waitForPlace(
	ctx: IExecuteFunctions,
	spacer: RequestSpacer,
	ms: number,
): Promise<void> {
	// Ask again after each pause: another execution may have used the window meanwhile. The caller's markSent
	// follows a 0 answer in the same synchronous step, so no other execution can take that place in between.
	for (let wait = ms; wait > 0; wait = spacer.nextWait()) {
		if (!(await waitUnlessCancelled(wait, ctx.getExecutionCancelSignal()))) {
			throw new NodeOperationError(
				ctx.getNode(),
				'The execution was cancelled before every call was placed',
				{
					description:
						'Calls not yet sent were not placed; their contacts become callable again once the Pacing Controller has checked Exotel for them.',
				},
			);
		}
	}
}

/** A 429 error whose description says what the refusals showed about the account's limit. */
function withAdvice(error: Error, spacer: RequestSpacer, configured: number): Error {
	const advice = limitAdvice(spacer.learntLimit(), configured);
	const original = error as Error & { description?: string | null };
	return Object.assign(error, {
		description: original.description ? `${original.description} ${advice}` : advice,
	});
}

/** A call not sent because Exotel's window would not free up within this execution: back to pacing, not placed. */
function handBack(
	ctx: IExecuteFunctions,
	call: PreparedCall,
	spacer: RequestSpacer,
	configured: number,
): NodeApiError {
	const message = `Not sent: Exotel is refusing calls above its per-minute limit (429 rate limit), so the call to ${call.callee} was not placed`;
	const description = limitAdvice(spacer.learntLimit(), configured);
	return new NodeApiError(ctx.getNode(), { message, description, httpCode: '429' } as JsonObject, {
		message,
		description,
		httpCode: '429',
		itemIndex: call.itemIndex,
	});
}

function explainFailure(
	ctx: IExecuteFunctions,
	error: Error,
	call: PreparedCall,
	requestedAt: string,
	baseUrl: string,
): NodeApiError {
	const original = error as Error & { httpCode?: string | null; description?: string | null };
	const httpCode = original.httpCode ? String(original.httpCode) : undefined;
	const reason = original.message.replace(/^Exotel connect call failed:\s*/i, '');
	const placed = mayHaveBeenPlaced(original);
	let message: string;
	let description: string;
	if (placed) {
		message = `Exotel did not confirm the call to ${call.callee} (${reason}): the call may or may not have been placed`;
		description =
			`It was not retried automatically, so the number is never called twice. Before dialling ${call.callee} again, ` +
			`check Exotel: open Call Logs in the Exotel dashboard (or run Exotel Call Details for calls to this number today) ` +
			`and look for a call with From ${call.from} and ExoPhone ${call.callerId} created at or after ${requestedAt}` +
			(call.customField ? ` with Custom Field ${call.customField}` : '') +
			`. If there is one, the call was placed: do not dial again. If there is none after 5 minutes, it is safe to dial again.`;
	} else {
		message = `Exotel did not place the call to ${call.callee}: ${reason}`;
		description =
			`Exotel refused the request (or it never reached Exotel at ${baseUrl}), so no call was made and it is safe to try again once the cause is fixed.` +
			(original.description ? ` ${original.description}` : '');
	}
	return new NodeApiError(
		ctx.getNode(),
		{ message, description, ...(httpCode ? { httpCode } : {}) } as JsonObject,
		{ message, description, httpCode, itemIndex: call.itemIndex },
	);
}
