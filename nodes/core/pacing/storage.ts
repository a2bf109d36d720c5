/**
 * The stored form of a campaign state: the one place where the engine's field names meet the short keys kept in
 * n8n static data.
 *
 * Static data is loaded and saved whole on every execution and is kept under 64 KiB (test/pacing/stateSize.test.ts),
 * so the stored JSON uses 1-3 letter keys; in memory the engine uses descriptive names. Loading goes through
 * migrateState (state.ts), which reads stored objects with `fromStored` / `fromStoredState` and repairs them; saving
 * goes through `storedState`. Both use the tables below, so a stored state reads and writes back byte for byte, less
 * the circle fields at their defaults (test/pacing/storage.test.ts). Changing a stored key breaks every saved
 * campaign: add a key, never rename one.
 *
 * Layout version 2 (STATE_VERSION) stores the calls in flight and the send log, two fifths of the bytes at the full
 * rate, as tuples with times counted from one base time (COMPACT_KEYS). Version 1 stored them as objects and pairs of
 * epoch-ms times; loading reads both, and a section whose times would not read back exactly is still written the
 * version-1 way.
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
import { HASH_LENGTH } from './dedupe';

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
	probeFailed: 'pf',
	probeRangOut: 'pn',
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

/**
 * Stored keys of the version-2 forms: the base time (a whole second, ms since the epoch) the compact times count
 * from, the calls in flight as tuples (callTuple) and the send log as one string and gaps (storedSendLog). They
 * replace STATE_KEYS.inFlight and STATE_KEYS.sendLog.
 */
export const COMPACT_KEYS = { timeBase: 'tb', calls: 'f', sendLog: 'sl' } as const;

type Stored = Record<string, unknown>;

const hasOwn = (obj: object, key: string): boolean =>
	Object.prototype.hasOwnProperty.call(obj, key);

/** Sets an own property, whatever the name (a circle or contact key such as "__proto__" must not set a prototype). */
function put(obj: Stored, key: string, value: unknown): void {
	Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A stored object's fields under their in-memory names (values unchecked: migrateState checks them). */
export function fromStored<T>(raw: Stored, keys: KeyTable<T>): { [K in keyof T]?: unknown } {
	const out: { [K in keyof T]?: unknown } = {};
	for (const name of Object.keys(keys) as Array<keyof T>) {
		const key = keys[name];
		if (hasOwn(raw, key)) out[name] = raw[key];
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
	probeFailed: 0,
	probeRangOut: 0,
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
	delete out[STATE_KEYS.inFlight];
	delete out[STATE_KEYS.sendLog];
	const base = timeBase(s);
	out[COMPACT_KEYS.timeBase] = base;
	const calls = storedCalls(s.inFlight, base);
	if (calls) out[COMPACT_KEYS.calls] = calls;
	else out[STATE_KEYS.inFlight] = s.inFlight.map((f) => toStored(f, CALL_KEYS));
	const sendLog = storedSendLog(s.sendLog, base);
	if (sendLog) out[COMPACT_KEYS.sendLog] = sendLog;
	else out[STATE_KEYS.sendLog] = s.sendLog;
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

/**
 * A stored state's top-level fields under their in-memory names, version-2 sections turned back into the version-1
 * form that migrateState checks field by field: calls as objects with CALL_KEYS, the send log as [ms, hash] pairs.
 */
export function fromStoredState(stored: Stored): { [K in keyof CampaignState]?: unknown } {
	const raw = fromStored(stored, STATE_KEYS);
	const base = stored[COMPACT_KEYS.timeBase];
	if (hasOwn(stored, COMPACT_KEYS.calls))
		raw.inFlight = callsFromStored(stored[COMPACT_KEYS.calls], base);
	if (hasOwn(stored, COMPACT_KEYS.sendLog))
		raw.sendLog = sendLogFromStored(stored[COMPACT_KEYS.sendLog], base);
	return raw;
}

// ---- version-2 compact forms ---------------------------------------------------------------------------------

/**
 * Largest offset from the base stored compactly (~31 years): within it, ms offsets are exact and a call's seconds
 * with a ms fraction (x / 1000, read back as round(x * 1000)) read back exactly.
 */
const MAX_OFFSET_MS = 1e12;

/** The base time of a state's compact times: the whole second of its last change, so whole-second times stay short. */
function timeBase(s: CampaignState): number {
	const base = Math.floor(s.updatedAt / 1000) * 1000;
	return Number.isSafeInteger(base) ? base : 0;
}

/** `t - base` in ms, when `t` is a whole number of ms near enough to read back exactly; else undefined. */
function offsetMs(t: unknown, base: number): number | undefined {
	if (!Number.isSafeInteger(t)) return undefined;
	const ms = (t as number) - base;
	return Math.abs(ms) <= MAX_OFFSET_MS ? ms : undefined;
}

/** The time stored as seconds from the base (offsetMs / 1000), or undefined when it is not one. */
function timeAt(seconds: unknown, base: unknown): number | undefined {
	if (typeof seconds !== 'number' || typeof base !== 'number') return undefined;
	return base + Math.round(seconds * 1000);
}

/** A call's rare fields: stored, when present, in a last tuple element under their CALL_KEYS. */
const CALL_EXTRAS = [
	'nextCheckAt',
	'probe',
	'reusesRefund',
	'recoveredFromRow',
	'lookupMisses',
	'lastLiveAt',
] as const;
const CALL_TIMES: ReadonlySet<string> = new Set(['nextCheckAt', 'lastLiveAt']);

/**
 * A call as [contact, circle, attempt, sendAt, callSid, extras], times in seconds from the base; callSid ('' when
 * only reserved) and extras only when needed. Undefined when a time would not read back exactly.
 */
function callTuple(f: InFlightCall, base: number): unknown[] | undefined {
	const sendAt = offsetMs(f.sendAt, base);
	if (sendAt === undefined) return undefined;
	const tuple: unknown[] = [f.contact, f.circle, f.attempt, sendAt / 1000];
	let extras: Stored | undefined;
	for (const name of CALL_EXTRAS) {
		const value = f[name];
		if (value === undefined) continue;
		let stored: unknown = value;
		if (CALL_TIMES.has(name)) {
			const ms = offsetMs(value, base);
			if (ms === undefined) return undefined;
			stored = ms / 1000;
		}
		(extras ??= {})[CALL_KEYS[name]] = stored;
	}
	if (f.callSid !== undefined || extras) tuple.push(f.callSid ?? '');
	if (extras) tuple.push(extras);
	return tuple;
}

/** The calls in flight as tuples, or undefined when one of them cannot be stored so (then: version-1 objects). */
function storedCalls(calls: InFlightCall[], base: number): unknown[] | undefined {
	const out: unknown[] = [];
	for (const f of calls) {
		const tuple = callTuple(f, base);
		if (!tuple) return undefined;
		out.push(tuple);
	}
	return out;
}

/** Stored tuples as version-1 call objects (absolute times); what is not a tuple is left for migrateState to drop. */
function callsFromStored(raw: unknown, base: unknown): unknown {
	if (!Array.isArray(raw)) return raw;
	return raw.map((tuple: unknown) => {
		if (!Array.isArray(tuple)) return tuple;
		const [contact, circle, attempt, sendAt, callSid, extras] = tuple as unknown[];
		const call: Stored = {
			[CALL_KEYS.contact]: contact,
			[CALL_KEYS.circle]: circle,
			[CALL_KEYS.attempt]: attempt,
			[CALL_KEYS.sendAt]: timeAt(sendAt, base),
		};
		if (callSid !== '' && callSid !== undefined) call[CALL_KEYS.callSid] = callSid;
		if (typeof extras !== 'object' || extras === null) return call;
		for (const name of CALL_EXTRAS) {
			const key = CALL_KEYS[name];
			if (!hasOwn(extras, key)) continue;
			const value = (extras as Stored)[key];
			call[key] = CALL_TIMES.has(name) ? timeAt(value, base) : value;
		}
		return call;
	});
}

/**
 * The send log as [hashes, gap, gap, ...]: the contact hashes (HASH_LENGTH characters each) run together, each time
 * in ms after the one before (the first after the base). Undefined when that would not read back exactly.
 */
function storedSendLog(log: Array<[number, string]>, base: number): unknown[] | undefined {
	const gaps: number[] = [];
	let hashes = '';
	let before = base;
	for (const [t, hash] of log) {
		const gap = t - before;
		if (!Number.isSafeInteger(t) || !Number.isSafeInteger(gap)) return undefined;
		if (typeof hash !== 'string' || hash.length !== HASH_LENGTH) return undefined;
		gaps.push(gap);
		hashes += hash;
		before = t;
	}
	return [hashes, ...gaps];
}

/** A stored send log as version-1 [ms, hash] pairs; a damaged gap makes its time and the later ones NaN. */
function sendLogFromStored(raw: unknown, base: unknown): unknown {
	if (!Array.isArray(raw) || typeof raw[0] !== 'string') return undefined;
	const hashes = raw[0];
	const log: Array<[number, string]> = [];
	let t = typeof base === 'number' ? base : NaN;
	for (let i = 1; i < raw.length && i * HASH_LENGTH <= hashes.length; i++) {
		const gap: unknown = raw[i];
		t = typeof gap === 'number' ? t + gap : NaN;
		log.push([t, hashes.slice((i - 1) * HASH_LENGTH, i * HASH_LENGTH)]);
	}
	return log;
}
