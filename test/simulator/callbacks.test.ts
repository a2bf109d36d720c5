import { startSimulator, type RunningSimulator } from '../../simulator';
import {
	CALLER_ID,
	CallbackReceiver,
	FLOW_URL,
	client,
	connectPath,
	form,
	sleep,
	startFrozen,
	waitUntil,
} from './helpers';

const MINUTE = 60_000;

const fixtures = {
	'9000000001': {
		status: 'completed' as const,
		ringSeconds: 5,
		talkSeconds: 30,
		answeredBy: 'Human' as const,
	},
	'9000000002': { status: 'busy' as const, ringSeconds: 4 },
	'9000000003': { status: 'no-answer' as const, ringSeconds: 40 },
};

describe('simulator: status callbacks', () => {
	let sim: RunningSimulator;
	let receiver: CallbackReceiver;
	beforeAll(async () => {
		receiver = await new CallbackReceiver().start();
		sim = await startFrozen({ model: { fixtures } });
	});
	afterAll(async () => {
		await sim.stop();
		await receiver.stop();
	});
	beforeEach(() => {
		sim.reset();
		receiver.received.length = 0;
		receiver.statuses = [];
		sim.update({ callbacks: { dropRate: 0, duplicateRate: 0 } });
	});

	const connect = async (fields: Record<string, string | string[]>) => {
		const res = await client(sim).post(
			connectPath(),
			form({ From: '9876543210', CallerId: CALLER_ID, StatusCallback: receiver.url, ...fields }),
		);
		expect(res.status).toBe(200);
		return res.data.Call.Sid as string;
	};

	it('sends a multipart terminal callback with flattened Legs keys when the call ends', async () => {
		const sid = await connect({
			To: '9000000001',
			'StatusCallbackEvents[0]': 'terminal',
			CustomField: 'x1|camp|c1|1|KA|',
		});
		const call = sim.ledger.call(sid)!;
		sim.clock.advance(call.endedAtMs - sim.clock.now() - 1);
		await sleep(50);
		expect(receiver.received).toHaveLength(0); // not before the call ends
		sim.clock.advance(1);
		await receiver.waitFor(1);
		const cb = receiver.received[0];
		expect(cb.contentType).toMatch(/^multipart\/form-data; boundary=/);
		expect(cb.fields).toMatchObject({
			CallSid: sid,
			Status: 'completed',
			EventType: 'terminal',
			To: '09000000001',
			From: '09876543210',
			PhoneNumberSid: CALLER_ID,
			Direction: 'outbound-api',
			CustomField: 'x1|camp|c1|1|KA|',
			ConversationDuration: '30',
			RecordingUrl: 'null',
			'Legs[0][Status]': 'completed',
			'Legs[0][OnCallDuration]': '35',
			'Legs[0][AnsweredBy]': 'Human',
			'Legs[1][Status]': 'completed',
			'Legs[1][OnCallDuration]': '30',
			'Legs[1][AnsweredBy]': 'Human',
			DateCreated: '2025-01-06 10:00:00',
		});
		expect(cb.fields.EndTime).toBe(cb.fields.DateUpdated);
		expect(cb.fields.StartTime).toBe('2025-01-06 10:00:00');
		await waitUntil(() => call.callbacks.length === 1);
		expect(call.callbacks).toEqual([
			expect.objectContaining({
				eventType: 'terminal',
				attempt: 1,
				httpStatus: 200,
				duplicate: false,
				dropped: false,
				sentAtMs: call.endedAtMs,
			}),
		]);
	});

	it('sends JSON with a real Legs array when StatusCallbackContentType=application/json', async () => {
		const sid = await connect({
			To: '9000000002',
			StatusCallbackContentType: 'application/json',
			'StatusCallbackEvents[]': 'terminal',
		});
		sim.clock.advance(MINUTE);
		await receiver.waitFor(1);
		const cb = receiver.received[0];
		expect(cb.contentType).toBe('application/json');
		expect(cb.json).toMatchObject({
			CallSid: sid,
			Status: 'busy',
			EventType: 'terminal',
			ConversationDuration: 0,
			RecordingUrl: null,
			CustomField: null,
			Legs: [
				{ Status: 'completed', OnCallDuration: 4, AnsweredBy: 'Human' },
				{ Status: 'busy', OnCallDuration: 0, AnsweredBy: 'NA' },
			],
		});
	});

	it('sends answered events per answered leg before the terminal event', async () => {
		const sid = await connect({
			To: '9000000001',
			'StatusCallbackEvents[0]': 'terminal',
			'StatusCallbackEvents[1]': 'answered',
			CustomField: 'cf',
		});
		sim.clock.advance(10 * MINUTE);
		await receiver.waitFor(3);
		const [leg1, leg2, terminal] = receiver.received.map((r) => r.fields);
		expect(leg1).toMatchObject({
			CallSid: sid,
			EventType: 'answered',
			Status: 'in-progress',
			'Legs[0][Status]': 'in-progress',
			'Legs[1][Status]': '',
		});
		expect(leg2).toMatchObject({
			CallSid: sid,
			EventType: 'answered',
			Status: 'in-progress',
			'Legs[0][Status]': 'in-progress',
			'Legs[1][Status]': 'in-progress',
		});
		expect(leg1.CustomField).toBeUndefined();
		expect(terminal).toMatchObject({
			EventType: 'terminal',
			Status: 'completed',
			CustomField: 'cf',
		});
		await waitUntil(() => sim.ledger.call(sid)!.callbacks.length === 3);
		const answeredAt = sim.ledger.call(sid)!.callbacks.map((c) => [c.eventType, c.sentAtMs]);
		expect(answeredAt.map((a) => a[0])).toEqual(['answered', 'answered', 'terminal']);
		expect((answeredAt[1][1] as number) - (answeredAt[0][1] as number)).toBe(5000); // ring time of leg 2
		expect((answeredAt[2][1] as number) - (answeredAt[1][1] as number)).toBe(30_000); // talk time
		expect(answeredAt[2][1]).toBe(sim.ledger.call(sid)!.endedAtMs);

		// Flow call: one leg, one answered event; busy number calls answer only the agent leg.
		receiver.received.length = 0;
		await connect({
			From: '9000000001',
			Url: FLOW_URL,
			'StatusCallbackEvents[]': ['answered', 'terminal'],
		});
		sim.clock.advance(10 * MINUTE);
		await receiver.waitFor(2);
		expect(receiver.received.map((r) => r.fields.EventType)).toEqual(['answered', 'terminal']);
		expect(receiver.received[0].fields['Legs[1][Status]']).toBeUndefined();
	});

	it('sends only CallSid, Status, DateUpdated and RecordingUrl without StatusCallbackEvents', async () => {
		const sid = await connect({ To: '9000000001', Record: 'true' });
		sim.clock.advance(10 * MINUTE);
		await receiver.waitFor(1);
		const fields = receiver.received[0].fields;
		expect(Object.keys(fields).sort()).toEqual([
			'CallSid',
			'DateUpdated',
			'RecordingUrl',
			'Status',
		]);
		expect(fields.CallSid).toBe(sid);
		expect(fields.RecordingUrl).toBe(`${sim.url}/_sim/recordings/${sid}.mp3`);
	});

	it('retries twice on non-2xx answers', async () => {
		receiver.statuses = [500, 503];
		const sid = await connect({ To: '9000000002', 'StatusCallbackEvents[0]': 'terminal' });
		const attempts = () => sim.ledger.call(sid)!.callbacks.length;
		sim.clock.advance(MINUTE);
		await waitUntil(() => attempts() === 1);
		sim.clock.advance(sim.config.callbacks.retryDelayMs - 1);
		await sleep(30);
		expect(receiver.received).toHaveLength(1); // the retry waits retryDelayMs of virtual time
		sim.clock.advance(1);
		await waitUntil(() => attempts() === 2);
		sim.clock.advance(sim.config.callbacks.retryDelayMs);
		await waitUntil(() => attempts() === 3);
		sim.clock.advance(MINUTE);
		await sleep(30);
		expect(receiver.received).toHaveLength(3);
		expect(sim.ledger.call(sid)!.callbacks.map((c) => [c.attempt, c.httpStatus])).toEqual([
			[1, 500],
			[2, 503],
			[3, 200],
		]);
	});

	it('gives up after 2 retries on connection errors', async () => {
		const dead = new CallbackReceiver();
		await dead.start();
		await dead.stop(); // the port is now closed
		const res = await client(sim).post(
			connectPath(),
			form({ From: '9876543210', CallerId: CALLER_ID, To: '9000000002', StatusCallback: dead.url }),
		);
		const sid = res.data.Call.Sid as string;
		for (let i = 1; i <= 3; i++) {
			sim.clock.advance(MINUTE);
			await waitUntil(() => sim.ledger.call(sid)!.callbacks.length === i);
		}
		sim.clock.advance(MINUTE);
		await sleep(30);
		const attempts = sim.ledger.call(sid)!.callbacks;
		expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
		expect(attempts.every((a) => a.error && a.httpStatus === undefined)).toBe(true);
	});

	it('drops and duplicates callbacks when told to', async () => {
		sim.update({ callbacks: { dropRate: 1 } });
		const dropped = await connect({ To: '9000000001', 'StatusCallbackEvents[0]': 'terminal' });
		sim.clock.advance(10 * MINUTE);
		await sleep(50);
		expect(receiver.received).toHaveLength(0);
		expect(sim.ledger.call(dropped)!.callbacks).toEqual([
			expect.objectContaining({ eventType: 'terminal', dropped: true, attempt: 0 }),
		]);

		sim.update({ callbacks: { dropRate: 0, duplicateRate: 1 } });
		const duplicated = await connect({ To: '9000000001', 'StatusCallbackEvents[0]': 'terminal' });
		sim.clock.advance(10 * MINUTE);
		await receiver.waitFor(2);
		expect(receiver.received.map((r) => r.fields.CallSid)).toEqual([duplicated, duplicated]);
		expect(receiver.received[0].raw).toBe(receiver.received[1].raw);
		await waitUntil(() => sim.ledger.call(duplicated)!.callbacks.length === 2);
		expect(sim.ledger.call(duplicated)!.callbacks.map((c) => c.duplicate)).toEqual([false, true]);
	});

	it('delays callbacks by the configured extra virtual delay', async () => {
		sim.update({ callbacks: { extraDelayMs: { min: 90_000, max: 90_000 } } });
		try {
			const sid = await connect({ To: '9000000002', 'StatusCallbackEvents[0]': 'terminal' });
			const call = sim.ledger.call(sid)!;
			sim.clock.advance(call.endedAtMs - sim.clock.now() + 89_999);
			await sleep(30);
			expect(receiver.received).toHaveLength(0);
			sim.clock.advance(1);
			await receiver.waitFor(1);
			await waitUntil(() => call.callbacks.length === 1);
			expect(call.callbacks[0].sentAtMs).toBe(call.endedAtMs + 90_000);
			expect(receiver.received[0].fields.DateUpdated).toBe(receiver.received[0].fields.EndTime); // still the end time
		} finally {
			sim.update({ callbacks: { extraDelayMs: { min: 0, max: 0 } } });
		}
	});

	it('decides partial drop/duplicate rates the same way for the same seed', async () => {
		const run = async () => {
			sim.reset();
			sim.update({ callbacks: { dropRate: 0.3, duplicateRate: 0.3 } });
			for (let i = 0; i < 20; i++)
				await connect({ To: '9000000002', 'StatusCallbackEvents[0]': 'terminal' });
			sim.clock.advance(MINUTE);
			sim.clock.advance(MINUTE); // duplicates follow 2 s later
			await waitUntil(() =>
				sim.ledger.calls.every(
					(c) => c.callbacks.length > 0 && c.callbacks.every((cb) => cb.dropped || cb.httpStatus),
				),
			);
			await sleep(50);
			return sim.ledger.calls.map((c) =>
				c.callbacks
					.map((cb) => `${cb.dropped ? 'D' : ''}${cb.duplicate ? '2' : '1'}`)
					.sort()
					.join(''),
			);
		};
		const a = await run();
		const b = await run();
		expect(a).toEqual(b);
		const flat = a.join(',');
		expect(flat).toContain('D');
		expect(flat).toContain('2');
	});
});

describe('simulator: callbacks in real time (factor 600)', () => {
	it('delivers when the call ends without moving the clock by hand', async () => {
		const receiver = await new CallbackReceiver().start();
		const sim = await startSimulator({ clock: { factor: 600 }, model: { fixtures } });
		try {
			const res = await client(sim).post(
				connectPath(),
				form({
					From: '9876543210',
					To: '9000000001',
					CallerId: CALLER_ID,
					StatusCallback: receiver.url,
					'StatusCallbackEvents[0]': 'terminal',
				}),
			);
			expect(res.status).toBe(200);
			await receiver.waitFor(1, 2000); // about 41 virtual seconds = under 0.1 real seconds
			expect(receiver.received[0].fields.Status).toBe('completed');
		} finally {
			await sim.stop();
			await receiver.stop();
		}
	});
});

describe('simulator: circle outages', () => {
	let sim: RunningSimulator;
	// Twenty customers in KA and twenty in TN.
	const ka = Array.from({ length: 20 }, (_, i) => `90000010${String(i).padStart(2, '0')}`);
	const tn = Array.from({ length: 20 }, (_, i) => `90000020${String(i).padStart(2, '0')}`);
	beforeAll(async () => {
		sim = await startFrozen({
			numbers: {
				dndShare: 0,
				fixtures: Object.fromEntries([
					...ka.map((n) => [n, { circle: 'KA' }]),
					...tn.map((n) => [n, { circle: 'TN' }]),
				]),
			},
			model: {
				outages: [
					{
						circle: 'KA',
						kind: 'hard',
						from: '2025-01-06T10:00:00+05:30',
						to: '2025-01-06T10:30:00+05:30',
					},
					{
						circle: 'KA',
						kind: 'silent',
						from: '2025-01-06T10:30:00+05:30',
						to: '2025-01-06T11:00:00+05:30',
					},
				],
			},
		});
	});
	afterAll(() => sim.stop());

	const dial = async (numbers: string[], extra: Record<string, string> = {}) => {
		const sids: string[] = [];
		for (const n of numbers) {
			const res = await client(sim).post(
				connectPath(),
				form({ From: n, Url: FLOW_URL, CallerId: CALLER_ID, ...extra }),
			);
			sids.push(res.data.Call.Sid);
		}
		return sids.map((sid) => sim.ledger.call(sid)!);
	};

	it('hard: every call in the circle fails within seconds; other circles are unaffected', async () => {
		const calls = await dial(ka);
		expect(calls.every((c) => c.status === 'failed' && c.reason === 'outage-hard')).toBe(true);
		expect(Math.max(...calls.map((c) => c.durations.total))).toBeLessThanOrEqual(5);
		const others = await dial(tn);
		expect(others.some((c) => c.status === 'completed')).toBe(true);
		expect(others.every((c) => c.reason === 'model')).toBe(true);
	});

	it('silent: every call in the circle rings out to no-answer (TimeOut honoured)', async () => {
		sim.clock.set('2025-01-06T10:45:00+05:30');
		const calls = await dial(ka, { TimeOut: '40' });
		expect(
			calls.every(
				(c) => c.status === 'no-answer' && c.reason === 'outage-silent' && c.durations.total === 40,
			),
		).toBe(true);
		sim.clock.advance(5 * MINUTE);
		const details = await client(sim).get(`/v1/Accounts/simaccount/Calls.json`, {
			params: { Sid: calls.map((c) => c.sid).join(','), PageSize: 100 },
		});
		expect(details.data.Calls).toHaveLength(20);
		expect(details.data.Calls.every((c: { Status: string }) => c.Status === 'no-answer')).toBe(
			true,
		);
	});

	it('recovers once the outage window is over, and outages can be added at runtime', async () => {
		sim.clock.set('2025-01-06T11:00:00+05:30');
		const after = await dial(ka);
		expect(after.every((c) => c.reason === 'model')).toBe(true);
		expect(after.some((c) => c.status === 'completed')).toBe(true);
		sim.update({
			model: {
				outages: [
					{
						circle: 'TN',
						kind: 'hard',
						from: '2025-01-06T11:00:00+05:30',
						to: '2025-01-06T12:00:00+05:30',
					},
				],
			},
		});
		expect((await dial(tn.slice(0, 5))).every((c) => c.status === 'failed')).toBe(true);
	});
});
