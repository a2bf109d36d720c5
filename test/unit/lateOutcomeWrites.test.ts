/** The e2e suite's late-write measure (test/e2e/scenarios/fullCampaign.ts): what it counts must be what it says. */
import { lateOutcomeWrites } from '../e2e/scenarios/fullCampaign';

const rows = [{ row_number: 2, phoneNumber: '+919800000001' }];
const mark = (at: string, attempts: number) => ({
	columns: {
		row_number: 2,
		attempts,
		lastStatus: 'in-progress',
		lastAttemptAt: at,
		lastCallSid: '',
	},
});
const outcome = (at: string, attempts: number, sid: string, status = 'no-answer') => ({
	columns: {
		phoneNumber: '+919800000001',
		attempts,
		lastStatus: status,
		lastAttemptAt: at,
		lastCallSid: sid,
	},
});
const T1 = '2025-01-07T09:00:49+05:30';
const T2 = '2025-01-07T09:03:53+05:30';

describe('lateOutcomeWrites', () => {
	test("a call's outcome after its own Mark Dialling is not late, however early Exotel created the call", () => {
		expect(lateOutcomeWrites([mark(T1, 1), outcome(T1, 1, 'sid-1')], rows)).toBe(0);
	});

	test("an earlier call's outcome landing after the next call's Mark Dialling is late", () => {
		expect(
			lateOutcomeWrites(
				[mark(T1, 1), outcome(T1, 1, 'sid-1'), mark(T2, 2), outcome(T1, 1, 'sid-1')],
				rows,
			),
		).toBe(1);
	});

	test("the next call's own outcome is not late; a live status is never counted", () => {
		const journal = [
			mark(T1, 1),
			mark(T2, 2),
			outcome(T1, 1, 'sid-1', 'in-progress'),
			outcome(T2, 2, 'sid-2', 'completed'),
		];
		expect(lateOutcomeWrites(journal, rows)).toBe(0);
	});
});
