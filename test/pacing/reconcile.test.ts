import {
	callsToReconcile,
	createState,
	getStats,
	markReconcileRequested,
	recordOutcomes,
	release,
	type CampaignState,
} from '../../nodes/core/pacing';
import { MON_10, settingsWith } from './helpers';

const s = settingsWith();

function placed(n: number): { state: CampaignState; sids: string[] } {
	const contacts = Array.from({ length: n }, (_, i) => ({
		key: `+91980${String(i).padStart(7, '0')}`,
		circle: i % 2 ? 'MH' : 'DL',
	}));
	let state = createState('camp', MON_10);
	const sids: string[] = [];
	let now = MON_10;
	while (sids.length < n) {
		const r = release(state, contacts, now, settingsWith({ maxInFlight: 1000 }));
		const reg = recordOutcomes(
			r.state,
			r.released.map((c) => {
				const sid = `SID${sids.length}`;
				sids.push(sid);
				return { callSid: sid, status: 'in-progress', correlation: c.correlation };
			}),
			now + 1000,
			s,
		);
		state = reg.state;
		now += 15000;
	}
	return { state, sids };
}

describe('reconciliation', () => {
	test('calls without outcome past reconcileAfterSeconds are listed, oldest first, at most 100 per request', () => {
		const { state, sids } = placed(150);
		expect(callsToReconcile(state, MON_10 + 179000, s).callSids).toEqual([]);
		const plan = callsToReconcile(state, MON_10 + 3600000, s);
		expect(plan.due).toBe(150);
		expect(plan.callSids).toEqual(sids.slice(0, 100));
		expect(plan.items[0]).toMatchObject({ callSid: 'SID0', contact: '+919800000000', attempt: 1 });
		expect(plan.requestsAvailable).toBe(10);
		expect(callsToReconcile(state, MON_10 + 3600000, s, 20).callSids).toHaveLength(20);
	});

	test('a requested lookup defers those calls; the reserve (10/min) is respected', () => {
		const { state } = placed(150);
		let st = state;
		let now = MON_10 + 3600000;
		const p1 = callsToReconcile(st, now, s);
		st = markReconcileRequested(st, p1.callSids, now, s);
		const p2 = callsToReconcile(st, now, s);
		expect(p2.callSids).toHaveLength(50);
		expect(p2.callSids).not.toContain(p1.callSids[0]);
		for (let i = 0; i < 9; i++) st = markReconcileRequested(st, [], now + i, s);
		const p3 = callsToReconcile(st, now + 10, s);
		expect(p3.requestsAvailable).toBe(0);
		expect(p3.callSids).toEqual([]);
		expect(p3.nextRequestAt).toBe(now + 60000);
		now += 60001;
		expect(callsToReconcile(st, now, s).requestsAvailable).toBeGreaterThan(0);
	});

	test('results come back through recordOutcomes: terminal counts, live extends, missing is asked again then abandoned', () => {
		const { state } = placed(3);
		const now = MON_10 + 20 * 60000;
		const plan = callsToReconcile(state, now, s);
		let st = markReconcileRequested(state, plan.callSids, now, s);
		const r = recordOutcomes(
			st,
			[
				{ callSid: 'SID0', status: 'completed', source: 'reconcile', at: MON_10 + 60000 },
				{ callSid: 'SID1', status: 'in-progress', source: 'reconcile' },
				{ callSid: 'SID2', status: 'not-found', source: 'reconcile' },
			],
			now + 2000,
			s,
		);
		expect(r.results.map((x) => x.action)).toEqual(['counted', 'lease_extended', 'not_found']);
		st = r.state;
		expect(st.totals).toMatchObject({ completed: 1, reconciled: 1, attempted: 3 });
		expect(callsToReconcile(st, now + 60000, s).callSids).toEqual([]);
		expect(callsToReconcile(st, now + 122000, s).callSids.sort()).toEqual(['SID1', 'SID2']);
		// a callback arriving after reconciliation counted the call is not counted again
		const late = recordOutcomes(
			st,
			[
				{
					callSid: 'SID0',
					status: 'completed',
					correlation: plan.items[0] && {
						campaign: 'camp',
						contact: plan.items[0].contact,
						attempt: 1,
						circle: plan.items[0].circle,
						releasedAt: plan.items[0].placedAt,
					},
				},
			],
			now + 5000,
			s,
		);
		expect(late.results[0].action).toBe('duplicate'); // remembered for the horizon after it was counted
		expect(late.state.totals.completed).toBe(1);
		// three misses past the lease: given up
		for (let i = 0; i < 2; i++)
			st = recordOutcomes(
				st,
				[{ callSid: 'SID2', status: 'not-found', source: 'reconcile' }],
				now + 10000 * (i + 1),
				s,
			).state;
		expect(st.inFlight.map((f) => f.callSid)).toEqual(['SID1']);
		expect(st.totals.abandoned).toBe(1);
		expect(getStats(st, now + 30000, s).totals).toMatchObject({
			inFlight: 1,
			reconciled: 1,
			abandoned: 1,
		});
	});

	test('a call live for longer than abandonAfter is kept while Exotel says it is live', () => {
		const { state } = placed(1);
		let st = state;
		for (let t = MON_10 + 10 * 60000; t < MON_10 + 4 * 3600000; t += 10 * 60000) {
			st = recordOutcomes(
				st,
				[{ callSid: 'SID0', status: 'in-progress', source: 'reconcile' }],
				t,
				s,
			).state;
		}
		expect(st.inFlight).toHaveLength(1);
		const quiet = recordOutcomes(st, [], MON_10 + 4 * 3600000 + 121 * 60000, s).state;
		expect(quiet.inFlight).toHaveLength(0);
		expect(quiet.totals.abandoned).toBe(1);
	});
});

describe('the unused reserve is lent to dialling; the account limit still holds', () => {
	test('nothing to look up: dialling uses 198/min (2 requests kept for an unforeseen lookup)', () => {
		const contacts = Array.from({ length: 2000 }, (_, i) => ({
			key: `+91970${String(i).padStart(7, '0')}`,
			circle: 'MH',
		}));
		let state = createState('camp', MON_10);
		const sent: number[] = [];
		for (let k = 0; k < 8; k++) {
			const r = release(state, contacts, MON_10 + k * 15000, settingsWith({ maxInFlight: 5000 }));
			state = r.state;
			for (const c of r.released) sent.push(c.sendAt);
		}
		const inMinute = sent.filter((t) => t >= MON_10 + 60000 && t < MON_10 + 120000).length;
		expect(inMinute).toBeGreaterThanOrEqual(197);
		expect(inMinute).toBeLessThanOrEqual(198);
	});

	test('a lookup is refused when dial + Call Details requests would exceed the account limit in a 60 s window', () => {
		const { state, sids } = placed(20);
		let st = state;
		// fill the sliding minute with planned dial requests up to the account limit
		const at = MON_10 + 400000;
		for (let i = 0; i < 200; i++) st.sendLog.push([at - 30000 + i * 100, 'x']);
		const plan = callsToReconcile(st, at, s);
		expect(plan.due).toBeGreaterThan(0);
		expect(plan.requestsAvailable).toBe(0);
		expect(plan.callSids).toEqual([]);
		expect(sids.length).toBe(20);
		st = { ...st, sendLog: st.sendLog.slice(0, -2) };
		expect(callsToReconcile(st, at, s).requestsAvailable).toBe(2);
	});
});
