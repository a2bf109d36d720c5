/**
 * Issue 11, row 2: a status callback may only affect calls this campaign placed. Release signs its correlation ids
 * (x2, HMAC keyed by a random key in the campaign state); a report with a wrong signature changes nothing, and an
 * unsigned report (x1) of a call the state does not know is not counted on its word.
 */
import {
	callsToReconcile,
	createState,
	migrateState,
	recordOutcomes,
	release,
	type CampaignState,
	type ContactInput,
	type OutcomeInput,
	storedState,
} from '../../nodes/core/pacing';
import {
	CUSTOM_FIELD_MAX_LENGTH,
	decodeCorrelation,
	encodeCorrelation,
	TAG_LENGTH,
	verifyCorrelation,
	type Correlation,
} from '../../nodes/core/correlation';
import { outcomeFromItem } from '../../nodes/ExotelPacingController/fields';
import { MON_10, settingsWith } from './helpers';

const S = settingsWith({ callingEnd: '23:59' });
const VICTIM = '+919800000007';
const contacts: ContactInput[] = Array.from({ length: 8 }, (_, i) => ({
	key: `+91980000000${i}`,
	circle: 'MH',
}));

/** A campaign that released contacts 0-2 (registered as S0..S2); the victim (7) was never called. */
function campaign(): { state: CampaignState; released: ReturnType<typeof release>['released'] } {
	const r = release(createState('camp', MON_10), contacts.slice(0, 3), MON_10, S);
	const reg = recordOutcomes(
		r.state,
		r.released.map((c, i) => ({
			callSid: `S${i}`,
			status: 'in-progress',
			correlation: c.correlation,
			source: 'connect',
		})),
		MON_10 + 2000,
		S,
	);
	return { state: reg.state, released: r.released };
}

/** What the Status Trigger emits for a posted terminal callback, read the way Record Outcome reads it. */
function callback(
	callSid: string,
	status: string,
	customField: string,
	eventType = 'terminal',
): OutcomeInput {
	const item = outcomeFromItem({
		callSid,
		status,
		eventType,
		customField,
		correlation: decodeCorrelation(customField),
	});
	if ('skip' in item) throw new Error(item.skip);
	return { ...item, campaign: item.correlation?.campaign || undefined };
}

const victimCorrelation: Correlation = {
	campaign: 'camp',
	contact: VICTIM,
	attempt: 1,
	circle: 'MH',
	releasedAt: MON_10 - 30000,
};

/** The contact is released by the next tick: nothing written back, nothing counted, nothing in flight for it. */
function expectStillCallable(state: CampaignState): void {
	const next = release(state, [contacts[7]], MON_10 + 60000, S);
	expect(next.released.map((c) => c.contact)).toEqual([VICTIM]);
}

describe('row 2: a never-placed CallSid whose CustomField names a real contact', () => {
	const forgeries: Array<
		[string, (c: CampaignState, released: ReturnType<typeof campaign>['released']) => string]
	> = [
		['unsigned (x1), as older versions wrote it', () => encodeCorrelation(victimCorrelation)],
		[
			'with an invented tag',
			() => `${encodeCorrelation(victimCorrelation).replace(/^x1/, 'x2')}|AAAAAAAAAAAA`,
		],
		[
			'signed by another copy of the campaign (same name, other key)',
			() => encodeCorrelation(victimCorrelation, createState('camp', MON_10).key),
		],
		[
			'a genuine tag moved onto the victim',
			(_, released) => {
				const genuine = released[0].customField;
				return genuine.replace(released[0].contact, VICTIM);
			},
		],
		[
			'a genuine correlation with one character of its tag changed',
			(st) => {
				const cf = encodeCorrelation(victimCorrelation, st.key);
				return cf.slice(0, -1) + (cf.endsWith('A') ? 'B' : 'A');
			},
		],
	];

	test.each(forgeries)(
		'%s: not counted, no row written, the contact is still called',
		(_, forge) => {
			const { state, released } = campaign();
			const customField = forge(state, released);
			const r = recordOutcomes(
				state,
				[callback('NEVER-PLACED-1', 'completed', customField)],
				MON_10 + 30000,
				S,
			);
			expect(r.results[0]).toMatchObject({ action: 'ignored' });
			expect(r.writeBacks).toEqual([]);
			expect(r.state.totals).toMatchObject({ completed: 0, attempted: 3 });
			expect(r.state.inFlight.map((f) => f.callSid)).toEqual(['S0', 'S1', 'S2']);
			expect(r.state.done).toEqual([]);
			expect(r.warnings).toHaveLength(1);
			expectStillCallable(r.state);
		},
	);

	test('the messages say why, once per batch', () => {
		const { state } = campaign();
		const forged = encodeCorrelation(victimCorrelation, createState('camp', MON_10).key);
		const unsigned = encodeCorrelation(victimCorrelation);
		const r = recordOutcomes(
			state,
			[
				callback('F1', 'completed', forged),
				callback('F2', 'busy', forged),
				callback('U1', 'completed', unsigned),
				callback('U2', 'failed', unsigned),
			],
			MON_10 + 30000,
			S,
		);
		expect(r.results[0].message).toMatch(/does not carry this campaign's signature.*not counted/);
		expect(r.results[2].message).toMatch(/does not know this call.*unsigned/);
		expect(r.warnings).toHaveLength(2);
		expect(r.warnings[0]).toMatch(
			/^Ignored 2 status report\(s\) whose correlation id does not carry this campaign's signature/,
		);
		expect(r.warnings[1]).toMatch(
			/^Did not count 2 report\(s\) of calls this campaign does not know/,
		);
		expect(r.state.totals).toMatchObject({
			ignoredForged: 2,
			ignoredUnsigned: 2,
			completed: 0,
			busy: 0,
			failed: 0,
		});
	});

	test('a wrong signature changes no call, not even one the campaign knows by its CallSid', () => {
		const { state, released } = campaign();
		const altered = { ...released[0].correlation, tag: 'AAAAAAAAAAAA' };
		const r = recordOutcomes(
			state,
			[{ callSid: 'S0', status: 'completed', correlation: altered, source: 'callback' }],
			MON_10 + 30000,
			S,
		);
		expect(r.results[0].action).toBe('ignored');
		expect(r.state.totals.completed).toBe(0);
		expect(r.state.inFlight).toEqual(state.inFlight);
		// the real callback still counts it
		const real = recordOutcomes(
			r.state,
			[callback('S0', 'completed', released[0].customField)],
			MON_10 + 31000,
			S,
		);
		expect(real.results[0].action).toBe('counted');
	});

	test('live events with a wrong or no signature never create in-flight records', () => {
		const { state } = campaign();
		const forged = encodeCorrelation(victimCorrelation, createState('camp', MON_10).key);
		const r = recordOutcomes(
			state,
			[
				callback('L1', 'ringing', forged, 'answered'),
				callback('L2', 'in-progress', encodeCorrelation(victimCorrelation), 'answered'),
			],
			MON_10 + 30000,
			S,
		);
		expect(r.results.map((x) => x.action)).toEqual(['ignored', 'ignored']);
		expect(r.state.inFlight).toEqual(state.inFlight);
		expect(r.state.totals.attempted).toBe(3);
		expectStillCallable(r.state);
	});

	test('an unsigned not-placed report for a contact without a reservation writes nothing to its row', () => {
		const { state } = campaign();
		const r = recordOutcomes(
			state,
			[{ status: 'not-placed', correlation: victimCorrelation, source: 'connect' }],
			MON_10 + 30000,
			S,
		);
		expect(r.results[0].action).toBe('ignored');
		expect(r.writeBacks).toEqual([]);
	});

	test('a genuine correlation copied onto another CallSid while its call is in flight is not counted', () => {
		const { state, released } = campaign();
		const r = recordOutcomes(
			state,
			[callback('COPY', 'completed', released[1].customField)],
			MON_10 + 30000,
			S,
		);
		expect(r.results[0]).toMatchObject({
			action: 'ignored',
			message: expect.stringMatching(/belongs to call S1/),
		});
		expect(r.state.totals.completed).toBe(0);
		expect(r.state.inFlight).toEqual(state.inFlight);
	});

	test('20,000 forged reports leave the state bounded and every contact callable', () => {
		const { state } = campaign();
		const other = createState('camp', MON_10).key;
		const outcomes: OutcomeInput[] = Array.from({ length: 20000 }, (_, i) => {
			const c = { ...victimCorrelation, contact: `+9197${String(i).padStart(8, '0')}` };
			const customField = i % 2 ? encodeCorrelation(c) : encodeCorrelation(c, other);
			return callback(
				`forged${i}`,
				i % 3 ? 'completed' : 'in-progress',
				customField,
				i % 3 ? 'terminal' : 'answered',
			);
		});
		const before = JSON.stringify(state).length;
		const r = recordOutcomes(state, outcomes, MON_10 + 30000, S);
		expect(r.results.every((x) => x.action === 'ignored')).toBe(true);
		expect(r.writeBacks).toEqual([]);
		expect(r.state.inFlight).toHaveLength(3);
		expect(r.state.done).toEqual([]);
		expect(r.state.totals.ignoredForged + r.state.totals.ignoredUnsigned).toBe(20000);
		expect(JSON.stringify(r.state).length - before).toBeLessThan(100); // only the counters grew
		expect(r.warnings).toHaveLength(2);
		expectStillCallable(r.state);
	});
});

describe('legitimate reports still count', () => {
	test('a signed terminal report of a call whose registration (and reservation) was lost is counted exactly once', () => {
		const before = createState('camp', MON_10);
		const r = release(before, [contacts[7]], MON_10, S);
		const call = r.released[0];
		expect(call.customField).toMatch(/^x2\|camp\|/);
		// the write that saved the reservation and the registration was lost: the stored state is `before`
		const cb = callback('REAL-7', 'no-answer', call.customField);
		const a = recordOutcomes(before, [cb, cb], MON_10 + 60000, S);
		expect(a.results.map((x) => x.action)).toEqual(['counted', 'duplicate']);
		expect(a.state.totals).toMatchObject({ attempted: 1, noAnswer: 1, duplicatesIgnored: 1 });
		expect(a.writeBacks).toHaveLength(1);
		expect(a.writeBacks[0]).toMatchObject({
			contact: VICTIM,
			attemptsToWrite: 1,
			lastStatus: 'no-answer',
			lastCallSid: 'REAL-7',
			final: false,
		});
		expect(recordOutcomes(a.state, [cb], MON_10 + 70000, S).results[0].action).toBe('duplicate');
	});

	test('a signed live report of a call whose reservation was lost registers it', () => {
		const before = createState('camp', MON_10);
		const call = release(before, [contacts[7]], MON_10, S).released[0];
		const r = recordOutcomes(
			before,
			[callback('REAL-7', 'in-progress', call.customField, 'answered')],
			MON_10 + 5000,
			S,
		);
		expect(r.results[0].action).toBe('registered');
		expect(r.state.inFlight).toEqual([
			expect.objectContaining({ contact: VICTIM, callSid: 'REAL-7' }),
		]);
	});
});

describe('upgrade from unsigned (x1) correlation ids', () => {
	/** A version-1 state saved before keys existed: S-OLD registered, a reservation for contact 1 without CallSid. */
	function oldStored(): Record<string, unknown> {
		const { state: fresh } = migrateState(undefined, 'camp', MON_10);
		const stored = JSON.parse(JSON.stringify(fresh)) as Record<string, unknown>;
		delete stored.key;
		stored.inFlight = [
			{ c: contacts[0].key, ci: 'MH', a: 1, r: MON_10 - 20000, s: 'S-OLD' },
			{ c: contacts[1].key, ci: 'MH', a: 1, r: MON_10 - 1000 },
		];
		stored.totals = { ...(stored.totals as object), attempted: 1 };
		return stored;
	}
	const x1 = (contact: string, releasedAt: number) =>
		encodeCorrelation({ campaign: 'camp', contact, attempt: 1, circle: 'MH', releasedAt });

	test('the state gets a key without a warning, and calls placed before the upgrade still count', () => {
		const { state, warnings } = migrateState(oldStored(), 'camp', MON_10);
		expect(warnings).toEqual([]);
		expect(state.key).toMatch(/^[A-Za-z0-9_-]{22}$/);
		// the key is kept from then on (it is saved with the state)
		expect(
			migrateState(JSON.parse(JSON.stringify(storedState(state))), 'camp', MON_10).state.key,
		).toBe(state.key);
		const r = recordOutcomes(
			state,
			[
				callback('S-OLD', 'completed', x1(contacts[0].key, MON_10 - 20000)),
				callback('S-RES', 'busy', x1(contacts[1].key, MON_10 - 1000)),
			],
			MON_10 + 30000,
			S,
		);
		expect(r.results.map((x) => x.action)).toEqual(['counted', 'counted']);
		expect(r.state.totals).toMatchObject({ completed: 1, busy: 1, attempted: 2 });
		expect(r.state.inFlight).toEqual([]);
	});

	test('an unsigned call whose registration was lost is counted through its row and Call Details, once', () => {
		const { state } = migrateState(oldStored(), 'camp', MON_10);
		const placed = MON_10 - 40000;
		const cb = callback('S-LOST', 'completed', x1(contacts[2].key, placed));
		const ignored = recordOutcomes(state, [cb], MON_10 + 10000, S);
		expect(ignored.results[0].action).toBe('ignored');
		// Mark Dialling and the registration wrote the row: Release tracks that CallSid again
		const row: ContactInput = {
			...contacts[2],
			attempts: 1,
			lastStatus: 'in-progress',
			lastAttemptAt: placed,
			lastCallSid: 'S-LOST',
		};
		const tick = release(ignored.state, [row], MON_10 + 15000, S);
		expect(tick.state.inFlight.map((f) => f.callSid)).toContain('S-LOST');
		const later = MON_10 + 15000 + (S.reconcileAfterSeconds ?? 180) * 1000;
		expect(callsToReconcile(tick.state, later, S).callSids).toContain('S-LOST');
		const details = recordOutcomes(
			tick.state,
			[{ callSid: 'S-LOST', status: 'completed', source: 'reconcile' }],
			later,
			S,
		);
		expect(details.results[0].action).toBe('counted');
		expect(details.state.totals.completed).toBe(1);
		expect(recordOutcomes(details.state, [cb], later + 1000, S).results[0].action).toBe(
			'duplicate',
		);
	});
});

describe('the signature and the 128-character limit', () => {
	const fill = (length: number): Correlation => {
		const base: Correlation = {
			campaign: 'camp',
			contact: '',
			attempt: 2,
			circle: 'MH',
			releasedAt: MON_10,
		};
		const without = encodeCorrelation(base, 'k'.repeat(22)).length;
		return { ...base, contact: 'c'.repeat(length - without) };
	};

	test('a signed id of exactly 128 characters is accepted and verifies; one more is refused, saying why', () => {
		const key = createState('camp', MON_10).key;
		const c = fill(CUSTOM_FIELD_MAX_LENGTH);
		const encoded = encodeCorrelation(c, key);
		expect(encoded).toHaveLength(CUSTOM_FIELD_MAX_LENGTH);
		expect(encoded.split('|').pop()).toHaveLength(TAG_LENGTH);
		const decoded = decodeCorrelation(encoded);
		expect(decoded).toMatchObject({
			contact: c.contact,
			attempt: 2,
			circle: 'MH',
			releasedAt: MON_10,
		});
		expect(verifyCorrelation(key, decoded)).toBe('valid');
		expect(verifyCorrelation(createState('camp', MON_10).key, decoded)).toBe('invalid');
		expect(verifyCorrelation(key, decodeCorrelation(encodeCorrelation(c)))).toBe('none');
		expect(() => encodeCorrelation(fill(CUSTOM_FIELD_MAX_LENGTH + 1), key)).toThrow(
			/129 characters \(13 of them the campaign's signature\); Exotel's CustomField allows 128/,
		);
	});

	test('Release holds a contact whose signed id would not fit, with that message', () => {
		const state = createState('camp', MON_10);
		const long = 'c'.repeat(CUSTOM_FIELD_MAX_LENGTH - 24);
		expect(
			encodeCorrelation({
				campaign: 'camp',
				contact: long,
				attempt: 1,
				circle: 'MH',
				releasedAt: MON_10,
			}).length,
		).toBeLessThanOrEqual(128);
		const r = release(state, [{ key: long, circle: 'MH' }], MON_10, S);
		expect(r.released).toEqual([]);
		expect(r.warnings.join(' ')).toMatch(/campaign's signature.*allows 128/);
	});

	test('every released call is signed with its campaign key', () => {
		const r = release(createState('camp', MON_10), contacts, MON_10, S);
		expect(r.released.length).toBeGreaterThan(0);
		for (const c of r.released) {
			expect(c.customField).toMatch(/^x2\|/);
			expect(c.correlation.tag).toBe(c.customField.split('|').pop());
			expect(verifyCorrelation(r.state.key, decodeCorrelation(c.customField))).toBe('valid');
			expect(verifyCorrelation(r.state.key, c.correlation)).toBe('valid');
		}
	});

	test('a damaged stored key is replaced with a warning', () => {
		const stored = JSON.parse(JSON.stringify(createState('camp', MON_10))) as Record<
			string,
			unknown
		>;
		stored.key = 42;
		const { state, warnings } = migrateState(stored, 'camp', MON_10);
		expect(state.key).toMatch(/^[A-Za-z0-9_-]{22}$/);
		expect(warnings.join(' ')).toMatch(/signing key of the campaign was damaged/);
	});
});
