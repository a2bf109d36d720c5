/**
 * Breaker transitions driven by outcome streams on an injected clock. Outcomes are fed as status callbacks of
 * unknown CallSids carrying our correlation (counted once each), every 5 s, for a few circles.
 */
import { getStats, recordOutcomes, release } from '../../nodes/core/pacing';
import { Feed, healthyAll, OTHERS } from './feed';
import { settingsWith, signed } from './helpers';

describe('breaker', () => {
	test('hard outage: closed -> open after a short run of failures (failed_run)', () => {
		const f = new Feed(settingsWith());
		f.run(600, healthyAll(['MH', ...OTHERS]));
		expect(f.transitions).toEqual([]);
		let failures = 0;
		f.run(120, (ff) => {
			if (ff.mode('MH') === 'closed') failures++;
			return [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'failed')];
		});
		const open = f.transitions.find((t) => t.circle === 'MH' && t.to === 'open')!;
		expect(open.reason).toBe('failed_run');
		expect(failures).toBeLessThanOrEqual(7);
		expect(open.until! - open.at).toBe(120000);
		expect(getStats(f.state, f.now, f.s).circles.find((c) => c.circle === 'MH')).toMatchObject({
			breaker: 'open',
			tripReason: 'failed_run',
		});
	});

	test('fast path: >= 10 resolved in the last 60 s with >= 80% failed', () => {
		const f = new Feed(settingsWith({ failedRunThreshold: 100 }));
		f.run(600, healthyAll(['MH', ...OTHERS]));
		f.run(60, (ff) => [
			...healthyAll(OTHERS)(ff),
			ff.outcome('MH', 'failed'),
			ff.outcome('MH', ff.healthy()),
		]);
		expect(f.transitions.find((t) => t.circle === 'MH')).toBeUndefined(); // ~50% failed: not a burst
		f.run(60, (ff) => [
			...healthyAll(OTHERS)(ff),
			ff.outcome('MH', 'failed'),
			ff.outcome('MH', 'failed'),
		]);
		expect(f.transitions.find((t) => t.circle === 'MH' && t.to === 'open')?.reason).toBe(
			'failed_burst',
		);
	});

	test('failed share over the window (Wilson lower bound >= 50%)', () => {
		// failures that take longer than failFastSeconds are not the hard run test's (it would catch 80% fast
		// failures first): the window rule must catch them
		const f = new Feed(
			settingsWith({ failedRunThreshold: 100, fastMinResolved: 1000, failFastSeconds: 1 }),
		);
		f.run(600, healthyAll(['MH', ...OTHERS]));
		let k = 0;
		f.run(300, (ff) => [
			...healthyAll(OTHERS)(ff),
			ff.outcome('MH', k++ % 5 === 4 ? 'completed' : 'failed'),
		]);
		expect(f.transitions.find((t) => t.circle === 'MH' && t.to === 'open')?.reason).toBe(
			'failed_share',
		);
	});

	test('silent outage (every call rings out): detected from the no-answer run vs the normal share', () => {
		const f = new Feed(settingsWith());
		f.run(900, healthyAll(['MH', ...OTHERS]));
		let nas = 0;
		f.run(300, (ff) => {
			if (ff.mode('MH') === 'closed') nas++;
			return [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'no-answer')];
		});
		const open = f.transitions.find((t) => t.circle === 'MH' && t.to === 'open')!;
		expect(open.reason).toBe('silent_run');
		expect(nas).toBeLessThanOrEqual(20);
	});

	test('partial outage: completion far below the expected level (low_completion)', () => {
		const f = new Feed(settingsWith({ silentRunThreshold: 100, failedRunThreshold: 100 }));
		f.run(900, healthyAll(['MH', ...OTHERS]));
		f.run(600, (ff) => [
			...healthyAll(OTHERS)(ff),
			ff.outcome('MH', ff.rng() < 0.03 ? 'completed' : ff.rng() < 0.3 ? 'busy' : 'no-answer'),
		]);
		expect(f.transitions.find((t) => t.circle === 'MH' && t.to === 'open')?.reason).toBe(
			'low_completion',
		);
	});

	test('a shortfall shared by all circles is not an outage', () => {
		const f = new Feed(settingsWith());
		f.run(900, healthyAll(['MH', ...OTHERS], 0.5));
		// everyone drops to 12% completion (time of day, list quality): no trip anywhere
		f.run(1800, healthyAll(['MH', ...OTHERS], 0.12));
		expect(f.transitions).toEqual([]);
	});

	test('a healthy low-answer circle is neither tripped nor slowed', () => {
		const f = new Feed(settingsWith());
		f.run(3 * 3600, (ff) => [...healthyAll(OTHERS, 0.6)(ff), ff.outcome('MH', ff.healthy(0.15))]);
		expect(f.transitions).toEqual([]);
		const mh = getStats(f.state, f.now, f.s).circles.find((c) => c.circle === 'MH')!;
		const contacts = [...Array(200)].map((_, i) => ({ key: `k${i}`, circle: i % 2 ? 'MH' : 'DL' }));
		const r = release(f.state, contacts, f.now, f.s);
		expect(r.state.circles.MH.weight ?? 1).toBe(1); // stored only when slowed
		expect(mh.window.expectedCompletionPct).toBeLessThan(25);
	});

	test('half-open: at most probeCalls probes, a completed probe closes it', () => {
		const s = settingsWith();
		const f = new Feed(s);
		f.run(600, healthyAll(['MH', ...OTHERS]));
		f.run(60, (ff) => [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'failed')]);
		const open = f.transitions.find((t) => t.to === 'open')!;
		const contacts = [...Array(30)].map((_, i) => ({ key: `+9198${i}`, circle: 'MH' }));
		// still open before the cooldown ends
		const early = release(f.state, contacts, open.until! - 1, s, { includeHeld: true });
		expect(early.released).toHaveLength(0);
		expect(early.holds[0]).toMatchObject({ reason: 'circle_paused', retryAt: open.until });
		const r = release(f.state, contacts, open.until!, s, { includeHeld: true });
		expect(r.transitions.map((t) => t.to)).toEqual(['half-open']);
		expect(r.released).toHaveLength(3);
		expect(r.released.every((c) => c.probe && c.reason === 'probe')).toBe(true);
		expect(r.held.circle_paused).toBe(27);
		// no more probes while they are out
		expect(release(r.state, contacts.slice(3), open.until! + 15000, s).released).toHaveLength(0);
		const res = recordOutcomes(
			r.state,
			[
				{ callSid: 'P1', status: 'no-answer', correlation: r.released[0].correlation },
				{ callSid: 'P2', status: 'completed', correlation: r.released[1].correlation },
			],
			open.until! + 60000,
			s,
		);
		expect(res.transitions.map((t) => [t.to, t.reason])).toEqual([
			['closed', 'a probe call completed'],
		]);
		expect(res.state.circles.MH.breaker).toMatchObject({ mode: 'closed', cooldownLevel: 0 });
		expect(res.state.circles.MH.healthWindow).toEqual([]);
		// recovery ramp: calls per tick grow linearly from probeCalls to a full tick's budget over one health window
		expect(release(res.state, contacts.slice(3), open.until! + 75000, s).released).toHaveLength(3);
		expect(
			release(res.state, contacts.slice(3), open.until! + 60000 + 150000, s).released,
		).toHaveLength(25); // 49.5 x 150/300
		expect(
			release(res.state, contacts.slice(3), open.until! + 60000 + 300000, s).released,
		).toHaveLength(27);
	});

	test('failed probes reopen it with a growing cooldown (2, 4, 8 ... min, capped at 30)', () => {
		const s = settingsWith();
		const f = new Feed(s);
		f.run(600, healthyAll(['MH', ...OTHERS]));
		f.run(60, (ff) => [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'failed')]);
		let st = f.state;
		let until = st.circles.MH.breaker.until;
		const cooldowns: number[] = [(until - st.circles.MH.breaker.since) / 60000];
		for (let round = 0; round < 5; round++) {
			const contacts = [...Array(5)].map((_, i) => ({ key: `+9197${round}${i}`, circle: 'MH' }));
			const r = release(st, contacts, until, s);
			expect(r.released).toHaveLength(3);
			const res = recordOutcomes(
				r.state,
				r.released.map((c, i) => ({
					callSid: `P${round}-${i}`,
					status: 'failed', // two failed probes end the round (probes.ts)
					correlation: c.correlation,
				})),
				until + 50000,
				s,
			);
			expect(res.transitions.at(-1)).toMatchObject({ to: 'open', reason: 'probe_failed' });
			st = res.state;
			until = st.circles.MH.breaker.until;
			cooldowns.push((until - st.circles.MH.breaker.since) / 60000);
		}
		expect(cooldowns).toEqual([2, 4, 8, 16, 30, 30]);
	});

	test('tripping again soon after closing keeps backing off', () => {
		const s = settingsWith();
		const f = new Feed(s);
		f.run(600, healthyAll(['MH', ...OTHERS]));
		f.run(60, (ff) => [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'failed')]);
		const until = f.state.circles.MH.breaker.until;
		const r = release(f.state, [{ key: 'p', circle: 'MH' }], until, s);
		f.state = recordOutcomes(
			r.state,
			[{ callSid: 'P', status: 'completed', correlation: r.released[0].correlation }],
			until + 60000,
			s,
		).state;
		f.now = until + 60000;
		expect(f.mode('MH')).toBe('closed');
		f.transitions = [];
		// (outcomes of calls placed before the close are ignored, so give it 2 minutes)
		f.run(120, (ff) => [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'failed')]);
		const again = f.transitions.find((t) => t.to === 'open')!;
		expect(again.until! - again.at).toBe(240000);
	});

	test('outcomes of calls placed before the circle closed do not re-trip it', () => {
		const s = settingsWith();
		const f = new Feed(s);
		f.run(600, healthyAll(['MH', ...OTHERS]));
		f.run(60, (ff) => [...healthyAll(OTHERS)(ff), ff.outcome('MH', 'failed')]);
		const until = f.state.circles.MH.breaker.until;
		const r = release(f.state, [{ key: 'p', circle: 'MH' }], until, s);
		f.state = recordOutcomes(
			r.state,
			[{ callSid: 'P', status: 'completed', correlation: r.released[0].correlation }],
			until + 60000,
			s,
		).state;
		f.now = until + 60000;
		f.transitions = [];
		// stragglers placed long before the close report failures
		f.run(30, (ff) =>
			[...Array(5)].map((_, i) => ({
				callSid: `old${ff.seq++}-${i}`,
				status: 'failed',
				correlation: signed(ff.state, {
					campaign: 'camp',
					contact: `o${ff.seq}${i}`,
					attempt: 1,
					circle: 'MH',
					releasedAt: until - 200000,
				}),
			})),
		);
		expect(f.transitions).toEqual([]);
	});
});
