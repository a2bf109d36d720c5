/**
 * A small HTTPS client for tests: talks to the emulator as if to Google (SNI + Host = the Google host name, the
 * certificate verified against the test CA), and signs service-account JWTs the way n8n does (RS256).
 */
import * as crypto from 'crypto';
import * as https from 'https';
import type { Json } from '../harness/json';
import type { GoogleEmulator, ServiceAccount } from './emulator';

export interface GoogleResponse<T = Json> {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: T;
	text: string;
}

export function googleRequest<T = Json>(
	emu: { port: number; caPem: string },
	opts: {
		host?: string;
		method?: string;
		path: string;
		json?: unknown;
		form?: Record<string, string>;
		token?: string;
		headers?: Record<string, string>;
	},
): Promise<GoogleResponse<T>> {
	const host = opts.host ?? 'sheets.googleapis.com';
	let payload: string | undefined;
	const headers: Record<string, string> = { Host: host, ...(opts.headers ?? {}) };
	if (opts.json !== undefined) {
		payload = JSON.stringify(opts.json);
		headers['Content-Type'] = 'application/json';
	} else if (opts.form) {
		payload = new URLSearchParams(opts.form).toString();
		headers['Content-Type'] = 'application/x-www-form-urlencoded';
	}
	if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
	if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
	return new Promise((resolve, reject) => {
		const req = https.request(
			{
				host: '127.0.0.1',
				port: emu.port,
				servername: host,
				ca: emu.caPem,
				method: opts.method ?? 'GET',
				path: opts.path,
				headers,
				agent: false,
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let body: unknown = text;
					try {
						body = JSON.parse(text);
					} catch {
						/* not JSON */
					}
					resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text });
				});
			},
		);
		req.on('error', reject);
		if (payload !== undefined) req.write(payload);
		req.end();
	});
}

export const SHEETS_V2_SCOPES = [
	'https://www.googleapis.com/auth/drive.file',
	'https://www.googleapis.com/auth/spreadsheets',
	'https://www.googleapis.com/auth/drive.metadata',
];

/** Sign a service-account JWT like n8n's getGoogleAccessToken (claims overridable for negative tests). */
export function signServiceAccountJwt(
	sa: Pick<ServiceAccount, 'client_email' | 'private_key'>,
	claims: Record<string, unknown> = {},
	nowSec = Math.floor(Date.now() / 1000),
): string {
	const header = { alg: 'RS256', typ: 'JWT' };
	const payload = {
		iss: sa.client_email,
		sub: sa.client_email,
		scope: SHEETS_V2_SCOPES.join(' '),
		aud: 'https://oauth2.googleapis.com/token',
		iat: nowSec,
		exp: nowSec + 3600,
		...claims,
	};
	const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
	const input = `${enc(header)}.${enc(payload)}`;
	const sig = crypto.sign('RSA-SHA256', Buffer.from(input), sa.private_key).toString('base64url');
	return `${input}.${sig}`;
}

/** Exchange a JWT for an access token at oauth2.googleapis.com/token. Throws on a non-200. */
export async function serviceAccountToken(
	emu: GoogleEmulator | { port: number; caPem: string; serviceAccount: ServiceAccount },
	sa?: ServiceAccount,
): Promise<string> {
	const account = sa ?? (emu as { serviceAccount: ServiceAccount }).serviceAccount;
	const r = await googleRequest(emu, {
		host: 'oauth2.googleapis.com',
		method: 'POST',
		path: '/token',
		form: {
			grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
			assertion: signServiceAccountJwt(account),
		},
	});
	if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
	return r.body.access_token;
}
