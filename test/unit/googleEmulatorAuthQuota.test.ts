/**
 * Google APIs emulator: the OAuth token endpoint (service-account JWT, refresh token) like Google, and the Sheets
 * per-minute quotas with Google's 429 body, on an injected clock.
 */
import * as crypto from 'crypto';
import {
	googleRequest,
	serviceAccountToken,
	signServiceAccountJwt,
	startGoogleEmulator,
	StartedEmulator,
	maxInWindow,
} from '../e2e/google';

let g: StartedEmulator;
let now = Date.UTC(2026, 0, 5, 4, 0, 0);
const clock = () => now;

beforeAll(async () => {
	g = await startGoogleEmulator({ clock });
});
afterAll(async () => {
	await g?.stop();
});

const token = (assertion: string, host = 'oauth2.googleapis.com', path = '/token') =>
	googleRequest(g, {
		host,
		method: 'POST',
		path,
		form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
	});

describe('service account JWT bearer grant', () => {
	it('issues a Bearer token for a correctly signed JWT (both token URLs)', async () => {
		for (const [host, path] of [
			['oauth2.googleapis.com', '/token'],
			['www.googleapis.com', '/oauth2/v4/token'],
		]) {
			const r = await token(signServiceAccountJwt(g.serviceAccount), host, path);
			expect(r.status).toBe(200);
			expect(r.body).toEqual({
				access_token: expect.stringMatching(/^ya29\./),
				expires_in: 3599,
				token_type: 'Bearer',
			});
		}
	});
	it('wrong key: 400 invalid_grant "Invalid JWT Signature."', async () => {
		const other = crypto
			.generateKeyPairSync('rsa', { modulusLength: 2048 })
			.privateKey.export({ type: 'pkcs8', format: 'pem' })
			.toString();
		const r = await token(
			signServiceAccountJwt({ client_email: g.serviceAccount.client_email, private_key: other }),
		);
		expect(r.status).toBe(400);
		expect(r.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
	});
	it('unknown account, bad times, wrong audience, no scope, unauthorised delegation', async () => {
		const sa = g.serviceAccount;
		const cases: Array<[Record<string, unknown>, number, string, string]> = [
			[
				{ iss: 'nobody@x.iam.gserviceaccount.com' },
				400,
				'invalid_grant',
				'Invalid grant: account not found',
			],
			[
				{ exp: Math.floor(Date.now() / 1000) + 7200 },
				400,
				'invalid_grant',
				'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
			],
			[
				{ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 },
				400,
				'invalid_grant',
				'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
			],
			[
				{ aud: 'https://example.com/token' },
				400,
				'invalid_grant',
				'Invalid JWT: Failed audience check. The right audience is https://oauth2.googleapis.com/token',
			],
			[{ scope: '' }, 400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.'],
			[
				{ sub: 'someone@example.com' },
				401,
				'unauthorized_client',
				'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
			],
		];
		for (const [claims, status, error, description] of cases) {
			const r = await token(signServiceAccountJwt(sa, claims));
			expect({ claims, status: r.status, body: r.body }).toEqual({
				claims,
				status,
				body: { error, error_description: description },
			});
		}
	});
	it('unsupported grant type', async () => {
		const r = await googleRequest(g, {
			host: 'oauth2.googleapis.com',
			method: 'POST',
			path: '/token',
			form: { grant_type: 'password' },
		});
		expect(r.body).toEqual({
			error: 'unsupported_grant_type',
			error_description: 'Invalid grant_type: password',
		});
	});
	it('Sheets: no token → 401 CREDENTIALS_MISSING; unknown token → 401; insufficient scope → 403', async () => {
		const id = g.createSpreadsheet('t', [{ name: 'S' }]).spreadsheetId;
		let r = await googleRequest(g, { path: `/v4/spreadsheets/${id}` });
		expect(r.status).toBe(401);
		expect(r.body.error).toMatchObject({
			code: 401,
			status: 'UNAUTHENTICATED',
			details: [{ reason: 'CREDENTIALS_MISSING' }],
		});
		r = await googleRequest(g, { path: `/v4/spreadsheets/${id}`, token: 'ya29.bogus' });
		expect(r.status).toBe(401);
		expect(r.headers['www-authenticate']).toContain('invalid_token');
		const t = await token(
			signServiceAccountJwt(g.serviceAccount, {
				scope: 'https://www.googleapis.com/auth/gmail.modify',
			}),
		);
		r = await googleRequest(g, { path: `/v4/spreadsheets/${id}`, token: t.body.access_token });
		expect(r.status).toBe(403);
		expect(r.body.error).toMatchObject({
			message: 'Request had insufficient authentication scopes.',
			status: 'PERMISSION_DENIED',
		});
	});
});

describe('OAuth2 refresh token grant', () => {
	it('refreshes with client credentials in the body or Basic auth; rejects a bad secret and an unknown token', async () => {
		const cred = g.oauth2Credential() as {
			clientId: string;
			clientSecret: string;
			oauthTokenData: { refresh_token: string };
		};
		const refresh = (form: Record<string, string>, headers?: Record<string, string>) =>
			googleRequest(g, {
				host: 'oauth2.googleapis.com',
				method: 'POST',
				path: '/token',
				form: { grant_type: 'refresh_token', ...form },
				headers,
			});
		let r = await refresh({
			refresh_token: cred.oauthTokenData.refresh_token,
			client_id: cred.clientId,
			client_secret: cred.clientSecret,
		});
		expect(r.body).toMatchObject({
			access_token: expect.any(String),
			expires_in: 3599,
			token_type: 'Bearer',
		});
		r = await refresh(
			{ refresh_token: cred.oauthTokenData.refresh_token },
			{
				Authorization: `Basic ${Buffer.from(`${cred.clientId}:${cred.clientSecret}`).toString('base64')}`,
			},
		);
		expect(r.status).toBe(200);
		r = await refresh({
			refresh_token: cred.oauthTokenData.refresh_token,
			client_id: cred.clientId,
			client_secret: 'wrong',
		});
		expect(r).toMatchObject({
			status: 401,
			body: { error: 'invalid_client', error_description: 'Unauthorized' },
		});
		r = await refresh({
			refresh_token: '1//nope',
			client_id: cred.clientId,
			client_secret: cred.clientSecret,
		});
		expect(r).toMatchObject({
			status: 400,
			body: { error: 'invalid_grant', error_description: 'Bad Request' },
		});
	});
});

describe('quotas', () => {
	it("60 reads per minute per user, then 429 with Google's body; refilled after the window", async () => {
		g.emulator.quota.reset();
		g.setLimits({ readPerUser: 60, writePerUser: 60, readPerProject: 300, writePerProject: 300 });
		const id = g.createSpreadsheet('t', [{ name: 'S', header: ['a'] }]).spreadsheetId;
		const t = await serviceAccountToken(g.emulator);
		const read = () => googleRequest(g, { path: `/v4/spreadsheets/${id}/values/S`, token: t });
		const from = g.log.entries.length;
		for (let i = 0; i < 60; i++) {
			now += 500; // 60 reads within 30 s
			expect((await read()).status).toBe(200);
		}
		const r = await read();
		expect(r.status).toBe(429);
		expect(r.body).toEqual({
			error: {
				code: 429,
				message:
					"Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.",
				status: 'RESOURCE_EXHAUSTED',
				details: [
					{
						'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
						reason: 'RATE_LIMIT_EXCEEDED',
						domain: 'googleapis.com',
						metadata: {
							quota_location: 'global',
							quota_metric: 'sheets.googleapis.com/read_requests',
							quota_limit: 'ReadRequestsPerMinutePerUser',
							quota_limit_value: '60',
							consumer: 'projects/123456789012',
							service: 'sheets.googleapis.com',
							quota_unit: '1/min/{project}/{user}',
						},
					},
					{
						'@type': 'type.googleapis.com/google.rpc.Help',
						links: [
							{
								description: 'Request a higher quota limit.',
								url: 'https://cloud.google.com/docs/quotas/help/request_increase',
							},
						],
					},
				],
			},
		});
		// writes are a separate quota
		const w = await googleRequest(g, {
			method: 'PUT',
			path: `/v4/spreadsheets/${id}/values/S!A2?valueInputOption=RAW`,
			token: t,
			json: { values: [['x']] },
		});
		expect(w.status).toBe(200);
		// 60 s after the first read it leaves the window
		now += 30_501;
		expect((await read()).status).toBe(200);
		const s = g.log.summary(g.log.entries.slice(from));
		expect(s.count429).toBe(1);
		expect(s.maxAcceptedReadsIn60s).toBe(60);
		expect(s.maxReadsIn60s).toBe(61);
		expect(s.maxWritesIn60s).toBe(1);
		expect(s.byKind.read).toBe(62);
	});
	it('per-project limit across service accounts (lowered limits), and spreadsheets.get counts as a read', async () => {
		g.emulator.quota.reset();
		now += 120_000;
		g.setLimits({ readPerUser: 3, readPerProject: 5, writePerUser: 2, writePerProject: 3 });
		const id = g.createSpreadsheet('t', [{ name: 'S', header: ['a'] }]).spreadsheetId;
		const sa2 = g.emulator.addServiceAccount({
			email: 'second@exotel-campaign-test.iam.gserviceaccount.com',
		});
		const t1 = await serviceAccountToken(g.emulator);
		const t2 = await serviceAccountToken(g.emulator, sa2);
		const meta = (t: string) =>
			googleRequest(g, { path: `/v4/spreadsheets/${id}?fields=sheets.properties`, token: t });
		const statuses: number[] = [];
		for (const t of [t1, t1, t1, t1, t2, t2, t2]) statuses.push((await meta(t)).status);
		// t1: 3 ok, 4th per-user 429; t2: 2 ok (project total 5), then per-project 429
		expect(statuses).toEqual([200, 200, 200, 429, 200, 200, 429]);
		const last = await meta(t2);
		expect(last.body.error.message).toBe(
			"Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.",
		);
		expect(last.body.error.details[0].metadata).toMatchObject({
			quota_limit: 'ReadRequestsPerMinutePerProject',
			quota_limit_value: '5',
			quota_unit: '1/min/{project}',
		});
		const put = () =>
			googleRequest(g, {
				method: 'PUT',
				path: `/v4/spreadsheets/${id}/values/S!A2?valueInputOption=RAW`,
				token: t1,
				json: { values: [['x']] },
			});
		expect([(await put()).status, (await put()).status, (await put()).status]).toEqual([
			200, 200, 429,
		]);
		expect((await put()).body.error.message).toContain(
			"limit 'Write requests per minute per user'",
		);
		g.setLimits({ readPerUser: 60, readPerProject: 300, writePerUser: 60, writePerProject: 300 });
	});
	it('token requests are logged but not counted against Sheets quotas; log summary per minute', async () => {
		const from = g.log.entries.length;
		now += 60_000;
		await serviceAccountToken(g.emulator);
		const s = g.log.summary(g.log.entries.slice(from));
		expect(s.byKind.token).toBe(1);
		expect(s.perMinute).toHaveLength(1);
		expect(g.log.format(g.log.entries.slice(from))).toMatch(
			/200 {2}token {4}POST {2}oauth2\.googleapis\.com\/token/,
		);
		expect(maxInWindow([0, 10, 59_999, 60_000, 60_001])).toBe(4);
	});
});
