/**
 * The stored form of the state (nodes/core/pacing/storage.ts): what is saved loads back to the same state, and
 * every campaign saved by an earlier layout still loads, with nothing lost.
 *
 * fixtures/stored-state.json is static data as the package stored it before the engine's fields got descriptive
 * names: the state of the bench's hard-outage run (bench/policies/ours.ts) mid-outage, with a few fields the run
 * did not produce added (a recovered call, reconciliation misses, a live report, a slowed circle, an open breaker,
 * reserved probe calls without CallSid). fixtures/stored-state-v1.json is the same state as the layout-1 code
 * saved it just before layout 2 (circle fields at their defaults left out, calls as objects, the send log as
 * pairs); fixtures/stored-state-v1.loaded.json is what that code loaded it to.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
	createState,
	migrateState,
	recordOutcomes,
	releaseTick,
	resolveSettings,
	STATE_VERSION,
	storedState,
	type CampaignState,
	type ContactInput,
	type InFlightCall,
} from '../../nodes/core/pacing';
import {
	BREAKER_KEYS,
	CALL_KEYS,
	CIRCLE_KEYS,
	COMPACT_KEYS,
	COUNTER_KEYS,
	ROW_KEYS,
	STATE_KEYS,
} from '../../nodes/core/pacing/storage';
import { mulberry32 } from './helpers';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const FIXTURE = fixture('stored-state.json');
const FIXTURE_V1 = fixture('stored-state-v1.json');
const LOADED_V1 = JSON.parse(fixture('stored-state-v1.loaded.json')) as CampaignState;
const CAMPAIGN = 'bench';

function load(json: string): { state: CampaignState; warnings: string[] } {
	const raw = JSON.parse(json) as { updatedAt: number };
	return migrateState(raw, CAMPAIGN, raw.updatedAt);
}

/** Memory -> static data (as JSON) -> memory. */
function roundTrip(state: CampaignState): {
	stored: string;
	back: CampaignState;
	warnings: string[];
} {
	const stored = JSON.stringify(storedState(state));
	const { state: back, warnings } = migrateState(JSON.parse(stored), CAMPAIGN, state.updatedAt);
	return { stored, back, warnings };
}

test('a state saved in layout 1 loads with nothing lost, as layout-1 code loaded it', () => {
	const { state, warnings } = load(FIXTURE_V1);
	expect(warnings).toEqual([]);
	expect(state).toEqual({ ...LOADED_V1, version: STATE_VERSION });
	// the layout before circle defaults were left out loads to the same state
	expect(load(FIXTURE).state).toEqual(state);
	// the fixture has what the compact layout must carry: reserved calls, probes, recovered calls, live reports
	const calls = state.inFlight;
	expect(calls.filter((f) => f.callSid === undefined).length).toBeGreaterThan(3);
	for (const field of ['probe', 'reusesRefund', 'recoveredFromRow', 'lookupMisses', 'lastLiveAt'])
		expect(calls.some((f) => f[field as keyof InFlightCall] !== undefined)).toBe(true);
	expect(calls.some((f) => f.nextCheckAt !== undefined)).toBe(true);
	expect(state.sendLog.length).toBeGreaterThan(10);
});

test('a layout-1 state saves in layout 2, smaller, and loads back to the same state byte for byte', () => {
	const { state } = load(FIXTURE_V1);
	const { stored, back, warnings } = roundTrip(state);
	expect(warnings).toEqual([]);
	expect(back).toEqual(state);
	expect(JSON.stringify(storedState(back))).toBe(stored);
	const raw = JSON.parse(stored) as Record<string, unknown>;
	expect(raw[STATE_KEYS.version]).toBe(2);
	expect(raw[STATE_KEYS.inFlight]).toBeUndefined();
	expect(raw[STATE_KEYS.sendLog]).toBeUndefined();
	// the two sections that grow with the rate take a third and half less room (fewer rare fields at full rate: more)
	const v1 = JSON.parse(FIXTURE_V1) as Record<string, unknown>;
	const size = (o: Record<string, unknown>, key: string) => JSON.stringify(o[key]).length;
	expect(size(raw, COMPACT_KEYS.calls)).toBeLessThan(size(v1, STATE_KEYS.inFlight) * 0.7);
	expect(size(raw, COMPACT_KEYS.sendLog)).toBeLessThan(size(v1, STATE_KEYS.sendLog) * 0.5);
	expect(stored.length).toBeLessThan(FIXTURE_V1.length - 700);
});

test('the fixtures hold every stored key, so the round trips check each of them', () => {
	const raw = JSON.parse(FIXTURE) as Record<string, unknown> & {
		inFlight: Array<Record<string, unknown>>;
		circles: Record<string, Record<string, Record<string, unknown>>>;
		rows: Record<string, Record<string, unknown>>;
	};
	const seen = (objs: Array<Record<string, unknown>>) => new Set(objs.flatMap(Object.keys));
	const circles = Object.values(raw.circles);
	const expectAll = (table: Record<string, string>, present: Set<string>) =>
		expect(Object.values(table).filter((k) => !present.has(k))).toEqual([]);
	expectAll(STATE_KEYS, seen([raw]));
	expectAll(CALL_KEYS, seen(raw.inFlight));
	expectAll(CIRCLE_KEYS, seen(circles));
	expectAll(BREAKER_KEYS, seen(circles.map((c) => c[CIRCLE_KEYS.breaker])));
	expectAll(COUNTER_KEYS, seen(circles.map((c) => c[CIRCLE_KEYS.counters])));
	expectAll(ROW_KEYS, seen(Object.values(raw.rows)));
	const saved = storedState(load(FIXTURE_V1).state);
	expectAll(COMPACT_KEYS, seen([saved]));
});

test('no two fields share a stored key', () => {
	const tables = [STATE_KEYS, CALL_KEYS, CIRCLE_KEYS, BREAKER_KEYS, COUNTER_KEYS, ROW_KEYS];
	for (const table of tables) {
		const keys = Object.values(table as Record<string, string>);
		expect(new Set(keys).size).toBe(keys.length);
	}
	const top = [...Object.values(STATE_KEYS), ...Object.values(COMPACT_KEYS)];
	expect(new Set(top).size).toBe(top.length);
});

test('edge cases round-trip exactly: reserved calls, probes, live reports, empty lists, ms times', () => {
	const now = 1736138535123;
	const empty = createState(CAMPAIGN, now);
	const calls: InFlightCall[] = [
		{ contact: '+919800000001', circle: 'MH', attempt: 1, sendAt: now + 877 },
		{ contact: '+919800000002', circle: 'MH', attempt: 2, sendAt: now - 3000, probe: 1 },
		{ contact: '+919800000003', circle: 'DL', attempt: 1, sendAt: now - 700123, callSid: 'a' },
		{
			contact: '+919800000004',
			circle: 'KA',
			attempt: 3,
			sendAt: now - 90000,
			callSid: 'b4a1',
			nextCheckAt: now + 1,
			reusesRefund: 1,
			recoveredFromRow: 2,
			lookupMisses: 0,
			lastLiveAt: now - 1,
		},
	];
	const full: CampaignState = {
		...empty,
		inFlight: calls,
		sendLog: [
			[now - 59999, 'AAAAAA'],
			[now - 59999, 'BBBBBB'],
			[now + 1500, '-_09zZ'],
		],
		lastReleaseAt: now,
	};
	for (const state of [empty, full]) {
		const { back, warnings } = roundTrip(state);
		expect(warnings).toEqual([]);
		expect(back).toEqual(state);
	}
	expect(JSON.parse(JSON.stringify(storedState(empty)))).toMatchObject({
		[COMPACT_KEYS.calls]: [],
		[COMPACT_KEYS.sendLog]: [''],
	});
});

test('a section whose times or hashes the compact form cannot hold is saved in layout 1 and loads back', () => {
	const now = 1736138535000;
	const base = createState(CAMPAIGN, now);
	const call = { contact: '+919800000001', circle: 'MH', attempt: 1, sendAt: now };
	const odd: Array<Partial<CampaignState>> = [
		{ inFlight: [{ ...call, sendAt: now + 0.5 }], sendLog: [[now + 0.25, 'AAAAAA']] },
		{ inFlight: [{ ...call, lastLiveAt: 1e15 }], sendLog: [[now, 'x']] },
		{ updatedAt: now + 0.7, inFlight: [{ ...call, nextCheckAt: -now }] },
		{ updatedAt: Number.MAX_VALUE, inFlight: [call], sendLog: [[now, 'AAAAAA']] },
	];
	for (const part of odd) {
		const state: CampaignState = { ...base, ...part };
		const { stored, back, warnings } = roundTrip(state);
		expect(warnings).toEqual([]);
		expect(back).toEqual(state);
		expect(JSON.stringify(storedState(back))).toBe(stored);
	}
	const raw = storedState({ ...base, ...odd[0] });
	expect(raw[STATE_KEYS.inFlight]).toBeDefined();
	expect(raw[STATE_KEYS.sendLog]).toBeDefined();
});

test('every whole-ms time within ~31 years of the base reads back exactly (seconds with a ms fraction)', () => {
	const rng = mulberry32(11);
	const now = 1736138535000;
	const base = createState(CAMPAIGN, now);
	const calls: InFlightCall[] = [];
	for (let i = 0; i < 5000; i++) {
		const scale = 10 ** Math.floor(rng() * 13);
		const t = now + Math.round((rng() - 0.5) * 2 * scale);
		calls.push({ contact: `+9198${i}`, circle: 'MH', attempt: 1, sendAt: t, lastLiveAt: t + 1 });
	}
	const state: CampaignState = { ...base, inFlight: calls };
	const stored = storedState(state);
	expect(stored[COMPACT_KEYS.calls]).toBeDefined();
	expect(roundTrip(state).back.inFlight).toEqual(calls);
});

test('damaged compact sections lose only the damaged records, with one warning', () => {
	const { state } = load(FIXTURE_V1);
	const raw = JSON.parse(JSON.stringify(storedState(state))) as Record<string, unknown[]>;
	const calls = raw[COMPACT_KEYS.calls];
	calls[0] = 'not a call' as never;
	(calls[1] as unknown[])[3] = 'soon';
	const { state: back, warnings } = migrateState(raw, CAMPAIGN, state.updatedAt);
	expect(back.inFlight).toEqual(state.inFlight.slice(2));
	expect(warnings).toEqual(['Dropped 2 damaged in-flight call record(s).']);
	expect(back.sendLog).toEqual(state.sendLog);
	// without its base time nothing timed can be placed: calls dropped (warned), send log empty
	delete (raw as Record<string, unknown>)[COMPACT_KEYS.timeBase];
	const noBase = migrateState(raw, CAMPAIGN, state.updatedAt);
	expect(noBase.state.inFlight).toEqual([]);
	expect(noBase.state.sendLog).toEqual([]);
	expect(noBase.warnings).toEqual([`Dropped ${calls.length} damaged in-flight call record(s).`]);
});

test('a state the engine changed after loading saves and loads back to the same state', () => {
	const { state } = load(FIXTURE_V1);
	const s = resolveSettings({ callingEnd: '23:59' });
	const now = state.updatedAt + 15000;
	const contacts: ContactInput[] = Array.from({ length: 300 }, (_, i) => ({
		key: `+9198${String(i).padStart(8, '0')}`,
		circle: ['MH', 'DL', 'KA', 'TN'][i % 4],
	}));
	const tick = releaseTick(state, contacts, now, s);
	expect(tick.released.length).toBeGreaterThan(0);
	const next = recordOutcomes(
		tick.state,
		tick.released.map((c, i) => ({
			callSid: `sid${i}`,
			status: 'in-progress',
			correlation: c.correlation,
			source: 'connect' as const,
		})),
		now + 1000,
		s,
	).state;
	const stored = JSON.parse(JSON.stringify(storedState(next))) as unknown;
	const back = migrateState(stored, CAMPAIGN, now + 2000);
	expect(back.warnings).toEqual([]);
	expect(back.state).toEqual(JSON.parse(JSON.stringify(next)));
	expect(JSON.stringify(storedState(back.state)).length).toBe(JSON.stringify(stored).length);
});
