/** The running simulator's mutable state, config patching/validation and reset. */
import type { CallRecord } from './calls';
import { CallbackDispatcher } from './callbacks';
import { parseTime, type SimClock, formatExotel } from './clock';
import { mergeInto, type DeepPartial, type SimAccount, type SimConfig } from './config';
import { Ledger } from './ledger';
import type { NumberFixture } from './numbers';
import { parseIndianNumber } from './phone';
import { SlidingWindowLimiter } from './ratelimit';
import { Sheets } from './sheets';
import { isCircleCode } from '../nodes/core/circles';

export interface SimState {
	config: SimConfig;
	clock: SimClock;
	ledger: Ledger;
	limiter: SlidingWindowLimiter;
	sheets: Sheets;
	dispatcher: CallbackDispatcher;
	calls: CallRecord[];
	callsBySid: Map<string, CallRecord>;
	counters: { calls: number; requests: number };
	/** Base URL once listening (used for absolute URIs and recording links). */
	url: string;
	/** Latency-fault timers in flight, cleared by stop(). */
	sleeps: Set<NodeJS.Timeout>;
	/** Test hook: awaited when a connect request arrives, before it is handled (RunningSimulator.onConnect). */
	onConnect?: ConnectHook;
}

/** Gets the client's TCP port while its connection is open (e.g. to find which process sent the request). */
export type ConnectHook = (peerPort: number | undefined) => Promise<void> | void;

export function createState(config: SimConfig, clock: SimClock): SimState {
	const ledger = new Ledger();
	const state: SimState = {
		config,
		clock,
		ledger,
		limiter: new SlidingWindowLimiter(() => ({
			limit: state.config.rateLimit.limit,
			windowMs: state.config.rateLimit.windowMs,
		})),
		sheets: new Sheets(),
		dispatcher: undefined as unknown as CallbackDispatcher,
		calls: [],
		callsBySid: new Map(),
		counters: { calls: 0, requests: 0 },
		url: '',
		sleeps: new Set(),
	};
	state.dispatcher = new CallbackDispatcher({
		clock,
		ledger,
		config: () => state.config,
		log: (line) => logLine(state, line),
	});
	return state;
}

export function logLine(state: SimState, line: string): void {
	if (state.config.log)
		process.stdout.write(`[exotel-sim ${formatExotel(state.clock.now())}] ${line}\n`);
}

/** Throws an Error describing the first problem in a config. */
export function validateConfig(config: SimConfig): void {
	const rate = (name: string, v: number) => {
		if (!(typeof v === 'number' && v >= 0 && v <= 1))
			throw new Error(`${name} must be a number between 0 and 1 (got ${v})`);
	};
	if (!(Number.isFinite(config.clock.factor) && config.clock.factor >= 0))
		throw new Error('clock.factor must be a number >= 0');
	if (config.clock.virtualStart !== null) parseTime(config.clock.virtualStart);
	if (!Array.isArray(config.accounts) || config.accounts.length === 0)
		throw new Error('accounts must list at least one account');
	for (const account of config.accounts) validateAccount(account);
	for (const outage of config.model.outages) {
		if (!isCircleCode(outage.circle))
			throw new Error(`outage circle "${outage.circle}" is not a circle code`);
		if (outage.kind !== 'hard' && outage.kind !== 'silent')
			throw new Error(`outage kind must be "hard" or "silent"`);
		if (parseTime(outage.to) <= parseTime(outage.from))
			throw new Error(`outage for ${outage.circle} ends before it starts`);
	}
	for (const storm of config.faults.storms) {
		if (parseTime(storm.to) <= parseTime(storm.from))
			throw new Error('a 429 storm window ends before it starts');
	}
	for (const [number, fixture] of Object.entries(config.model.fixtures)) {
		if (!['completed', 'busy', 'no-answer', 'failed'].includes(fixture?.status))
			throw new Error(
				`model.fixtures["${number}"].status must be completed, busy, no-answer or failed`,
			);
	}
	for (const [number, fixture] of Object.entries(config.numbers.fixtures)) {
		if (fixture?.circle !== undefined && !isCircleCode(fixture.circle))
			throw new Error(
				`numbers.fixtures["${number}"].circle "${fixture.circle}" is not a circle code`,
			);
	}
	rate('numbers.dndShare', config.numbers.dndShare);
	rate('callbacks.dropRate', config.callbacks.dropRate);
	rate('callbacks.duplicateRate', config.callbacks.duplicateRate);
	rate('faults.serverErrorRate', config.faults.serverErrorRate);
	if (!(config.rateLimit.limit >= 1 && config.rateLimit.windowMs >= 1))
		throw new Error('rateLimit.limit and windowMs must be >= 1');
	if (!['fail', 'reject', 'allow'].includes(config.calls.dndPolicy))
		throw new Error('calls.dndPolicy must be fail, reject or allow');
}

function validateAccount(account: SimAccount): void {
	if (!account.sid || !account.apiKey || !account.apiToken)
		throw new Error('each account needs sid, apiKey and apiToken');
	for (const phone of account.exoPhones) {
		if (!parseIndianNumber(phone.number))
			throw new Error(`ExoPhone "${phone.number}" is not a valid Indian number`);
		if (!isCircleCode(phone.circle))
			throw new Error(`ExoPhone ${phone.number} has an unknown circle "${phone.circle}"`);
	}
}

/** Validates a patch against a copy, then applies it in place (the config object keeps its identity). */
export function applyPatch(state: SimState, patch: DeepPartial<SimConfig>): void {
	const candidate = mergeInto(structuredClone(state.config), patch);
	validateConfig(candidate);
	mergeInto(state.config, patch);
	if (patch.clock?.factor !== undefined) state.clock.setFactor(state.config.clock.factor);
	if (patch.clock?.virtualStart !== undefined && patch.clock.virtualStart !== null)
		state.clock.set(patch.clock.virtualStart);
}

/** Forgets calls, ledger, rate-limit history, pending callbacks and sequence counters (same seed => same sids again). */
export function resetState(state: SimState, options: { sheets?: boolean } = {}): void {
	state.clock.clearTimers();
	state.dispatcher.reset();
	state.calls.length = 0;
	state.callsBySid.clear();
	state.ledger.clear();
	state.limiter.reset();
	state.counters.calls = 0;
	state.counters.requests = 0;
	if (options.sheets) state.sheets.clear();
}

/** Metadata overrides so that ExoPhones report their configured circle. */
export function exoPhoneOverrides(config: SimConfig): Map<string, NumberFixture> {
	const map = new Map<string, NumberFixture>();
	for (const account of config.accounts) {
		for (const phone of account.exoPhones) {
			const national = parseIndianNumber(phone.number)?.national;
			if (national)
				map.set(national, { circle: phone.circle, type: phone.type ?? 'Landline', dnd: false });
		}
	}
	return map;
}
