/**
 * The stored form of a campaign state: the one place where the engine's field names meet the short keys kept in
 * n8n static data.
 *
 * Static data is loaded and saved whole on every execution and is kept under 64 KiB (test/pacing/stateSize.test.ts),
 * so the stored JSON uses 1-3 letter keys; in memory the engine uses descriptive names. Loading goes through
 * migrateState (state.ts), which reads stored objects with `fromStored` and repairs them; saving goes through
 * `storedState`. Both use the tables below, so a stored state reads and writes back byte for byte, less the circle
 * fields at their defaults (test/pacing/storage.test.ts). Changing a stored key breaks every saved campaign: add a
 * key, never rename one.
 */
import type { PendingRow } from './rowWrites';
import type {
	BreakerState,
	CampaignState,
	CircleCounters,
	CircleState,
	InFlightCall,
} from './state';
import { emptyCounters } from './state';

type KeyTable<T> = { readonly [K in keyof Required<T>]: string };

/** Stored key of each field of a call in flight. */
export const CALL_KEYS = {
	contact: 'c',
	circle: 'ci',
	attempt: 'a',
	sendAt: 'r',
	callSid: 's',
	nextCheckAt: 'n',
	probe: 'p',
	reusesRefund: 'rf',
	recoveredFromRow: 'rc',
	lookupMisses: 'm',
	lastLiveAt: 'ls',
} as const satisfies KeyTable<InFlightCall>;

/** Stored key of each field of a circle's breaker. */
export const BREAKER_KEYS = {
	mode: 's',
	since: 'since',
	until: 'until',
	cooldownLevel: 'k',
	why: 'why',
	probesReleased: 'pr',
	probeOutcomes: 'pd',
	closedAt: 'closedAt',
} as const satisfies KeyTable<BreakerState>;

/** Stored key of each of a circle's counters. */
export const COUNTER_KEYS = {
	attempted: 'att',
	completed: 'comp',
	busy: 'busy',
	noAnswer: 'na',
	failed: 'fail',
	other: 'oth',
	refunded: 'ref',
} as const satisfies KeyTable<CircleCounters>;

/** Stored key of each field of a circle. */
export const CIRCLE_KEYS = {
	breaker: 'br',
	trips: 'trips',
	tripLookback: 'tl',
	runStarts: 'ro',
	healthWindow: 'win',
	cusum: 'run',
	runQueue: 'mq',
	hardConsumed: 'hc',
	heldFailures: 'hf',
	normalMix: 'cal',
	carry: 'dr',
	backlog: 'bl',
	allocated: 'la',
	weight: 'w',
	counters: 'n',
} as const satisfies KeyTable<CircleState>;

/** Stored key of each field of a contact's pending row writes. */
export const ROW_KEYS = {
	wanted: 'w',
	sent: 's',
	sentAt: 't',
} as const satisfies KeyTable<PendingRow>;

/** Stored key of each top-level field. */
export const STATE_KEYS = {
	version: 'version',
	campaign: 'campaign',
	key: 'key',
	createdAt: 'createdAt',
	updatedAt: 'updatedAt',
	paused: 'paused',
	pausedAt: 'pausedAt',
	pausedBecause: 'pausedBecause',
	rateLimitedUntil: 'rateLimitedUntil',
	tokens: 'tokens',
	lastReleaseAt: 'lastReleaseAt',
	sendLog: 'sendLog',
	reconcileLog: 'reconcileLog',
	inFlight: 'inFlight',
	done: 'done',
	watermark: 'watermark',
	circles: 'circles',
	totals: 'totals',
	rows: 'rows',
	minuteHistory: 'mh',
} as const satisfies KeyTable<CampaignState>;

type Stored = Record<string, unknown>;

/** Sets an own property, whatever the name (a circle or contact key such as "__proto__" must not set a prototype). */
function put(obj: Stored, key: string, value: unknown): void {
	Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A stored object's fields under their in-memory names (values unchecked: migrateState checks them). */
export function fromStored<T>(raw: Stored, keys: KeyTable<T>): { [K in keyof T]?: unknown } {
	const out: { [K in keyof T]?: unknown } = {};
	for (const name of Object.keys(keys) as Array<keyof T>) {
		const key = keys[name];
		if (Object.prototype.hasOwnProperty.call(raw, key)) out[name] = raw[key];
	}
	return out;
}

/**
 * Fields left out of static data while they hold the value migrateState gives them when absent (state.ts,
 * migrateCircle): the blob stays smaller (most circles sit closed with zero counts) and reads back the same, in this
 * version and in earlier ones, which fill the same defaults.
 */
type Defaults<T> = { readonly [K in keyof T]?: number | string | readonly number[] };
const BREAKER_DEFAULTS: Defaults<BreakerState> = {
	until: 0,
	cooldownLevel: 0,
	why: '',
	probesReleased: 0,
	probeOutcomes: 0,
	closedAt: 0,
};
const COUNTER_DEFAULTS: Defaults<CircleCounters> = emptyCounters();
const CIRCLE_DEFAULTS: Defaults<CircleState> = {
	healthWindow: [],
	cusum: [0, 0],
	runQueue: [],
	hardConsumed: 0,
	carry: 0,
	backlog: 0,
	allocated: 0,
};

function isDefault(value: unknown, d: number | string | readonly number[] | undefined): boolean {
	if (d === undefined) return false;
	if (typeof d !== 'object') return value === d;
	return Array.isArray(value) && value.length === d.length && value.every((v, i) => v === d[i]);
}

/**
 * An object's fields under their stored keys, in the object's own order (JSON keeps insertion order: the stored bytes
 * do not depend on the names in memory); undefined fields are left out, as JSON leaves them out, and so are fields
 * at their `defaults`.
 */
function toStored<T extends object>(obj: T, keys: KeyTable<T>, defaults?: Defaults<T>): Stored {
	const table = keys as Record<string, string>;
	const skip = defaults as Record<string, number | string | readonly number[]> | undefined;
	const out: Stored = {};
	for (const name of Object.keys(obj)) {
		const value = (obj as Record<string, unknown>)[name];
		if (value !== undefined && !(skip && isDefault(value, skip[name])))
			out[table[name] ?? name] = value;
	}
	return out;
}

/** The state as it is written to static data (plain JSON with the short keys); shares arrays with `s`. */
export function storedState(s: CampaignState): Stored {
	const out = toStored(s, STATE_KEYS);
	out[STATE_KEYS.inFlight] = s.inFlight.map((f) => toStored(f, CALL_KEYS));
	const circles: Stored = {};
	for (const name of Object.keys(s.circles)) {
		const c = s.circles[name];
		const stored = toStored(c, CIRCLE_KEYS, CIRCLE_DEFAULTS);
		stored[CIRCLE_KEYS.breaker] = toStored(c.breaker, BREAKER_KEYS, BREAKER_DEFAULTS);
		stored[CIRCLE_KEYS.counters] = toStored(c.counters, COUNTER_KEYS, COUNTER_DEFAULTS);
		put(circles, name, stored);
	}
	out[STATE_KEYS.circles] = circles;
	if (s.rows) {
		const rows: Stored = {};
		for (const contact of Object.keys(s.rows))
			put(rows, contact, toStored(s.rows[contact], ROW_KEYS));
		out[STATE_KEYS.rows] = rows;
	}
	return out;
}
