import {
	checkSettings,
	createState,
	defaultSettings,
	migrateState,
	PacingSettingsError,
	release,
	resolveSettings,
	recordOutcomes,
	STATE_VERSION,
	storedState,
} from '../../nodes/core/pacing';
import { MON_10, settingsWith } from './helpers';

describe('settings', () => {
	test('defaults are valid and in one place', () => {
		expect(checkSettings().problems).toEqual([]);
		expect(defaultSettings).toMatchObject({
			accountLimitPerMinute: 200,
			reserveForReconciliation: 10,
			maxInFlight: 250,
			maxAttempts: 3,
			timezone: 'Asia/Kolkata',
			callingStart: '09:00',
			callingEnd: '21:00',
			retryGapMinutes: { busy: 30, noAnswer: 60, failed: 10 },
			healthWindowSeconds: 300,
			minVolume: 20,
			cooldownSeconds: 120,
			cooldownMaxSeconds: 1800,
			probeCalls: 3,
		});
	});

	test('partial settings merge over defaults (nested retry gaps too)', () => {
		const s = resolveSettings({ maxInFlight: 50, retryGapMinutes: { busy: 15 } });
		expect(s.maxInFlight).toBe(50);
		expect(s.retryGapMinutes).toEqual({ ...defaultSettings.retryGapMinutes, busy: 15 });
	});

	test('problems are listed in plain words', () => {
		const { problems } = checkSettings({
			maxAttempts: 0,
			reserveForReconciliation: 300,
			callingStart: '9am',
			callingEnd: '08:00',
			timezone: 'Mars/Olympus',
			callingDays: [0, 8],
			retryGapMinutes: { busy: -1 },
			// @ts-expect-error unknown key
			maxInflight: 3,
		});
		expect(problems.join('\n')).toMatch(
			/maxAttempts must be a whole number from 1 to 50 \(got 0\)/,
		);
		expect(problems.join('\n')).toMatch(
			/reserveForReconciliation \(300\) must be below accountLimitPerMinute \(200\)/,
		);
		expect(problems.join('\n')).toMatch(/callingStart must be a time "HH:mm"/);
		expect(problems.join('\n')).toMatch(/timezone "Mars\/Olympus" is not a known IANA time zone/);
		expect(problems.join('\n')).toMatch(/callingDays must list weekdays/);
		expect(problems.join('\n')).toMatch(/retryGapMinutes.busy must be/);
		expect(problems.join('\n')).toMatch(/Unknown setting "maxInflight"/);
		expect(() => resolveSettings({ maxAttempts: 0 })).toThrow(PacingSettingsError);
	});

	test('end before start is rejected', () => {
		expect(checkSettings({ callingStart: '21:00', callingEnd: '09:00' }).problems[0]).toMatch(
			/must be later than callingStart/,
		);
	});
});

describe('migrateState', () => {
	const s = settingsWith();
	test('nothing stored -> fresh state without warning', () => {
		const { state, warnings } = migrateState(undefined, 'camp', MON_10);
		expect(state).toEqual({ ...createState('camp', MON_10), key: expect.any(String) });
		expect(state.version).toBe(STATE_VERSION);
		expect(warnings).toEqual([]);
	});

	test('unknown version or junk -> fresh state with a warning', () => {
		expect(migrateState({ version: 99 }, 'camp', MON_10).warnings[0]).toMatch(/version 99/);
		expect(migrateState('garbage', 'camp', MON_10).warnings[0]).toMatch(/not an object/);
		expect(migrateState({ version: 99 }, 'camp', MON_10).state.totals.attempted).toBe(0);
	});

	test('a real state survives a JSON round trip unchanged', () => {
		let st = createState('camp', MON_10);
		const r = release(st, [{ key: '+919800000001', circle: 'MH' }], MON_10, s);
		st = recordOutcomes(
			r.state,
			[{ callSid: 'S1', status: 'in-progress', correlation: r.released[0].correlation }],
			MON_10 + 1000,
			s,
		).state;
		const back = migrateState(JSON.parse(JSON.stringify(storedState(st))), 'camp', MON_10 + 2000);
		expect(back.warnings).toEqual([]);
		expect(back.state).toEqual(st);
	});

	test('damaged parts are repaired with warnings', () => {
		const st = JSON.parse(JSON.stringify(createState('camp', MON_10)));
		st.inFlight = [{ nonsense: true }];
		st.circles = { MH: { br: 'x' } };
		const back = migrateState(st, 'camp', MON_10);
		expect(back.state.inFlight).toEqual([]);
		expect(back.state.circles).toEqual({});
		expect(back.warnings.length).toBe(2);
	});
});
