/** Release's first run and final holds (nodes/core/pacing/firstRun.ts, holds.ts isFinalHold). */
import {
	FIRST_RUN_HOLD_MESSAGE,
	firstRunOptions,
	firstRunWarning,
	HOLD_REASONS,
	isFinalHold,
	runHoldMessage,
} from '../../nodes/core/pacing';

describe('first run and final holds', () => {
	it('a first run releases nothing and says so on its budget holds only', () => {
		expect(firstRunOptions(true)).toEqual({ maxRelease: 0 });
		expect(firstRunOptions(false)).toEqual({});
		expect(firstRunWarning('diwali')).toBe(
			'Campaign "diwali" started: its settings are saved by this run; calls start with the next run.',
		);
		const budget = { reason: 'budget_used' as const, message: 'budget words' };
		const dnd = { reason: 'dnd' as const, message: 'dnd words' };
		expect(runHoldMessage(budget, true)).toBe(FIRST_RUN_HOLD_MESSAGE);
		expect(runHoldMessage(budget, false)).toBe('budget words');
		expect(runHoldMessage(dnd, true)).toBe('dnd words');
	});

	it('final: the holds no later tick lifts while the row stays as it is', () => {
		expect(HOLD_REASONS.filter(isFinalHold).sort()).toEqual(
			['attempts_used', 'dnd', 'dnd_unknown', 'done', 'invalid'].sort(),
		);
	});
});
