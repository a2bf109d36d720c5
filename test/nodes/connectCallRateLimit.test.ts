/**
 * Exotel Connect Call when Exotel's own per-minute limit is lower than the node's (issue 11 row 15): over real HTTP
 * against the simulator, on an injected clock. n8n-workflow's sleep (the only way the node waits) moves both
 * Date.now and the simulator's clock forward instead of waiting, so a 60-second window passes in no time.
 */
import type { IDataObject } from 'n8n-workflow';

import { ExotelConnectCall } from '../../nodes/ExotelConnectCall/ExotelConnectCall.node';
import { LIMIT_MEMORY_MS } from '../../nodes/core/requestSpacing';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { executeNode, simCredentials, type ExecuteNodeOptions } from '../helpers';

let sim: RunningSimulator;
let offsetMs = 0;
const realNow = Date.now.bind(Date);

function advance(ms: number): void {
	offsetMs += ms;
	sim?.clock.advance(ms);
}

jest.mock('n8n-workflow', () => {
	const actual = jest.requireActual('n8n-workflow');
	return {
		...actual,
		sleep: jest.fn(async (ms: number) => {
			advance(ms);
			await new Promise((resolve) => setImmediate(resolve));
		}),
	};
});

const node = new ExotelConnectCall();

beforeAll(async () => {
	jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
	sim = await startSimulator({ seed: 11 });
});

afterAll(async () => {
	await sim.stop();
	jest.restoreAllMocks();
});

beforeEach(() => {
	// Every test starts after the last one's window and learnt limit have expired (they are kept per process).
	advance(LIMIT_MEMORY_MS + 120_000);
	sim.reset();
	sim.update({ faults: { serverErrorRate: 0, latencyMs: { min: 0, max: 0 } } });
});

const contacts = (n: number): IDataObject[] =>
	Array.from({ length: n }, (_, k) => ({
		phoneNumber: `+9198200000${String(k + 10).padStart(2, '0')}`,
		callerId: '02040000001',
		circle: 'MH',
	}));

const run = async (opts: ExecuteNodeOptions) =>
	await executeNode(node, { credentials: { exotelApi: simCredentials(sim.url) }, ...opts });

const connectStatuses = () => sim.ledger.connectRequests.map((r) => r.httpStatus);

describe('Exotel Connect Call — an account limited below Max Requests Per Minute (429)', () => {
	it('limited to 5/min, 8 calls: the 3 over the limit wait for places in the window and are placed once each', async () => {
		sim.update({ rateLimit: { enabled: true, limit: 5, windowMs: 60_000 } });
		const started = Date.now();
		const res = await run({
			parameters: { flow: '234567', options: { maxRetries: 3 } },
			items: contacts(8),
		});

		expect(res.json.map((j) => j.error)).toEqual(Array(8).fill(undefined));
		expect(new Set(res.json.map((j) => j.callSid)).size).toBe(8);
		expect(sim.ledger.calls).toHaveLength(8);
		// One refusal shows the limit; the other two calls wait for a place instead of being refused too.
		expect(connectStatuses()).toEqual([200, 200, 200, 200, 200, 429, 200, 200, 200]);
		const elapsed = Date.now() - started;
		expect(elapsed).toBeGreaterThanOrEqual(60_000);
		expect(elapsed).toBeLessThan(70_000);
	});

	it('limited to 2/min: calls that cannot go within one more window are handed back, not placed, with advice', async () => {
		sim.update({ rateLimit: { enabled: true, limit: 2, windowMs: 60_000 } });
		const res = await run({
			parameters: { flow: '234567', options: { maxRetries: 3 } },
			items: contacts(8),
			continueOnFail: true,
		});

		const placed = res.json.filter((j) => typeof j.callSid === 'string');
		expect(placed).toHaveLength(4); // 2 at once, 2 when the first two leave Exotel's window
		expect(sim.ledger.calls).toHaveLength(4);
		expect(connectStatuses().filter((s) => s === 429)).toHaveLength(1);
		const handedBack = res.json.slice(4);
		for (const j of handedBack) {
			expect(String(j.error)).toMatch(
				/^Not sent: Exotel is refusing calls above its per-minute limit \(429 rate limit\)/,
			);
			expect(j.callMayHaveBeenPlaced).toBe(false);
			expect(String(j.errorDescription)).toMatch(
				/accepted only 2 calls in 60 seconds.*Lower Max Calls per Minute in the Pacing Settings to 2/,
			);
		}
		expect(res.items.map((i) => i.pairedItem)).toEqual(
			[0, 1, 2, 3, 4, 5, 6, 7].map((item) => ({ item })),
		);
	});

	it('the next execution keeps the limit Exotel showed (no new 429) until it has been forgotten', async () => {
		sim.update({ rateLimit: { enabled: true, limit: 2, windowMs: 60_000 } });
		await run({ parameters: { flow: '234567' }, items: contacts(3), continueOnFail: true });
		expect(connectStatuses().filter((s) => s === 429)).toHaveLength(1);

		advance(61_000);
		const next = await run({
			parameters: { flow: '234567' },
			items: contacts(3),
			continueOnFail: true,
		});
		expect(next.json.filter((j) => typeof j.callSid === 'string')).toHaveLength(3);
		expect(connectStatuses().filter((s) => s === 429)).toHaveLength(1);

		advance(LIMIT_MEMORY_MS);
		sim.update({ rateLimit: { enabled: true, limit: 200, windowMs: 60_000 } });
		const started = Date.now();
		const later = await run({ parameters: { flow: '234567' }, items: contacts(6) });
		expect(later.json.every((j) => typeof j.callSid === 'string')).toBe(true);
		expect(Date.now() - started).toBeLessThan(5_000); // the configured 200/min again, no waiting
	});

	it("Max Retries 0: the first 429 is the item's error at once, with what Exotel showed", async () => {
		sim.update({ rateLimit: { enabled: true, limit: 1, windowMs: 60_000 } });
		const started = Date.now();
		const res = await run({
			parameters: { flow: '234567', options: { maxRetries: 0 } },
			items: contacts(2),
			continueOnFail: true,
		});
		expect(typeof res.json[0].callSid).toBe('string');
		expect(String(res.json[1].error)).toMatch(
			/^Exotel did not place the call to \+9198200000\d\d: Rate limit exceeded/,
		);
		expect(String(res.json[1].errorDescription)).toMatch(/accepted only 1 calls in 60 seconds/);
		expect(res.json[1].callMayHaveBeenPlaced).toBe(false);
		expect(connectStatuses()).toEqual([200, 429]);
		expect(Date.now() - started).toBeLessThan(5_000);
	});

	it('without Continue On Fail a hand-back stops the node with the same clear error', async () => {
		sim.update({ rateLimit: { enabled: true, limit: 1, windowMs: 60_000 } });
		await expect(run({ parameters: { flow: '234567' }, items: contacts(4) })).rejects.toMatchObject(
			{
				message: expect.stringMatching(
					/^Not sent: Exotel is refusing calls above its per-minute limit/,
				),
				description: expect.stringMatching(
					/Lower Max Calls per Minute in the Pacing Settings to 1/,
				),
			},
		);
		expect(sim.ledger.calls).toHaveLength(2);
	});
});
