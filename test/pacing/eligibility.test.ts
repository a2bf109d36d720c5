import {
	createState,
	pauseCampaign,
	recordOutcomes,
	release,
	resumeCampaign,
	type CampaignState,
	type ContactInput,
	type PacingSettings,
} from '../../nodes/core/pacing';
import { MON_10, settingsWith } from './helpers';

const MIN = 60000;
const s = settingsWith();

function decide(
	contact: ContactInput,
	opts: { state?: CampaignState; now?: number; settings?: PacingSettings } = {},
) {
	const r = release(
		opts.state ?? createState('camp', MON_10 - 3600000),
		[contact],
		opts.now ?? MON_10,
		opts.settings ?? s,
		{
			includeHeld: true,
		},
	);
	return r.released.length
		? { decision: 'dial' as const, call: r.released[0], r }
		: { decision: 'hold' as const, hold: r.holds[0], r };
}

describe('eligibility', () => {
	test('a fresh contact is dialled as attempt 1', () => {
		const d = decide({ key: '+919800000001', circle: 'mh' });
		expect(d.decision).toBe('dial');
		expect(d.call).toMatchObject({
			contact: '+919800000001',
			circle: 'MH',
			attempt: 1,
			probe: false,
			refunded: false,
		});
		expect(d.call!.customField).toMatch(
			/^x2\|camp\|\+919800000001\|1\|MH\|[0-9a-z]+\|[A-Za-z0-9_-]{12}$/,
		);
	});

	test('invalid: no key or no circle', () => {
		expect(decide({ key: '', circle: 'MH' }).hold).toMatchObject({ reason: 'invalid' });
		expect(decide({ key: '+919800000001' }).hold).toMatchObject({
			reason: 'invalid',
			message: expect.stringMatching(/circle/),
		});
	});

	test('DND is skipped unless allowed', () => {
		expect(decide({ key: '+919800000001', circle: 'MH', dnd: true }).hold).toMatchObject({
			reason: 'dnd',
		});
		expect(
			decide(
				{ key: '+919800000001', circle: 'MH', dnd: true },
				{ settings: settingsWith({ allowDnd: true }) },
			).decision,
		).toBe('dial');
	});

	test('unknown DND (Exotel "Unavailable") is held with its own reason unless DND is allowed', () => {
		expect(decide({ key: '+919800000001', circle: 'MH', dnd: 'unknown' }).hold).toMatchObject({
			reason: 'dnd_unknown',
			message: expect.stringMatching(
				/could not say.*Call Numbers With Unknown DND.*Allow DND Numbers/,
			),
		});
		expect(
			decide(
				{ key: '+919800000001', circle: 'MH', dnd: 'unknown' },
				{ settings: settingsWith({ allowDnd: true }) },
			).decision,
		).toBe('dial');
	});

	test('"Call Numbers With Unknown DND" calls unknown-DND numbers, never DND ones', () => {
		const settings = settingsWith({ callDndUnavailable: true });
		expect(
			decide({ key: '+919800000001', circle: 'MH', dnd: 'unknown' }, { settings }).decision,
		).toBe('dial');
		expect(
			decide({ key: '+919800000001', circle: 'MH', dnd: true }, { settings }).hold,
		).toMatchObject({ reason: 'dnd' });
	});

	test('attempt cap (default 3)', () => {
		const old = { lastStatus: 'busy', lastAttemptAt: MON_10 - 24 * 60 * MIN };
		expect(decide({ key: 'k', circle: 'MH', attempts: 3, ...old }).hold).toMatchObject({
			reason: 'attempts_used',
		});
		expect(decide({ key: 'k', circle: 'MH', attempts: 2, ...old }).call).toMatchObject({
			attempt: 3,
		});
		expect(
			decide(
				{ key: 'k', circle: 'MH', attempts: 4, ...old },
				{ settings: settingsWith({ maxAttempts: 5 }) },
			).call,
		).toMatchObject({ attempt: 5 });
	});

	test('a completed contact is done', () => {
		expect(
			decide({
				key: 'k',
				circle: 'MH',
				attempts: 1,
				lastStatus: 'completed',
				lastAttemptAt: MON_10 - 86400000,
			}).hold,
		).toMatchObject({
			reason: 'done',
		});
	});

	test.each([
		['busy', 30],
		['no-answer', 60],
		['failed', 10],
		['canceled', 60],
		['not-placed', 5],
	])('re-call gap after %s is %i min (from lastAttemptAt)', (status, minutes) => {
		const at = MON_10 - minutes * MIN;
		const early = decide({
			key: 'k',
			circle: 'MH',
			attempts: 1,
			lastStatus: status,
			lastAttemptAt: at + 1000,
		});
		expect(early.hold).toMatchObject({
			reason: 'retry_not_due',
			retryAt: at + 1000 + minutes * MIN,
		});
		expect(
			decide({ key: 'k', circle: 'MH', attempts: 1, lastStatus: status, lastAttemptAt: at })
				.decision,
		).toBe('dial');
	});

	test('nextRetryAt (written by the engine) decides when present', () => {
		const row = {
			key: 'k',
			circle: 'MH',
			attempts: 1,
			lastStatus: 'busy',
			lastAttemptAt: MON_10 - 5 * MIN,
		};
		expect(decide({ ...row, nextRetryAt: MON_10 + 1 }).hold).toMatchObject({
			reason: 'retry_not_due',
			retryAt: MON_10 + 1,
		});
		expect(decide({ ...row, nextRetryAt: MON_10 }).decision).toBe('dial');
	});

	test('configurable gaps', () => {
		const s2 = settingsWith({ retryGapMinutes: { busy: 5 } });
		expect(
			decide(
				{
					key: 'k',
					circle: 'MH',
					attempts: 1,
					lastStatus: 'BUSY',
					lastAttemptAt: MON_10 - 5 * MIN,
				},
				{ settings: s2 },
			).decision,
		).toBe('dial');
	});

	test('already in flight: reserved in the state', () => {
		const first = release(createState('camp', MON_10), [{ key: 'k', circle: 'MH' }], MON_10, s);
		expect(first.released).toHaveLength(1);
		const again = release(first.state, [{ key: 'k', circle: 'MH' }], MON_10 + 15000, s, {
			includeHeld: true,
		});
		expect(again.released).toHaveLength(0);
		expect(again.holds[0]).toMatchObject({ reason: 'already_in_flight' });
		// registered, still live
		const reg = recordOutcomes(
			first.state,
			[{ callSid: 'S1', status: 'in-progress', correlation: first.released[0].correlation }],
			MON_10 + 2000,
			s,
		);
		expect(
			release(reg.state, [{ key: 'k', circle: 'MH' }], MON_10 + 15000, s).released,
		).toHaveLength(0);
		// by lastCallSid too (e.g. the row is keyed differently but shows the live sid)
		const h = release(
			reg.state,
			[
				{
					key: 'k2',
					circle: 'MH',
					lastCallSid: 'S1',
					attempts: 1,
					lastStatus: 'no-answer',
					lastAttemptAt: 0,
				},
			],
			MON_10 + 15000,
			s,
			{
				includeHeld: true,
			},
		);
		expect(h.holds[0].reason).toBe('already_in_flight');
	});

	test('already in flight: the row shows a call within the lease and no outcome (state lost it)', () => {
		const lease = (s.ringTimeoutSeconds + s.maxCallSeconds + s.leaseSlackSeconds) * 1000;
		const row = {
			key: 'k',
			circle: 'MH',
			attempts: 1,
			lastStatus: 'in-progress',
			lastAttemptAt: MON_10 - 60000,
		};
		const d = decide(row);
		expect(d.hold).toMatchObject({ reason: 'already_in_flight' });
		// without a CallSid it cannot be recovered, but it still blocks until the lease ends
		expect(decide({ ...row, lastAttemptAt: MON_10 - lease + 1 }).hold?.reason).toBe(
			'already_in_flight',
		);
		expect(decide({ ...row, lastAttemptAt: MON_10 - lease - 61 * MIN }).decision).toBe('dial');
	});

	test('campaign paused / resumed', () => {
		const paused = pauseCampaign(createState('camp', MON_10), MON_10);
		expect(decide({ key: 'k', circle: 'MH' }, { state: paused }).hold).toMatchObject({
			reason: 'campaign_paused',
		});
		expect(
			decide({ key: 'k', circle: 'MH' }, { state: resumeCampaign(paused, MON_10) }).decision,
		).toBe('dial');
	});

	test('budget_used when the tick budget is spent', () => {
		const contacts = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, circle: 'MH' }));
		const r = release(createState('camp', MON_10), contacts, MON_10, s, { includeHeld: true });
		expect(r.released).toHaveLength(49); // 198/min x 15 s = 49.5 (nothing to look up: 8 of the reserve lent); the half carries
		expect(r.held.budget_used).toBe(51);
		expect(r.holds.filter((h) => h.reason === 'budget_used')).toHaveLength(51);
		// held for the budget: one shared explanation per circle, readable as plain fields and in JSON
		const h = r.holds.find((x) => x.reason === 'budget_used')!;
		expect(h).toMatchObject({
			contact: h.contact,
			circle: 'MH',
			decision: 'hold',
			reason: 'budget_used',
			retryAt: MON_10 + 15000,
		});
		expect(h.message).toMatch(/budget/);
		expect(JSON.parse(JSON.stringify(h))).toEqual({
			index: h.index,
			contact: h.contact,
			circle: 'MH',
			decision: 'hold',
			reason: 'budget_used',
			message: h.message,
			retryAt: MON_10 + 15000,
		});
	});

	test('duplicate keys in the input are released once', () => {
		const r = release(
			createState('camp', MON_10),
			[
				{ key: 'k', circle: 'MH' },
				{ key: 'k', circle: 'MH' },
			],
			MON_10,
			s,
			{ includeHeld: true },
		);
		expect(r.released).toHaveLength(1);
		expect(r.holds).toEqual([expect.objectContaining({ index: 1, reason: 'already_in_flight' })]);
	});
});

describe('hold explanations in bulk', () => {
	test('the same reason gets the right words per case (no key vs no circle), with per-contact retry times', () => {
		const r = release(
			createState('camp', MON_10),
			[
				{ key: '', circle: 'MH' },
				{ key: 'k1' },
				{
					key: 'k2',
					circle: 'MH',
					attempts: 1,
					lastStatus: 'busy',
					lastAttemptAt: MON_10 - 10 * MIN,
				},
				{
					key: 'k3',
					circle: 'MH',
					attempts: 1,
					lastStatus: 'busy',
					lastAttemptAt: MON_10 - 20 * MIN,
				},
			],
			MON_10,
			s,
			{ includeHeld: true },
		);
		expect(r.holds.map((h) => [h.reason, h.message, h.retryAt])).toEqual([
			['invalid', 'No contact key (phone number).', undefined],
			['invalid', 'No circle for this number; look it up first.', undefined],
			['retry_not_due', 'Waiting for the re-call gap after "busy".', MON_10 + 20 * MIN],
			['retry_not_due', 'Waiting for the re-call gap after "busy".', MON_10 + 10 * MIN],
		]);
		expect(
			release(
				createState('camp', MON_10),
				[
					{ key: 'a', circle: 'MH', dnd: true },
					{ key: 'b', circle: 'MH', dnd: true },
				],
				MON_10,
				s,
				{ includeHeld: true, heldLimit: 1 },
			).holds,
		).toHaveLength(1);
	});
});
