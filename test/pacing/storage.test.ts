/**
 * The stored form of the state (nodes/core/pacing/storage.ts): a campaign saved by earlier versions loads and saves
 * back byte for byte, so static data keeps its format and its size.
 *
 * fixtures/stored-state.json is static data as the package stored it before the engine's fields got descriptive
 * names: the state of the bench's hard-outage run (bench/policies/ours.ts) mid-outage, with a few fields the run
 * did not produce added (a recovered call, reconciliation misses, a live report, a slowed circle, an open breaker),
 * loaded and saved once so its key order is the one migrateState writes. Since then a circle's fields at their
 * defaults are left out (storage.ts): both forms load to the same state, in this version and in earlier ones.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
	migrateState,
	recordOutcomes,
	releaseTick,
	resolveSettings,
	storedState,
	type CampaignState,
	type ContactInput,
} from '../../nodes/core/pacing';
import {
	BREAKER_KEYS,
	CALL_KEYS,
	CIRCLE_KEYS,
	COUNTER_KEYS,
	ROW_KEYS,
	STATE_KEYS,
} from '../../nodes/core/pacing/storage';

const FIXTURE = fs.readFileSync(path.join(__dirname, 'fixtures', 'stored-state.json'), 'utf8');
const CAMPAIGN = 'bench';

function load(json: string): { state: CampaignState; warnings: string[] } {
	const raw = JSON.parse(json) as { updatedAt: number };
	return migrateState(raw, CAMPAIGN, raw.updatedAt);
}

/**
 * The fixture as this version stores it: the same bytes, without the circle fields that hold the value loading gives
 * them when absent (zero counters, a breaker's zero fields, empty queues), in the same order.
 */
function withoutDefaults(json: string): string {
	const zero = (v: unknown) =>
		v === 0 || v === '' || (Array.isArray(v) && v.length <= 2 && v.every((x) => x === 0));
	const drop = (o: Record<string, unknown>, keys: string[]) =>
		Object.fromEntries(Object.entries(o).filter(([k, v]) => !(keys.includes(k) && zero(v))));
	const raw = JSON.parse(json) as { circles: Record<string, Record<string, unknown>> };
	for (const [name, c] of Object.entries(raw.circles)) {
		const circle = drop(c, ['win', 'run', 'mq', 'hc', 'dr', 'bl', 'la']);
		circle.br = drop(c.br as Record<string, unknown>, [
			'until',
			'k',
			'why',
			'pr',
			'pd',
			'closedAt',
		]);
		circle.n = drop(c.n as Record<string, unknown>, [
			'att',
			'comp',
			'busy',
			'na',
			'fail',
			'oth',
			'ref',
		]);
		raw.circles[name] = circle;
	}
	return JSON.stringify(raw);
}

test('a stored state loads and saves back byte for byte, less the circle fields at their defaults', () => {
	const { state, warnings } = load(FIXTURE);
	expect(warnings).toEqual([]);
	const saved = JSON.stringify(storedState(state));
	expect(saved).toBe(withoutDefaults(FIXTURE));
	expect(saved.length).toBeLessThan(FIXTURE.length - 1500);
	// what was saved loads to the same state, and saves back byte for byte
	const again = load(saved);
	expect(again.warnings).toEqual([]);
	expect(again.state).toEqual(state);
	expect(JSON.stringify(storedState(again.state))).toBe(saved);
});

test('the fixture holds every stored key, so the round trip checks each of them', () => {
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
});

test('no two fields share a stored key', () => {
	for (const table of [STATE_KEYS, CALL_KEYS, CIRCLE_KEYS, BREAKER_KEYS, COUNTER_KEYS, ROW_KEYS]) {
		const keys = Object.values(table as Record<string, string>);
		expect(new Set(keys).size).toBe(keys.length);
	}
});

test('a state the engine changed after loading saves and loads back to the same state', () => {
	const { state } = load(FIXTURE);
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
