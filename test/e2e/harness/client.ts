/**
 * A small client for a running n8n (1.123.81 or 2.41.1): owner setup + API key over the internal REST API (`/rest`,
 * cookie `n8n-auth`), everything else over the public API (`/api/v1`, header `X-N8N-API-KEY`), plus production
 * webhooks. What works and what does not, and what differs between the lines, is written down in README.md.
 */
import axios, { AxiosInstance, AxiosResponse } from 'axios';
import { encodeBody, BodyEncoding } from './bodies';
import { sleep, waitFor, WaitAbort } from './util';
import type { Json } from './json';

export interface OwnerCredentials {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export const DEFAULT_OWNER: OwnerCredentials = {
	email: 'e2e-owner@example.com',
	password: 'E2e-owner-password-1',
	firstName: 'E2E',
	lastName: 'Owner',
};

/** Public-API workflow as returned by GET /api/v1/workflows/{id}. */
export interface WorkflowDto extends Json {
	id: string;
	name: string;
	active: boolean;
	nodes: Json[];
	connections: Json;
	settings?: Json;
	staticData?: Json | null;
	versionId?: string;
	activeVersionId?: string | null;
}

/** 2.x `GET /rest/workflows/{id}/publication-status`. */
export interface PublicationStatus {
	status: 'published' | 'in_progress' | 'not_published' | 'partial' | 'failed';
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage?: string | null }>;
}

export type ExecutionStatus =
	| 'new'
	| 'running'
	| 'success'
	| 'error'
	| 'canceled'
	| 'crashed'
	| 'waiting'
	| 'unknown';

export interface ExecutionDto extends Json {
	id: string;
	finished: boolean;
	mode: string;
	status: ExecutionStatus;
	startedAt: string;
	stoppedAt: string | null;
	workflowId: string;
	data?: Json;
}

export interface ExecutionCounts {
	total: number;
	byStatus: Partial<Record<ExecutionStatus, number>>;
	/** Executions that have not finished yet (status new/running/waiting). */
	pending: number;
}

export interface WebhookCallOptions {
	/** Body encoding (default 'json'). See bodies.ts. */
	encoding?: BodyEncoding;
	method?: 'POST' | 'GET' | 'PUT';
	headers?: Record<string, string>;
	query?: Record<string, string>;
	timeoutMs?: number;
	/** Use `/webhook-test/` instead of `/webhook/` (manual mode; never persists static data). */
	test?: boolean;
}

const NODE_KEYS = new Set([
	'id',
	'name',
	'webhookId',
	'disabled',
	'notesInFlow',
	'notes',
	'type',
	'typeVersion',
	'executeOnce',
	'alwaysOutputData',
	'retryOnFail',
	'maxTries',
	'waitBetweenTries',
	'continueOnFail',
	'onError',
	'position',
	'parameters',
	'credentials',
]);
const SETTINGS_KEYS = new Set([
	'saveExecutionProgress',
	'saveManualExecutions',
	'saveDataErrorExecution',
	'saveDataSuccessExecution',
	'executionTimeout',
	'errorWorkflow',
	'timezone',
	'executionOrder',
	'callerPolicy',
	'callerIds',
	'timeSavedPerExecution',
	'availableInMCP',
]);

function pick(obj: Json | undefined, keys: Set<string>): Json {
	const out: Json = {};
	for (const [k, v] of Object.entries(obj ?? {})) if (keys.has(k)) out[k] = v;
	return out;
}

/** Reduce an exported/hand-written workflow JSON to what POST /api/v1/workflows accepts (additionalProperties:false). */
export function toPublicApiWorkflow(wf: Json): Json {
	const body: Json = {
		name: wf.name ?? 'E2E workflow',
		nodes: (wf.nodes ?? []).map((n: Json) => pick(n, NODE_KEYS)),
		connections: wf.connections ?? {},
		settings: { executionOrder: 'v1', ...pick(wf.settings, SETTINGS_KEYS) },
	};
	if (wf.staticData !== undefined && wf.staticData !== null) body.staticData = wf.staticData;
	return body;
}

function describeAxiosError(e: Json): string {
	if (e?.response) {
		const data =
			typeof e.response.data === 'string' ? e.response.data : JSON.stringify(e.response.data);
		return `${e.config?.method?.toUpperCase()} ${e.config?.url} -> ${e.response.status}: ${data?.slice(0, 500)}`;
	}
	return `${e?.config?.method?.toUpperCase() ?? ''} ${e?.config?.url ?? ''}: ${e?.message ?? String(e)}`;
}

export class N8nClient {
	readonly rest: AxiosInstance;
	readonly api: AxiosInstance;
	readonly http: AxiosInstance;
	private authCookie?: string;
	apiKey?: string;
	/**
	 * Where production/test webhooks are called (default `baseUrl`). Queue mode: the webhook processor's URL, so
	 * `webhook()`, `waitForWebhook()` and the activation checks go where production webhooks are served.
	 */
	webhookBaseUrl?: string;

	/** n8n major version (1 or 2): 2.x publishes instead of activating. */
	readonly major: number;

	constructor(
		readonly baseUrl: string,
		opts: { apiKey?: string; timeoutMs?: number; n8nVersion?: string } = {},
	) {
		const timeout = opts.timeoutMs ?? 30_000;
		this.apiKey = opts.apiKey;
		this.major = Number((opts.n8nVersion ?? '1').split('.')[0]);
		this.rest = axios.create({ baseURL: `${baseUrl}/rest`, timeout });
		this.rest.interceptors.request.use((cfg) => {
			if (this.authCookie) cfg.headers.set('Cookie', `n8n-auth=${this.authCookie}`);
			return cfg;
		});
		this.api = axios.create({ baseURL: `${baseUrl}/api/v1`, timeout });
		this.api.interceptors.request.use((cfg) => {
			if (!this.apiKey) throw new Error('N8nClient: no API key yet (call ensureApiKey())');
			cfg.headers.set('X-N8N-API-KEY', this.apiKey);
			return cfg;
		});
		this.http = axios.create({ baseURL: baseUrl, timeout, validateStatus: () => true });
		for (const inst of [this.rest, this.api]) {
			inst.interceptors.response.use(undefined, (e) =>
				Promise.reject(new Error(`n8n API error: ${describeAxiosError(e)}`)),
			);
		}
	}

	private rememberCookie(res: AxiosResponse): void {
		const setCookie = res.headers['set-cookie'] ?? [];
		for (const c of setCookie) {
			const m = /^n8n-auth=([^;]+)/.exec(c);
			if (m) this.authCookie = m[1];
		}
	}

	/** `POST /rest/owner/setup` on a fresh instance, otherwise `POST /rest/login`. Leaves the auth cookie set. */
	async setupOwner(owner: OwnerCredentials = DEFAULT_OWNER): Promise<void> {
		const setup = await this.http.post('/rest/owner/setup', owner);
		if (setup.status === 200) {
			this.rememberCookie(setup);
			return;
		}
		const login = await this.http.post('/rest/login', {
			emailOrLdapLoginId: owner.email,
			password: owner.password,
		});
		if (login.status !== 200) {
			throw new Error(
				`owner setup failed (${setup.status}: ${JSON.stringify(setup.data).slice(0, 300)}) and login failed (${login.status}: ${JSON.stringify(login.data).slice(0, 300)})`,
			);
		}
		this.rememberCookie(login);
	}

	/** Create an API key with every scope the owner may have (`GET /rest/api-keys/scopes`, `POST /rest/api-keys`). */
	async createApiKey(label = `e2e-${Date.now()}`): Promise<string> {
		if (!this.authCookie) await this.setupOwner();
		const scopes = (await this.rest.get('/api-keys/scopes')).data.data as string[];
		const res = await this.rest.post('/api-keys', { label, scopes, expiresAt: null });
		this.apiKey = res.data.data.rawApiKey as string;
		return this.apiKey;
	}

	async ensureApiKey(): Promise<string> {
		return this.apiKey ?? (await this.createApiKey());
	}

	// ---- workflows -------------------------------------------------------------------------------------------

	/** `POST /api/v1/workflows` (inactive; n8n assigns a new id; node `webhookId`s are kept). */
	async createWorkflow(wf: Json): Promise<WorkflowDto> {
		return (await this.api.post('/workflows', toPublicApiWorkflow(wf))).data;
	}

	/**
	 * Make the workflow live: 1.x `POST /api/v1/workflows/{id}/activate`; 2.x `POST …/publish` with a JSON body
	 * (2.x answers 415 to a body-less POST; `/activate` is a deprecated alias there). 2.x applies a publication
	 * asynchronously (an outbox): the call returns before the webhooks are registered (a new production webhook
	 * answered 404 for 0.3-0.5 s), so this waits for the publication (waitForPublication) and for the workflow's
	 * webhooks (waitForWorkflowWebhooks). Returns the workflow as read back (`active: true`).
	 */
	async activateWorkflow(id: string, opts: { wait?: boolean } = {}): Promise<WorkflowDto> {
		if (this.major >= 2) await this.api.post(`/workflows/${id}/publish`, {});
		else await this.api.post(`/workflows/${id}/activate`);
		const wf = await this.getWorkflow(id);
		if (opts.wait !== false) await this.waitUntilLive(wf);
		return wf;
	}

	/**
	 * 1.x `POST …/deactivate`; 2.x `POST …/unpublish`, then waits (≤ 10 s) until the publication status leaves
	 * 'published'/'in_progress': 2.x removes triggers asynchronously (a webhook still answered 200 right after).
	 */
	async deactivateWorkflow(id: string): Promise<WorkflowDto> {
		if (this.major < 2) return (await this.api.post(`/workflows/${id}/deactivate`, {})).data;
		const wf = (await this.api.post(`/workflows/${id}/unpublish`, {})).data;
		await waitFor(
			`unpublication of workflow ${id}`,
			async () => {
				const st = ((await this.rest.get(`/workflows/${id}/publication-status`)).data?.data ??
					{}) as PublicationStatus;
				return st.status !== 'published' && st.status !== 'in_progress';
			},
			{ timeoutMs: 10_000, intervalMs: 100 },
		).catch(() => undefined);
		return wf;
	}

	/** waitForPublication (2.x) + waitForWorkflowWebhooks. */
	async waitUntilLive(wf: WorkflowDto): Promise<void> {
		if (this.major >= 2 && wf.activeVersionId)
			await this.waitForPublication(wf.id, wf.activeVersionId);
		await this.waitForWorkflowWebhooks(wf);
	}

	/**
	 * 2.x only (no-op on 1.x): wait until `GET /rest/workflows/{id}/publication-status` says the publication is applied:
	 * `status` 'published' (every trigger activated) with `liveVersionId` = `versionId` (default: any). Throws when
	 * it settles as 'failed' or 'partial' (a trigger could not be activated) or after `timeoutMs` (default 60 s;
	 * after a start, n8n's reconciler and outbox poll pick up CLI-published workflows within ~15 s).
	 */
	async waitForPublication(
		id: string,
		versionId?: string,
		timeoutMs = 60_000,
	): Promise<PublicationStatus | undefined> {
		if (this.major < 2) return undefined;
		let last: PublicationStatus | undefined;
		return await waitFor(
			`publication of workflow ${id}${versionId ? ` version ${versionId}` : ''}`,
			async () => {
				const res = await this.rest.get(`/workflows/${id}/publication-status`);
				last = (res.data?.data ?? res.data) as PublicationStatus;
				if (last.status === 'failed' || last.status === 'partial') {
					throw new WaitAbort(
						`publication of workflow ${id} ${last.status}: ${JSON.stringify(last.triggers)}`,
					);
				}
				return last.status === 'published' && (!versionId || last.liveVersionId === versionId)
					? last
					: undefined;
			},
			{ timeoutMs, intervalMs: 100, onTimeout: () => `last status: ${JSON.stringify(last)}` },
		);
	}

	/**
	 * Production webhook paths of a workflow's webhook triggers: a Webhook node's `path` (`<webhookId>/<path>` when the
	 * path holds a `:param`), and `<webhookId>/exotel-status` for the Exotel Status Trigger (its fixed path).
	 */
	static webhookPathsOf(wf: { nodes?: Json[] }): Array<{ path: string; method: string }> {
		const out: Array<{ path: string; method: string }> = [];
		for (const n of wf.nodes ?? []) {
			if (n.disabled || !n.webhookId) continue;
			if (n.type === 'n8n-nodes-base.webhook') {
				const p = String(n.parameters?.path ?? n.webhookId).replace(/^\/+/, '');
				out.push({
					path: p.includes(':') ? `${n.webhookId}/${p}` : p,
					method: String(n.parameters?.httpMethod ?? 'GET'),
				});
			} else if (/\.exotelStatusTrigger$/.test(n.type)) {
				out.push({ path: `${n.webhookId}/exotel-status`, method: 'POST' });
			}
		}
		return out;
	}

	/**
	 * Whether a production webhook is registered, without running its workflow: a request with a method the webhook
	 * does not take answers 404 "…not registered for PATCH requests. Did you mean to make a POST request?" when the
	 * path is registered and 404 "The requested webhook … is not registered." otherwise. (`OPTIONS` does not tell:
	 * 2.x answers 204 for any path.)
	 */
	async webhookRegistered(pathAfterWebhook: string, method = 'POST'): Promise<boolean> {
		const probe = method.toUpperCase() === 'PATCH' ? 'PUT' : 'PATCH';
		const res = await this.http.request({
			url: this.webhookUrl(pathAfterWebhook),
			method: probe,
			timeout: 5000,
		});
		if (res.status !== 404) return true;
		return /Did you mean/i.test(JSON.stringify(res.data));
	}

	/**
	 * Wait until the production webhooks of an active workflow are registered (webhookRegistered). Times out quietly
	 * after `timeoutMs` and returns what is still missing: callers check their own calls.
	 */
	async waitForWorkflowWebhooks(
		wf: { nodes?: Json[] },
		timeoutMs = 10_000,
	): Promise<{ waitedMs: number; missing: string[] }> {
		const started = Date.now();
		let missing = N8nClient.webhookPathsOf(wf);
		while (missing.length && Date.now() - started < timeoutMs) {
			const still: typeof missing = [];
			for (const w of missing) if (!(await this.webhookRegistered(w.path, w.method))) still.push(w);
			missing = still;
			if (missing.length) await sleep(100);
		}
		return { waitedMs: Date.now() - started, missing: missing.map((w) => w.path) };
	}

	/** Create + activate (publish on 2.x). */
	async importWorkflow(wf: Json, opts: { activate?: boolean } = {}): Promise<WorkflowDto> {
		const created = await this.createWorkflow(wf);
		if (opts.activate === false) return created;
		return await this.activateWorkflow(created.id);
	}

	/**
	 * `PUT /api/v1/workflows/{id}` (name, nodes, connections, settings). An active workflow stays active (re-registered);
	 * on 2.x the saved version is re-published (`publishIfActive` defaults to true), so the change is live at once.
	 */
	async updateWorkflow(id: string, wf: Json): Promise<WorkflowDto> {
		const updated: WorkflowDto = (await this.api.put(`/workflows/${id}`, toPublicApiWorkflow(wf)))
			.data;
		if (updated.active) await this.waitUntilLive(updated);
		return updated;
	}

	/**
	 * Which of the given node types (name + typeVersion) this n8n does not know. Uses the editor's
	 * `POST /rest/node-types` (the descriptions it loads when a workflow is opened), which fails as a whole when any
	 * requested type/version is unknown; the types are then asked one by one.
	 */
	async unknownNodeTypes(nodes: Array<{ type: string; typeVersion: number }>): Promise<string[]> {
		const keys = [...new Set(nodes.map((n) => `${n.type}@${n.typeVersion}`))];
		const ask = async (list: string[]) => {
			const nodeInfos = list.map((k) => ({
				name: k.slice(0, k.lastIndexOf('@')),
				version: Number(k.slice(k.lastIndexOf('@') + 1)),
			}));
			const res = await this.rest.post(
				'/node-types',
				{ nodeInfos },
				{ validateStatus: () => true },
			);
			const body = res.data?.data ?? res.data;
			return res.status === 200 && Array.isArray(body) && body.length === list.length;
		};
		if (await ask(keys)) return [];
		const unknown: string[] = [];
		for (const k of keys) if (!(await ask([k]))) unknown.push(k);
		return unknown;
	}

	async getWorkflow(id: string): Promise<WorkflowDto> {
		return (await this.api.get(`/workflows/${id}`)).data;
	}

	async listWorkflows(): Promise<WorkflowDto[]> {
		const out: WorkflowDto[] = [];
		let cursor: string | undefined;
		do {
			const res = await this.api.get('/workflows', { params: { limit: 250, cursor } });
			out.push(...res.data.data);
			cursor = res.data.nextCursor ?? undefined;
		} while (cursor);
		return out;
	}

	async deleteWorkflow(id: string): Promise<void> {
		await this.api.delete(`/workflows/${id}`);
	}

	/** The workflow's whole static data (`{ global: …, 'node:<name>': … }`) as stored in the DB, `{}` if none. */
	async getStaticData(id: string): Promise<Json> {
		const sd = (await this.getWorkflow(id)).staticData;
		if (!sd) return {};
		return typeof sd === 'string' ? JSON.parse(sd) : sd;
	}

	// ---- data tables (n8n 2.x; example 3's tick lock and callback table) --------------------------------------

	/** The owner's personal project, where the REST API creates data tables. */
	async personalProjectId(): Promise<string> {
		return ((await this.rest.get('/projects/personal')).data.data as { id: string }).id;
	}

	/** `POST /rest/projects/:id/data-tables`: a data table the Data table node finds by name; returns its id. */
	async createDataTable(
		name: string,
		columns: Array<{ name: string; type: string }>,
	): Promise<string> {
		const project = await this.personalProjectId();
		const res = await this.rest.post(`/projects/${project}/data-tables`, { name, columns });
		return (res.data.data as { id: string }).id;
	}

	async insertDataTableRows(tableId: string, rows: Json[]): Promise<void> {
		const project = await this.personalProjectId();
		await this.rest.post(`/projects/${project}/data-tables/${tableId}/insert`, {
			data: rows,
			returnType: 'count',
		});
	}

	/**
	 * `PATCH …/data-tables/:id/rows`: sets `data` on the rows where every `column = value` of `where` and `lt` holds
	 * (e.g. a lock whose time ran out); returns the rows changed.
	 */
	async updateDataTableRows(
		tableId: string,
		where: Array<{ column: string; condition: 'eq' | 'lt'; value: unknown }>,
		data: Json,
	): Promise<Json[]> {
		const project = await this.personalProjectId();
		const res = await this.rest.patch(`/projects/${project}/data-tables/${tableId}/rows`, {
			filter: {
				type: 'and',
				filters: where.map((w) => ({
					columnName: w.column,
					condition: w.condition,
					value: w.value,
				})),
			},
			data,
			returnData: true,
		});
		return res.data.data as Json[];
	}

	/** The id of the owner's data table named `name`, or undefined. */
	async dataTableIdByName(name: string): Promise<string | undefined> {
		const project = await this.personalProjectId();
		const listed = await this.rest.get(`/projects/${project}/data-tables`, {
			params: { filter: JSON.stringify({ name }) },
		});
		const tables = listed.data.data?.data as Array<{ id: string; name: string }> | undefined;
		return tables?.find((t) => t.name === name)?.id;
	}

	/** Every row of a data table, page by page (n8n caps a page at 250 rows, whatever `take` asks for). */
	async dataTableRows(tableId: string): Promise<Json[]> {
		const project = await this.personalProjectId();
		const rows: Json[] = [];
		for (;;) {
			const res = await this.rest.get(`/projects/${project}/data-tables/${tableId}/rows`, {
				params: { skip: rows.length, take: 250 },
			});
			const page = res.data.data as { count: number; data: Json[] };
			rows.push(...page.data);
			if (page.data.length === 0 || rows.length >= page.count) return rows;
		}
	}

	// ---- credentials -----------------------------------------------------------------------------------------

	/** `POST /api/v1/credentials` → `{ id, name, type }`; reference it in nodes as `credentials: { <type>: { id, name } }`. */
	async createCredential(cred: {
		name: string;
		type: string;
		data: Json;
	}): Promise<{ id: string; name: string; type: string }> {
		return (await this.api.post('/credentials', cred)).data;
	}

	// ---- executions ------------------------------------------------------------------------------------------

	/**
	 * All executions of a workflow (public API, pages of 250). Note: without `status`, n8n leaves out executions that
	 * are still active (queued or running); ask for `status: 'running'` separately (countExecutions does).
	 */
	async listExecutions(
		opts: {
			workflowId?: string;
			status?: 'success' | 'error' | 'running' | 'waiting' | 'canceled';
			includeData?: boolean;
			max?: number;
		} = {},
	): Promise<ExecutionDto[]> {
		const out: ExecutionDto[] = [];
		let cursor: string | undefined;
		const max = opts.max ?? Infinity;
		do {
			const params: Json = {
				limit: 250,
				cursor,
				includeData: opts.includeData ?? false,
			};
			if (opts.workflowId) params.workflowId = opts.workflowId;
			if (opts.status) params.status = opts.status;
			const res = await this.api.get('/executions', { params });
			out.push(
				...res.data.data.map((e: Json) => ({
					...e,
					id: String(e.id),
					workflowId: String(e.workflowId),
				})),
			);
			cursor = res.data.nextCursor ?? undefined;
		} while (cursor && out.length < max);
		return out;
	}

	async getExecution(id: string, includeData = true): Promise<ExecutionDto> {
		const e = (await this.api.get(`/executions/${id}`, { params: { includeData } })).data;
		return { ...e, id: String(e.id), workflowId: String(e.workflowId) };
	}

	/** Counts by status, including executions still queued/running. */
	async countExecutions(workflowId: string): Promise<ExecutionCounts> {
		const [done, running] = await Promise.all([
			this.listExecutions({ workflowId }),
			this.listExecutions({ workflowId, status: 'running' }),
		]);
		const seen = new Set<string>();
		const byStatus: Partial<Record<ExecutionStatus, number>> = {};
		for (const e of [...done, ...running]) {
			if (seen.has(e.id)) continue;
			seen.add(e.id);
			byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
		}
		const pending = (byStatus.new ?? 0) + (byStatus.running ?? 0) + (byStatus.waiting ?? 0);
		return { total: seen.size, byStatus, pending };
	}

	/** Wait until the workflow has at least `count` finished executions (any final status) and none pending. */
	async waitForExecutions(
		workflowId: string,
		count: number,
		opts: { timeoutMs?: number; intervalMs?: number } = {},
	): Promise<ExecutionCounts> {
		let last: ExecutionCounts | undefined;
		return await waitFor(
			`${count} finished executions of workflow ${workflowId}`,
			async () => {
				last = await this.countExecutions(workflowId);
				return last.total - last.pending >= count && last.pending === 0 ? last : undefined;
			},
			{
				timeoutMs: opts.timeoutMs ?? 60_000,
				intervalMs: opts.intervalMs ?? 500,
				onTimeout: () => `last counts: ${JSON.stringify(last)}`,
			},
		);
	}

	// ---- webhooks --------------------------------------------------------------------------------------------

	/** Production webhook URL for a trigger node with a fixed webhookId: `<base>/webhook/<webhookId>/<path>`. */
	webhookUrl(pathAfterWebhook: string, test = false): string {
		const base = test ? this.baseUrl : (this.webhookBaseUrl ?? this.baseUrl);
		return `${base}/${test ? 'webhook-test' : 'webhook'}/${pathAfterWebhook.replace(/^\/+/, '')}`;
	}

	/** Call a webhook; never throws on HTTP status (check `res.status`). */
	async webhook(
		pathAfterWebhook: string,
		body?: unknown,
		opts: WebhookCallOptions = {},
	): Promise<AxiosResponse> {
		const enc = body === undefined ? undefined : encodeBody(body, opts.encoding ?? 'json');
		return await this.http.request({
			url: this.webhookUrl(pathAfterWebhook, opts.test),
			method: opts.method ?? 'POST',
			params: opts.query,
			data: enc?.body,
			headers: { ...(enc ? { 'Content-Type': enc.contentType } : {}), ...(opts.headers ?? {}) },
			timeout: opts.timeoutMs ?? 30_000,
			transformRequest: [(d) => d],
		});
	}

	/**
	 * Retry a webhook until it stops answering 404 (webhook not registered yet). NB: the successful call is a real call
	 * and starts an execution.
	 */
	async waitForWebhook(
		pathAfterWebhook: string,
		body: unknown = {},
		opts: WebhookCallOptions & { waitMs?: number } = {},
	): Promise<AxiosResponse> {
		const started = Date.now();
		for (;;) {
			const res = await this.webhook(pathAfterWebhook, body, opts);
			if (res.status !== 404) return res;
			if (Date.now() - started > (opts.waitMs ?? 30_000)) {
				throw new Error(
					`webhook ${pathAfterWebhook} still 404 after ${opts.waitMs ?? 30_000} ms: ${JSON.stringify(res.data)}`,
				);
			}
			await sleep(250);
		}
	}
}
