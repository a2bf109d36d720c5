/**
 * Exotel simulator: a real HTTP server on 127.0.0.1 (Node's http module only) that tests start in-process.
 *
 *   const sim = await startSimulator({ clock: { factor: 60 }, seed: 7 });
 *   // sim.url, default credentials sim-key / sim-token, account sid "simaccount"
 *   await sim.stop();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallRecord } from './calls';
import { SimClock } from './clock';
import { buildConfig, type DeepPartial, type SimConfig } from './config';
import type { Ledger } from './ledger';
import { createHandler } from './server';
import type { Sheets } from './sheets';
import { applyPatch, createState, resetState, validateConfig, type ConnectHook } from './state';

export interface RunningSimulator {
	/** e.g. "http://127.0.0.1:40123" (no trailing slash). */
	url: string;
	port: number;
	/** The live config (patched in place by update() and POST /_sim/config). */
	config: SimConfig;
	clock: SimClock;
	ledger: Ledger;
	/** The demo contact sheets behind /_sim/sheets. */
	sheets: Sheets;
	/** Calls created so far (stored records, including the decided outcome). */
	calls(): readonly CallRecord[];
	/** Applies a partial config (validated first; throws on invalid values). */
	update(patch: DeepPartial<SimConfig>): void;
	/** Forgets calls, ledger, rate-limit history and pending callbacks; sheets too when asked. */
	reset(options?: { sheets?: boolean }): void;
	/** Closes the server, aborts callbacks in flight and clears every timer. */
	stop(): Promise<void>;
	/**
	 * Test hook: `hook` runs when a connect request has arrived, before it is handled; the request waits for it.
	 * The call is then created as usual, even if the client is gone (a process killed while placing a call).
	 */
	onConnect(hook: ConnectHook | undefined): void;
}

export async function startSimulator(patch?: DeepPartial<SimConfig>): Promise<RunningSimulator> {
	const config = buildConfig(patch);
	validateConfig(config);
	const clock = new SimClock(config.clock);
	const state = createState(config, clock);
	const server = http.createServer(createHandler(state));
	server.keepAliveTimeout = 5_000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
	const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
	state.url = url;

	let stopped: Promise<void> | undefined;
	return {
		url,
		port,
		config,
		clock,
		ledger: state.ledger,
		sheets: state.sheets,
		calls: () => state.calls,
		update: (p) => applyPatch(state, p),
		reset: (options) => resetState(state, options),
		onConnect: (hook) => {
			state.onConnect = hook;
		},
		stop: () => {
			stopped ??= new Promise<void>((resolve) => {
				state.dispatcher.stop();
				clock.stop();
				for (const timer of state.sleeps) clearTimeout(timer);
				state.sleeps.clear();
				server.close(() => resolve());
				server.closeAllConnections();
			});
			return stopped;
		},
	};
}

export type { DeepPartial, SimConfig, SimAccount, ExoPhoneConfig, TimeWindow } from './config';
export {
	buildConfig,
	defaultConfig,
	DEFAULT_ACCOUNT_SID,
	DEFAULT_API_KEY,
	DEFAULT_API_TOKEN,
	DEFAULT_EXOPHONES,
} from './config';
export { SimClock, formatExotel, formatIso, parseExotel, parseTime } from './clock';
export { Ledger } from './ledger';
export type { LedgerCall, CallbackAttempt, ConnectRequestEntry, LedgerCounts } from './ledger';
export { createRng, deriveRng, hashString, mulberry32 } from './rng';
export type { Rng, Seed } from './rng';
export {
	decideCall,
	defaultModelConfig,
	activeOutage,
	mixFor,
	DEFAULT_CIRCLE_ANSWER,
	LUNCH_DIP_CURVE,
} from './model';
export type {
	CallOutcome,
	CallInput,
	CircleOutage,
	ModelConfig,
	OutcomeMix,
	TerminalStatus,
} from './model';
export { numberMetadata, DEFAULT_NUMBERS_CONFIG } from './numbers';
export type { NumberMeta, NumberFixture, NumbersConfig } from './numbers';
export { parseIndianNumber } from './phone';
export { SlidingWindowLimiter } from './ratelimit';
export { parseForm, parseMultipart, buildMultipart, flattenForm } from './form';
