import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { type AxiosInstance } from 'axios';
import { parseForm } from '../../simulator/form';
import {
	startSimulator,
	type DeepPartial,
	type RunningSimulator,
	type SimConfig,
} from '../../simulator';

export const START = '2025-01-06T10:00:00+05:30';
export const ACCOUNT = 'simaccount';
export const AUTH = { username: 'sim-key', password: 'sim-token' };
export const CALLER_ID = '08040000001';
export const FLOW_URL = 'http://my.exotel.com/simaccount/exoml/start_voice/12345';

/** A simulator with a frozen clock (factor 0) starting at START; tests move time with sim.clock.advance(). */
export function startFrozen(patch: DeepPartial<SimConfig> = {}): Promise<RunningSimulator> {
	return startSimulator({
		...patch,
		clock: { factor: 0, virtualStart: START, ...(patch.clock ?? {}) },
	});
}

export function client(
	sim: RunningSimulator,
	auth: { username: string; password: string } | null = AUTH,
): AxiosInstance {
	return axios.create({
		baseURL: sim.url,
		auth: auth ?? undefined,
		validateStatus: () => true,
	});
}

export function form(fields: Record<string, string | string[]>): URLSearchParams {
	const params = new URLSearchParams();
	for (const [k, v] of Object.entries(fields))
		for (const value of Array.isArray(v) ? v : [v]) params.append(k, value);
	return params;
}

export function connectPath(json = true): string {
	return `/v1/Accounts/${ACCOUNT}/Calls/connect${json ? '.json' : ''}`;
}

export interface Received {
	contentType: string;
	fields: Record<string, string>;
	json?: Record<string, unknown>;
	raw: string;
}

/** A local HTTP server that records callbacks; `statuses` answers each request in turn (then 200). */
export class CallbackReceiver {
	readonly received: Received[] = [];
	private server = http.createServer((req, res) => this.onRequest(req, res));
	private waiters: Array<{ n: number; resolve: () => void }> = [];
	statuses: number[] = [];
	url = '';

	async start(): Promise<this> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/exotel/status?token=t1`;
		return this;
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	/** Resolves once `n` callbacks arrived in total (fails after timeoutMs). */
	waitFor(n: number, timeoutMs = 3000): Promise<void> {
		if (this.received.length >= n) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`expected ${n} callbacks, got ${this.received.length}`)),
				timeoutMs,
			);
			this.waiters.push({
				n,
				resolve: () => {
					clearTimeout(timer);
					resolve();
				},
			});
		});
	}

	private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const contentType = req.headers['content-type'] ?? '';
			const entry: Received = { contentType, fields: {}, raw: body.toString('utf8') };
			if (contentType.startsWith('application/json'))
				entry.json = JSON.parse(entry.raw) as Record<string, unknown>;
			else entry.fields = Object.fromEntries(parseForm(body, contentType));
			this.received.push(entry);
			res.statusCode = this.statuses.shift() ?? 200;
			res.end('ok');
			for (const w of [...this.waiters]) {
				if (this.received.length >= w.n) {
					this.waiters.splice(this.waiters.indexOf(w), 1);
					w.resolve();
				}
			}
		});
	}
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` is true (the simulator records a callback attempt only after the receiver answered). */
export async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await sleep(5);
	}
}
