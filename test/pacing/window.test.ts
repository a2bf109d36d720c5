import { windowAt, nextWindowOpening, release, createState } from '../../nodes/core/pacing';
import { ist, settingsWith } from './helpers';

const s = settingsWith();

describe('calling window (Asia/Kolkata, 09:00-21:00)', () => {
	test.each([
		['2025-03-03T08:59:59', false],
		['2025-03-03T09:00:00', true],
		['2025-03-03T20:59:59', true],
		['2025-03-03T21:00:00', false],
	])('%s IST open=%s', (local, open) => {
		expect(windowAt(ist(local), s).open).toBe(open);
	});

	test('08:59:59 -> opens at 09:00 the same day', () => {
		expect(nextWindowOpening(ist('2025-03-03T08:59:59'), s)).toBe(ist('2025-03-03T09:00:00'));
	});

	test('21:00:00 -> next opening is 09:00 the next day (across midnight)', () => {
		expect(nextWindowOpening(ist('2025-03-03T21:00:00'), s)).toBe(ist('2025-03-04T09:00:00'));
		expect(nextWindowOpening(ist('2025-03-03T23:59:59'), s)).toBe(ist('2025-03-04T09:00:00'));
		expect(nextWindowOpening(ist('2025-03-04T00:00:01'), s)).toBe(ist('2025-03-04T09:00:00'));
	});

	test('while open, closesAt is 21:00 the same day', () => {
		expect(windowAt(ist('2025-03-03T20:59:59'), s).closesAt).toBe(ist('2025-03-03T21:00:00'));
	});

	test('works in UTC terms: 09:00 IST is 03:30 UTC', () => {
		expect(new Date(ist('2025-03-03T09:00:00')).toISOString()).toBe('2025-03-03T03:30:00.000Z');
		expect(windowAt(Date.parse('2025-03-03T03:29:59Z'), s).open).toBe(false);
		expect(windowAt(Date.parse('2025-03-03T03:30:00Z'), s).open).toBe(true);
	});

	test('calling days: Monday to Friday, Friday 21:00 -> Monday 09:00', () => {
		const wk = settingsWith({ callingDays: [1, 2, 3, 4, 5] });
		// 2025-03-07 is a Friday
		expect(nextWindowOpening(ist('2025-03-07T21:00:00'), wk)).toBe(ist('2025-03-10T09:00:00'));
		expect(windowAt(ist('2025-03-08T12:00:00'), wk).open).toBe(false);
	});

	test('custom hours', () => {
		const h = settingsWith({ callingStart: '10:30', callingEnd: '18:00' });
		expect(windowAt(ist('2025-03-03T10:29:59'), h).open).toBe(false);
		expect(windowAt(ist('2025-03-03T10:30:00'), h).open).toBe(true);
		expect(windowAt(ist('2025-03-03T17:59:59'), h).open).toBe(true);
		expect(nextWindowOpening(ist('2025-03-03T18:00:00'), h)).toBe(ist('2025-03-04T10:30:00'));
	});

	test('Release holds window_closed with retryAt = next opening, and dials at 09:00:00', () => {
		const contacts = [{ key: '+919800000001', circle: 'MH' }];
		const before = release(createState('c', 0), contacts, ist('2025-03-03T08:59:59'), s, {
			includeHeld: true,
		});
		expect(before.released).toHaveLength(0);
		expect(before.holds[0]).toMatchObject({
			reason: 'window_closed',
			retryAt: ist('2025-03-03T09:00:00'),
		});
		const late = release(createState('c', 0), contacts, ist('2025-03-03T21:00:00'), s, {
			includeHeld: true,
		});
		expect(late.holds[0]).toMatchObject({
			reason: 'window_closed',
			retryAt: ist('2025-03-04T09:00:00'),
		});
		const at9 = release(createState('c', 0), contacts, ist('2025-03-03T09:00:00'), s);
		expect(at9.released).toHaveLength(1);
		const at2059 = release(createState('c', 0), contacts, ist('2025-03-03T20:59:59'), s);
		expect(at2059.released).toHaveLength(1);
	});

	test('no call is scheduled at or after the window closes', () => {
		const contacts = Array.from({ length: 100 }, (_, i) => ({
			key: `+91980000${String(i).padStart(4, '0')}`,
			circle: 'MH',
		}));
		const now = ist('2025-03-03T20:59:55');
		const r = release(createState('c', 0), contacts, now, s);
		expect(r.released.length).toBeGreaterThan(0);
		for (const c of r.released) expect(c.sendAt).toBeLessThan(ist('2025-03-03T21:00:00'));
		// the budget shrinks with the remaining 5 s
		expect(r.released.length).toBeLessThanOrEqual(Math.ceil((190 * 5) / 60) + 1);
	});
});
