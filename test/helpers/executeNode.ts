/**
 * Node-execution harness for jest: runs a node's `execute()` against a fake IExecuteFunctions that behaves like
 * n8n 1.123 where our nodes can tell the difference, and sends HTTP for real (axios) — so node tests talk to
 * the in-process Exotel simulator over a socket.
 *
 * Usage
 * ```ts
 * import { executeNode, simCredentials } from '../helpers';
 * const sim = await startSimulator();
 * const res = await executeNode(new ExotelNumberLookup(), {
 *   parameters: { phoneNumber: '={{ $json.phone }}' },        // omitted parameters take the description default
 *   items: [{ phone: '98765 43210', row_number: 2 }],         // plain json, or full { json, pairedItem } items
 *   credentials: { exotelApi: simCredentials(sim.url) },      // keyed by credential type name
 *   continueOnFail: true,                                      // or onError: 'continueErrorOutput'
 *   staticData: myGlobalStaticData,                            // returned by getWorkflowStaticData('global')
 * });
 * res.json            // first output's json objects;  res.output: all outputs (INodeExecutionData[][])
 * res.requests        // every HTTP request made: { method, url, qs, body, headers, status }
 * res.inputMutated    // true when the node changed its input items (it must not)
 * ```
 * What it implements
 * - getNodeParameter(name, itemIndex, fallback?, { extractValue }): values from `parameters`, defaults from the
 *   node description (top-level only, honouring displayOptions show/hide incl. `@version`), dot paths into
 *   collections (`options.timeout`), and n8n-like errors for unknown parameters. Expressions (`={{ … }}`,
 *   also inside longer strings) are evaluated as plain JavaScript with `$json`, `$binary`, `$itemIndex`,
 *   `$parameter`, `$now`, `$today`, `$env` = {} — a subset of n8n's expression language, enough for defaults.
 * - getInputData, getNode (type `n8n-nodes-exotel-campaigns.<name>`), getCredentials, getExecutionId (`executionId`), continueOnFail (from
 *   `continueOnFail` / `onError`), getMode (default 'manual'), getWorkflowStaticData('global' | 'node'),
 *   getTimezone ('Asia/Kolkata'), getWorkflow, getExecutionId, evaluateExpression, logger (collected in
 *   `res.logs`), addExecutionHints (collected in `res.hints`), sendMessageToUI (no-op), getExecutionCancelSignal.
 * - helpers.returnJsonArray, helpers.constructExecutionMetaData, helpers.httpRequest and
 *   helpers.httpRequestWithAuthentication. The latter applies the credential type's generic `authenticate`
 *   block exactly as n8n does (basic `auth`, `headers`, `qs`, with `$credentials` expressions), and maps
 *   IHttpRequestOptions to axios like n8n-core: `qs`, `body` (URLSearchParams -> form, object + json ->
 *   JSON), `json` (Accept: application/json), `timeout`, `returnFullResponse` ({ body, headers,
 *   statusCode, statusMessage }), `ignoreHttpStatusErrors`. Failures are thrown as n8n does: a NodeApiError
 *   wrapping the axios error (its `cause` keeps `code`, e.g. ECONNREFUSED / ECONNABORTED).
 * Credential types are found by name in `credentialTypes` (defaults to this package's ExotelApi).
 */
import axios, { type AxiosRequestConfig } from 'axios';
import { DateTime } from 'luxon';
import {
	NodeApiError,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type IPairedItemData,
	type JsonObject,
	type NodeExecutionHint,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { ExotelApi } from '../../credentials/ExotelApi.credentials';

export interface RecordedRequest {
	method: string;
	url: string;
	qs?: Record<string, unknown>;
	/** Form bodies as a string (`From=%2B91…&To=…`), JSON bodies as the object. */
	body?: unknown;
	headers: Record<string, string>;
	status?: number;
	error?: string;
	at: number;
}

export interface ExecuteNodeOptions {
	parameters?: Record<string, unknown>;
	/** Plain json objects or full items. */
	items?: Array<Record<string, unknown> | INodeExecutionData>;
	/** Keyed by credential type name, e.g. `{ exotelApi: { apiKey, apiToken, accountSid, cluster, baseUrl } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	mode?: WorkflowExecuteMode;
	/** Object returned by getWorkflowStaticData('global') — pass the same object to several runs to share state. */
	staticData?: Record<string, unknown>;
	/** Workflow id (default: one per staticData object). Same id = same workflow for the in-process campaign memory. */
	workflowId?: string;
	/** Object returned by getWorkflowStaticData('node'). */
	nodeStaticData?: Record<string, unknown>;
	continueOnFail?: boolean;
	onError?: INode['onError'];
	nodeName?: string;
	typeVersion?: number;
	credentialTypes?: ICredentialType[];
	/** Called before each HTTP request is sent (spy / fault injection: throw to simulate a transport error). */
	beforeRequest?: (req: RecordedRequest) => void | Promise<void>;
	/** What getExecutionCancelSignal returns: abort it to cancel the execution as n8n's Stop button does. */
	cancelSignal?: AbortSignal;
	/** What getExecutionId returns (default: a new id per run). Pass the same id to re-run within one execution. */
	executionId?: string;
}

export interface ExecuteNodeResult {
	output: INodeExecutionData[][];
	/** output[0] */
	items: INodeExecutionData[];
	/** output[0].map(i => i.json) */
	json: IDataObject[];
	requests: RecordedRequest[];
	logs: Array<{ level: string; message: string }>;
	/** Execution hints the node added with addExecutionHints (n8n shows them above the output). */
	hints: NodeExecutionHint[];
	inputMutated: boolean;
	node: INode;
}

export const PACKAGE_NAME = 'n8n-nodes-exotel-campaigns';

let executionCounter = 0;

/** Credentials for the simulator's default account. */
export function simCredentials(
	baseUrl: string,
	overrides: Partial<ICredentialDataDecryptedObject> = {},
): ICredentialDataDecryptedObject {
	return {
		apiKey: 'sim-key',
		apiToken: 'sim-token',
		accountSid: 'simaccount',
		cluster: 'custom',
		baseUrl,
		...overrides,
	};
}

// ------------------------------------------------------------------ expressions

function evaluateJs(code: string, scope: Record<string, unknown>): unknown {
	const names = Object.keys(scope);
	// a test-only mini expression engine: the expressions come from the tests' own workflows
	const fn = new Function(...names, `return (${code});`);
	return fn(...names.map((n) => scope[n]));
}

/** Resolves `={{ … }}` values (whole-value expressions keep their type; embedded ones are stringified). */
export function resolveExpression(value: unknown, scope: Record<string, unknown>): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const src = value.slice(1);
	const whole = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(src);
	if (whole && !whole[1].includes('}}')) return evaluateJs(whole[1], scope);
	return src.replace(/\{\{([\s\S]*?)\}\}/g, (_, code: string) => {
		const v = evaluateJs(code, scope);
		if (v === null || v === undefined) return '';
		return typeof v === 'object' ? JSON.stringify(v) : String(v);
	});
}

function resolveDeep(value: unknown, scope: Record<string, unknown>): unknown {
	if (typeof value === 'string') return resolveExpression(value, scope);
	if (Array.isArray(value)) return value.map((v) => resolveDeep(v, scope));
	if (value && typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(value)) out[k] = resolveDeep(v, scope);
		return out;
	}
	return value;
}

// ------------------------------------------------------------------ parameters

function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (value && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}

function getPath(obj: unknown, path: string): unknown {
	let cur: unknown = obj;
	for (const part of path.split('.')) {
		if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
		cur = (cur as Record<string, unknown>)[part];
	}
	return cur;
}

function displayed(
	prop: INodeProperties,
	params: Record<string, unknown>,
	typeVersion: number,
): boolean {
	const d = prop.displayOptions;
	if (!d) return true;
	const current = (key: string) =>
		key === '@version' ? typeVersion : params[key.replace(/^\//, '')];
	const matches = (values: unknown[], actual: unknown) =>
		values.some((v) =>
			v && typeof v === 'object' && '_cnd' in (v as object) ? true : v === actual,
		);
	for (const [key, values] of Object.entries(d.show ?? {})) {
		if (!matches(values as unknown[], current(key))) return false;
	}
	for (const [key, values] of Object.entries(d.hide ?? {})) {
		if (matches(values as unknown[], current(key))) return false;
	}
	return true;
}

/** Top-level parameters as n8n stores them: what the user set, plus defaults of displayed parameters. */
export function resolveParameters(
	description: INodeType['description'],
	given: Record<string, unknown>,
	typeVersion = 1,
): Record<string, unknown> {
	const params: Record<string, unknown> = { ...given };
	// Two passes: a default may be displayed only once another default (e.g. `operation`) is known.
	for (let pass = 0; pass < 2; pass++) {
		for (const prop of description.properties) {
			if (prop.type === 'notice') continue;
			if (Object.prototype.hasOwnProperty.call(given, prop.name)) continue;
			if (displayed(prop, params, typeVersion)) params[prop.name] = structuredClone(prop.default);
			else if (
				!description.properties.some(
					(p) => p !== prop && p.name === prop.name && displayed(p, params, typeVersion),
				)
			) {
				delete params[prop.name];
			}
		}
	}
	return params;
}

// ------------------------------------------------------------------ HTTP

function headerRecord(h: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (h && typeof h === 'object') {
		for (const [k, v] of Object.entries(h as Record<string, unknown>))
			if (v !== undefined) out[k] = String(v);
	}
	return out;
}

async function sendHttp(
	options: IHttpRequestOptions,
	auth: { username: string; password: string } | undefined,
	record: (r: RecordedRequest) => void,
	node: INode,
	beforeRequest?: ExecuteNodeOptions['beforeRequest'],
): Promise<unknown> {
	const headers: Record<string, string> = headerRecord(options.headers);
	let data: unknown = options.body;
	let recordedBody: unknown = options.body;
	if (data instanceof URLSearchParams) {
		if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
			headers['Content-Type'] = 'application/x-www-form-urlencoded';
		data = data.toString();
		recordedBody = data;
	} else if (data && typeof data === 'object' && !Buffer.isBuffer(data) && options.json !== false) {
		if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
			headers['Content-Type'] = 'application/json';
	}
	if (options.json && !Object.keys(headers).some((k) => k.toLowerCase() === 'accept'))
		headers.Accept = 'application/json';
	if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent'))
		headers['User-Agent'] = 'n8n';

	const url = options.baseURL
		? `${options.baseURL.replace(/\/+$/, '')}/${options.url.replace(/^\/+/, '')}`
		: options.url;
	const config: AxiosRequestConfig = {
		method: options.method ?? 'GET',
		url,
		headers,
		params: options.qs,
		data,
		timeout: options.timeout,
		auth,
		maxRedirects: options.disableFollowRedirect ? 0 : 21,
		validateStatus: options.ignoreHttpStatusErrors ? () => true : (s) => s >= 200 && s < 300,
		responseType: options.encoding === 'arraybuffer' ? 'arraybuffer' : 'json',
		// Keep text that is not JSON (Exotel XML) as a string, as n8n does.
		transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false },
	};
	const rec: RecordedRequest = {
		method: String(config.method).toUpperCase(),
		url,
		qs: options.qs as Record<string, unknown> | undefined,
		body: recordedBody,
		headers: {
			...headers,
			...(auth
				? {
						Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
					}
				: {}),
		},
		at: Date.now(),
	};
	record(rec);
	try {
		if (beforeRequest) await beforeRequest(rec);
		const res = await axios.request(config);
		rec.status = res.status;
		if (options.returnFullResponse) {
			return {
				body: res.data,
				headers: res.headers,
				statusCode: res.status,
				statusMessage: res.statusText,
			};
		}
		return res.data;
	} catch (err) {
		rec.error = (err as Error).message;
		if ((err as { response?: { status?: number } }).response?.status)
			rec.status = (err as { response: { status: number } }).response.status;
		// n8n-core's httpRequestWithAuthentication wraps whatever fails into a NodeApiError (cause = axios error).
		throw new NodeApiError(node, err as JsonObject);
	}
}

function applyAuthenticate(
	credentialType: ICredentialType | undefined,
	credentials: ICredentialDataDecryptedObject,
	options: IHttpRequestOptions,
): { options: IHttpRequestOptions; auth?: { username: string; password: string } } {
	const a = credentialType?.authenticate;
	if (!a || typeof a === 'function' || a.type !== 'generic') return { options };
	const scope = { $credentials: credentials };
	const props = resolveDeep(a.properties, scope) as {
		auth?: { username?: string; password?: string };
		headers?: Record<string, string>;
		qs?: Record<string, string>;
		body?: Record<string, unknown>;
	};
	const out: IHttpRequestOptions = { ...options };
	if (props.headers) out.headers = { ...(options.headers ?? {}), ...props.headers };
	if (props.qs) out.qs = { ...(options.qs ?? {}), ...props.qs };
	if (
		props.body &&
		options.body &&
		typeof options.body === 'object' &&
		!(options.body instanceof URLSearchParams)
	) {
		out.body = { ...(options.body as object), ...props.body };
	}
	const auth = props.auth
		? { username: String(props.auth.username ?? ''), password: String(props.auth.password ?? '') }
		: undefined;
	return { options: out, auth };
}

// ------------------------------------------------------------------ context

export interface ExecuteContextBundle {
	context: IExecuteFunctions;
	requests: RecordedRequest[];
	logs: Array<{ level: string; message: string }>;
	hints: NodeExecutionHint[];
	node: INode;
	items: INodeExecutionData[];
}

function toItems(
	items: Array<Record<string, unknown> | INodeExecutionData> | undefined,
): INodeExecutionData[] {
	const list = items ?? [{}];
	return list.map((it, i) => {
		const isItem =
			it &&
			typeof it === 'object' &&
			'json' in it &&
			typeof (it as INodeExecutionData).json === 'object';
		const item: INodeExecutionData = isItem
			? (it as INodeExecutionData)
			: { json: it as IDataObject };
		return { pairedItem: { item: i }, ...item };
	});
}

/** Builds the fake `this` for `execute()`; exported for tests that call transport functions directly. */
export function createExecuteContext(
	nodeType: INodeType | undefined,
	opts: ExecuteNodeOptions = {},
): ExecuteContextBundle {
	const description = nodeType?.description;
	const typeVersion =
		opts.typeVersion ??
		(Array.isArray(description?.version)
			? Math.max(...description.version)
			: (description?.version ?? 1));
	const parameters = description
		? resolveParameters(description, opts.parameters ?? {}, typeVersion)
		: { ...(opts.parameters ?? {}) };
	const onError: INode['onError'] =
		opts.onError ?? (opts.continueOnFail ? 'continueRegularOutput' : undefined);
	const node: INode = {
		id: 'test-node-id',
		name: opts.nodeName ?? description?.defaults?.name ?? 'Node',
		type: `${PACKAGE_NAME}.${description?.name ?? 'node'}`,
		typeVersion,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		...(onError ? { onError } : {}),
	};
	const items = toItems(opts.items);
	const requests: RecordedRequest[] = [];
	const logs: Array<{ level: string; message: string }> = [];
	const executionId = opts.executionId ?? `test-execution-${++executionCounter}`;
	const hints: NodeExecutionHint[] = [];
	const credentialTypes = opts.credentialTypes ?? [new ExotelApi()];
	const global = (opts.staticData ?? {}) as IDataObject;
	const nodeData = (opts.nodeStaticData ?? {}) as IDataObject;
	const contextData: Record<string, IDataObject> = {};

	const scopeFor = (itemIndex: number): Record<string, unknown> => ({
		$json: items[itemIndex]?.json ?? {},
		$binary: items[itemIndex]?.binary ?? {},
		$itemIndex: itemIndex,
		$parameter: parameters,
		$now: DateTime.now().setZone('Asia/Kolkata'),
		$today: DateTime.now().setZone('Asia/Kolkata').startOf('day'),
		$env: {},
		$input: { all: () => items, first: () => items[0], item: items[itemIndex] },
	});

	const getCredentials = async (type: string): Promise<ICredentialDataDecryptedObject> => {
		const c = opts.credentials?.[type];
		if (!c)
			throw new NodeOperationError(
				node,
				`Node "${node.name}" does not have any credentials of type "${type}" set`,
			);
		return { ...c };
	};

	const logger = Object.fromEntries(
		['debug', 'info', 'warn', 'error', 'verbose'].map((level) => [
			level,
			(message: string) => logs.push({ level, message: String(message) }),
		]),
	);

	const context = {
		getNode: () => node,
		getInputData: (inputIndex = 0) => (inputIndex === 0 ? items : []),
		getMode: () => opts.mode ?? 'manual',
		continueOnFail: () => onError === 'continueRegularOutput' || onError === 'continueErrorOutput',
		getCredentials,
		getTimezone: () => 'Asia/Kolkata',
		getWorkflow: () => ({
			id: opts.workflowId ?? workflowIdFor(global),
			name: 'Test workflow',
			active: false,
		}),
		getExecutionId: () => executionId,
		getWorkflowStaticData: (type: string) => (type === 'node' ? nodeData : global),
		getContext: (type: string) => (contextData[type] ??= {}),
		getExecutionCancelSignal: () => opts.cancelSignal,
		onExecutionCancellation: () => undefined,
		sendMessageToUI: () => undefined,
		addExecutionHints: (...added: NodeExecutionHint[]) => {
			hints.push(...added);
		},
		logger,
		evaluateExpression: (expression: string, itemIndex: number) =>
			resolveExpression(expression, scopeFor(itemIndex)),
		getNodeParameter(
			name: string,
			itemIndex: number,
			fallbackValue?: unknown,
			options?: { extractValue?: boolean; rawExpressions?: boolean },
		) {
			let value = getPath(parameters, name);
			if (value === undefined) {
				if (arguments.length >= 3) return fallbackValue;
				throw new Error(`Could not get parameter "${name}"`);
			}
			// the scope (two luxon dates) only when there is an expression: Release reads a parameter per item,
			// and building it each time made the harness, not the node, dominate big batches
			if (!options?.rawExpressions)
				value = hasExpression(value)
					? resolveDeep(structuredClone(value), scopeFor(itemIndex))
					: structuredClone(value);
			if (
				options?.extractValue &&
				value &&
				typeof value === 'object' &&
				(value as IDataObject).__rl
			)
				value = (value as IDataObject).value;
			return value;
		},
		helpers: {
			returnJsonArray(jsonData: IDataObject | IDataObject[]): INodeExecutionData[] {
				const list = Array.isArray(jsonData) ? jsonData : [jsonData];
				return list.map((d) =>
					d && typeof d.json === 'object'
						? { ...(d as unknown as INodeExecutionData) }
						: { json: d },
				);
			},
			constructExecutionMetaData(
				inputData: INodeExecutionData[],
				meta: { itemData: IPairedItemData | IPairedItemData[] },
			): INodeExecutionData[] {
				return inputData.map((d) => {
					const { json, ...rest } = d;
					return { json, pairedItem: meta.itemData, ...rest };
				});
			},
			async httpRequest(options: IHttpRequestOptions) {
				return await sendHttp(
					options,
					options.auth as { username: string; password: string } | undefined,
					(r) => requests.push(r),
					node,
					opts.beforeRequest,
				);
			},
			async httpRequestWithAuthentication(credentialsType: string, options: IHttpRequestOptions) {
				const credentials = await getCredentials(credentialsType);
				const type = credentialTypes.find((t) => t.name === credentialsType);
				const applied = applyAuthenticate(type, credentials, options);
				return await sendHttp(
					applied.options,
					applied.auth,
					(r) => requests.push(r),
					node,
					opts.beforeRequest,
				);
			},
		},
	};
	return { context: context as unknown as IExecuteFunctions, requests, logs, hints, node, items };
}

/** Runs `nodeType.execute()` once with the given parameters/items; throws what the node throws. */
/**
 * One workflow id per global static data object: runs that share static data are one workflow and share the
 * Pacing Controller's in-process memory (nodes/ExotelPacingController/memory.ts); a fresh object is a new workflow.
 */
const workflowIds = new WeakMap<object, string>();
let nextWorkflow = 0;
function workflowIdFor(global: object): string {
	let id = workflowIds.get(global);
	if (!id) workflowIds.set(global, (id = `test-workflow-${++nextWorkflow}`));
	return id;
}

export async function executeNode(
	nodeType: INodeType,
	opts: ExecuteNodeOptions = {},
): Promise<ExecuteNodeResult> {
	if (!nodeType.execute) throw new Error(`${nodeType.description.name} has no execute()`);
	const bundle = createExecuteContext(nodeType, opts);
	const snapshot = JSON.stringify(bundle.items);
	const raw = await nodeType.execute.call(bundle.context);
	const output = (raw ?? []) as INodeExecutionData[][];
	const first = output[0] ?? [];
	return {
		output,
		items: first,
		json: first.map((i) => i.json),
		requests: bundle.requests,
		logs: bundle.logs,
		hints: bundle.hints,
		inputMutated: JSON.stringify(bundle.items) !== snapshot,
		node: bundle.node,
	};
}

/**
 * Evaluates a credential type's `test.request` the way n8n's credential test does (baseURL + url expressions
 * over `$credentials`, generic authenticate) and sends it; resolves `{ ok, status, message }`.
 */
export async function testCredential(
	credentialType: ICredentialType,
	credentials: ICredentialDataDecryptedObject,
): Promise<{ ok: boolean; status?: number; url: string; body?: unknown }> {
	const req = credentialType.test?.request;
	if (!req) throw new Error(`${credentialType.name} has no test request`);
	const scope = { $credentials: credentials };
	const baseURL = String(resolveExpression(req.baseURL ?? '', scope));
	const url = String(resolveExpression(req.url ?? '', scope));
	const { context } = createExecuteContext(undefined, {
		credentials: { [credentialType.name]: credentials },
		credentialTypes: [credentialType],
	});
	const res = (await context.helpers.httpRequestWithAuthentication.call(
		context,
		credentialType.name,
		{
			method: req.method ?? 'GET',
			baseURL,
			url,
			qs: req.qs as IDataObject | undefined,
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		},
	)) as { statusCode: number; body: unknown };
	return {
		ok: res.statusCode >= 200 && res.statusCode < 300,
		status: res.statusCode,
		url: `${baseURL}${url}`,
		body: res.body,
	};
}
