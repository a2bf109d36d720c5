/**
 * When a row read by due time is read again (nodes/core/pacing/checkAt.ts): every hold and write of a tick, and the
 * rows a tick must leave alone. The loop over a whole table is test/nodes/pacingDueRows.test.ts.
 */
import {
	CHECK_NEVER,
	CHECK_NEXT_RUN,
	checkAtForHold,
	checkAtForWrite,
	createState,
	queueRowWrite,
	releaseTick,
	rowsBeingWritten,
	type HeldContact,
	type HoldReason,
} from '../../nodes/core/pacing';
import { MON_10, settingsWith } from './helpers';

const TICK_MS = 30_000;
const hold = (reason: HoldReason, retryAt?: number): HeldContact => ({
	index: 0,
	contact: '+919810000001',
	circle: 'MH',
	decision: 'hold',
	reason,
	message: '',
	...(retryAt === undefined ? {} : { retryAt }),
});

describe('checkAt', () => {
	it('a held row is read again when its hold can end, a finished one never', () => {
		const now = MON_10;
		expect(checkAtForHold(hold('retry_not_due', now + 3_600_000), false, now, TICK_MS)).toBe(
			now + 3_600_000,
		);
		expect(checkAtForHold(hold('window_closed', now + 0.5), false, now, TICK_MS)).toBe(now + 1);
		for (const reason of ['dnd', 'dnd_unknown', 'done', 'attempts_used', 'invalid'] as const)
			expect(checkAtForHold(hold(reason), false, now, TICK_MS)).toBe(CHECK_NEVER);
		// no time, or a time already past (a half-open circle, a paused campaign): next tick
		expect(checkAtForHold(hold('circle_paused', now - 1), false, now, TICK_MS)).toBe(now + TICK_MS);
		expect(checkAtForHold(hold('campaign_paused', NaN), false, now, TICK_MS)).toBe(now + TICK_MS);
		// a write on its way sets it
		expect(checkAtForHold(hold('dnd'), true, now, TICK_MS)).toBeUndefined();
		expect(checkAtForHold(hold('retry_not_due', now + 60_000), true, now, TICK_MS)).toBeUndefined();
	});

	it('held for the budget, a new or due row keeps its place (no write); a written or degraded-circle row goes behind', () => {
		const now = MON_10;
		const budget = hold('budget_used');
		expect(checkAtForHold(budget, false, now, TICK_MS, { checkAt: null })).toBeUndefined();
		expect(checkAtForHold(budget, false, now, TICK_MS, { checkAt: '' })).toBeUndefined();
		expect(checkAtForHold(budget, false, now, TICK_MS, { checkAt: now - 5_000 })).toBeUndefined();
		// read because it was written last run: moved among the due rows
		expect(checkAtForHold(budget, false, now, TICK_MS, { checkAt: CHECK_NEXT_RUN })).toBe(
			now + TICK_MS,
		);
		// a circle below full health: its held rows rotate, or they would fill the page and undo its lower weight
		expect(
			checkAtForHold(budget, false, now, TICK_MS, { checkAt: now - 5_000, circleDegraded: true }),
		).toBe(now + TICK_MS);
		// free text in the column is no place to keep
		expect(checkAtForHold(budget, false, now, TICK_MS, { checkAt: 'soon' })).toBe(now + TICK_MS);
	});

	it('a written row is read next tick, a final write never', () => {
		expect(checkAtForWrite({ final: false })).toBe(CHECK_NEXT_RUN);
		expect(checkAtForWrite({ final: true })).toBe(CHECK_NEVER);
		expect(CHECK_NEXT_RUN).toBeLessThan(MON_10);
		expect(Number.isSafeInteger(CHECK_NEVER)).toBe(true);
	});

	it("the tick's rows being written include a final write, which is no longer pending once handed out", () => {
		const s = settingsWith({ callingEnd: '23:59' });
		let state = createState('c', MON_10);
		const wb = {
			contact: '+919810000002',
			attemptsToWrite: 1,
			lastStatus: 'completed',
			lastCallSid: 'CA1',
			lastAttemptAt: MON_10 - 60_000,
			nextRetryAt: null,
			final: true,
			refunded: false,
		};
		queueRowWrite(state, wb);
		const tick = releaseTick(state, [], MON_10, s);
		expect(tick.rowWrites.map((w) => w.contact)).toEqual([wb.contact]);
		state = tick.state;
		expect(state.rows?.[wb.contact]).toBeUndefined(); // forgotten once handed out
		expect(rowsBeingWritten(tick).has(wb.contact)).toBe(true);
	});
});
