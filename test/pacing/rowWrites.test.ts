/**
 * Row writes, one at a time per row (nodes/core/pacing/rowWrites.ts): the ordering that makes a late outcome
 * write landing after the next call's "Mark Dialling" impossible.
 */
import {
	ROW_WRITE_LEASE_MS,
	ADOPTED_WRITE_GRACE_MS,
	confirmRowWrites,
	contactsWithPendingWrites,
	createState,
	markRowWriteSent,
	migrateState,
	queueRowWrite,
	releaseTick,
	takeRowWrites,
	type ContactInput,
	type WriteBack,
	storedState,
} from '../../nodes/core/pacing';
import { MON_10, settingsWith } from './helpers';

const KEY = '+919810000001';
const dialling = (at: number, attempt = 1): WriteBack => ({
	contact: KEY,
	attemptsToWrite: attempt,
	lastStatus: 'in-progress',
	lastAttemptAt: at,
	nextRetryAt: null,
	final: false,
	refunded: false,
});
const outcome = (at: number, sid: string, status = 'no-answer', attempt = 1): WriteBack => ({
	...dialling(at, attempt),
	lastStatus: status,
	lastCallSid: sid,
	nextRetryAt: at + 3_600_000,
});
/** The row as a sheet holds it after a write-back. */
const rowAfter = (wb: WriteBack): ContactInput => ({
	key: wb.contact,
	attempts: wb.attemptsToWrite,
	lastStatus: wb.lastStatus,
	lastAttemptAt: wb.lastAttemptAt,
	lastCallSid: wb.lastCallSid ?? '',
	nextRetryAt: wb.nextRetryAt,
});

describe('row writes', () => {
	it('hands out an outcome only after the row shows the Mark Dialling write, and holds the contact until it shows too', () => {
		const s = createState('c', MON_10);
		markRowWriteSent(s, dialling(MON_10), MON_10);
		queueRowWrite(s, outcome(MON_10, 'sid-1'));
		// the row does not show Mark Dialling yet: nothing handed out, the contact is held
		confirmRowWrites(s, [{ key: KEY }], MON_10 + 10_000);
		expect(takeRowWrites(s, MON_10 + 10_000)).toEqual([]);
		expect(contactsWithPendingWrites(s).has(KEY)).toBe(true);
		// Mark Dialling shows: the outcome goes out, once
		confirmRowWrites(s, [rowAfter(dialling(MON_10))], MON_10 + 20_000);
		const out = takeRowWrites(s, MON_10 + 20_000);
		expect(out).toEqual([outcome(MON_10, 'sid-1')]);
		expect(takeRowWrites(s, MON_10 + 30_000)).toEqual([]);
		expect(contactsWithPendingWrites(s).has(KEY)).toBe(true);
		// the outcome shows: nothing pending, the contact may be called again
		confirmRowWrites(s, [rowAfter(out[0])], MON_10 + 40_000);
		expect(contactsWithPendingWrites(s).size).toBe(0);
		expect(s.rows).toEqual({});
	});

	it('keeps only the newest queued write per row', () => {
		const s = createState('c', MON_10);
		queueRowWrite(s, outcome(MON_10, 'sid-1', 'busy'));
		const done = { ...outcome(MON_10, 'sid-1', 'completed'), nextRetryAt: null, final: true };
		queueRowWrite(s, done);
		expect(takeRowWrites(s, MON_10)).toEqual([done]);
		// a final write is not waited for: no later call can follow it
		expect(s.rows).toEqual({});
	});

	it('re-sends a write the row never showed once its lease ends, but drops one for a row Release no longer reads', () => {
		const s = createState('c', MON_10);
		queueRowWrite(s, outcome(MON_10, 'sid-1'));
		queueRowWrite(s, { ...outcome(MON_10, 'sid-2'), contact: '+919810000002' });
		expect(takeRowWrites(s, MON_10)).toHaveLength(2);
		const later = MON_10 + ROW_WRITE_LEASE_MS + 1;
		// within the lease nothing is re-sent
		expect(confirmRowWrites(s, [{ key: KEY }], MON_10 + ROW_WRITE_LEASE_MS - 1)).toBe(0);
		expect(takeRowWrites(s, MON_10 + ROW_WRITE_LEASE_MS - 1)).toEqual([]);
		// after it: KEY was read and does not show its write -> sent again; the other row was not read -> dropped
		expect(confirmRowWrites(s, [{ key: KEY }], later)).toBe(2);
		expect(takeRowWrites(s, later)).toEqual([outcome(MON_10, 'sid-1')]);
		expect(Object.keys(s.rows!)).toEqual([KEY]);
	});

	it('writes nothing when the row already says what is queued', () => {
		const s = createState('c', MON_10);
		const reg = { ...dialling(MON_10), lastCallSid: 'sid-1' };
		queueRowWrite(s, reg);
		confirmRowWrites(s, [rowAfter(reg)], MON_10);
		expect(takeRowWrites(s, MON_10)).toEqual([]);
		expect(contactsWithPendingWrites(s).size).toBe(0);
	});

	it('survives storage (static data) and rejects keys that would reach an object prototype', () => {
		const s = createState('c', MON_10);
		markRowWriteSent(s, dialling(MON_10), MON_10);
		queueRowWrite(s, outcome(MON_10, 'sid-1'));
		queueRowWrite(s, { ...outcome(MON_10, 'x'), contact: '__proto__' });
		const { state } = migrateState(JSON.parse(JSON.stringify(storedState(s))), 'c', MON_10);
		expect(state.rows).toEqual(s.rows);
		expect(Object.keys(state.rows!)).toEqual([KEY]);
		const hostile = JSON.parse(JSON.stringify(s));
		hostile.rows = { [KEY]: { w: ['x'] }, '+919810000003': 'garbage' };
		expect(migrateState(hostile, 'c', MON_10).state.rows).toBeUndefined();
	});
});

describe('row-write leases run on the real clock (releaseTick rowNow)', () => {
	const s = settingsWith({ tickSeconds: 15 });
	const row: ContactInput = { key: KEY, circle: 'MH' };
	const real = 1_000_000;
	/** A campaign's first run (settings only), then a tick that releases the one row: its Mark Dialling is sent. */
	function dialled(options: { rowNow: number; adoptedAt?: number }) {
		const first = releaseTick(createState('camp', MON_10), [row], MON_10, s, {
			...options,
			maxRelease: 0,
		});
		const tick = releaseTick(first.state, [row], MON_10 + 1000, s, options);
		expect(tick.released).toHaveLength(1);
		return tick;
	}

	it('a campaign clock running ahead does not end a Mark Dialling lease; real time does', () => {
		const tick = dialled({ rowNow: real });
		// The row never shows the write. The campaign clock runs 10 minutes on, the real clock 10 seconds:
		const fast = releaseTick(tick.state, [row], MON_10 + 10 * 60_000, s, { rowNow: real + 10_000 });
		expect(fast.lostWrites).toBe(0);
		expect(fast.released).toHaveLength(0);
		// Past the lease in real time, the write counts as lost and is sent again.
		const late = releaseTick(tick.state, [row], MON_10 + 10 * 60_000, s, {
			rowNow: real + ROW_WRITE_LEASE_MS + 1,
		});
		expect(late.lostWrites).toBe(1);
	});

	it('after a restart, writes the killed process handed out wait a minute from the takeover, not the full lease', () => {
		// the process that marked the row "dialling" is killed before the write reaches the sheet
		const tick = dialled({ rowNow: real });
		const restartedAt = real + 20_000;
		const soon = releaseTick(tick.state, [row], MON_10 + 30_000, s, {
			rowNow: restartedAt + ADOPTED_WRITE_GRACE_MS,
			adoptedAt: restartedAt,
		});
		expect(soon.lostWrites).toBe(0);
		const after = releaseTick(tick.state, [row], MON_10 + 90_000, s, {
			rowNow: restartedAt + ADOPTED_WRITE_GRACE_MS + 1,
			adoptedAt: restartedAt,
		});
		expect(after.lostWrites).toBe(1);
		expect(ADOPTED_WRITE_GRACE_MS).toBeLessThan(ROW_WRITE_LEASE_MS / 4);
		// a write this process handed out after the takeover keeps the full lease
		const own = dialled({ rowNow: restartedAt + 1, adoptedAt: restartedAt });
		const ownLater = releaseTick(own.state, [row], MON_10 + 90_000, s, {
			rowNow: restartedAt + ADOPTED_WRITE_GRACE_MS + 10_000,
			adoptedAt: restartedAt,
		});
		expect(ownLater.lostWrites).toBe(0);
	});
});
