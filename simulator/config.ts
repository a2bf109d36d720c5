/** The simulator's configuration: shape, defaults and deep merging of partial patches (arrays are replaced). */
import type { CircleCode } from '../nodes/core/circles';
import { defaultModelConfig, type ModelConfig, type Range } from './model';
import { DEFAULT_NUMBERS_CONFIG, type NumbersConfig } from './numbers';

export type DeepPartial<T> = T extends (infer U)[]
	? U[]
	: T extends object
		? { [K in keyof T]?: DeepPartial<T[K]> }
		: T;

export interface ExoPhoneConfig {
	/** Any accepted number form; echoed as 0-prefixed national. */
	number: string;
	circle: CircleCode;
	type?: 'Landline' | 'Mobile';
	/** Defaults to the 0-prefixed number, as Exotel does. */
	sid?: string;
	voiceUrl?: string | null;
}

export interface SimAccount {
	sid: string;
	apiKey: string;
	apiToken: string;
	friendlyName?: string;
	exoPhones: ExoPhoneConfig[];
	/** true = every connect answers 402 (insufficient balance). */
	insufficientBalance?: boolean;
}

export interface TimeWindow {
	/** Virtual time: ISO (no offset = Asia/Kolkata), epoch ms or "YYYY-MM-DD HH:mm:ss" IST. */
	from: string | number;
	to: string | number;
}

export interface SimConfig {
	host: string;
	/** 0 = a random free port. */
	port: number;
	seed: number | string;
	/** Print one line per request to stdout. */
	log: boolean;
	clock: {
		/** Virtual seconds per real second (0 freezes the clock; tests then call clock.advance()). */
		factor: number;
		/** Virtual start instant; null = the real time at start. */
		virtualStart: string | number | null;
	};
	accounts: SimAccount[];
	model: ModelConfig;
	numbers: NumbersConfig;
	calls: {
		/** What happens to a call to a DND number that is not whitelisted: end `failed` (default), 403 at connect, or ring normally. */
		dndPolicy: 'fail' | 'reject' | 'allow';
		/** Virtual seconds after the call ends before Duration/Price/EndTime appear in call details. */
		detailsLagSeconds: number;
	};
	rateLimit: { enabled: boolean; limit: number; windowMs: number };
	callbacks: {
		/** Share of callback events never sent. */
		dropRate: number;
		/** Share of callback events sent twice. */
		duplicateRate: number;
		/** Virtual ms between the original and its duplicate. */
		duplicateDelayMs: number;
		/** Extra virtual delay added to each event. */
		extraDelayMs: Range;
		/** Retries after a non-2xx answer or a connection error (Exotel: up to 2). */
		retries: number;
		/** Virtual ms between attempts. */
		retryDelayMs: number;
		/** Real ms to wait for the receiver's answer. */
		timeoutMs: number;
		/** Without StatusCallbackEvents Exotel sends only CallSid, Status, DateUpdated, RecordingUrl. */
		minimalWhenNoEvents: boolean;
	};
	faults: {
		/** Share of Exotel API requests answered 500/502/503. */
		serverErrorRate: number;
		/** Real ms added before answering each Exotel API request. */
		latencyMs: Range;
		/** Virtual windows in which every connect request gets 429. */
		storms: TimeWindow[];
		/** Every connect answers 402 for every account. */
		insufficientBalance: boolean;
	};
}

export const DEFAULT_ACCOUNT_SID = 'simaccount';
export const DEFAULT_API_KEY = 'sim-key';
export const DEFAULT_API_TOKEN = 'sim-token';

/** ExoPhones in 20 circles (none in JK, NE, CH so that neighbour fallback gets exercised); two in DL, MU, KA. */
export const DEFAULT_EXOPHONES: ExoPhoneConfig[] = [
	{ number: '01140000001', circle: 'DL' },
	{ number: '01140000002', circle: 'DL' },
	{ number: '02240000001', circle: 'MU' },
	{ number: '02240000002', circle: 'MU' },
	{ number: '02040000001', circle: 'MH' },
	{ number: '08040000001', circle: 'KA' },
	{ number: '08040000002', circle: 'KA' },
	{ number: '04440000001', circle: 'TN' },
	{ number: '04040000001', circle: 'AP' },
	{ number: '04840000001', circle: 'KL' },
	{ number: '07940000001', circle: 'GJ' },
	{ number: '01414000001', circle: 'RJ' },
	{ number: '05224000001', circle: 'UE' },
	{ number: '01204000001', circle: 'UW' },
	{ number: '01724000001', circle: 'PB' },
	{ number: '01244000001', circle: 'HR' },
	{ number: '07554000001', circle: 'MP' },
	{ number: '06124000001', circle: 'BR' },
	{ number: '06744000001', circle: 'OR' },
	{ number: '03434000001', circle: 'WB' },
	{ number: '03340000001', circle: 'KO' },
	{ number: '03614000001', circle: 'AS' },
	{ number: '01774000001', circle: 'HP' },
];

export function defaultConfig(): SimConfig {
	return {
		host: '127.0.0.1',
		port: 0,
		seed: 42,
		log: false,
		clock: { factor: 1, virtualStart: null },
		accounts: [
			{
				sid: DEFAULT_ACCOUNT_SID,
				apiKey: DEFAULT_API_KEY,
				apiToken: DEFAULT_API_TOKEN,
				friendlyName: 'Simulated Exotel account',
				exoPhones: DEFAULT_EXOPHONES.map((p) => ({ ...p })),
			},
		],
		model: defaultModelConfig(),
		numbers: { ...DEFAULT_NUMBERS_CONFIG, circleWeights: {}, fixtures: {}, whitelist: [] },
		calls: { dndPolicy: 'fail', detailsLagSeconds: 0 },
		rateLimit: { enabled: true, limit: 200, windowMs: 60_000 },
		callbacks: {
			dropRate: 0,
			duplicateRate: 0,
			duplicateDelayMs: 2_000,
			extraDelayMs: { min: 0, max: 0 },
			retries: 2,
			retryDelayMs: 5_000,
			timeoutMs: 15_000,
			minimalWhenNoEvents: true,
		},
		faults: {
			serverErrorRate: 0,
			latencyMs: { min: 0, max: 0 },
			storms: [],
			insufficientBalance: false,
		},
	};
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep-merges `patch` into `target` in place (objects merge, arrays and scalars replace, undefined is ignored).
 * Map-like objects such as `model.circles`, `model.fixtures`, `numbers.fixtures` merge key by key.
 */
export function mergeInto<T>(target: T, patch: DeepPartial<T> | undefined): T {
	if (!isPlainObject(patch)) return target;
	const t = target as unknown as Record<string, unknown>;
	for (const [key, value] of Object.entries(patch)) {
		if (value === undefined || key === '__proto__' || key === 'constructor') continue;
		if (isPlainObject(value) && isPlainObject(t[key]))
			mergeInto(t[key] as Record<string, unknown>, value as DeepPartial<Record<string, unknown>>);
		else t[key] = isPlainObject(value) || Array.isArray(value) ? structuredClone(value) : value;
	}
	return target;
}

export function buildConfig(patch?: DeepPartial<SimConfig>): SimConfig {
	return mergeInto(defaultConfig(), patch);
}
