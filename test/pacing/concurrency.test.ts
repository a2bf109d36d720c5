/**
 * n8n's static data under concurrency, reproduced: every "execution" loads the stored blob (a JSON copy) when
 * it starts, works on its private copy, and writes the WHOLE blob back when it ends — last writer wins. Tick
 * executions (Release + Connect Call + registration, spread over the tick) overlap with status-callback
 * executions and reconciliation executions, so changes are erased all the time. The contact sheet is a separate
 * durable store with row-level writes. A ground-truth table of the calls Exotel placed exists.
 *
 * Claims: no contact ever has two live calls, no 60 s window exceeds the limit, and after the campaign stops and
 * reconciliation passes have run, the campaign's counts equal the truth exactly (nothing lost, nothing counted
 * twice).
 */
import {
	callsToReconcile,
	getStats,
	markReconcileRequested,
	maxInAnyWindow,
	pauseCampaign,
	recordOutcomes,
	release,
	createState,
	type CampaignState,
	type OutcomeInput,
} from '../../nodes/core/pacing';
import { EventQueue, MON_10, World, type TruthCall } from './helpers';

interface Execution {
	id: number;
	kind: 'tick' | 'callback' | 'reconcile';
	state: CampaignState;
	/** Version of the stored blob this execution loaded. */
	loaded: number;
}

/**
 * `allWrite`: every execution (tick, callback, reconciliation) writes the blob; callback executions last
 *   50-600 ms, ticks the whole tick — thousands of writes are erased.
 * `heavy`: the same with callback executions of 0.1-4 s at ~3 per second (n8n measured ~94% of writes lost under
 *   such load): almost no tick write survives; counts still converge because every tick re-folds the rows.
 * `singleWriter`: callback executions only update the contact row; ticks fold outcomes from the rows (the
 *   topology docs/pacing-design.md recommends).
 */
function simulate(seed: number, mode: 'allWrite' | 'singleWriter' | 'heavy') {
	const w = new World({
		seed,
		contacts: 2000,
		circles: ['MH', 'DL', 'KA', 'TN', 'UE', 'GJ'],
		settings: { maxInFlight: 200 },
		outages: [{ circle: 'UE', from: MON_10 + 5 * 60000, to: MON_10 + 9 * 60000, kind: 'hard' }],
	});
	const s = w.settings;
	const tickMs = s.tickSeconds * 1000;
	let stored = JSON.stringify(createState('camp', MON_10));
	const q = new EventQueue<() => void>();
	let execSeq = 0;
	let version = 0;
	/** erasedWrites: writes of other executions wiped out by a writer that loaded an older blob. */
	const stats = {
		executions: 0,
		erasedWrites: 0,
		lostCallbacks: 0,
		duplicateCallbacks: 0,
		overCounts: 0,
	};
	const checkNoOvercount = () => {
		// at no time may the stored counts exceed what really happened so far
		const t = (JSON.parse(stored) as CampaignState).totals;
		let placed = 0;
		let resolved = 0;
		for (const c of w.truth.values()) {
			placed++;
			if (c.endAt <= w.now) resolved++;
		}
		if (t.attempted > placed || t.completed + t.busy + t.noAnswer + t.failed > resolved)
			stats.overCounts++;
	};

	const start = (kind: Execution['kind']): Execution => {
		stats.executions++;
		return { id: ++execSeq, kind, state: JSON.parse(stored) as CampaignState, loaded: version };
	};
	const finish = (e: Execution, at: number) => {
		q.push(at, () => {
			stats.erasedWrites += version - e.loaded;
			stored = JSON.stringify(e.state);
			version++;
			if (version % 7 === 0) checkNoOvercount();
		});
	};

	const callbackArrives = (call: TruthCall, at: number) => {
		q.push(at, () => {
			const e = start('callback');
			const r = recordOutcomes(e.state, [w.callbackFor(call)], at, s);
			e.state = r.state;
			w.writeRows(r.writeBacks);
			if (mode === 'allWrite') finish(e, at + 50 + Math.floor(w.rng() * 550));
			if (mode === 'heavy') finish(e, at + 100 + Math.floor(w.rng() * 4000));
		});
	};

	// Ticks keep running after the campaign stops dialling at STOP (Release with maxRelease 0 still repairs state
	// from the rows), as the schedule trigger would.
	const STOP = MON_10 + 10 * 60000;
	const END = STOP + 12 * 60000;
	for (let t = MON_10; t < END; t += tickMs) {
		const tickAt = t;
		q.push(tickAt, () => {
			w.now = tickAt;
			const e = start('tick');
			const rows = w.rows.map((r) => ({ ...r })); // the sheet as read at the start of the execution
			const rel = release(e.state, rows, tickAt, s, tickAt >= STOP ? { maxRelease: 0 } : {});
			e.state = rel.state;
			for (const rc of rel.released) {
				q.push(rc.sendAt, () => {
					// Connect Call, then Record Outcome (registration) and the sheet update, inside this execution
					const call = w.place(rc);
					const reg = recordOutcomes(
						e.state,
						[
							{
								callSid: call.sid,
								status: 'in-progress',
								correlation: rc.correlation,
								source: 'connect',
							},
						],
						rc.sendAt,
						s,
					);
					e.state = reg.state;
					w.writeRows(reg.writeBacks);
					const x = w.rng();
					const delay = 200 + Math.floor(w.rng() * 3000);
					if (x < 0.06) stats.lostCallbacks++;
					else callbackArrives(call, call.endAt + delay);
					if (x > 0.9) {
						stats.duplicateCallbacks++;
						callbackArrives(call, call.endAt + delay + 2000 + Math.floor(w.rng() * 60000));
					}
				});
			}
			finish(e, tickAt + tickMs - 1);
		});
	}
	// reconciliation executions every 30 s (the Call Details answer comes back 800 ms later)
	for (let t = MON_10 + 20000; t < END; t += 30000) {
		const at = t;
		q.push(at, () => {
			const e = start('reconcile');
			const plan = callsToReconcile(e.state, at, s);
			if (!plan.callSids.length) return; // nothing changed: n8n does not save unchanged static data
			e.state = markReconcileRequested(e.state, plan.callSids, at, s);
			w.detailsTimes.push(at);
			const answers: OutcomeInput[] = plan.callSids.map((sid) => {
				const call = w.truth.get(sid);
				if (!call) return { callSid: sid, status: 'not-found', source: 'reconcile' };
				return call.endAt <= at
					? { callSid: sid, status: call.status, at: call.endAt, source: 'reconcile' }
					: { callSid: sid, status: 'in-progress', source: 'reconcile' };
			});
			const r = recordOutcomes(e.state, answers, at + 800, s);
			e.state = r.state;
			w.writeRows(r.writeBacks);
			finish(e, at + 800);
		});
	}

	while (q.size) {
		const ev = q.pop()!;
		w.now = Math.max(w.now, ev.t);
		ev.v();
	}

	// After the campaign: one Release over the whole sheet (paused: it dials nothing, but repairs what lost
	// writes erased), then reconciliation passes until nothing is in flight.
	let st = pauseCampaign(JSON.parse(stored) as CampaignState, w.now);
	let now = w.now + 1000;
	st = release(
		st,
		w.rows.map((r) => ({ ...r })),
		now,
		s,
	).state;
	for (let pass = 0; pass < 20 && st.inFlight.length; pass++) {
		now += 61000;
		const plan = callsToReconcile(st, now, s);
		if (!plan.callSids.length) continue;
		st = markReconcileRequested(st, plan.callSids, now, s);
		const r = recordOutcomes(
			st,
			plan.callSids.map((sid) => {
				const call = w.truth.get(sid)!;
				return { callSid: sid, status: call.status, at: call.endAt, source: 'reconcile' };
			}),
			now,
			s,
		);
		st = r.state;
		w.writeRows(r.writeBacks);
	}
	return { w, st, now, stats };
}

describe.each([
	[3, 'allWrite'],
	[5, 'singleWriter'],
	[4, 'heavy'],
] as const)('n8n last-writer-wins static data (seed %i, %s)', (seed, mode) => {
	const { w, st, now, stats } = simulate(seed, mode);

	test('the scenario really loses writes and lost callbacks', () => {
		expect(stats.executions).toBeGreaterThan(1000);
		if (mode === 'allWrite') expect(stats.erasedWrites).toBeGreaterThan(1000);
		expect(stats.lostCallbacks).toBeGreaterThan(20);
		expect(stats.duplicateCallbacks).toBeGreaterThan(20);
		expect(w.truth.size).toBeGreaterThan(1500);
	});

	test('the stored counts never exceed what really happened (nothing counted twice)', () => {
		expect(stats.overCounts).toBe(0);
	});

	test('no contact ever had two live calls', () => {
		expect(w.violations).toEqual([]);
	});

	test('no 60 s window exceeded the limit, even when the send log was erased', () => {
		// dial requests alone stay within the limit minus the part of the reserve lookups need (>= 2 kept)
		expect(maxInAnyWindow(w.sendTimes.slice().sort((a, b) => a - b))).toBeLessThanOrEqual(198);
		expect(
			maxInAnyWindow([...w.sendTimes, ...w.detailsTimes].sort((a, b) => a - b)),
		).toBeLessThanOrEqual(200);
	});

	test('after reconciliation the counts equal the ground truth exactly', () => {
		const totals = getStats(st, now, w.settings).totals;
		const truth = w.truthCounts();
		expect(totals.inFlight).toBe(0);
		expect({
			attempted: totals.attempted,
			completed: totals.completed,
			busy: totals.busy,
			noAnswer: totals.noAnswer,
			failed: totals.failed,
			other: totals.other,
		}).toEqual({
			attempted: truth.attempted,
			completed: truth.completed,
			busy: truth.busy,
			noAnswer: truth['no-answer'],
			failed: truth.failed,
			other: 0,
		});
		// and per circle
		const byCircle = new Map<string, number>();
		for (const c of w.truth.values()) byCircle.set(c.circle, (byCircle.get(c.circle) ?? 0) + 1);
		for (const [circle, n] of byCircle) expect(st.circles[circle].counters.attempted).toBe(n);
	});

	test('the sheet agrees with the truth: every contact row holds its last call', () => {
		const last = new Map<string, TruthCall>();
		for (const c of w.truth.values()) {
			const prev = last.get(c.contact);
			if (!prev || c.sendAt > prev.sendAt) last.set(c.contact, c);
		}
		let mismatched = 0;
		for (const [contact, call] of last) {
			const row = w.byKey.get(contact)!;
			if (row.lastCallSid !== call.sid || row.lastStatus !== call.status) {
				mismatched++;
			}
		}
		expect(mismatched).toBe(0);
	});
});
