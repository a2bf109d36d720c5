/**
 * Hostile status callbacks (issue 11): the callback URL and its secret can leak, so callback content is untrusted.
 * Each block pins one finding of the attacker review.
 */
import {
	createState,
	migrateState,
	recordOutcomes,
	releaseTick,
	type CampaignState,
	type ContactInput,
	type OutcomeInput,
	STATE_VERSION,
	storedState,
} from '../../nodes/core/pacing';
import { emptyCircle } from '../../nodes/core/pacing/state';
import { UNKNOWN_CIRCLE } from '../../nodes/core/circles';
import { MON_10, mix, mulberry32, runSerial, settingsWith, signed, World } from './helpers';

const S = settingsWith({ callingEnd: '23:59' });
/** A fresh campaign state; the engine never changes its argument, so tests share it. */
const FRESH = createState('camp', MON_10);

describe('row 11: correlation fields are validated', () => {
	test('a numeric circle or an absurd attempt is ignored with one warning; the other items go on', () => {
		const state = createState('camp', MON_10);
		const outcomes = [
			{
				callSid: 'a1',
				status: 'completed',
				correlation: {
					campaign: 'camp',
					contact: '+919800000001',
					attempt: 1,
					circle: 42 as unknown as string,
					releasedAt: MON_10 - 60000,
				},
			},
			{
				callSid: 'a2',
				status: 'busy',
				correlation: {
					campaign: 'camp',
					contact: '+919800000002',
					attempt: 1e300,
					circle: 'MH',
					releasedAt: MON_10 - 60000,
				},
			},
			{
				callSid: 'a3',
				status: 'busy',
				correlation: signed(state, {
					campaign: 'camp',
					contact: '+919800000003',
					attempt: 1,
					circle: 'MH',
					releasedAt: MON_10 - 60000,
				}),
			},
		] as OutcomeInput[];
		const r = recordOutcomes(state, outcomes, MON_10, S);
		expect(r.results.map((x) => x.action)).toEqual(['ignored', 'ignored', 'counted']);
		expect(r.writeBacks.map((w) => w.attemptsToWrite)).toEqual([1]);
		expect(r.state.totals.ignoredInvalid).toBe(2);
		expect(r.state.totals.attempted).toBe(1);
		expect(r.warnings.filter((w) => /invalid fields/.test(w))).toHaveLength(1);
	});
});

describe('row 3: a release time must lie in a sane window', () => {
	const live = (i: number, releasedAt: number): OutcomeInput => ({
		callSid: `f${i}`,
		status: 'ringing',
		source: 'callback',
		correlation: signed(FRESH, {
			campaign: 'camp',
			contact: `+9198${String(i).padStart(8, '0')}`,
			attempt: 1,
			circle: 'MH',
			releasedAt,
		}),
	});

	test('160 live callbacks released a month ahead are ignored with one counted warning', () => {
		const month = 30 * 24 * 3600000;
		const r = recordOutcomes(
			FRESH,
			Array.from({ length: 160 }, (_, i) => live(i, MON_10 + month)),
			MON_10,
			S,
		);
		expect(r.state.inFlight).toHaveLength(0);
		expect(r.state.totals.ignoredInvalid).toBe(160);
		expect(r.results.every((x) => x.action === 'ignored')).toBe(true);
		expect(r.warnings.filter((w) => /in the future/.test(w))).toHaveLength(1);
	});

	test('a release time slightly ahead (a send planned later in the tick) registers with that time', () => {
		// The release time is the call's identity on its row (Mark Dialling's lastAttemptAt): replacing it with now
		// made the row look like another call's (late-write and double-count failures in the e2e full campaign).
		const r = recordOutcomes(FRESH, [live(1, MON_10 + 60000)], MON_10, S);
		expect(r.results[0].action).toBe('registered');
		expect(r.state.inFlight[0].sendAt).toBe(MON_10 + 60000);
	});

	test('an old release time does not create a record (dedupe horizon)', () => {
		const r = recordOutcomes(
			FRESH,
			[live(1, MON_10 - (S.dedupeHorizonMinutes + 1) * 60000)],
			MON_10,
			S,
		);
		expect(r.results[0].action).toBe('late');
		expect(r.state.inFlight).toHaveLength(0);
	});
});

describe('row 3: callbacks cannot keep a call in flight beyond abandonAfterMinutes', () => {
	const MIN = 60000;
	/** One call registered at MON_10, then a live report every 10 minutes from `source`, for `minutes`. */
	function keepAlive(source: 'callback' | 'reconcile', minutes: number): CampaignState {
		let state = recordOutcomes(FRESH, [{ ...liveReport(1), source: 'callback' }], MON_10, S).state;
		expect(state.inFlight).toHaveLength(1);
		for (let t = 10; t <= minutes; t += 10)
			state = recordOutcomes(state, [{ ...liveReport(1), source }], MON_10 + t * MIN, S).state;
		return state;
	}
	const liveReport = (i: number): OutcomeInput => ({
		callSid: `c${i}`,
		status: 'ringing',
		correlation: signed(FRESH, {
			campaign: 'camp',
			contact: `+9198${String(i).padStart(8, '0')}`,
			attempt: 1,
			circle: 'MH',
			releasedAt: MON_10,
		}),
	});

	test('ringing callbacks every 10 minutes (a leaked secret and key) do not stop abandonment', () => {
		const state = keepAlive('callback', S.abandonAfterMinutes + 30);
		expect(state.inFlight).toHaveLength(0);
		expect(state.totals.abandoned).toBe(1);
	});

	test("Exotel's own answer (Call Details: still in progress) does extend it", () => {
		const state = keepAlive('reconcile', S.abandonAfterMinutes + 30);
		expect(state.inFlight).toHaveLength(1);
		expect(state.totals.abandoned).toBe(0);
	});
});

describe('row 4: live reports of unknown calls are bounded by maxInFlight', () => {
	test('20,000 forged live events put at most maxInFlight calls in flight; the rest are counted as dropped', () => {
		const s = settingsWith({ callingEnd: '23:59', maxInFlight: 150 });
		const outcomes: OutcomeInput[] = Array.from({ length: 20000 }, (_, i) => ({
			callSid: `forged${i}`,
			status: 'in-progress',
			source: 'callback',
			// signed: the cap holds even for reports that pass the signature check (unsigned ones register nothing)
			correlation: signed(FRESH, {
				campaign: 'camp',
				contact: `+9197${String(i).padStart(8, '0')}`,
				attempt: 1,
				circle: 'DL',
				releasedAt: MON_10 - 5000,
			}),
		}));
		const r = recordOutcomes(FRESH, outcomes, MON_10, s);
		expect(r.state.inFlight).toHaveLength(150);
		expect(r.state.totals.ignoredUnknown).toBe(20000 - 150);
		expect(r.warnings.filter((w) => /Max In Flight/.test(w))).toHaveLength(1);
		expect(JSON.stringify(storedState(r.state)).length).toBeLessThan(64 * 1024);
		// a second wave adds nothing
		const again = recordOutcomes(
			r.state,
			outcomes.map((o) => ({ ...o, callSid: `${o.callSid}b` })),
			MON_10 + 1000,
			s,
		);
		expect(again.state.inFlight).toHaveLength(150);
	});
});

describe('row 5: free-text circles share one bucket', () => {
	/** 30 minutes of ticks over a sheet whose circle column holds 3,000 distinct free-text values. */
	test('state stays under 64 KiB and unknown-circle contacts are still dialled', () => {
		const rng = mulberry32(5);
		const s = settingsWith({ callingEnd: '23:59', maxCallsPerMinute: 190 });
		let state: CampaignState = createState('camp', MON_10);
		const rows: ContactInput[] = Array.from({ length: 6000 }, (_, i) => ({
			key: `+9196${String(i).padStart(8, '0')}`,
			circle: `Town number ${i % 3000}`,
		}));
		const byKey = new Map(rows.map((r) => [r.key, r]));
		const pending: Array<{ sid: string; end: number; status: string }> = [];
		let max = 0;
		let released = 0;
		let n = 0;
		const circlesDialled = new Set<string>();
		for (let now = MON_10; now < MON_10 + 30 * 60000; now += 15000) {
			const due = pending.filter((p) => p.end <= now);
			pending.splice(0, pending.length, ...pending.filter((p) => p.end > now));
			state = recordOutcomes(
				state,
				due.map((p) => ({ callSid: p.sid, status: p.status, at: p.end })),
				now,
				s,
			).state;
			const rel = releaseTick(state, rows, now, s);
			for (const wb of rel.rowWrites)
				Object.assign(byKey.get(wb.contact)!, {
					attempts: wb.attemptsToWrite,
					lastStatus: wb.lastStatus,
					lastAttemptAt: wb.lastAttemptAt,
					lastCallSid: wb.lastCallSid,
					nextRetryAt: wb.nextRetryAt ?? undefined,
				});
			const regs: OutcomeInput[] = rel.released.map((c) => {
				const sid = `sid${n++}`;
				Object.assign(byKey.get(c.contact)!, {
					attempts: c.attempt,
					lastStatus: 'in-progress',
					lastAttemptAt: c.placedAt,
					lastCallSid: sid,
				});
				const x = rng();
				pending.push({
					sid,
					end: c.sendAt + 20000 + x * 40000,
					status: x < 0.5 ? 'completed' : 'no-answer',
				});
				return {
					callSid: sid,
					status: 'in-progress',
					correlation: c.correlation,
					source: 'connect',
				};
			});
			released += regs.length;
			for (const c of rel.released) circlesDialled.add(c.circle);
			state = recordOutcomes(rel.state, regs, now + 1000, s).state;
			max = Math.max(max, JSON.stringify(storedState(state)).length);
		}
		console.log(
			`row 5: max state ${max} bytes, ${released} calls released, ${Object.keys(state.circles).length} circle(s)`,
		);
		expect(max).toBeLessThan(64 * 1024);
		expect([...circlesDialled]).toEqual([UNKNOWN_CIRCLE]);
		expect(released).toBeGreaterThan(1000);
		expect(Object.keys(state.circles)).toEqual([UNKNOWN_CIRCLE]);
	});

	test('5,000 distinct junk circles in one batch take < 1 s', () => {
		const s = settingsWith({ callingEnd: '23:59' });
		const rows: ContactInput[] = Array.from({ length: 5000 }, (_, i) => ({
			key: `+9195${String(i).padStart(8, '0')}`,
			circle: `junk-${i}`,
		}));
		const outcomes: OutcomeInput[] = rows.map((r, i) => ({
			callSid: `j${i}`,
			status: 'busy',
			correlation: signed(FRESH, {
				campaign: 'camp',
				contact: r.key,
				attempt: 1,
				circle: r.circle,
				releasedAt: MON_10 - 30000,
			}),
		}));
		const t0 = process.cpuUsage();
		const rel = releaseTick(FRESH, rows, MON_10, s);
		const rec = recordOutcomes(rel.state, outcomes, MON_10 + 1000, s);
		const cpu = process.cpuUsage(t0);
		const ms = (cpu.user + cpu.system) / 1000;
		console.log(`row 5: 5,000 junk circles: ${ms.toFixed(0)} ms CPU`);
		expect(ms).toBeLessThan(1000);
		expect(Object.keys(rec.state.circles)).toEqual([UNKNOWN_CIRCLE]);
	});

	test('a stored state full of junk circles is pruned to circles in use', () => {
		const s = settingsWith({ callingEnd: '23:59' });
		const state = createState('camp', MON_10);
		const junk = recordOutcomes(state, [], MON_10, s).state;
		for (let i = 0; i < 3000; i++) junk.circles[`Town ${i}`] = emptyCircle(MON_10 - 3600000);
		junk.inFlight.push({
			contact: '+919000000001',
			circle: 'Town 7',
			attempt: 1,
			sendAt: MON_10 - 1000,
			callSid: 'live1',
		});
		const after = recordOutcomes(junk, [], MON_10 + 1000, s).state;
		expect(Object.keys(after.circles)).toEqual(['Town 7']);
	});
});

describe('row 10: damaged stored state', () => {
	test('one warning per kind of damage, not one per record; a circle named __proto__ is dropped', () => {
		const st = JSON.parse(JSON.stringify(createState('camp', MON_10)));
		st.inFlight = Array.from({ length: 500 }, () => ({ nonsense: true }));
		st.circles = JSON.parse('{"__proto__": {"br": {}, "n": {}}}');
		for (let i = 0; i < 300; i++) st.circles[`C${i}`] = { br: 'x' };
		const back = migrateState(st, 'camp', MON_10);
		expect(back.warnings).toHaveLength(2);
		expect(Object.getPrototypeOf(back.state.circles)).toBe(Object.prototype);
		expect(Object.keys(back.state.circles)).toEqual([]);
		expect(back.discarded).toBe(false);
		expect(migrateState({ version: STATE_VERSION + 1 }, 'camp', MON_10).discarded).toBe(true);
	});
});

describe('row 13: a circle hard-down for 5 minutes (docs/pacing-design.md, Refunds)', () => {
	test('probes of a failed round and calls in flight at the trip are refunded', () => {
		const from = MON_10 + 10 * 60000;
		const to = from + 5 * 60000;
		const w = new World({
			seed: 13,
			contacts: 4000,
			circles: ['MH', 'KA', 'DL'],
			mixes: { MH: mix(0.45), KA: mix(0.45), DL: mix(0.45) },
			outages: [{ circle: 'MH', from, to, kind: 'hard' }],
			settings: { callingEnd: '23:59', maxCallsPerMinute: 120 },
		});
		const refundedBy = new Map<string, boolean>();
		const write = w.writeRows.bind(w);
		w.writeRows = (wbs) => {
			for (const wb of wbs)
				if (wb.lastCallSid && wb.lastStatus !== 'in-progress')
					refundedBy.set(wb.lastCallSid, wb.refunded);
			write(wbs);
		};
		const res = runSerial(w, MON_10 + 40 * 60000);
		const trips = res.transitions.filter((t) => t.circle === 'MH' && t.to === 'open');
		expect(trips.map((t) => t.reason)).toContain('probe_failed');
		const lastTrip = Math.max(...trips.map((t) => t.at));
		const calls = [...w.truth.values()].filter(
			(c) => c.circle === 'MH' && c.sendAt >= from && c.sendAt <= lastTrip && c.status === 'failed',
		);
		// refunded in the outcome's write-back, or by Release from the row (the attempt number is used again)
		const refunded = (c: (typeof calls)[number]) =>
			refundedBy.get(c.sid) === true ||
			[...w.truth.values()].some(
				(d) => d.contact === c.contact && d.sendAt > c.sendAt && d.attempt === c.attempt,
			);
		expect(calls.length).toBeGreaterThan(10);
		expect(calls.filter((c) => !refunded(c)).map((c) => (c.sendAt - MON_10) / 1000)).toEqual([]);
	});
});
