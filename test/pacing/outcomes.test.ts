import {
	createState,
	getStats,
	outcomeRecorder,
	recordOutcomes,
	release,
	type OutcomeInput,
} from '../../nodes/core/pacing';
import { Gen } from '../helpers/fuzz';
import { hostileReport } from '../helpers/hostile';
import { encodeCorrelation, decodeCorrelation } from '../../nodes/core/correlation';
import { MON_10, settingsWith, signed } from './helpers';

const s = settingsWith();

function setup(n = 3) {
	const contacts = Array.from({ length: n }, (_, i) => ({ key: `+91980000000${i}`, circle: 'MH' }));
	const r = release(createState('camp', MON_10), contacts, MON_10, s);
	return r;
}

describe('recordOutcomes', () => {
	test('Connect Call answer registers the CallSid; the terminal callback counts it once', () => {
		const r = setup(1);
		const c = r.released[0];
		expect(r.state.inFlight).toEqual([expect.objectContaining({ contact: c.contact, attempt: 1 })]);
		expect(r.state.inFlight[0].callSid).toBeUndefined();
		const reg = recordOutcomes(
			r.state,
			[{ callSid: 'S1', status: 'in-progress', correlation: c.correlation, source: 'connect' }],
			MON_10 + 1000,
			s,
		);
		expect(reg.results[0]).toMatchObject({ action: 'registered', contact: c.contact, attempt: 1 });
		expect(reg.results[0].writeBack).toEqual({
			contact: c.contact,
			attemptsToWrite: 1,
			lastStatus: 'in-progress',
			lastCallSid: 'S1',
			lastAttemptAt: c.placedAt,
			nextRetryAt: null,
			final: false,
			refunded: false,
		});
		expect(reg.state.totals.attempted).toBe(1);
		const done = recordOutcomes(
			reg.state,
			[{ callSid: 'S1', status: 'busy', at: MON_10 + 9000 }],
			MON_10 + 10000,
			s,
		);
		expect(done.results[0]).toMatchObject({ action: 'counted', category: 'busy' });
		expect(done.results[0].writeBack).toMatchObject({
			attemptsToWrite: 1,
			lastStatus: 'busy',
			nextRetryAt: MON_10 + 9000 + 30 * 60000,
			final: false,
		});
		expect(done.state.inFlight).toEqual([]);
		expect(done.state.totals).toMatchObject({ attempted: 1, busy: 1 });
		// Exotel retries the callback: ignored
		const dup = recordOutcomes(
			done.state,
			[
				{ callSid: 'S1', status: 'busy' },
				{ callSid: 'S1', status: 'busy' },
			],
			MON_10 + 20000,
			s,
		);
		expect(dup.results.map((x) => x.action)).toEqual(['duplicate', 'duplicate']);
		expect(dup.state.totals).toMatchObject({ attempted: 1, busy: 1, duplicatesIgnored: 2 });
		expect(dup.writeBacks).toEqual([]);
	});

	test('inputs are never mutated', () => {
		const r = setup(1);
		const frozen = JSON.stringify(r.state);
		recordOutcomes(
			r.state,
			[{ callSid: 'S1', status: 'completed', correlation: r.released[0].correlation }],
			MON_10 + 5000,
			s,
		);
		release(r.state, [{ key: 'x', circle: 'DL' }], MON_10 + 15000, s);
		expect(JSON.stringify(r.state)).toBe(frozen);
	});

	test('an outcome for an unknown CallSid that carries our correlation is counted once', () => {
		const corr = {
			campaign: 'camp',
			contact: '+919811111111',
			attempt: 2,
			circle: 'DL',
			releasedAt: MON_10 - 60000,
		};
		const state = createState('camp', MON_10 - 3600000);
		const cb: OutcomeInput = {
			callSid: 'LOST1',
			status: 'completed',
			correlation: decodeCorrelation(encodeCorrelation(corr, state.key)),
			at: MON_10 - 1000,
		};
		const a = recordOutcomes(state, [cb, cb], MON_10, s);
		expect(a.results.map((x) => x.action)).toEqual(['counted', 'duplicate']);
		expect(a.state.totals).toMatchObject({ attempted: 1, completed: 1, duplicatesIgnored: 1 });
		expect(a.results[0].writeBack).toMatchObject({
			contact: '+919811111111',
			attemptsToWrite: 2,
			final: true,
			nextRetryAt: null,
		});
		const b = recordOutcomes(a.state, [cb], MON_10 + 60000, s);
		expect(b.state.totals.completed).toBe(1);
		expect(
			getStats(b.state, MON_10 + 60000, s).circles.find((c) => c.circle === 'DL'),
		).toMatchObject({ attempted: 1, completed: 1 });
	});

	test('the callback may overtake the registration (same call counted once)', () => {
		const r = setup(1);
		const c = r.released[0];
		const cb = recordOutcomes(
			r.state,
			[{ callSid: 'S9', status: 'failed', correlation: c.correlation }],
			MON_10 + 3000,
			s,
		);
		expect(cb.results[0].action).toBe('counted');
		expect(cb.state.inFlight).toEqual([]);
		const reg = recordOutcomes(
			cb.state,
			[{ callSid: 'S9', status: 'in-progress', correlation: c.correlation }],
			MON_10 + 4000,
			s,
		);
		expect(reg.results[0].action).toBe('duplicate');
		expect(reg.state.totals).toMatchObject({ attempted: 1, failed: 1 });
		expect(reg.state.inFlight).toEqual([]);
	});

	test('late reports of calls placed before the watermark are treated as counted', () => {
		const corr = {
			campaign: 'camp',
			contact: 'k',
			attempt: 1,
			circle: 'DL',
			releasedAt: MON_10 - 3 * 3600000,
		};
		const r = recordOutcomes(
			createState('camp', MON_10 - 4 * 3600000),
			[{ callSid: 'OLD', status: 'completed', correlation: corr }],
			MON_10,
			s,
		);
		expect(r.results[0].action).toBe('late');
		expect(r.state.totals).toMatchObject({ completed: 0, lateIgnored: 1 });
	});

	test('reports of another campaign or without correlation are ignored', () => {
		const st = createState('camp', MON_10);
		const r = recordOutcomes(
			st,
			[
				{
					callSid: 'A',
					status: 'completed',
					correlation: { campaign: 'other', contact: 'k', attempt: 1, releasedAt: MON_10 },
				},
				{ callSid: 'B', status: 'completed' },
				{ callSid: 'C', status: 'weird' },
			],
			MON_10,
			s,
		);
		expect(r.results.map((x) => x.action)).toEqual(['ignored', 'ignored', 'ignored']);
		expect(r.state.totals.completed).toBe(0);
	});

	test('not-placed drops the reservation and does not count the attempt; 429 pauses releasing', () => {
		const r = setup(2);
		const [a, b] = r.released;
		const np = recordOutcomes(
			r.state,
			[
				{ status: 'not-placed', correlation: a.correlation },
				{ status: 'not-placed', correlation: b.correlation, rateLimited: true },
			],
			MON_10 + 1000,
			s,
		);
		expect(np.state.inFlight).toEqual([]);
		expect(np.state.totals).toMatchObject({ notPlaced: 2, attempted: 0 });
		expect(np.results[0].writeBack).toMatchObject({
			attemptsToWrite: 0,
			lastStatus: 'not-placed',
			nextRetryAt: MON_10 + 1000 + 5 * 60000,
		});
		const next = release(np.state, [{ key: 'z', circle: 'DL' }], MON_10 + 15000, s);
		expect(next.released).toHaveLength(0);
		expect(next.budget.limitedBy).toBe('rate_limited');
		expect(
			release(np.state, [{ key: 'z', circle: 'DL' }], MON_10 + 31000, s).released,
		).toHaveLength(1);
	});

	test('final when the last attempt did not complete; completed is always final', () => {
		const state = createState('camp', MON_10);
		const corr = (attempt: number) =>
			signed(state, {
				campaign: 'camp',
				contact: 'k',
				attempt,
				circle: 'DL',
				releasedAt: MON_10 - 60000,
			});
		const r = recordOutcomes(
			state,
			[
				{ callSid: 'A', status: 'no-answer', correlation: corr(3) },
				{ callSid: 'B', status: 'no-answer', correlation: corr(2) },
				{ callSid: 'C', status: 'completed', correlation: corr(1) },
			],
			MON_10,
			s,
		);
		expect(r.writeBacks.map((w) => w.final)).toEqual([true, false, true]);
		expect(r.writeBacks[0].nextRetryAt).toBeNull();
		expect(r.writeBacks[1].nextRetryAt).toBe(MON_10 + 60 * 60000);
	});
});

describe('outcomeRecorder', () => {
	test('fed a report at a time, it gives what recordOutcomes gives for the whole batch', () => {
		const settings = settingsWith({ maxInFlight: 150, callingEnd: '23:59' });
		const contacts = Array.from({ length: 150 }, (_, i) => ({
			key: `+9198${String(i).padStart(8, '0')}`,
			circle: ['MH', 'DL', 'KA'][i % 3],
		}));
		const r = release(createState('camp', MON_10), contacts, MON_10, settings);
		const g = new Gen(7);
		// registrations, terminals (MH's all failed: its breaker trips inside the batch), repeats, garbage
		const reports: OutcomeInput[] = [];
		r.released.forEach((c, i) => {
			reports.push({ callSid: `S${i}`, status: 'in-progress', correlation: c.correlation });
			const status = c.circle === 'MH' ? 'failed' : g.pick(['completed', 'busy', 'no-answer']);
			reports.push({ callSid: `S${i}`, status, correlation: c.correlation, at: MON_10 + 50_000 });
			if (g.chance(0.2)) reports.push({ callSid: `S${i}`, status, at: MON_10 + 51_000 });
			if (g.chance(0.3))
				reports.push(hostileReport(g, r.state, MON_10, i) as unknown as OutcomeInput);
		});
		const now = MON_10 + 60_000;
		const whole = recordOutcomes(r.state, reports, now, settings);
		const recorder = outcomeRecorder(r.state, now, settings);
		for (const o of reports) recorder.record(o);
		const stepped = recorder.close();
		expect(stepped).toEqual(whole);
		expect(whole.results.filter((x) => x.action === 'counted').length).toBeGreaterThan(30);
		expect(whole.transitions.length).toBeGreaterThan(0);
	});
});
