import axios from 'axios';
import { deriveRng, type RunningSimulator } from '../../simulator';
import {
	ACCOUNT,
	CALLER_ID,
	FLOW_URL,
	START,
	client,
	connectPath,
	form,
	startFrozen,
} from './helpers';

const MINUTE = 60_000;

describe('simulator: auth', () => {
	let sim: RunningSimulator;
	beforeAll(async () => {
		sim = await startFrozen({
			accounts: [
				{
					sid: 'simaccount',
					apiKey: 'sim-key',
					apiToken: 'sim-token',
					exoPhones: [{ number: CALLER_ID, circle: 'KA' }],
				},
				{
					sid: 'other',
					apiKey: 'other-key',
					apiToken: 'other-token',
					exoPhones: [{ number: '01140000001', circle: 'DL' }],
				},
			],
		});
	});
	afterAll(() => sim.stop());

	it('answers 401 with a RestException without or with wrong credentials', async () => {
		const none = await client(sim, null).get(`/v1/Accounts/${ACCOUNT}/Numbers/9876543210.json`);
		expect(none.status).toBe(401);
		expect(none.data).toEqual({
			RestException: {
				Status: 401,
				Message: 'Authentication failed. Check your API key and token.',
			},
		});
		const wrong = await client(sim, { username: 'sim-key', password: 'nope' }).get(
			`/v1/Accounts/${ACCOUNT}.json`,
		);
		expect(wrong.status).toBe(401);
		const xml = await client(sim, null).get(`/v1/Accounts/${ACCOUNT}/Numbers/9876543210`);
		expect(xml.status).toBe(401);
		expect(xml.headers['content-type']).toMatch(/xml/);
		expect(xml.data).toContain('<RestException><Status>401</Status>');
	});

	it('accepts the API key or (legacy) the account sid as username', async () => {
		expect((await client(sim).get(`/v1/Accounts/${ACCOUNT}.json`)).status).toBe(200);
		const legacy = await client(sim, { username: 'simaccount', password: 'sim-token' }).get(
			`/v1/Accounts/${ACCOUNT}.json`,
		);
		expect(legacy.status).toBe(200);
		expect(legacy.data.Account.Sid).toBe('simaccount');
	});

	it("answers 403 when the path's account is not the credential's", async () => {
		const res = await client(sim, { username: 'other-key', password: 'other-token' }).get(
			`/v1/Accounts/${ACCOUNT}/Numbers/9876543210.json`,
		);
		expect(res.status).toBe(403);
		expect(res.data.RestException.Status).toBe(403);
		const connect = await client(sim, { username: 'other-key', password: 'other-token' }).post(
			connectPath(),
			form({ From: '9876543210', To: '9123456789', CallerId: CALLER_ID }),
		);
		expect(connect.status).toBe(403);
		expect(sim.ledger.connectRequests.at(-1)).toMatchObject({
			httpStatus: 403,
			reason: 'forbidden',
		});
	});

	it('keeps paths case-sensitive', async () => {
		expect((await client(sim).get(`/v1/accounts/${ACCOUNT}/Numbers/9876543210.json`)).status).toBe(
			404,
		);
	});
});

describe('simulator: number metadata', () => {
	let sim: RunningSimulator;
	beforeAll(async () => {
		sim = await startFrozen({
			numbers: { fixtures: { '+91 90000 00001': { circle: 'GJ', dnd: true, operator: 'B' } } },
		});
	});
	afterAll(() => sim.stop());

	it('answers the same metadata for every accepted number form', async () => {
		const forms = [
			'+919876543210',
			'919876543210',
			'09876543210',
			'9876543210',
			'98765 43210',
			'+91-98765-43210',
			'0091 98765 43210',
		];
		const answers = [];
		for (const n of forms) {
			const res = await client(sim).get(
				`/v1/Accounts/${ACCOUNT}/Numbers/${encodeURIComponent(n)}.json`,
			);
			expect(res.status).toBe(200);
			answers.push(res.data.Numbers);
		}
		expect(answers[0].PhoneNumber).toBe('09876543210');
		expect(answers[0].Circle).toMatch(/^[A-Z]{2}$/);
		expect(answers[0].Type).toBe('Mobile');
		expect(['Yes', 'No']).toContain(answers[0].DND);
		for (const a of answers) expect(a).toEqual(answers[0]);
	});

	it('answers 400 for unparsable numbers', async () => {
		for (const bad of ['abc', '12345', '0012345678', '+14155550100', '98765432101234']) {
			const res = await client(sim).get(
				`/v1/Accounts/${ACCOUNT}/Numbers/${encodeURIComponent(bad)}.json`,
			);
			expect(res.status).toBe(400);
			expect(res.data.RestException.Status).toBe(400);
			expect(res.data.RestException.Message).toContain('not a valid Indian phone number');
		}
	});

	it('uses fixtures, ExoPhone circles and STD codes, and answers XML without .json', async () => {
		const fixture = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Numbers/09000000001.json`);
		expect(fixture.data.Numbers).toMatchObject({
			Circle: 'GJ',
			DND: 'Yes',
			Operator: 'B',
			OperatorName: 'BSNL',
		});
		expect(fixture.data.Numbers.CircleName).toContain('Gujarat');
		const exo = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Numbers/${CALLER_ID}.json`);
		expect(exo.data.Numbers).toMatchObject({ Circle: 'KA', Type: 'Landline', DND: 'No' });
		const delhiLandline = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Numbers/01123456789.json`);
		expect(delhiLandline.data.Numbers).toMatchObject({ Circle: 'DL', Type: 'Landline' });
		const xml = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Numbers/09000000001`);
		expect(xml.headers['content-type']).toMatch(/xml/);
		expect(xml.data).toMatch(
			/^<\?xml version="1.0" encoding="UTF-8"\?>\s*<TwilioResponse><Numbers><PhoneNumber>09000000001<\/PhoneNumber><Circle>GJ<\/Circle>/,
		);
		expect(xml.data).toContain('Daman &amp; Diu');
	});
});

describe('simulator: connect', () => {
	let sim: RunningSimulator;
	beforeAll(async () => {
		sim = await startFrozen({
			numbers: {
				fixtures: {
					'9000000100': { dnd: true },
					'9000000101': { dnd: true },
					'9000000102': { dnd: false },
				},
				whitelist: ['+919000000101'],
			},
			model: {
				fixtures: { '9000000101': { status: 'completed' }, '9000000102': { status: 'completed' } },
			},
		});
	});
	afterAll(() => sim.stop());
	beforeEach(() => sim.reset());

	const base = { From: '09876543210', To: '+91 91234 56789', CallerId: CALLER_ID };
	const post = (fields: Record<string, string | string[]>, json = true) =>
		client(sim).post(connectPath(json), form(fields));

	it("creates a number-to-number call and echoes Exotel's Call object", async () => {
		const res = await post({ ...base, CustomField: 'x1|camp|c1|1|KA|' });
		expect(res.status).toBe(200);
		const call = res.data.Call;
		expect(call.Sid).toMatch(/^[0-9a-f]{32}$/);
		expect(call).toMatchObject({
			ParentCallSid: null,
			DateCreated: '2025-01-06 10:00:00',
			DateUpdated: '2025-01-06 10:00:00',
			AccountSid: ACCOUNT,
			To: '09123456789',
			From: '09876543210',
			PhoneNumberSid: CALLER_ID,
			Status: 'in-progress',
			StartTime: '2025-01-06 10:00:00',
			EndTime: null,
			Duration: null,
			Price: null,
			Direction: 'outbound-api',
			AnsweredBy: null,
			ForwardedFrom: null,
			CallerName: null,
			RecordingUrl: null,
		});
		expect(call.Uri).toBe(`/v1/Accounts/${ACCOUNT}/Calls.json/${call.Sid}`);
		const entry = sim.ledger.call(call.Sid);
		expect(entry).toMatchObject({
			sid: call.Sid,
			accountSid: ACCOUNT,
			from: '09876543210',
			to: '09123456789',
			callerId: CALLER_ID,
			customField: 'x1|camp|c1|1|KA|',
		});
		expect(entry?.createdAtMs).toBe(sim.clock.now());
		expect(['completed', 'busy', 'no-answer', 'failed']).toContain(entry?.status);
		expect(sim.ledger.connectRequests.at(-1)).toMatchObject({
			httpStatus: 200,
			reason: 'accepted',
			sid: call.Sid,
		});
	});

	it('returns To = CallerId for the flow variant and XML without .json', async () => {
		const res = await post(
			{ From: '+919876543210', Url: FLOW_URL, CallerId: '+918040000001' },
			false,
		);
		expect(res.status).toBe(200);
		expect(res.headers['content-type']).toMatch(/xml/);
		expect(res.data).toMatch(
			/^<\?xml version="1.0" encoding="UTF-8"\?>\s*<TwilioResponse><Call><Sid>[0-9a-f]{32}<\/Sid>/,
		);
		expect(res.data).toContain(`<To>${CALLER_ID}</To>`);
		expect(res.data).toContain('<Status>in-progress</Status>');
		expect(res.data).toContain('<EndTime></EndTime>');
		expect(sim.ledger.calls[0].variant).toBe('flow');
	});

	it('accepts multipart/form-data bodies and every StatusCallbackEvents encoding', async () => {
		const fd = new FormData();
		fd.append('From', '9876543210');
		fd.append('To', '9123456789');
		fd.append('CallerId', CALLER_ID);
		fd.append('StatusCallback', 'http://127.0.0.1:9/cb');
		fd.append('StatusCallbackEvents[0]', 'terminal');
		fd.append('StatusCallbackEvents[1]', 'answered');
		const res = await client(sim).post(connectPath(), fd);
		expect(res.status).toBe(200);
		expect(sim.calls()[0].events).toEqual(['terminal', 'answered']);

		await post({ ...base, 'StatusCallbackEvents[]': ['answered', 'terminal'] });
		expect(sim.calls()[1].events).toEqual(['answered', 'terminal']);
		await post({ ...base, StatusCallbackEvents: ['terminal', 'answered'] });
		expect(sim.calls()[2].events).toEqual(['terminal', 'answered']);
	});

	const cases: Array<[string, Record<string, string | string[]>, string]> = [
		['From missing', { To: '9123456789', CallerId: CALLER_ID }, 'From is required'],
		['From invalid', { ...base, From: '12345' }, 'From "12345" is not a valid Indian phone number'],
		['CallerId missing', { From: '9876543210', To: '9123456789' }, 'CallerId is required'],
		[
			'CallerId not an ExoPhone',
			{ ...base, CallerId: '08099999999' },
			'is not an ExoPhone of account simaccount',
		],
		['both To and Url', { ...base, Url: FLOW_URL }, 'exactly one of To'],
		['neither To nor Url', { From: '9876543210', CallerId: CALLER_ID }, 'exactly one of To'],
		['To invalid', { ...base, To: 'abc' }, 'To "abc" is not a valid Indian phone number'],
		[
			'Url not a flow URL',
			{ From: '9876543210', CallerId: CALLER_ID, Url: 'https://example.com/flow/1' },
			'is not an Exotel flow URL',
		],
		[
			'TimeLimit too big',
			{ ...base, TimeLimit: '14401' },
			'TimeLimit must be a whole number of seconds between 1 and 14400',
		],
		['TimeLimit not a number', { ...base, TimeLimit: '1.5' }, 'TimeLimit must be a whole number'],
		['TimeOut not a number', { ...base, TimeOut: 'soon' }, 'TimeOut must be a whole number'],
		[
			'CustomField too long',
			{ ...base, CustomField: 'x'.repeat(129) },
			'CustomField is 129 characters; the maximum is 128',
		],
		[
			'bad event',
			{ ...base, 'StatusCallbackEvents[0]': 'ringing' },
			'StatusCallbackEvents values must be "terminal" or "answered"',
		],
		[
			'bad content type',
			{ ...base, StatusCallbackContentType: 'text/plain' },
			'StatusCallbackContentType must be',
		],
		['bad StatusCallback', { ...base, StatusCallback: 'not a url' }, 'is not an http(s) URL'],
		['bad Record', { ...base, Record: 'yes' }, 'Record must be "true" or "false"'],
		['promo CallType', { ...base, CallType: 'promo' }, 'only "trans"'],
	];
	it.each(cases)('answers 400 for %s', async (_name, fields, message) => {
		const res = await post(fields);
		expect(res.status).toBe(400);
		expect(res.data.RestException.Status).toBe(400);
		expect(res.data.RestException.Message).toContain(message);
		expect(sim.ledger.calls).toHaveLength(0);
		expect(sim.ledger.connectRequests.at(-1)?.reason).toMatch(/^validation: /);
	});

	it('accepts the limits themselves (TimeLimit 14400, CustomField 128) and refuses JSON bodies', async () => {
		expect(
			(
				await post({
					...base,
					TimeLimit: '14400',
					TimeOut: '30',
					CustomField: 'x'.repeat(128),
					Record: 'true',
				})
			).status,
		).toBe(200);
		const json = await client(sim).post(connectPath(), base, {
			headers: { 'Content-Type': 'application/json' },
		});
		expect(json.status).toBe(400);
		expect(json.data.RestException.Message).toContain('not JSON');
	});

	it('fails calls to DND numbers unless whitelisted, or refuses them with dndPolicy=reject', async () => {
		const dnd = await post({ ...base, To: '9000000100' });
		expect(dnd.status).toBe(200);
		const whitelisted = await post({ ...base, To: '9000000101' });
		const normal = await post({ ...base, To: '9000000102' });
		expect(sim.ledger.call(dnd.data.Call.Sid)).toMatchObject({
			status: 'failed',
			reason: 'dnd',
			dnd: true,
		});
		expect(sim.ledger.call(whitelisted.data.Call.Sid)).toMatchObject({
			status: 'completed',
			dnd: true,
		});
		expect(sim.ledger.call(normal.data.Call.Sid)).toMatchObject({
			status: 'completed',
			dnd: false,
		});
		sim.update({ calls: { dndPolicy: 'reject' } });
		try {
			const rejected = await post({ ...base, To: '9000000100' });
			expect(rejected.status).toBe(403);
			expect(rejected.data.RestException.Message).toContain('DND');
		} finally {
			sim.update({ calls: { dndPolicy: 'fail' } });
		}
	});

	it('injects 402, 429 storms and 5xx faults', async () => {
		sim.update({ faults: { insufficientBalance: true } });
		expect((await post(base)).status).toBe(402);
		sim.update({
			faults: {
				insufficientBalance: false,
				storms: [{ from: '2025-01-06T09:59:00+05:30', to: '2025-01-06T10:01:00+05:30' }],
			},
		});
		const storm = await post(base);
		expect(storm.status).toBe(429);
		expect(storm.data.RestException.Status).toBe(429);
		sim.update({ faults: { storms: [], serverErrorRate: 1 } });
		const broken = await post(base);
		expect([500, 502, 503]).toContain(broken.status);
		sim.update({ faults: { serverErrorRate: 0 } });
		expect((await post(base)).status).toBe(200);
		expect(sim.ledger.counts().connectRejected).toEqual({
			'insufficient-balance': 1,
			storm: 1,
			'server-error': 1,
		});
	});

	it('adds latency when told to', async () => {
		sim.update({ faults: { latencyMs: { min: 120, max: 120 } } });
		try {
			const started = Date.now();
			expect((await post(base)).status).toBe(200);
			expect(Date.now() - started).toBeGreaterThanOrEqual(110);
		} finally {
			sim.update({ faults: { latencyMs: { min: 0, max: 0 } } });
		}
	});
});

describe('simulator: determinism', () => {
	async function run(seed: number) {
		const sim = await startFrozen({ seed });
		try {
			for (let i = 0; i < 10; i++) {
				await client(sim).post(
					connectPath(),
					form({
						From: '9876543210',
						To: `91234567${String(i).padStart(2, '0')}`,
						CallerId: CALLER_ID,
					}),
				);
			}
			return sim.ledger.calls.map((c) => [c.sid, c.status, c.durations.total, c.circle]);
		} finally {
			await sim.stop();
		}
	}

	it('gives the same sids and outcomes for the same seed and requests, different ones for another seed', async () => {
		const a = await run(7);
		const b = await run(7);
		const c = await run(8);
		expect(a).toEqual(b);
		expect(new Set(a.map((x) => x[0])).size).toBe(10);
		expect(c.map((x) => x[0])).not.toEqual(a.map((x) => x[0]));
		expect(a[0][0]).toBe(deriveRng(7, 'sid', 1, 0).hex(32));
	});
});

describe('simulator: call details', () => {
	let sim: RunningSimulator;
	beforeAll(async () => {
		sim = await startFrozen({
			model: {
				fixtures: {
					'9000000001': { status: 'completed', ringSeconds: 5, talkSeconds: 30 },
					'9000000002': { status: 'busy', ringSeconds: 4 },
					'9000000003': { status: 'completed', ringSeconds: 5, talkSeconds: 600 },
				},
			},
		});
	});
	afterAll(() => sim.stop());
	beforeEach(() => {
		sim.reset();
		sim.clock.set(START);
	});

	const connect = async (fields: Record<string, string>) => {
		const res = await client(sim).post(
			connectPath(),
			form({ From: '9876543210', CallerId: CALLER_ID, ...fields }),
		);
		expect(res.status).toBe(200);
		return res.data.Call.Sid as string;
	};

	it('shows in-progress first, then final values with string Duration/Price and Details', async () => {
		const sid = await connect({ To: '9000000001' });
		const early = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls/${sid}.json?details=true`);
		expect(early.data.Call).toMatchObject({
			Status: 'in-progress',
			Duration: null,
			Price: null,
			EndTime: null,
		});
		sim.clock.advance(10 * MINUTE);
		const res = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls/${sid}.json?details=true`);
		expect(res.status).toBe(200);
		const call = res.data.Call;
		const ledger = sim.ledger.call(sid)!;
		expect(call.Status).toBe('completed');
		expect(call.Duration).toBe(String(ledger.durations.total));
		expect(typeof call.Duration).toBe('string');
		expect(call.Price).toBe('1.500');
		expect(call.EndTime).toBe(ledger.endedAt.slice(0, 19).replace('T', ' '));
		expect(call.Details).toEqual({
			ConversationDuration: 30,
			Leg1Status: 'completed',
			Leg2Status: 'completed',
			Legs: [{ Leg: { Id: 1, OnCallDuration: 35 } }, { Leg: { Id: 2, OnCallDuration: 30 } }],
		});
		const plain = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls/${sid}.json`);
		expect(plain.data.Call.Details).toBeUndefined();
		const viaUri = await client(sim).get(call.Uri);
		expect(viaUri.data.Call.Sid).toBe(sid);
		const xml = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls/${sid}?details=true`);
		expect(xml.data).toContain('<Details><ConversationDuration>30</ConversationDuration>');
		expect(xml.data).toContain('<Legs><Leg><Id>1</Id><OnCallDuration>35</OnCallDuration></Leg>');
	});

	it('prices an unanswered flow call at 0.000 and reports its leg', async () => {
		const sid = await connect({ From: '9000000002', Url: FLOW_URL });
		sim.clock.advance(MINUTE);
		const res = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls/${sid}.json?details=true`);
		expect(res.data.Call).toMatchObject({ Status: 'busy', Duration: '4', Price: '0.000' });
		expect(res.data.Call.Details).toMatchObject({
			ConversationDuration: 0,
			Leg1Status: 'busy',
			Leg2Status: null,
		});
	});

	it('answers 404 for unknown sids', async () => {
		const res = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls/${'0'.repeat(32)}.json`);
		expect(res.status).toBe(404);
		expect(res.data.RestException.Status).toBe(404);
	});

	it('lists ended calls in bulk with Sid/Status/DateCreated filters and cursor paging', async () => {
		const sids: string[] = [];
		for (let i = 0; i < 5; i++) {
			sids.push(await connect({ To: i % 2 === 0 ? '9000000001' : '9000000002' }));
			sim.clock.advance(1000);
		}
		const long = await connect({ To: '9000000003' }); // 10 minutes of talk
		sim.clock.advance(2 * MINUTE);

		const all = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`);
		expect(all.status).toBe(200);
		expect(all.data.Metadata.Total).toBe(5);
		expect(all.data.Calls.map((c: { Sid: string }) => c.Sid)).toEqual([...sids].reverse()); // default DateCreated:desc
		expect(all.data.Calls.map((c: { Sid: string }) => c.Sid)).not.toContain(long);

		const bySid = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`, {
			params: { Sid: `${sids[1]},${sids[3]},${long}`, details: 'true' },
		});
		expect(bySid.data.Calls.map((c: { Sid: string }) => c.Sid).sort()).toEqual(
			[sids[1], sids[3]].sort(),
		);
		expect(bySid.data.Calls[0].Details.Leg2Status).toBe('busy');

		const tooMany = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`, {
			params: {
				Sid: Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0')).join(','),
			},
		});
		expect(tooMany.status).toBe(400);

		const busy = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`, {
			params: { Status: 'busy' },
		});
		expect(busy.data.Calls.map((c: { Sid: string }) => c.Sid).sort()).toEqual(
			[sids[1], sids[3]].sort(),
		);

		const range = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`, {
			params: {
				DateCreated: 'gte:2025-01-06 10:00:01;lte:2025-01-06 10:00:03',
				SortBy: 'DateCreated:asc',
			},
		});
		expect(range.data.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(sids.slice(1, 4));

		// Paging with cursors, ascending.
		const first = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`, {
			params: { PageSize: 2, SortBy: 'DateCreated:asc' },
		});
		expect(first.data.Metadata).toMatchObject({ Total: 5, PageSize: 2, PrevPageUri: null });
		expect(first.data.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(sids.slice(0, 2));
		expect(first.data.Metadata.NextPageUri).toContain(`After=${sids[1]}`);
		const second = await client(sim).get(first.data.Metadata.NextPageUri);
		expect(second.data.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(sids.slice(2, 4));
		const third = await client(sim).get(second.data.Metadata.NextPageUri);
		expect(third.data.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(sids.slice(4));
		expect(third.data.Metadata.NextPageUri).toBeNull();
		const back = await client(sim).get(second.data.Metadata.PrevPageUri);
		expect(back.data.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(sids.slice(0, 2));
		expect(back.data.Metadata.FirstPageUri).toBe(first.data.Metadata.FirstPageUri);

		expect(
			(await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`, { params: { PageSize: 101 } }))
				.status,
		).toBe(400);
		expect(
			(
				await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`, {
					params: { DateCreated: 'yesterday' },
				})
			).status,
		).toBe(400);

		sim.clock.advance(10 * MINUTE);
		const later = await client(sim).get(`/v1/Accounts/${ACCOUNT}/Calls.json`);
		expect(later.data.Metadata.Total).toBe(6);
	});
});

describe('simulator: ExoPhones, control endpoints and sheets', () => {
	let sim: RunningSimulator;
	beforeAll(async () => {
		sim = await startFrozen();
	});
	afterAll(() => sim.stop());

	it('lists ExoPhones with their region, paged', async () => {
		const res = await client(sim).get(`/v2_beta/Accounts/${ACCOUNT}/IncomingPhoneNumbers`);
		expect(res.status).toBe(200);
		expect(res.headers['content-type']).toMatch(/json/);
		const configured = sim.config.accounts[0].exoPhones;
		expect(res.data).toMatchObject({
			page: 0,
			page_size: 50,
			previous_page_uri: null,
			next_page_uri: null,
		});
		expect(res.data.incoming_phone_numbers).toHaveLength(configured.length);
		const ka = res.data.incoming_phone_numbers.find(
			(p: { friendly_name: string }) => p.friendly_name === CALLER_ID,
		);
		expect(ka).toMatchObject({
			sid: CALLER_ID,
			phone_number: '+918040000001',
			capabilities: { voice: true, sms: false },
			country: 'IN',
			region: 'KA',
		});
		const regions = new Set(
			res.data.incoming_phone_numbers.map((p: { region: string }) => p.region),
		);
		expect(regions.size).toBeGreaterThanOrEqual(18);
		expect(regions.has('JK')).toBe(false);

		const pages = [];
		let uri: string | null = `/v2_beta/Accounts/${ACCOUNT}/IncomingPhoneNumbers?Page=0&PageSize=10`;
		while (uri) {
			const page: { data: { incoming_phone_numbers: unknown[]; next_page_uri: string | null } } =
				await client(sim).get(uri);
			pages.push(page.data.incoming_phone_numbers.length);
			uri = page.data.next_page_uri;
		}
		expect(pages).toEqual([10, 10, configured.length - 20]);
	});

	it('serves the clock, config, ledger and reset without auth', async () => {
		const http = axios.create({ baseURL: sim.url, validateStatus: () => true });
		const clock = await http.get('/_sim/clock');
		const { realMs, ...virtual } = clock.data;
		expect(virtual).toEqual({
			now: '2025-01-06T10:00:00.000+05:30',
			epochMs: Date.parse('2025-01-06T04:30:00Z'),
			exotel: '2025-01-06 10:00:00',
			factor: 0,
		});
		expect(Math.abs(realMs - Date.now())).toBeLessThan(5_000);
		await http.post('/_sim/clock', { advanceMs: 90_000 });
		expect((await http.get('/_sim/clock')).data.exotel).toBe('2025-01-06 10:01:30');
		const patched = await http.post('/_sim/config', {
			model: {
				outages: [
					{ circle: 'KA', kind: 'hard', from: '2025-01-06T10:00:00', to: '2025-01-06T11:00:00' },
				],
			},
		});
		expect(patched.status).toBe(200);
		expect(sim.config.model.outages).toHaveLength(1);
		expect(
			(
				await http.post('/_sim/config', {
					model: { outages: [{ circle: 'XX', kind: 'hard', from: 0, to: 1 }] },
				})
			).status,
		).toBe(400);
		expect(sim.config.model.outages[0].circle).toBe('KA');

		const first = await client(sim).post(
			connectPath(),
			form({ From: '9876543210', To: '9123456789', CallerId: CALLER_ID }),
		);
		const ledger = await http.get('/_sim/ledger');
		expect(ledger.data.calls).toHaveLength(1);
		expect(ledger.data.counts.calls).toBe(1);
		expect(ledger.data.connectRequests[0]).toMatchObject({ httpStatus: 200, reason: 'accepted' });
		await http.post('/_sim/reset');
		expect((await http.get('/_sim/ledger')).data.calls).toHaveLength(0);
		const again = await client(sim).post(
			connectPath(),
			form({ From: '9876543210', To: '9123456789', CallerId: CALLER_ID }),
		);
		expect(again.data.Call.Sid).toBe(first.data.Call.Sid);
	});

	it('keeps demo contact sheets in memory', async () => {
		const http = axios.create({ baseURL: sim.url, validateStatus: () => true });
		expect((await http.get('/_sim/sheets/contacts/rows')).data).toEqual([]);
		const put = await http.put('/_sim/sheets/contacts/rows', [
			{ name: 'Asha', phone: '+919876543210', row_number: 99 },
			{ name: 'Ravi', phone: '+919123456789' },
		]);
		expect(put.data).toEqual([
			{ name: 'Asha', phone: '+919876543210', row_number: 2 },
			{ name: 'Ravi', phone: '+919123456789', row_number: 3 },
		]);
		const updated = await http.post('/_sim/sheets/contacts/update', {
			row_number: 3,
			status: 'completed',
			callSid: 'abc',
		});
		expect(updated.data).toEqual([
			{ name: 'Ravi', phone: '+919123456789', row_number: 3, status: 'completed', callSid: 'abc' },
		]);
		const many = await http.post('/_sim/sheets/contacts/update', [
			{ row_number: 2, status: 'busy' },
			{ row_number: 3, attempts: 2 },
		]);
		expect(many.data).toHaveLength(2);
		expect(
			(await http.post('/_sim/sheets/contacts/update', { row_number: 7, status: 'x' })).status,
		).toBe(404);
		expect((await http.put('/_sim/sheets/contacts/rows', { not: 'an array' })).status).toBe(400);
		const appended = await http.post('/_sim/sheets/contacts/rows', { name: 'Meena' });
		expect(appended.data).toEqual([{ name: 'Meena', row_number: 4 }]);
		const rows = (await http.get('/_sim/sheets/contacts/rows')).data;
		expect(rows).toEqual([
			{ name: 'Asha', phone: '+919876543210', row_number: 2, status: 'busy' },
			{
				name: 'Ravi',
				phone: '+919123456789',
				row_number: 3,
				status: 'completed',
				callSid: 'abc',
				attempts: 2,
			},
			{ name: 'Meena', row_number: 4 },
		]);
		await http.post('/_sim/reset');
		expect((await http.get('/_sim/sheets/contacts/rows')).data).toHaveLength(3);
		await http.post('/_sim/reset', { sheets: true });
		expect((await http.get('/_sim/sheets/contacts/rows')).data).toEqual([]);
	});

	it('updates sheet rows matched on another column (?matchOn=phoneNumber)', async () => {
		const http = axios.create({ baseURL: sim.url, validateStatus: () => true });
		await http.put('/_sim/sheets/crm/rows', [
			{ phone: '98765 43210', phoneNumber: '+919876543210' },
			{ phone: '09123456789', phoneNumber: '+919123456789' },
			{ phone: '8123456789' },
		]);
		const one = await http.post('/_sim/sheets/crm/update?matchOn=phoneNumber', [
			{ phoneNumber: '+919123456789', lastStatus: 'busy', attempts: 1, row_number: 99 },
		]);
		expect(one.status).toBe(200);
		expect(one.data).toEqual([
			{
				phone: '09123456789',
				phoneNumber: '+919123456789',
				lastStatus: 'busy',
				attempts: 1,
				row_number: 3,
			},
		]);
		// An unknown key or an item without the column changes nothing.
		const unknown = await http.post('/_sim/sheets/crm/update?matchOn=phoneNumber', [
			{ phoneNumber: '+919876543210', lastStatus: 'completed' },
			{ phoneNumber: '+910000000000', lastStatus: 'x' },
		]);
		expect(unknown.status).toBe(404);
		expect(
			(await http.post('/_sim/sheets/crm/update?matchOn=phoneNumber', { lastStatus: 'x' })).status,
		).toBe(400);
		const rows = (await http.get('/_sim/sheets/crm/rows')).data;
		expect(rows[0]).toEqual({ phone: '98765 43210', phoneNumber: '+919876543210', row_number: 2 });
		expect(rows[2]).toEqual({ phone: '8123456789', row_number: 4 });
		// row_number stays the default.
		expect(
			(await http.post('/_sim/sheets/crm/update', { row_number: 4, circle: 'KA' })).data,
		).toEqual([{ phone: '8123456789', row_number: 4, circle: 'KA' }]);
	});
});
