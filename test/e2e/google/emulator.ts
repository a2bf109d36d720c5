/**
 * Google APIs emulator: OAuth token endpoint (service-account JWT bearer + OAuth2 refresh token) and the subset
 * of Sheets API v4 that n8n's Google Sheets node calls, over HTTPS with a test CA, with Google's per-minute quotas
 * and a request log. See README.md. Node built-ins only.
 *
 *   const g = await startGoogleEmulator();
 *   const { spreadsheetId } = g.createSpreadsheet('Campaign', [{ name: 'Contacts', header: ['phone'], rows: [['+91…']] }]);
 *   n8n env: { ...g.n8nEnv() }; credential: g.serviceAccountCredential()
 */
import * as crypto from 'crypto';
import * as https from 'https';
import { AddressInfo } from 'net';
import * as path from 'path';
import { IncomingMessage, ServerResponse } from 'http';
import { A1Ref, formatRange, parseA1, quoteSheet } from './a1';
import { generateTestCerts, GOOGLE_HOSTS, TestCerts } from './certs';
import {
	GOOGLE_DEFAULT_LIMITS,
	LogEntry,
	QuotaLimits,
	QuotaTracker,
	quotaErrorBody,
	RequestKind,
	RequestLog,
} from './log';
import {
	Cell,
	DateTimeRenderOption,
	JsonCell,
	parseInput,
	render,
	ValueError,
	ValueInputOption,
	ValueRenderOption,
} from './values';

export const PRELOAD_FILE = path.join(__dirname, 'preload.cjs');
export const TOKEN_AUDIENCES = [
	'https://oauth2.googleapis.com/token',
	'https://www.googleapis.com/oauth2/v4/token',
	'https://accounts.google.com/o/oauth2/token',
];
const SHEETS_SCOPES_RW = [
	'https://www.googleapis.com/auth/spreadsheets',
	'https://www.googleapis.com/auth/drive',
	'https://www.googleapis.com/auth/drive.file',
];
const SHEETS_SCOPES_RO = [
	...SHEETS_SCOPES_RW,
	'https://www.googleapis.com/auth/spreadsheets.readonly',
	'https://www.googleapis.com/auth/drive.readonly',
];

// ---------------------------------------------------------------------------------------------------------- model

export interface SheetModel {
	sheetId: number;
	title: string;
	index: number;
	rowCount: number;
	columnCount: number;
	/** cells[row][col] (0-based); undefined = empty */
	cells: Array<Array<Cell | undefined> | undefined>;
}

export interface SpreadsheetModel {
	spreadsheetId: string;
	title: string;
	sheets: SheetModel[];
	/** principals (service account e-mails / OAuth users) that may open it; '*' = anyone with a token */
	sharedWith: Set<string>;
}

export interface SheetInit {
	name: string;
	header?: Array<string>;
	rows?: unknown[][];
	/** grid size (default max(1000, rows + 1) × max(26, widest row)) */
	rowCount?: number;
	columnCount?: number;
}

export interface ServiceAccount {
	type: 'service_account';
	project_id: string;
	private_key_id: string;
	private_key: string;
	client_email: string;
	client_id: string;
	token_uri: string;
	/** PEM public key the emulator verifies JWT signatures with */
	publicKeyPem: string;
	/** may impersonate users (domain-wide delegation) */
	delegation: boolean;
}

interface TokenInfo {
	user: string;
	scopes: string[];
	expiresAt: number;
	via: 'jwt-bearer' | 'refresh_token';
}

export interface EmulatorOptions {
	/** HTTPS port (default: a free one). */
	port?: number;
	/** Clock for quotas and the log (ms since epoch). Default Date.now. */
	clock?: () => number;
	/** Clock for JWT iat/exp and token expiry. Default Date.now (n8n signs with the real time). */
	authClock?: () => number;
	limits?: Partial<QuotaLimits>;
	/** Google project number in quota messages (default 123456789012). */
	projectNumber?: string;
	/** Host names emulated (default GOOGLE_HOSTS). */
	hosts?: readonly string[];
	/** Print each request to stderr. */
	verbose?: boolean;
	/** Keep request bodies (first 4 000 characters) in the log entries (`body`). */
	logBodies?: boolean;
}

// ------------------------------------------------------------------------------------------------- google errors

class GoogleError extends Error {
	constructor(
		readonly code: number,
		readonly status: string,
		message: string,
		readonly details?: object[],
	) {
		super(message);
	}
	body(): object {
		return {
			error: {
				code: this.code,
				message: this.message,
				status: this.status,
				...(this.details ? { details: this.details } : {}),
			},
		};
	}
}

class OAuthError extends Error {
	constructor(
		readonly code: number,
		readonly error: string,
		readonly description: string,
	) {
		super(description);
	}
}

const invalidArg = (message: string) => new GoogleError(400, 'INVALID_ARGUMENT', message);
const notFound = () => new GoogleError(404, 'NOT_FOUND', 'Requested entity was not found.');

// -------------------------------------------------------------------------------------------------- emulator

export class GoogleEmulator {
	readonly log = new RequestLog();
	readonly quota: QuotaTracker;
	readonly spreadsheets = new Map<string, SpreadsheetModel>();
	readonly serviceAccounts = new Map<string, ServiceAccount>();
	readonly oauthClients = new Map<string, { clientSecret: string }>();
	readonly refreshTokens = new Map<string, { clientId: string; user: string; scopes: string[] }>();
	readonly tokens = new Map<string, TokenInfo>();
	readonly clock: () => number;
	readonly authClock: () => number;
	readonly projectNumber: string;
	readonly hosts: readonly string[];
	/** The default service account, created at start. */
	serviceAccount!: ServiceAccount;
	/** The default OAuth client (for googleSheetsOAuth2Api credentials). */
	oauthClient = { clientId: '', clientSecret: '' };
	port = 0;
	private server?: https.Server;
	private certs?: TestCerts;
	private nextSheetId = 0;
	private verbose: boolean;
	logBodies: boolean;

	constructor(opts: EmulatorOptions = {}) {
		this.clock = opts.clock ?? Date.now;
		this.authClock = opts.authClock ?? Date.now;
		this.quota = new QuotaTracker({ ...GOOGLE_DEFAULT_LIMITS, ...(opts.limits ?? {}) });
		this.projectNumber = opts.projectNumber ?? '123456789012';
		this.hosts = opts.hosts ?? GOOGLE_HOSTS;
		this.verbose = !!opts.verbose;
		this.logBodies = !!opts.logBodies;
	}

	// ------------------------------------------------------------------ lifecycle

	async listen(port = 0): Promise<void> {
		this.certs = generateTestCerts(this.hosts);
		this.server = https.createServer(
			{ key: this.certs.keyPem, cert: this.certs.certPem },
			(req, res) => {
				this.handle(req, res).catch((e) => {
					if (!res.headersSent)
						this.send(res, 500, {
							error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' },
						});
					process.stderr.write(`[google-emulator] ${(e as Error).stack}\n`);
				});
			},
		);
		this.server.keepAliveTimeout = 5000;
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(port, '127.0.0.1', () => resolve());
		});
		this.port = (this.server.address() as AddressInfo).port;
		this.serviceAccount = this.addServiceAccount();
		this.oauthClient = this.addOAuthClient();
	}

	async stop(): Promise<void> {
		const s = this.server;
		this.server = undefined;
		if (s) {
			await new Promise<void>((resolve) => {
				s.close(() => resolve());
				s.closeAllConnections?.();
			});
		}
		this.certs?.cleanup();
	}

	get caFile(): string {
		return this.certs!.caFile;
	}
	get caPem(): string {
		return this.certs!.caPem;
	}
	/** What n8n's node uses (resolved to the emulator by the preload). */
	get sheetsBaseUrl(): string {
		return 'https://sheets.googleapis.com';
	}
	/** Direct URL of the emulator (certificate valid for 127.0.0.1 too). */
	get localUrl(): string {
		return `https://127.0.0.1:${this.port}`;
	}

	setLimits(limits: Partial<QuotaLimits>): void {
		this.quota.limits = { ...this.quota.limits, ...limits };
	}

	/**
	 * Environment for the process under test (n8n): the preload that sends the Google hosts to this emulator and the
	 * test CA. The harness's n8nEnv() drops NODE_OPTIONS from the parent, so pass these through its `env` option.
	 */
	n8nEnv(): Record<string, string> {
		return {
			NODE_OPTIONS: `--require ${PRELOAD_FILE}`,
			NODE_EXTRA_CA_CERTS: this.caFile,
			GOOGLE_EMULATOR_PORT: String(this.port),
			GOOGLE_EMULATOR_ADDR: '127.0.0.1',
			GOOGLE_EMULATOR_HOSTS: this.hosts.join(','),
		};
	}

	// ------------------------------------------------------------------ principals

	addServiceAccount(
		opts: { email?: string; projectId?: string; delegation?: boolean } = {},
	): ServiceAccount {
		const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
		const projectId = opts.projectId ?? 'exotel-campaign-test';
		const n = this.serviceAccounts.size;
		const sa: ServiceAccount = {
			type: 'service_account',
			project_id: projectId,
			private_key_id: crypto.randomBytes(20).toString('hex'),
			private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
			client_email:
				opts.email ?? `n8n-sheets${n ? `-${n}` : ''}@${projectId}.iam.gserviceaccount.com`,
			client_id: String(100000000000000000000n + BigInt(crypto.randomInt(1e9))),
			token_uri: 'https://oauth2.googleapis.com/token',
			publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
			delegation: !!opts.delegation,
		};
		this.serviceAccounts.set(sa.client_email, sa);
		return sa;
	}

	/** Data for n8n's `googleApi` credential (Google Service Account API). */
	serviceAccountCredential(sa: ServiceAccount = this.serviceAccount): Record<string, unknown> {
		// n8n's public API checks `data` against a JSON schema built from the display conditions: without
		// `inpersonate: false` n8n 1.123 requires delegatedEmail, and with it delegatedEmail is refused; the same goes
		// for httpNode/scopes. This set is accepted by 1.123.81 and 2.41.1 (measured).
		return {
			email: sa.client_email,
			privateKey: sa.private_key,
			inpersonate: false,
			httpNode: false,
		};
	}

	addOAuthClient(): { clientId: string; clientSecret: string } {
		const clientId = `${crypto.randomInt(1e11, 9e11)}-${crypto.randomBytes(16).toString('hex')}.apps.googleusercontent.com`;
		const clientSecret = `GOCSPX-${crypto.randomBytes(14).toString('base64url')}`;
		this.oauthClients.set(clientId, { clientSecret });
		return { clientId, clientSecret };
	}

	/** A refresh token (and a valid access token) for `user` under an OAuth client, as after the consent screen. */
	issueRefreshToken(
		user = 'campaign.owner@example.com',
		scopes = [
			'https://www.googleapis.com/auth/drive.file',
			'https://www.googleapis.com/auth/spreadsheets',
		],
		client = this.oauthClient,
	): { refreshToken: string; accessToken: string; expiresIn: number } {
		const refreshToken = `1//0g${crypto.randomBytes(40).toString('base64url')}`;
		this.refreshTokens.set(refreshToken, { clientId: client.clientId, user, scopes });
		const accessToken = this.mintToken(user, scopes, 'refresh_token');
		return { refreshToken, accessToken, expiresIn: 3599 };
	}

	/**
	 * Data for n8n's `googleSheetsOAuth2Api` credential (the one examples/01 uses), as n8n stores it after the consent
	 * screen. `expired: true` stores an access token the emulator does not know, so n8n's first call gets 401 and n8n
	 * refreshes with the refresh token (exercises the refresh path).
	 */
	oauth2Credential(opts: { user?: string; expired?: boolean } = {}): Record<string, unknown> {
		const t = this.issueRefreshToken(opts.user);
		const access = opts.expired
			? `ya29.expired-${crypto.randomBytes(8).toString('hex')}`
			: t.accessToken;
		if (opts.expired) this.tokens.delete(t.accessToken);
		return {
			clientId: this.oauthClient.clientId,
			clientSecret: this.oauthClient.clientSecret,
			oauthTokenData: {
				access_token: access,
				refresh_token: t.refreshToken,
				scope:
					'https://www.googleapis.com/auth/drive.file https://www.googleapis.com/auth/spreadsheets',
				token_type: 'Bearer',
				expires_in: 3599,
			},
		};
	}

	private mintToken(user: string, scopes: string[], via: TokenInfo['via']): string {
		const token = `ya29.c.${crypto.randomBytes(48).toString('base64url')}`;
		this.tokens.set(token, { user, scopes, expiresAt: this.authClock() + 3600 * 1000, via });
		return token;
	}

	// ------------------------------------------------------------------ spreadsheets (test API)

	createSpreadsheet(
		title: string,
		sheets: SheetInit[],
		opts: {
			spreadsheetId?: string;
			valueInputOption?: ValueInputOption;
			sharedWith?: string[];
		} = {},
	): { spreadsheetId: string; url: string; sheets: Array<{ sheetId: number; title: string }> } {
		const spreadsheetId =
			opts.spreadsheetId ?? crypto.randomBytes(33).toString('base64url').slice(0, 44);
		const ss: SpreadsheetModel = {
			spreadsheetId,
			title,
			sheets: [],
			sharedWith: new Set(opts.sharedWith ?? ['*']),
		};
		for (const init of sheets.length ? sheets : [{ name: 'Sheet1' }]) {
			const rows = [...(init.header ? [init.header] : []), ...(init.rows ?? [])];
			const width = Math.max(0, ...rows.map((r) => r.length));
			const sh = this.newSheet(
				ss,
				init.name,
				init.rowCount ?? Math.max(1000, rows.length + 1),
				init.columnCount ?? Math.max(26, width),
			);
			rows.forEach((r, i) => {
				r.forEach((v, j) => {
					const c = parseInput(v, opts.valueInputOption ?? 'RAW', `[${i}][${j}]`);
					if (c !== undefined) setCell(sh, i, j, c);
				});
			});
		}
		this.spreadsheets.set(spreadsheetId, ss);
		return {
			spreadsheetId,
			url: `https://docs.google.com/spreadsheets/d/${spreadsheetId}/edit`,
			sheets: ss.sheets.map((s) => ({ sheetId: s.sheetId, title: s.title })),
		};
	}

	private newSheet(
		ss: SpreadsheetModel,
		title: string,
		rowCount = 1000,
		columnCount = 26,
	): SheetModel {
		if (ss.sheets.some((s) => s.title.toLowerCase() === title.toLowerCase())) {
			throw invalidArg(
				`Invalid requests[0].addSheet: A sheet with the name "${title}" already exists. Please enter another name.`,
			);
		}
		const sh: SheetModel = {
			sheetId: ss.sheets.length === 0 ? 0 : 100000000 + ++this.nextSheetId * 7919,
			title,
			index: ss.sheets.length,
			rowCount,
			columnCount,
			cells: [],
		};
		ss.sheets.push(sh);
		return sh;
	}

	sheet(spreadsheetId: string, sheetName: string): SheetModel {
		const ss = this.spreadsheets.get(spreadsheetId);
		const sh = ss?.sheets.find((s) => s.title === sheetName);
		if (!sh) throw new Error(`no sheet ${sheetName} in ${spreadsheetId}`);
		return sh;
	}

	/** 2-D values of a sheet as values.get would return them (trailing empties trimmed). */
	values(
		spreadsheetId: string,
		sheetName: string,
		renderOption: ValueRenderOption = 'UNFORMATTED_VALUE',
	): JsonCell[][] {
		const sh = this.sheet(spreadsheetId, sheetName);
		return readRect(
			sh,
			0,
			0,
			sh.rowCount - 1,
			sh.columnCount - 1,
			renderOption,
			'FORMATTED_STRING',
			'ROWS',
		);
	}

	/**
	 * Data rows as objects keyed by the header row (row 1), with `row_number` (the sheet row, as n8n reports it).
	 * Empty cells are ''; rows with no value at all are skipped.
	 */
	rows(
		spreadsheetId: string,
		sheetName: string,
		renderOption: ValueRenderOption = 'UNFORMATTED_VALUE',
	): Array<Record<string, JsonCell>> {
		const v = this.values(spreadsheetId, sheetName, renderOption);
		const header = (v[0] ?? []).map(String);
		const out: Array<Record<string, JsonCell>> = [];
		for (let i = 1; i < v.length; i++) {
			if (!v[i].length) continue;
			const o: Record<string, JsonCell> = { row_number: i + 1 };
			header.forEach((h, j) => (o[h] = v[i][j] ?? ''));
			out.push(o);
		}
		return out;
	}

	// ------------------------------------------------------------------ HTTP

	private send(
		res: ServerResponse,
		status: number,
		body: object,
		headers: Record<string, string> = {},
	): void {
		const data = JSON.stringify(body, null, 2);
		res.writeHead(status, {
			'Content-Type': 'application/json; charset=UTF-8',
			'Content-Length': Buffer.byteLength(data),
			Vary: 'Origin, X-Origin, Referer',
			...headers,
		});
		res.end(data);
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const started = Date.now();
		const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
		const url = new URL(req.url ?? '/', 'https://x');
		const raw = await readBody(req);
		const entry: LogEntry = {
			t: this.clock(),
			kind: 'other',
			method: req.method ?? 'GET',
			host,
			path: safeDecode(url.pathname),
			query: url.search.slice(1),
			status: 0,
		};
		if (this.logBodies && raw) entry.body = raw.slice(0, 4000);
		const finish = (status: number, body: object, headers?: Record<string, string>) => {
			entry.status = status;
			entry.ms = Date.now() - started;
			if (status >= 400)
				entry.error =
					(body as { error?: { message?: string } | string; error_description?: string })
						.error_description ??
					(typeof (body as { error?: unknown }).error === 'object'
						? (body as { error: { message?: string } }).error.message
						: String((body as { error?: unknown }).error));
			this.log.add(entry);
			if (this.verbose)
				process.stderr.write(
					`[google-emulator] ${status} ${entry.kind} ${entry.method} ${host}${url.pathname}${url.search}\n`,
				);
			this.send(res, status, body, headers);
		};
		try {
			if (
				url.pathname === '/token' ||
				url.pathname === '/oauth2/v4/token' ||
				url.pathname === '/o/oauth2/token'
			) {
				entry.kind = 'token';
				const out = this.token(req, raw, entry);
				return finish(200, out);
			}
			if (url.pathname.startsWith('/v4/spreadsheets')) {
				const out = this.sheets(req, url, raw, entry);
				return finish(out.status ?? 200, out.body);
			}
			return finish(404, {
				error: {
					code: 404,
					message: `The requested URL ${url.pathname} was not found on this server.`,
					status: 'NOT_FOUND',
				},
			});
		} catch (e) {
			if (e instanceof OAuthError)
				return finish(e.code, { error: e.error, error_description: e.description });
			if (e instanceof GoogleError) {
				const hdr: Record<string, string> =
					e.code === 401
						? {
								'WWW-Authenticate':
									'Bearer realm="https://accounts.google.com/", error="invalid_token"',
							}
						: {};
				return finish(e.code, e.body(), hdr);
			}
			if (e instanceof QuotaExceeded) return finish(429, e.body);
			if (e instanceof ValueError) return finish(400, invalidArg(e.message).body());
			throw e;
		}
	}

	// ------------------------------------------------------------------ OAuth token endpoint

	private token(req: IncomingMessage, raw: string, entry: LogEntry): object {
		if (req.method !== 'POST') throw new OAuthError(405, 'invalid_request', 'Method not allowed');
		const ct = String(req.headers['content-type'] ?? '');
		const p: Record<string, string> = ct.includes('application/json')
			? ((safeJson(raw) as Record<string, string>) ?? {})
			: Object.fromEntries(new URLSearchParams(raw));
		const grant = p.grant_type;
		entry.api = `token.${grant ?? 'none'}`;
		if (!grant) throw new OAuthError(400, 'unsupported_grant_type', 'Invalid grant_type: ');
		if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer')
			return this.jwtGrant(p.assertion, entry);
		if (grant === 'refresh_token') return this.refreshGrant(req, p, entry);
		throw new OAuthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grant}`);
	}

	private jwtGrant(assertion: string | undefined, entry: LogEntry): object {
		if (!assertion)
			throw new OAuthError(400, 'invalid_request', 'Missing required parameter: assertion');
		const parts = assertion.split('.');
		if (parts.length !== 3) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
		const header = safeJson(Buffer.from(parts[0], 'base64url').toString()) as
			| Record<string, unknown>
			| undefined;
		const claims = safeJson(Buffer.from(parts[1], 'base64url').toString()) as
			| Record<string, unknown>
			| undefined;
		if (!header || !claims) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
		const sa = this.serviceAccounts.get(String(claims.iss ?? ''));
		if (!sa) throw new OAuthError(400, 'invalid_grant', 'Invalid grant: account not found');
		entry.user = sa.client_email;
		if (header.alg !== 'RS256')
			throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
		const ok = crypto.verify(
			'RSA-SHA256',
			Buffer.from(`${parts[0]}.${parts[1]}`),
			sa.publicKeyPem,
			Buffer.from(parts[2], 'base64url'),
		);
		if (!ok) throw new OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.');
		const now = Math.floor(this.authClock() / 1000);
		const iat = Number(claims.iat);
		const exp = Number(claims.exp);
		if (
			!Number.isFinite(iat) ||
			!Number.isFinite(exp) ||
			exp - iat > 3600 ||
			exp <= iat ||
			iat > now + 300 ||
			exp < now - 300
		) {
			throw new OAuthError(
				400,
				'invalid_grant',
				'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
			);
		}
		if (!TOKEN_AUDIENCES.includes(String(claims.aud))) {
			throw new OAuthError(
				400,
				'invalid_grant',
				`Invalid JWT: Failed audience check. The right audience is ${TOKEN_AUDIENCES[0]}`,
			);
		}
		const scopes = String(claims.scope ?? '')
			.split(/\s+/)
			.filter(Boolean);
		if (
			!scopes.length ||
			scopes.some((s) => !/^https:\/\/(www\.googleapis\.com\/auth\/|mail\.google\.com\/)/.test(s))
		) {
			throw new OAuthError(
				400,
				'invalid_scope',
				'Invalid OAuth scope or ID token audience provided.',
			);
		}
		const sub = claims.sub === undefined ? sa.client_email : String(claims.sub);
		if (sub !== sa.client_email && !sa.delegation) {
			throw new OAuthError(
				401,
				'unauthorized_client',
				'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
			);
		}
		entry.user = sub;
		return {
			access_token: this.mintToken(sub, scopes, 'jwt-bearer'),
			expires_in: 3599,
			token_type: 'Bearer',
		};
	}

	private refreshGrant(req: IncomingMessage, p: Record<string, string>, entry: LogEntry): object {
		let clientId = p.client_id;
		let clientSecret = p.client_secret;
		const auth = String(req.headers.authorization ?? '');
		if (auth.startsWith('Basic ')) {
			const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
			clientId = decodeURIComponent(id ?? '');
			clientSecret = decodeURIComponent(secret ?? '');
		}
		const client = clientId ? this.oauthClients.get(clientId) : undefined;
		if (!client) throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
		if (client.clientSecret !== clientSecret)
			throw new OAuthError(401, 'invalid_client', 'Unauthorized');
		const rt = this.refreshTokens.get(p.refresh_token ?? '');
		if (!rt || rt.clientId !== clientId) throw new OAuthError(400, 'invalid_grant', 'Bad Request');
		entry.user = rt.user;
		return {
			access_token: this.mintToken(rt.user, rt.scopes, 'refresh_token'),
			expires_in: 3599,
			scope: rt.scopes.join(' '),
			token_type: 'Bearer',
		};
	}

	// ------------------------------------------------------------------ Sheets API

	private authorize(req: IncomingMessage, write: boolean, method: string): TokenInfo {
		const auth = String(req.headers.authorization ?? '');
		const m = /^Bearer\s+(\S+)$/i.exec(auth);
		if (!m) {
			throw new GoogleError(
				401,
				'UNAUTHENTICATED',
				'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
				[
					{
						'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
						reason: 'CREDENTIALS_MISSING',
						domain: 'googleapis.com',
						metadata: { service: 'sheets.googleapis.com', method },
					},
				],
			);
		}
		const info = this.tokens.get(m[1]);
		if (!info || info.expiresAt <= this.authClock()) {
			throw new GoogleError(
				401,
				'UNAUTHENTICATED',
				'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
				[
					{
						'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
						reason: info ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
						domain: 'googleapis.com',
						metadata: { service: 'sheets.googleapis.com', method },
					},
				],
			);
		}
		const allowed = write ? SHEETS_SCOPES_RW : SHEETS_SCOPES_RO;
		if (!info.scopes.some((s) => allowed.includes(s))) {
			throw new GoogleError(
				403,
				'PERMISSION_DENIED',
				'Request had insufficient authentication scopes.',
				[
					{
						'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
						reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
						domain: 'googleapis.com',
						metadata: { service: 'sheets.googleapis.com', method },
					},
				],
			);
		}
		return info;
	}

	private spreadsheetFor(id: string, user: string): SpreadsheetModel {
		const ss = this.spreadsheets.get(id);
		if (!ss) throw notFound();
		if (!ss.sharedWith.has('*') && !ss.sharedWith.has(user))
			throw new GoogleError(403, 'PERMISSION_DENIED', 'The caller does not have permission');
		return ss;
	}

	private sheets(
		req: IncomingMessage,
		url: URL,
		raw: string,
		entry: LogEntry,
	): { status?: number; body: object } {
		const method = req.method ?? 'GET';
		// /v4/spreadsheets[/{id}[/values[/{range}][:op]]][:op]
		const rest = url.pathname.slice('/v4/spreadsheets'.length);
		const q = url.searchParams;
		type Route = {
			api: string;
			kind: RequestKind;
			write: boolean;
			run: (ss: SpreadsheetModel, body: Record<string, unknown>) => object;
		};
		let route: Route | undefined;
		let id = '';
		let m: RegExpExecArray | null;
		if (rest === '' && method === 'POST') {
			route = { api: 'spreadsheets.create', kind: 'write', write: true, run: () => ({}) };
		} else if ((m = /^\/([^/:]+)$/.exec(rest)) && method === 'GET') {
			id = m[1];
			route = {
				api: 'spreadsheets.get',
				kind: 'metadata',
				write: false,
				run: (ss) => applyFields(spreadsheetResource(ss), q.get('fields')) as object,
			};
		} else if ((m = /^\/([^/:]+):batchUpdate$/.exec(rest)) && method === 'POST') {
			id = m[1];
			route = {
				api: 'spreadsheets.batchUpdate',
				kind: 'write',
				write: true,
				run: (ss, b) => this.structuralBatch(ss, b),
			};
		} else if ((m = /^\/([^/:]+)\/values:batchGet$/.exec(rest)) && method === 'GET') {
			id = m[1];
			route = {
				api: 'values.batchGet',
				kind: 'read',
				write: false,
				run: (ss) => ({
					spreadsheetId: ss.spreadsheetId,
					valueRanges: q.getAll('ranges').map((r) => valuesGet(ss, r, q)),
				}),
			};
		} else if ((m = /^\/([^/:]+)\/values:batchUpdate$/.exec(rest)) && method === 'POST') {
			id = m[1];
			route = {
				api: 'values.batchUpdate',
				kind: 'write',
				write: true,
				run: (ss, b) => valuesBatchUpdate(ss, b),
			};
		} else if ((m = /^\/([^/:]+)\/values:batchClear$/.exec(rest)) && method === 'POST') {
			id = m[1];
			route = {
				api: 'values.batchClear',
				kind: 'write',
				write: true,
				run: (ss, b) => ({
					spreadsheetId: ss.spreadsheetId,
					clearedRanges: ((b.ranges as string[]) ?? []).map((r) => valuesClear(ss, r)),
				}),
			};
		} else if ((m = /^\/([^/:]+)\/values\/(.+?)(:append|:clear)?$/.exec(rest))) {
			id = m[1];
			const range = safeDecode(m[2]);
			const op = m[3];
			if (!op && method === 'GET')
				route = {
					api: 'values.get',
					kind: 'read',
					write: false,
					run: (ss) => valuesGet(ss, range, q),
				};
			else if (!op && method === 'PUT')
				route = {
					api: 'values.update',
					kind: 'write',
					write: true,
					run: (ss, b) => valuesUpdate(ss, range, b, q),
				};
			else if (op === ':append' && method === 'POST')
				route = {
					api: 'values.append',
					kind: 'write',
					write: true,
					run: (ss, b) => valuesAppend(ss, range, b, q),
				};
			else if (op === ':clear' && method === 'POST')
				route = {
					api: 'values.clear',
					kind: 'write',
					write: true,
					run: (ss) => ({ spreadsheetId: ss.spreadsheetId, clearedRange: valuesClear(ss, range) }),
				};
		}
		if (!route) {
			throw new GoogleError(404, 'NOT_FOUND', `Method not found.`);
		}
		entry.kind = route.kind;
		entry.api = route.api;
		const tok = this.authorize(
			req,
			route.write,
			`google.apps.sheets.v4.SpreadsheetsService.${route.api}`,
		);
		entry.user = tok.user;
		const body = raw ? safeJson(raw) : {};
		if (body === undefined)
			throw invalidArg(`Invalid JSON payload received. Unexpected token.\n${raw.slice(0, 40)}\n^`);
		// quota: Google counts spreadsheets.get as a read request, every mutation as a write request
		const violation = this.quota.check(this.clock(), route.write ? 'write' : 'read', tok.user);
		if (violation) throw new QuotaExceeded(quotaErrorBody(violation, this.projectNumber));
		if (route.api === 'spreadsheets.create')
			return { body: this.createFromRequest(body as Record<string, unknown>, tok.user) };
		const ss = this.spreadsheetFor(id, tok.user);
		return { body: route.run(ss, (body ?? {}) as Record<string, unknown>) };
	}

	private createFromRequest(b: Record<string, unknown>, user: string): object {
		const props = (b.properties ?? {}) as { title?: string };
		const sheets = (
			(b.sheets ?? []) as Array<{
				properties?: {
					title?: string;
					gridProperties?: { rowCount?: number; columnCount?: number };
				};
			}>
		).map((s, i) => ({
			name: s.properties?.title ?? `Sheet${i + 1}`,
			rowCount: s.properties?.gridProperties?.rowCount,
			columnCount: s.properties?.gridProperties?.columnCount,
		}));
		const { spreadsheetId } = this.createSpreadsheet(
			props.title ?? 'Untitled spreadsheet',
			sheets,
			{ sharedWith: [user, '*'] },
		);
		return spreadsheetResource(this.spreadsheets.get(spreadsheetId)!);
	}

	private structuralBatch(ss: SpreadsheetModel, b: Record<string, unknown>): object {
		const requests = (b.requests ?? []) as Array<Record<string, Record<string, unknown>>>;
		if (!Array.isArray(requests) || !requests.length)
			throw invalidArg('Must specify at least one request.');
		const replies: object[] = [];
		requests.forEach((r, i) => {
			const [kind] = Object.keys(r);
			const a = r[kind] ?? {};
			const sheetOf = (sheetId: unknown) => {
				const sh = ss.sheets.find((s) => s.sheetId === Number(sheetId ?? 0));
				if (!sh) throw invalidArg(`Invalid requests[${i}].${kind}: No grid with id: ${sheetId}`);
				return sh;
			};
			switch (kind) {
				case 'appendDimension': {
					const sh = sheetOf(a.sheetId);
					const n = Number(a.length);
					if (a.dimension === 'ROWS') sh.rowCount += n;
					else sh.columnCount += n;
					replies.push({});
					break;
				}
				case 'insertDimension':
				case 'deleteDimension': {
					const range = (a.range ?? {}) as {
						sheetId?: number;
						dimension?: string;
						startIndex?: number;
						endIndex?: number;
					};
					const sh = sheetOf(range.sheetId);
					const s = Number(range.startIndex ?? 0);
					const e = Number(range.endIndex ?? s);
					const n = e - s;
					if (range.dimension === 'ROWS') {
						if (kind === 'insertDimension') {
							sh.cells.splice(s, 0, ...new Array(n).fill(undefined));
							sh.rowCount += n;
						} else {
							if (e > sh.rowCount)
								throw invalidArg(
									`Invalid requests[${i}].deleteDimension: Cannot delete a row that doesn't exist. Tried to delete row index ${e - 1} but there are only ${sh.rowCount} rows.`,
								);
							sh.cells.splice(s, n);
							sh.rowCount -= n;
						}
					} else {
						for (const row of sh.cells)
							if (row) {
								if (kind === 'insertDimension') row.splice(s, 0, ...new Array(n).fill(undefined));
								else row.splice(s, n);
							}
						sh.columnCount += kind === 'insertDimension' ? n : -n;
					}
					replies.push({});
					break;
				}
				case 'addSheet': {
					const p = (a.properties ?? {}) as {
						title?: string;
						gridProperties?: { rowCount?: number; columnCount?: number };
					};
					const sh = this.newSheet(
						ss,
						p.title ?? `Sheet${ss.sheets.length + 1}`,
						p.gridProperties?.rowCount,
						p.gridProperties?.columnCount,
					);
					replies.push({ addSheet: { properties: sheetProperties(sh) } });
					break;
				}
				case 'deleteSheet': {
					const sh = sheetOf(a.sheetId);
					if (ss.sheets.length === 1)
						throw invalidArg(
							`Invalid requests[${i}].deleteSheet: You can't remove all the sheets in a document.`,
						);
					ss.sheets.splice(ss.sheets.indexOf(sh), 1);
					ss.sheets.forEach((s, k) => (s.index = k));
					replies.push({});
					break;
				}
				default:
					throw invalidArg(
						`Invalid JSON payload received. Unknown name "${kind}" at 'requests[${i}]': Cannot find field.`,
					);
			}
		});
		return { spreadsheetId: ss.spreadsheetId, replies };
	}
}

class QuotaExceeded extends Error {
	constructor(readonly body: object) {
		super('quota');
	}
}

// ------------------------------------------------------------------------------------------------ sheet helpers

function setCell(sh: SheetModel, r: number, c: number, cell: Cell | null): void {
	if (cell === null) {
		const row = sh.cells[r];
		if (row) row[c] = undefined;
		return;
	}
	if (!sh.cells[r]) sh.cells[r] = [];
	sh.cells[r]![c] = cell;
}

function sheetProperties(sh: SheetModel): object {
	return {
		sheetId: sh.sheetId,
		title: sh.title,
		index: sh.index,
		sheetType: 'GRID',
		gridProperties: { rowCount: sh.rowCount, columnCount: sh.columnCount },
	};
}

function spreadsheetResource(ss: SpreadsheetModel): object {
	return {
		spreadsheetId: ss.spreadsheetId,
		properties: {
			title: ss.title,
			locale: 'en_US',
			autoRecalc: 'ON_CHANGE',
			timeZone: 'Asia/Calcutta',
			defaultFormat: {
				backgroundColor: { red: 1, green: 1, blue: 1 },
				padding: { top: 2, right: 3, bottom: 2, left: 3 },
				verticalAlignment: 'BOTTOM',
				wrapStrategy: 'OVERFLOW_CELL',
				textFormat: {
					foregroundColor: {},
					fontFamily: 'arial,sans,sans-serif',
					fontSize: 10,
					bold: false,
					italic: false,
					strikethrough: false,
					underline: false,
				},
			},
		},
		sheets: ss.sheets.map((s) => ({ properties: sheetProperties(s) })),
		spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${ss.spreadsheetId}/edit`,
	};
}

/** Google field masks: `sheets.properties`, `sheets(properties(sheetId,title))`, `properties.title,spreadsheetId`. */
export function applyFields(obj: unknown, fields: string | null): unknown {
	if (!fields || fields === '*') return obj;
	const tree = parseFieldMask(fields);
	const pick = (o: unknown, t: FieldTree): unknown => {
		if (Array.isArray(o)) return o.map((x) => pick(x, t));
		if (!o || typeof o !== 'object') return o;
		const out: Record<string, unknown> = {};
		for (const [k, sub] of Object.entries(t)) {
			const v = (o as Record<string, unknown>)[k];
			if (v === undefined) continue;
			out[k] = sub === true ? v : pick(v, sub);
		}
		return out;
	};
	return pick(obj, tree);
}

type FieldTree = { [k: string]: FieldTree | true };

function parseFieldMask(s: string): FieldTree {
	let i = 0;
	const parseList = (): FieldTree => {
		const t: FieldTree = {};
		for (;;) {
			let name = '';
			while (i < s.length && !',()'.includes(s[i])) name += s[i++];
			name = name.trim();
			const pathParts = name.split('.').filter(Boolean);
			let leaf: FieldTree | true = true;
			if (s[i] === '(') {
				i++;
				leaf = parseList();
				i++; // ')'
			}
			if (pathParts.length) {
				let node = t;
				pathParts.forEach((p, k) => {
					if (k === pathParts.length - 1) {
						const cur = node[p];
						node[p] =
							cur && cur !== true && leaf !== true
								? { ...cur, ...leaf }
								: leaf === true
									? true
									: leaf;
					} else {
						if (node[p] === true) return;
						if (!node[p]) node[p] = {};
						node = node[p] as FieldTree;
					}
				});
			}
			if (s[i] === ',') {
				i++;
				continue;
			}
			return t;
		}
	};
	return parseList();
}

interface Rect {
	sh: SheetModel;
	r0: number;
	c0: number;
	r1: number;
	c1: number;
	ref: A1Ref;
}

function resolveRange(ss: SpreadsheetModel, text: string, forWrite = false): Rect {
	const ref = parseA1(text.trim(), (name) => ss.sheets.some((s) => s.title === name));
	if (!ref) throw invalidArg(`Unable to parse range: ${text}`);
	const sh = ref.sheet === undefined ? ss.sheets[0] : ss.sheets.find((s) => s.title === ref.sheet);
	if (!sh) throw invalidArg(`Unable to parse range: ${text}`);
	const r0 = ref.startRow ?? 0;
	const c0 = ref.startCol ?? 0;
	const r1 = ref.endRow ?? sh.rowCount - 1;
	const c1 = ref.endCol ?? sh.columnCount - 1;
	if (
		r0 >= sh.rowCount ||
		c0 >= sh.columnCount ||
		(!forWrite && (r1 >= sh.rowCount || c1 >= sh.columnCount))
	) {
		const cell =
			r0 >= sh.rowCount || (!forWrite && r1 >= sh.rowCount && c0 < sh.columnCount)
				? `${indexToColSafe(c0)}${sh.rowCount + 1}`
				: `${indexToColSafe(sh.columnCount)}${r0 + 1}`;
		throw invalidArg(
			`Range (${quoteSheet(sh.title)}!${cell}) exceeds grid limits. Max rows: ${sh.rowCount}, max columns: ${sh.columnCount}`,
		);
	}
	return {
		sh,
		r0,
		c0,
		r1: Math.min(r1, sh.rowCount - 1),
		c1: Math.min(c1, sh.columnCount - 1),
		ref,
	};
}

function getCell(sh: SheetModel, r: number, c: number): Cell | undefined {
	return sh.cells[r]?.[c];
}

function readRect(
	sh: SheetModel,
	r0: number,
	c0: number,
	r1: number,
	c1: number,
	ro: ValueRenderOption,
	dt: DateTimeRenderOption,
	major: 'ROWS' | 'COLUMNS',
): JsonCell[][] {
	const outer = major === 'ROWS' ? [r0, r1] : [c0, c1];
	const inner = major === 'ROWS' ? [c0, c1] : [r0, r1];
	const out: JsonCell[][] = [];
	for (let a = outer[0]; a <= outer[1]; a++) {
		const line: JsonCell[] = [];
		for (let b = inner[0]; b <= inner[1]; b++) {
			const cell = major === 'ROWS' ? getCell(sh, a, b) : getCell(sh, b, a);
			if (cell) {
				while (line.length < b - inner[0]) line.push('');
				line.push(render(cell, ro, dt));
			}
		}
		out.push(line);
	}
	while (out.length && out[out.length - 1].length === 0) out.pop();
	return out;
}

function renderOpts(q: URLSearchParams | Record<string, unknown>): {
	ro: ValueRenderOption;
	dt: DateTimeRenderOption;
	major: 'ROWS' | 'COLUMNS';
} {
	const get = (k: string) =>
		(q instanceof URLSearchParams ? q.get(k) : (q[k] as string | undefined)) ?? undefined;
	const ro = (get('valueRenderOption') ?? 'FORMATTED_VALUE') as ValueRenderOption;
	const dt = (get('dateTimeRenderOption') ?? 'SERIAL_NUMBER') as DateTimeRenderOption;
	const major = (get('majorDimension') ?? 'ROWS') as 'ROWS' | 'COLUMNS';
	if (!['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'].includes(ro))
		throw invalidArg(
			`Invalid value at 'value_render_option' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), "${ro}"`,
		);
	if (!['SERIAL_NUMBER', 'FORMATTED_STRING'].includes(dt))
		throw invalidArg(
			`Invalid value at 'date_time_render_option' (type.googleapis.com/google.apps.sheets.v4.DateTimeRenderOption), "${dt}"`,
		);
	if (!['ROWS', 'COLUMNS'].includes(major))
		throw invalidArg(
			`Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), "${major}"`,
		);
	return { ro, dt, major };
}

function valuesGet(ss: SpreadsheetModel, range: string, q: URLSearchParams): object {
	const { ro, dt, major } = renderOpts(q);
	const r = resolveRange(ss, range);
	const values = readRect(r.sh, r.r0, r.c0, r.r1, r.c1, ro, dt, major);
	return {
		range: formatRange(r.sh.title, r.r0, r.c0, r.r1, r.c1),
		majorDimension: major,
		...(values.length ? { values } : {}),
	};
}

function valueInputOf(v: unknown): ValueInputOption {
	if (v === 'RAW' || v === 'USER_ENTERED') return v;
	if (v === undefined || v === null || v === '' || v === 'INPUT_VALUE_OPTION_UNSPECIFIED')
		throw invalidArg('Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED');
	throw invalidArg(
		`Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "${v}"`,
	);
}

interface WriteResult {
	spreadsheetId: string;
	updatedRange: string;
	updatedRows?: number;
	updatedColumns?: number;
	updatedCells?: number;
}

/** Write a 2-D array at the top-left of rect (growing the grid only when `grow`). */
function writeValues(
	ss: SpreadsheetModel,
	rect: Rect,
	values: unknown,
	major: string,
	opt: ValueInputOption,
	where: string,
	bounded: boolean,
	grow = false,
): WriteResult {
	if (values === undefined)
		return {
			spreadsheetId: ss.spreadsheetId,
			updatedRange: formatRange(rect.sh.title, rect.r0, rect.c0, rect.r0, rect.c0),
		};
	if (!Array.isArray(values) || values.some((row) => !Array.isArray(row)))
		throw invalidArg(
			`Invalid value at '${where}values' (type.googleapis.com/google.protobuf.ListValue)`,
		);
	const rows = major === 'COLUMNS' ? transpose(values as unknown[][]) : (values as unknown[][]);
	const height = rows.length;
	const width = Math.max(0, ...rows.map((r) => r.length));
	if (!height || !width)
		return {
			spreadsheetId: ss.spreadsheetId,
			updatedRange: formatRange(rect.sh.title, rect.r0, rect.c0, rect.r0, rect.c0),
		};
	const sh = rect.sh;
	// a single-cell range is only the anchor (gspread's update('A1', [[1, 2], [3, 4]]) relies on it)
	const anchor =
		rect.ref.startRow !== undefined &&
		rect.ref.startRow === rect.ref.endRow &&
		rect.ref.startCol !== undefined &&
		rect.ref.startCol === rect.ref.endCol;
	if (bounded && !anchor) {
		const maxR = rect.ref.endRow;
		const maxC = rect.ref.endCol;
		if (maxR !== undefined && rect.r0 + height - 1 > maxR) {
			throw invalidArg(
				`Requested writing within range [${formatRange(sh.title, rect.r0, rect.c0, rect.r1, rect.c1)}], but tried writing to row [${rect.r0 + height}]`,
			);
		}
		if (maxC !== undefined && rect.c0 + width - 1 > maxC) {
			throw invalidArg(
				`Requested writing within range [${formatRange(sh.title, rect.r0, rect.c0, rect.r1, rect.c1)}], but tried writing to column [${indexToColSafe(rect.c0 + width - 1)}]`,
			);
		}
	}
	if (rect.r0 + height > sh.rowCount || rect.c0 + width > sh.columnCount) {
		if (!grow) {
			// Google names the first cell outside the grid: `Range (Sheet1!A1001) exceeds grid limits. Max rows: 1000, max columns: 26`
			const cell =
				rect.r0 + height > sh.rowCount
					? `${indexToColSafe(rect.c0)}${sh.rowCount + 1}`
					: `${indexToColSafe(sh.columnCount)}${rect.r0 + 1}`;
			throw invalidArg(
				`Range (${quoteSheet(sh.title)}!${cell}) exceeds grid limits. Max rows: ${sh.rowCount}, max columns: ${sh.columnCount}`,
			);
		}
		sh.rowCount = Math.max(sh.rowCount, rect.r0 + height);
		sh.columnCount = Math.max(sh.columnCount, rect.c0 + width);
	}
	// validate everything first (a failed request changes nothing)
	const parsed: Array<Array<Cell | null | undefined>> = rows.map((row, i) =>
		row.map((v, j) => parseInput(v, opt, `[${i}][${j}]`)),
	);
	let cells = 0;
	parsed.forEach((row, i) =>
		row.forEach((c, j) => {
			if (c === undefined) return;
			setCell(sh, rect.r0 + i, rect.c0 + j, c);
			cells++;
		}),
	);
	return {
		spreadsheetId: ss.spreadsheetId,
		updatedRange: formatRange(
			sh.title,
			rect.r0,
			rect.c0,
			rect.r0 + height - 1,
			rect.c0 + width - 1,
		),
		updatedRows: height,
		updatedColumns: width,
		updatedCells: cells,
	};
}

function indexToColSafe(i: number): string {
	let s = '';
	let n = i + 1;
	while (n > 0) {
		s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
		n = Math.floor((n - 1) / 26);
	}
	return s;
}

function transpose(v: unknown[][]): unknown[][] {
	const w = Math.max(0, ...v.map((r) => r.length));
	const out: unknown[][] = [];
	for (let j = 0; j < w; j++) out.push(v.map((r) => (j < r.length ? r[j] : null)));
	// trailing nulls from short columns are just "skip"
	return out;
}

function checkBodyRange(ss: SpreadsheetModel, urlRange: string, b: Record<string, unknown>): void {
	if (b.range === undefined) return;
	const a = resolveRange(ss, urlRange, true);
	const c = resolveRange(ss, String(b.range), true);
	if (
		a.sh !== c.sh ||
		a.r0 !== c.r0 ||
		a.c0 !== c.c0 ||
		a.ref.endRow !== c.ref.endRow ||
		a.ref.endCol !== c.ref.endCol
	) {
		throw invalidArg(
			`Requested entity range ${urlRange} does not match the range in the body ${String(b.range)}.`,
		);
	}
}

function valuesUpdate(
	ss: SpreadsheetModel,
	range: string,
	b: Record<string, unknown>,
	q: URLSearchParams,
): object {
	const opt = valueInputOf(q.get('valueInputOption'));
	checkBodyRange(ss, range, b);
	const rect = resolveRange(ss, range, true);
	const res = writeValues(ss, rect, b.values, String(b.majorDimension ?? 'ROWS'), opt, '', true);
	if (q.get('includeValuesInResponse') === 'true')
		Object.assign(res, { updatedData: valuesGet(ss, res.updatedRange, q) });
	return res;
}

function valuesAppend(
	ss: SpreadsheetModel,
	range: string,
	b: Record<string, unknown>,
	q: URLSearchParams,
): object {
	const opt = valueInputOf(q.get('valueInputOption'));
	const insert = q.get('insertDataOption') ?? 'OVERWRITE';
	checkBodyRange(ss, range, b);
	const rect = resolveRange(ss, range, true);
	const { sh } = rect;
	// the "table": the rows of the range's columns from the range's first row down to the last row with a value
	let last = -1;
	let first = -1;
	for (let r = rect.r0; r < sh.rowCount; r++) {
		for (let c = rect.c0; c <= rect.c1; c++) {
			if (getCell(sh, r, c)) {
				if (first < 0) first = r;
				last = r;
				break;
			}
		}
	}
	const at = last < 0 ? rect.r0 : last + 1;
	const rows = Array.isArray(b.values) ? (b.values as unknown[][]) : [];
	const height =
		String(b.majorDimension ?? 'ROWS') === 'COLUMNS'
			? Math.max(0, ...rows.map((r) => r.length))
			: rows.length;
	if (insert === 'INSERT_ROWS' && height) {
		sh.cells.splice(at, 0, ...new Array(height).fill(undefined));
		sh.rowCount += height;
	}
	const target: Rect = { ...rect, r0: at, ref: { ...rect.ref, endRow: undefined } };
	const updates = writeValues(
		ss,
		target,
		b.values,
		String(b.majorDimension ?? 'ROWS'),
		opt,
		'',
		false,
		true,
	);
	return {
		spreadsheetId: ss.spreadsheetId,
		...(first >= 0 ? { tableRange: formatRange(sh.title, first, rect.c0, last, rect.c1) } : {}),
		updates,
	};
}

function valuesBatchUpdate(ss: SpreadsheetModel, b: Record<string, unknown>): object {
	const opt = valueInputOf(b.valueInputOption);
	const data = (b.data ?? []) as Array<{
		range?: string;
		values?: unknown;
		majorDimension?: string;
	}>;
	if (!Array.isArray(data)) throw invalidArg(`Invalid value at 'data'`);
	// validate all ranges first (atomic like Google's)
	const rects = data.map((d, i) => {
		if (!d.range) throw invalidArg(`Invalid data[${i}]: range is required`);
		try {
			return resolveRange(ss, d.range, true);
		} catch (e) {
			if (e instanceof GoogleError) throw invalidArg(`Invalid data[${i}]: ${e.message}`);
			throw e;
		}
	});
	const snapshot = ss.sheets.map((s) => ({
		s,
		cells: s.cells.map((r) => (r ? [...r] : r)),
		rc: s.rowCount,
		cc: s.columnCount,
	}));
	try {
		const responses = data.map((d, i) => {
			try {
				return writeValues(
					ss,
					rects[i],
					d.values,
					d.majorDimension ?? 'ROWS',
					opt,
					`data[${i}].`,
					true,
				);
			} catch (e) {
				if (e instanceof GoogleError) throw invalidArg(`Invalid data[${i}]: ${e.message}`);
				if (e instanceof ValueError) throw invalidArg(`Invalid data[${i}]: ${e.message}`);
				throw e;
			}
		});
		const sheetsTouched = new Set(rects.map((r) => r.sh.sheetId));
		const totals = responses.reduce(
			(t, r) => ({
				rows: t.rows + (r.updatedRows ?? 0),
				cols: t.cols + (r.updatedColumns ?? 0),
				cells: t.cells + (r.updatedCells ?? 0),
			}),
			{ rows: 0, cols: 0, cells: 0 },
		);
		return {
			spreadsheetId: ss.spreadsheetId,
			...(responses.length
				? {
						totalUpdatedRows: totals.rows,
						totalUpdatedColumns: totals.cols,
						totalUpdatedCells: totals.cells,
						totalUpdatedSheets: sheetsTouched.size,
					}
				: {}),
			responses,
		};
	} catch (e) {
		for (const s of snapshot) {
			s.s.cells = s.cells;
			s.s.rowCount = s.rc;
			s.s.columnCount = s.cc;
		}
		throw e;
	}
}

function valuesClear(ss: SpreadsheetModel, range: string): string {
	const r = resolveRange(ss, range);
	for (let i = r.r0; i <= r.r1; i++) for (let j = r.c0; j <= r.c1; j++) setCell(r.sh, i, j, null);
	return formatRange(r.sh.title, r.r0, r.c0, r.r1, r.c1);
}

// ------------------------------------------------------------------------------------------------ utils

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function safeJson(s: string): unknown {
	try {
		return JSON.parse(s);
	} catch {
		return undefined;
	}
}

function safeDecode(s: string): string {
	try {
		return decodeURIComponent(s);
	} catch {
		return s;
	}
}

// ------------------------------------------------------------------------------------------------ public start()

export interface StartedEmulator {
	emulator: GoogleEmulator;
	stop(): Promise<void>;
	port: number;
	sheetsBaseUrl: string;
	localUrl: string;
	caFile: string;
	caPem: string;
	log: RequestLog;
	createSpreadsheet: GoogleEmulator['createSpreadsheet'];
	rows: GoogleEmulator['rows'];
	values: GoogleEmulator['values'];
	serviceAccount: ServiceAccount;
	/** n8n `googleApi` credential data for the default service account */
	serviceAccountCredential: Record<string, unknown>;
	/** n8n `googleSheetsOAuth2Api` credential data (fresh refresh token each call) */
	oauth2Credential: GoogleEmulator['oauth2Credential'];
	n8nEnv(): Record<string, string>;
	setLimits(l: Partial<QuotaLimits>): void;
}

export async function startGoogleEmulator(opts: EmulatorOptions = {}): Promise<StartedEmulator> {
	const emu = new GoogleEmulator(opts);
	await emu.listen(opts.port ?? 0);
	return {
		emulator: emu,
		stop: () => emu.stop(),
		port: emu.port,
		sheetsBaseUrl: emu.sheetsBaseUrl,
		localUrl: emu.localUrl,
		caFile: emu.caFile,
		caPem: emu.caPem,
		log: emu.log,
		createSpreadsheet: emu.createSpreadsheet.bind(emu),
		rows: emu.rows.bind(emu),
		values: emu.values.bind(emu),
		serviceAccount: emu.serviceAccount,
		serviceAccountCredential: emu.serviceAccountCredential(),
		oauth2Credential: emu.oauth2Credential.bind(emu),
		n8nEnv: () => emu.n8nEnv(),
		setLimits: (l) => emu.setLimits(l),
	};
}

export const start = startGoogleEmulator;
