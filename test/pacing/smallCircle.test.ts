/**
 * The breaker in circles that get few calls per minute (docs/pacing-design.md, "Detection time depends on a
 * circle's call rate"; bench/sweep measures the same over 20 seeds). Everything runs on the World's virtual clock.
 */
import {
	createState,
	recordOutcomes,
	release,
	resolveSettings,
	type CampaignState,
	type OutcomeInput,
} from '../../nodes/core/pacing';
import { allocate, type Demand } from '../../nodes/core/pacing/allocation';
import { verifyCalls, enqueueCall, matureRuns } from '../../nodes/core/pacing/runs';
import { emptyCircle } from '../../nodes/core/pacing/state';
import type { Expected } from '../../nodes/core/pacing/health';
import { CIRCLE_LIST, MON_10, World, mix, runSerial, signed } from './helpers';

const MIN = 60_000;
/** MH's weight among 13 other circles of weight 1 that gives it ~4 of the ~190 calls/min. */
const SMALL_MH = CIRCLE_LIST.map((c) => (c === 'MH' ? 0.28 : 1));

function smallCircleWorld(seed: number, outageAt: number, kind: 'hard' | 'silent'): World {
	return new World({
		seed,
		contacts: 4000,
		circleWeights: SMALL_MH,
		mixes: Object.fromEntries(CIRCLE_LIST.map((c) => [c, mix(0.45, 0.04)])),
		outages: [{ circle: 'MH', kind, from: outageAt, to: outageAt + 20 * MIN }],
	});
}

describe('breaker in a small circle (~4 calls/min)', () => {
	const outageAt = MON_10 + 12 * MIN;

	test.each([1, 2, 3])('seed %i: a hard outage is cut within 60 s, after few calls', (seed) => {
		const w = smallCircleWorld(seed, outageAt, 'hard');
		const res = runSerial(w, outageAt + 4 * MIN);
		const calls = [...w.truth.values()].filter((c) => c.circle === 'MH');
		const before = calls.filter((c) => c.sendAt >= outageAt - 5 * MIN && c.sendAt < outageAt);
		expect(before.length / 5).toBeGreaterThanOrEqual(3);
		expect(before.length / 5).toBeLessThanOrEqual(6);
		const open = res.transitions.find((t) => t.circle === 'MH' && t.to === 'open');
		expect(open).toBeDefined();
		expect(open!.reason).toBe('failed_run');
		expect(open!.at - outageAt).toBeGreaterThan(0);
		expect(open!.at - outageAt).toBeLessThanOrEqual(60_000);
		const into = calls.filter((c) => c.sendAt >= outageAt && c.sendAt < open!.at);
		expect(into.length).toBeLessThanOrEqual(10);
		expect(res.transitions.filter((t) => t.circle !== 'MH')).toEqual([]);
	});

	test('healthy for 3 hours with ordinary failures (6%): never tripped', () => {
		const w = new World({
			seed: 11,
			contacts: 8000,
			circleWeights: CIRCLE_LIST.map((c) => (c === 'MH' ? 1.3 : 1)),
			mixes: Object.fromEntries(CIRCLE_LIST.map((c) => [c, mix(0.4, c === 'MH' ? 0.06 : 0.04)])),
			settings: { maxCallsPerMinute: 40 },
			hopper: 300,
		});
		const res = runSerial(w, MON_10 + 3 * 60 * MIN);
		const mh = [...w.truth.values()].filter((c) => c.circle === 'MH');
		// ~4 calls/min into MH for the whole 3 hours, with its failures (about 6% of them)
		expect(mh.length).toBeGreaterThan(3 * 3 * 60);
		expect(mh.filter((c) => c.status === 'failed').length).toBeGreaterThan(25);
		expect(res.transitions).toEqual([]);
	});
});

const EXP: Expected = {
	p: 0.45,
	qna: 0.35,
	qf: 0.04,
	hasBaseline: true,
	baselineP: 0.45,
	baselineN: 100,
};

describe('run tests: stragglers, learning, verification calls', () => {
	const s = resolveSettings({});

	function feed(state: CampaignState, outs: OutcomeInput[], now: number): CampaignState {
		return recordOutcomes(state, outs, now, s).state;
	}
	const call = (state: CampaignState, id: string, placedAt: number) =>
		signed(state, {
			campaign: 'camp',
			contact: `+91MH${id}`,
			attempt: 1,
			circle: 'MH',
			releasedAt: placedAt,
		});

	test('a straggler the run tests have judged and dropped is not fed to them again', () => {
		const t0 = MON_10;
		const contacts = [
			{ key: '+919800000001', circle: 'MH' },
			{ key: '+919800000002', circle: 'MH' },
		];
		const r = release(createState('camp', t0 - 3600_000), contacts, t0, s);
		expect(r.released).toHaveLength(2);
		const [a, b] = r.released;
		let state = feed(
			r.state,
			r.released.map((c, i) => ({
				callSid: `S${i}`,
				status: 'in-progress',
				correlation: c.correlation,
			})),
			t0 + 1000,
		);
		// B fails at once; A is still talking when both tests have judged it (not failed, not rang out)
		state = feed(
			state,
			[{ callSid: 'S1', status: 'failed', at: b.placedAt + 2000 }],
			b.placedAt + 3000,
		);
		state = release(state, [], a.placedAt + 70_000, s).state;
		const run = state.circles.MH.cusum[0];
		expect(run).toBeGreaterThan(0);
		expect(state.circles.MH.runQueue).toEqual([]);
		// A ends: it was judged already, and must not knock back the run of failures that followed it
		state = feed(
			state,
			[{ callSid: 'S0', status: 'completed', at: a.placedAt + 120_000 }],
			a.placedAt + 121_000,
		);
		expect(state.circles.MH.cusum[0]).toBe(run);
	});

	test('failures are held back from learning while failures run, and learnt once the run ends', () => {
		const t0 = MON_10;
		let state = createState('camp', t0 - 3600_000);
		const out = (id: string, status: string, placed: number, at: number): OutcomeInput => ({
			callSid: id,
			status,
			at,
			correlation: call(state, id, placed),
		});
		state = feed(state, [out('f1', 'failed', t0, t0 + 2000)], t0 + 3000);
		const learnt = state.circles.MH.normalMix[0];
		expect(state.circles.MH.cusum[0]).toBeGreaterThan(0);
		state = feed(state, [out('f2', 'failed', t0 + 5000, t0 + 7000)], t0 + 8000);
		// the second failure is held, not learnt
		expect(state.circles.MH.normalMix[3]).toBeCloseTo(1, 2);
		expect(state.circles.MH.heldFailures).toBe(1);
		// calls that do not fail end the run: the held failure is learnt then
		for (let k = 0; k < 4; k++)
			state = feed(
				state,
				[out(`c${k}`, 'busy', t0 + 10_000 + k * 1000, t0 + 14_000 + k * 1000)],
				t0 + 15_000 + k * 1000,
			);
		expect(state.circles.MH.cusum[0]).toBe(0);
		expect(state.circles.MH.heldFailures).toBeUndefined();
		expect(state.circles.MH.normalMix[0]).toBeGreaterThan(learnt + 4.9);
		expect(state.circles.MH.normalMix[3]).toBeGreaterThan(1.9);
	});

	test('verification calls: only while a run is under way, and only as many as it still needs', () => {
		const c = emptyCircle(MON_10);
		expect(verifyCalls(c, EXP, s)).toBe(0);
		c.cusum = [3.0, 0];
		expect(verifyCalls(c, EXP, s)).toBe(3); // 12/min x 15 s
		// the 5 failures it still needs (ln(0.8 / 0.04) = 3 each) are already on their way
		for (let i = 0; i < 5; i++) enqueueCall(c, MON_10 + i * 1000);
		expect(verifyCalls(c, EXP, s)).toBe(0);
		expect(verifyCalls(c, EXP, { ...s, verifyCallsPerMinute: 0 })).toBe(0);
		// a quiet silent test does not ask; one past a quarter of its threshold does
		const q = emptyCircle(MON_10);
		q.cusum = [0, 3];
		expect(verifyCalls(q, EXP, s)).toBe(0);
		q.cusum = [0, 4];
		expect(verifyCalls(q, EXP, s)).toBe(3);
		matureRuns(q, MON_10, EXP, s);
		q.breaker = { ...q.breaker, mode: 'open' };
		expect(verifyCalls(q, EXP, s)).toBe(0);
	});

	test('allocation lifts a floored circle to its floor from the largest share', () => {
		const d = (circle: string, backlog: number, floor = 0): Demand => ({
			circle,
			backlog,
			weight: 1,
			cap: backlog,
			probe: false,
			carry: 0,
			floor,
		});
		const plain = allocate(10, [d('A', 500), d('B', 400), d('MH', 20)]);
		expect(plain.get('MH')!.n).toBe(0);
		const lifted = allocate(10, [d('A', 500), d('B', 400), d('MH', 20, 3)]);
		expect(lifted.get('MH')!.n).toBe(3);
		expect(lifted.get('A')!.n + lifted.get('B')!.n).toBe(7);
		expect(lifted.get('A')!.carry).toBeGreaterThan(plain.get('A')!.carry);
		// never above its cap, and a circle whose share is already larger keeps it
		expect(allocate(10, [d('A', 500), d('MH', 2, 3)]).get('MH')!.n).toBe(2);
		expect(allocate(40, [d('A', 100), d('MH', 100, 3)]).get('MH')!.n).toBe(20);
	});
});
