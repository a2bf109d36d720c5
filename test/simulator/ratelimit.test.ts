import type { RunningSimulator } from '../../simulator';
import { CALLER_ID, client, connectPath, form, startFrozen } from './helpers';

describe('simulator: connect rate limit (200 per sliding 60 s, virtual time)', () => {
	let sim: RunningSimulator;
	beforeAll(async () => {
		sim = await startFrozen();
	});
	afterAll(() => sim.stop());
	beforeEach(() => sim.reset());

	const connect = () =>
		client(sim).post(
			connectPath(),
			form({ From: '9876543210', To: '9123456789', CallerId: CALLER_ID }),
		);
	const burst = async (n: number) =>
		(await Promise.all(Array.from({ length: n }, connect))).map((r) => r.status);

	it('accepts exactly 200, rejects the 201st with 429, and accepts again once the window slides', async () => {
		const t0 = sim.clock.now();
		expect((await burst(200)).every((s) => s === 200)).toBe(true);
		const rejected = await connect();
		expect(rejected.status).toBe(429);
		expect(rejected.data).toEqual({
			RestException: { Status: 429, Message: expect.stringContaining('Rate limit exceeded') },
		});
		sim.clock.advance(59_999);
		expect((await connect()).status).toBe(429);
		sim.clock.advance(1); // t0 + 60 s: the first 200 leave the window
		expect(sim.clock.now()).toBe(t0 + 60_000);
		expect((await burst(200)).every((s) => s === 200)).toBe(true);
		expect((await connect()).status).toBe(429);

		expect(sim.ledger.calls).toHaveLength(400);
		expect(sim.ledger.maxRequestsInAnyWindow(60_000, 'accepted')).toBe(200);
		expect(sim.ledger.maxRequestsInAnyWindow(60_000, 'all')).toBe(202);
		expect(sim.ledger.counts().connectRejected).toEqual({ 'rate-limit': 3 });
	});

	it('slides: rejected requests do not count, only accepted ones older than 60 s free capacity', async () => {
		expect((await burst(100)).every((s) => s === 200)).toBe(true); // t = 0 s
		sim.clock.advance(30_000);
		expect((await burst(120)).filter((s) => s === 200)).toHaveLength(100); // t = 30 s: 100 more fit, 20 rejected
		sim.clock.advance(29_999); // t = 59.999 s
		expect((await burst(5)).every((s) => s === 429)).toBe(true);
		sim.clock.advance(1); // t = 60 s: the 100 from t = 0 leave
		const statuses = await burst(150);
		expect(statuses.filter((s) => s === 200)).toHaveLength(100);
		sim.clock.advance(30_000); // t = 90 s: the 100 from t = 30 s leave
		expect((await burst(100)).every((s) => s === 200)).toBe(true);
		expect(sim.ledger.maxRequestsInAnyWindow(60_000, 'accepted')).toBe(200);
	});

	it('can be configured or switched off', async () => {
		sim.update({ rateLimit: { limit: 3 } });
		try {
			expect(await burst(4)).toEqual(expect.arrayContaining([200, 200, 200, 429]));
			sim.update({ rateLimit: { enabled: false } });
			expect((await burst(10)).every((s) => s === 200)).toBe(true);
		} finally {
			sim.update({ rateLimit: { enabled: true, limit: 200 } });
		}
	});
});
