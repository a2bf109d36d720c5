/** The exotelApi credential: fields, basic auth and the credential test request, against the simulator. */
import { ExotelApi } from '../../credentials/ExotelApi.credentials';
import { resolveBaseUrl } from '../../nodes/core/exotel/requests';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { resolveExpression, simCredentials, testCredential } from '../helpers';

describe('ExotelApi credential', () => {
	const cred = new ExotelApi();
	let sim: RunningSimulator;

	beforeAll(async () => {
		sim = await startSimulator();
	});
	afterAll(async () => {
		await sim.stop();
	});

	it('has the documented fields', () => {
		expect(cred.name).toBe('exotelApi');
		expect(cred.properties.map((p) => p.name)).toEqual([
			'apiKey',
			'apiToken',
			'accountSid',
			'cluster',
			'baseUrl',
			'allowUnencryptedHttp',
		]);
		const byName = Object.fromEntries(cred.properties.map((p) => [p.name, p]));
		expect(byName.allowUnencryptedHttp).toMatchObject({
			type: 'boolean',
			default: false,
			displayOptions: { show: { cluster: ['custom'] } },
		});
		expect(byName.apiToken.typeOptions?.password).toBe(true);
		expect(byName.cluster.default).toBe('singapore');
		expect((byName.cluster.options as Array<{ value: string }>).map((o) => o.value)).toEqual([
			'singapore',
			'mumbai',
			'custom',
		]);
		expect(byName.baseUrl.displayOptions).toEqual({ show: { cluster: ['custom'] } });
		expect(cred.documentationUrl).toMatch(/^https:\/\/developer\.exotel\.com\//);
		for (const p of cred.properties) expect(p.description).toBeTruthy();
	});

	it('authenticates with basic auth: username = API key, password = API token', () => {
		expect(cred.authenticate).toEqual({
			type: 'generic',
			properties: {
				auth: { username: '={{$credentials.apiKey}}', password: '={{$credentials.apiToken}}' },
			},
		});
	});

	it('builds the test URL from the cluster', () => {
		const base = (c: Record<string, unknown>) =>
			resolveExpression(cred.test.request.baseURL, { $credentials: c });
		expect(base({ cluster: 'singapore' })).toBe('https://api.exotel.com');
		expect(base({ cluster: 'mumbai' })).toBe('https://api.in.exotel.com');
		expect(base({ cluster: 'custom', baseUrl: ' http://127.0.0.1:4010/ ' })).toBe(
			'http://127.0.0.1:4010',
		);
		expect(
			resolveExpression(cred.test.request.url, { $credentials: { accountSid: 'acme1' } }),
		).toBe('/v1/Accounts/acme1/Numbers/09876543210.json');
	});

	it('resolves the test base URL exactly as the nodes do, and refuses what they refuse', () => {
		const base = (c: Record<string, unknown>) =>
			resolveExpression(cred.test.request.baseURL, { $credentials: c });
		const cases: Array<Record<string, unknown>> = [
			{},
			{ cluster: 'mumbai' },
			{ cluster: 'singapore', baseUrl: 'http://ignored' },
			{ cluster: 'custom', baseUrl: 'http://127.0.0.1:4010/' },
			{ cluster: 'custom', baseUrl: 'http://LOCALHOST:4010' },
			{ cluster: 'custom', baseUrl: 'http://[::1]:4010' },
			{ cluster: 'custom', baseUrl: 'sim.local:4010//' },
			{ cluster: 'custom', baseUrl: 'https://proxy.example.com/exotel/' },
			{ cluster: 'custom', baseUrl: 'http://proxy.example.com' },
			{ cluster: 'custom', baseUrl: 'http://proxy.example.com', allowUnencryptedHttp: true },
			{ cluster: 'custom', baseUrl: 'http://127.0.0.1.evil.com' },
			{ cluster: 'custom', baseUrl: 'http://key:TOKEN@127.0.0.1:4010' },
			{ cluster: 'custom', baseUrl: 'key:TOKEN@api.example.com' },
			{ cluster: 'custom', baseUrl: '  ' },
		];
		for (const c of cases) {
			let expected: string | RegExp;
			try {
				expected = resolveBaseUrl(c);
			} catch {
				expected = /^https:\/\/[a-z-]+\.invalid$/;
			}
			const got = String(base(c));
			if (typeof expected === 'string') expect({ c, got }).toEqual({ c, got: expected });
			else expect({ c, got }).toEqual({ c, got: expect.stringMatching(expected) });
			expect(got).not.toContain('TOKEN');
		}
	});

	it('test request succeeds with the right credentials', async () => {
		const r = await testCredential(cred, simCredentials(sim.url));
		expect(r).toMatchObject({
			ok: true,
			status: 200,
			url: `${sim.url}/v1/Accounts/simaccount/Numbers/09876543210.json`,
		});
	});

	it('test request fails with a wrong token (401) or a wrong account SID (403)', async () => {
		expect(await testCredential(cred, simCredentials(sim.url, { apiToken: 'nope' }))).toMatchObject(
			{ ok: false, status: 401 },
		);
		expect(await testCredential(cred, simCredentials(sim.url, { apiKey: 'nope' }))).toMatchObject({
			ok: false,
			status: 401,
		});
		expect(
			await testCredential(cred, simCredentials(sim.url, { accountSid: 'other' })),
		).toMatchObject({ ok: false, status: 403 });
	});
});
