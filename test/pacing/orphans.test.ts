/**
 * Rows of calls placed as n8n stopped: "Mark Dialling" wrote in-progress, the CallSid never arrived, and the state
 * of that execution was lost. They block their number until the lease ends, are then looked up by number, and are
 * either counted once (call found), repaired (already counted), or given back (no call).
 */
import type { NormalizedCall } from '../../nodes/core/exotel/mapping';
import {
	createState,
	findOrphans,
	getStats,
	leaseMs,
	matchOrphanCall,
	orphanMessage,
	orphanOutcome,
	orphanWriteBack,
	planOrphanLookups,
	recordOutcomes,
	release,
	type ContactInput,
} from '../../nodes/core/pacing';
import { istIso } from '../../nodes/core/time';
import { MON_10, settingsWith, signed } from './helpers';

const s = settingsWith();
const LEASE = leaseMs(s); // 45 + 600 + 120 s
const PLACED = MON_10;
const AFTER_LEASE = PLACED + LEASE + 1000;

function orphanRow(n: number, over: Partial<ContactInput> = {}): ContactInput {
	return {
		key: `+9198000000${String(n).padStart(2, '0')}`,
		circle: 'MH',
		attempts: 1,
		lastStatus: 'in-progress',
		lastAttemptAt: PLACED,
		...over,
	};
}

function call(
	over: Partial<NormalizedCall> & {
		callSid: string;
		from: string;
		createdAt: number;
		status: string;
	},
): NormalizedCall {
	const { createdAt, ...rest } = over;
	return {
		parentCallSid: null,
		accountSid: 'acc',
		answered: over.status === 'completed',
		direction: 'outbound-api',
		to: '+918040000001',
		callerId: '08040000001',
		dateCreated: istIso(createdAt).slice(0, 19).replace('T', ' '),
		dateUpdated: istIso(createdAt + 60000)
			.slice(0, 19)
			.replace('T', ' '),
		startTime: null,
		endTime: istIso(createdAt + 60000)
			.slice(0, 19)
			.replace('T', ' '),
		duration: 60,
		price: 1,
		conversationDuration: 30,
		leg1Status: null,
		leg2Status: null,
		legs: [],
		recordingUrl: null,
		answeredBy: null,
		...rest,
	};
}

describe('calls placed as n8n stopped (orphan rows)', () => {
	test('a row in progress without a CallSid is an orphan only between the end of its lease and abandonment', () => {
		const state = createState('camp', PLACED);
		const rows = [orphanRow(1)];
		expect(findOrphans(state, rows, PLACED + LEASE - 1000, s)).toEqual([]);
		expect(findOrphans(state, rows, AFTER_LEASE, s)).toEqual([
			{ index: 0, contact: rows[0].key, circle: 'MH', attempt: 1, placedAt: PLACED },
		]);
		expect(findOrphans(state, rows, PLACED + s.abandonAfterMinutes * 60000, s)).toEqual([]);
	});

	test('rows with a final status, not-placed, no attempt, or a call the state tracks are not orphans', () => {
		// SID1 is in flight in the state (reconciliation by CallSid takes care of it)
		const fresh = createState('camp', PLACED);
		const state = recordOutcomes(
			fresh,
			[
				{
					callSid: 'SID1',
					status: 'in-progress',
					correlation: signed(fresh, {
						campaign: 'camp',
						contact: '+919800000099',
						circle: 'MH',
						attempt: 1,
						releasedAt: AFTER_LEASE - 1000,
					}),
				},
			],
			AFTER_LEASE,
			s,
		).state;
		expect(state.inFlight).toHaveLength(1);
		const rows = [
			orphanRow(1, { lastCallSid: 'SID1' }),
			orphanRow(2, { lastStatus: 'busy' }),
			orphanRow(3, { lastStatus: 'not-placed' }),
			orphanRow(4, { lastAttemptAt: undefined }),
			{ key: '+919800000005', circle: 'MH' },
		];
		expect(findOrphans(state, rows, AFTER_LEASE, s)).toEqual([]);
	});

	test('Release holds an orphan being looked up, and releases it without the hold', () => {
		const state = createState('camp', PLACED);
		const rows = [orphanRow(1, { lastAttemptAt: PLACED - 3600000 })]; // past the 60-minute gap of "other"
		const now = PLACED + 60000;
		const held = release(state, rows, now, s, {
			includeHeld: true,
			lookingUp: new Set([rows[0].key]),
		});
		expect(held.released).toHaveLength(0);
		expect(held.holds[0]).toMatchObject({ reason: 'already_in_flight' });
		expect(held.holds[0].message).toMatch(/still being recorded/);
		expect(release(state, rows, now, s).released).toHaveLength(1);
	});

	test('lookups group five numbers, from 30 s before the first placement to the lease after the last', () => {
		const rows = Array.from({ length: 7 }, (_, i) =>
			orphanRow(i, { lastAttemptAt: PLACED + i * 1000 }),
		);
		const groups = planOrphanLookups(
			findOrphans(createState('camp', PLACED), rows, AFTER_LEASE + 7000, s),
			s,
		);
		expect(groups.map((g) => [g.numbers?.length, g.requests])).toEqual([
			[5, 2],
			[2, 2],
		]);
		expect(groups[0]).toMatchObject({
			createdFrom: PLACED - 30000,
			createdTo: PLACED + 4000 + LEASE,
		});
	});

	test('the matching call is the earliest from or to the number created since the placement', () => {
		const [o] = findOrphans(createState('camp', PLACED), [orphanRow(1)], AFTER_LEASE, s);
		const calls = [
			call({ callSid: 'OLD', from: o.contact, createdAt: PLACED - 120000, status: 'busy' }), // the previous attempt
			call({
				callSid: 'OTHER',
				from: '+919811111111',
				createdAt: PLACED + 1000,
				status: 'completed',
			}),
			call({ callSid: 'LATER', from: o.contact, createdAt: PLACED + 9000, status: 'busy' }),
			call({ callSid: 'MINE', from: '09800000001', createdAt: PLACED + 2000, status: 'no-answer' }),
		];
		expect(matchOrphanCall(o, calls, s)?.callSid).toBe('MINE');
		const asTo = [
			call({
				callSid: 'TO',
				from: '+918040000001',
				to: o.contact,
				createdAt: PLACED + 500,
				status: 'completed',
			}),
		];
		expect(matchOrphanCall(o, asTo, s)?.callSid).toBe('TO');
		expect(matchOrphanCall(o, calls.slice(0, 2), s)).toBeUndefined();
	});

	test('a found call is counted once and its outcome written to the row', () => {
		const state = createState('camp', PLACED);
		const [o] = findOrphans(state, [orphanRow(1)], AFTER_LEASE, s);
		const found = call({
			callSid: 'MINE',
			from: o.contact,
			createdAt: PLACED + 2000,
			status: 'busy',
		});
		const outcome = orphanOutcome(o, found)!;
		const r = recordOutcomes(state, [outcome], AFTER_LEASE, s);
		expect(r.results[0].action).toBe('counted');
		expect(getStats(r.state, AFTER_LEASE, s).totals).toMatchObject({
			attempted: 1,
			resolved: 1,
			reconciled: 1,
		});
		const wb = orphanWriteBack(o, outcome, r.results[0], AFTER_LEASE, s);
		expect(wb).toMatchObject({
			contact: o.contact,
			attemptsToWrite: 1,
			lastStatus: 'busy',
			lastCallSid: 'MINE',
			final: false,
		});
		expect(wb.nextRetryAt).toBe(PLACED + 2000 + 60000 + s.retryGapMinutes.busy * 60000);
		expect(orphanMessage(o, outcome, r.results[0])).toMatch(/placed as n8n stopped.*busy: counted/);
		// a second lookup of the same call (the row write was lost) repairs the row and counts nothing
		const again = recordOutcomes(r.state, [outcome], AFTER_LEASE + 15000, s);
		expect(again.results[0].action).toBe('duplicate');
		expect(getStats(again.state, AFTER_LEASE, s).totals.attempted).toBe(1);
		expect(orphanWriteBack(o, outcome, again.results[0], AFTER_LEASE + 15000, s)).toMatchObject({
			lastStatus: 'busy',
			lastCallSid: 'MINE',
			attemptsToWrite: 1,
		});
		expect(orphanMessage(o, outcome, again.results[0])).toMatch(/not counted again/);
	});

	test('no call at Exotel: the attempt is given back and the number may be called at once', () => {
		const state = createState('camp', PLACED);
		const [o] = findOrphans(state, [orphanRow(1, { attempts: 2 })], AFTER_LEASE, s);
		const outcome = orphanOutcome(o, undefined)!;
		expect(outcome.status).toBe('not-placed');
		const r = recordOutcomes(state, [outcome], AFTER_LEASE, s);
		const wb = orphanWriteBack(o, outcome, r.results[0], AFTER_LEASE, s);
		expect(wb).toMatchObject({
			attemptsToWrite: 1,
			lastStatus: 'not-placed',
			nextRetryAt: AFTER_LEASE,
			final: false,
		});
		expect(getStats(r.state, AFTER_LEASE, s).totals.attempted).toBe(0);
		const next = release(
			r.state,
			[{ ...orphanRow(1), attempts: 1, lastStatus: 'not-placed', nextRetryAt: AFTER_LEASE }],
			AFTER_LEASE + 15000,
			s,
		);
		expect(next.released).toHaveLength(1);
		expect(next.released[0].attempt).toBe(2);
	});

	test('a row with a CallSid the state no longer tracks is looked up by CallSid and repaired, counting nothing twice', () => {
		// SID7's outcome was counted, but the write of that outcome to the row was lost
		const fresh = createState('camp', PLACED);
		const counted = recordOutcomes(
			fresh,
			[
				{
					callSid: 'SID7',
					status: 'no-answer',
					correlation: signed(fresh, {
						campaign: 'camp',
						contact: '+919800000007',
						circle: 'MH',
						attempt: 1,
						releasedAt: PLACED,
					}),
					source: 'callback',
				},
			],
			PLACED + 60000,
			s,
		).state;
		const rows = [orphanRow(7, { lastCallSid: 'SID7' }), orphanRow(8)];
		const orphans = findOrphans(counted, rows, AFTER_LEASE, s);
		expect(orphans.map((o) => [o.contact, o.callSid])).toEqual([
			['+919800000007', 'SID7'],
			['+919800000008', undefined],
		]);
		const groups = planOrphanLookups(orphans, s);
		expect(groups.map((g) => [g.callSids, g.numbers, g.requests])).toEqual([
			[['SID7'], undefined, 1],
			[undefined, ['+919800000008'], 2],
		]);
		const [o] = orphans;
		const other = call({ callSid: 'OTHER', from: o.contact, createdAt: PLACED, status: 'busy' });
		expect(matchOrphanCall(o, [other], s)).toBeUndefined();
		expect(orphanOutcome(o, undefined)).toBeUndefined(); // Exotel did not return it: nothing to conclude
		const found = call({
			callSid: 'SID7',
			from: o.contact,
			createdAt: PLACED,
			status: 'no-answer',
		});
		const outcome = orphanOutcome(o, matchOrphanCall(o, [other, found], s))!;
		const r = recordOutcomes(counted, [outcome], AFTER_LEASE, s);
		expect(r.results[0].action).toBe('duplicate');
		expect(getStats(r.state, AFTER_LEASE, s).totals).toMatchObject({ attempted: 1, noAnswer: 1 });
		expect(orphanWriteBack(o, outcome, r.results[0], AFTER_LEASE, s)).toMatchObject({
			lastStatus: 'no-answer',
			lastCallSid: 'SID7',
			attemptsToWrite: 1,
		});
		expect(orphanMessage(o, outcome, r.results[0])).toMatch(
			/still showed this call in progress.*not counted again/,
		);
	});

	test('a call still reported live is not concluded (looked up again later)', () => {
		const [o] = findOrphans(createState('camp', PLACED), [orphanRow(1)], AFTER_LEASE, s);
		expect(
			orphanOutcome(
				o,
				call({ callSid: 'LIVE', from: o.contact, createdAt: PLACED, status: 'in-progress' }),
			),
		).toBeUndefined();
	});
});
