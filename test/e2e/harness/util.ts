/**
 * Small shared helpers for the real-n8n E2E harness: paths, logging, child processes, ports, waiting.
 * Node's standard library only (plus nothing else), so every other harness file can depend on it.
 */
import { spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import type { Json } from './json';

/**
 * The n8n lines the E2E suite runs on, pinned exactly, each with the Node it runs on and its install recipe
 * (README.md, "n8n 1.123 vs 2.x").
 */
export interface N8nLine {
	version: string;
	/** Node to run this n8n with: 'system' = the Node running the harness (process.execPath), else an exact version
	 * installed from npm's `node-<platform>-<arch>` package into the cache dir (see ensureNode). */
	node: 'system' | string;
	/** npm `overrides` written into the runtime's package.json. */
	overrides?: Record<string, string>;
	/** `npm install --ignore-scripts` (then `rebuild` the listed packages only). */
	ignoreScripts: boolean;
	/** Packages to `npm rebuild` after an --ignore-scripts install (against the headers of `node`). */
	rebuild: string[];
	/** Minutes of a typical install on this machine (for the progress message). */
	installMinutes: string;
}

/** npm `overrides` that make n8n@1.123.81 install and run on Node 20 (see README.md). */
export const N8N_OVERRIDES: Record<string, string> = { xlsx: '0.18.5', 'isolated-vm': '5.0.4' };

export const N8N_LINES: Record<string, N8nLine> = {
	'2.41.1': {
		version: '2.41.1',
		node: '24.22.3',
		ignoreScripts: true,
		rebuild: ['sqlite3'],
		installMinutes: '5-7',
	},
	'1.123.81': {
		version: '1.123.81',
		node: 'system',
		overrides: N8N_OVERRIDES,
		ignoreScripts: false,
		rebuild: [],
		installMinutes: '4-6',
	},
};

/** The default n8n line when nothing else is asked for. */
export const DEFAULT_N8N_VERSION = '2.41.1';

/** The n8n version this process uses: `$E2E_N8N_VERSION` or 2.41.1. run.ts sets the variable from `--n8n`. */
export function n8nVersion(): string {
	return process.env.E2E_N8N_VERSION || DEFAULT_N8N_VERSION;
}

/** The recipe for an n8n version (throws for a version the harness has no recipe for). */
export function n8nLine(version = n8nVersion()): N8nLine {
	const line = N8N_LINES[version];
	if (!line)
		throw new Error(
			`n8n ${version}: no install recipe; known versions: ${Object.keys(N8N_LINES).join(', ')}`,
		);
	return line;
}

/** Major version of an n8n version string ('2.41.1' -> 2). */
export function n8nMajor(version: string): number {
	return Number(version.split('.')[0]);
}

/** @deprecated the default version at load time; use n8nVersion() (it follows E2E_N8N_VERSION). */
export const N8N_VERSION = n8nVersion();

/** Repository root = the directory holding the package.json above this file (test/e2e/harness -> ../../..). */
export function repoRoot(): string {
	let dir = __dirname;
	for (let i = 0; i < 6; i++) {
		const pj = path.join(dir, 'package.json');
		if (fs.existsSync(pj) && !dir.includes(`${path.sep}node_modules${path.sep}`)) {
			try {
				const name = JSON.parse(fs.readFileSync(pj, 'utf8')).name;
				if (name === 'n8n-nodes-exotel-campaigns') return dir;
			} catch {
				/* keep walking */
			}
		}
		dir = path.dirname(dir);
	}
	return path.resolve(__dirname, '..', '..', '..');
}

/** `${N8N_CACHE_DIR:-$HOME/.cache/n8n-nodes-exotel}` */
export function cacheDir(): string {
	return process.env.N8N_CACHE_DIR || path.join(os.homedir(), '.cache', 'n8n-nodes-exotel');
}

export type Logger = (msg: string) => void;
export const defaultLog: Logger = (msg) => {
	if (process.env.E2E_QUIET === '1') return;
	process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
};

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Throw this from a waitFor() callback to stop waiting at once (other errors are retried until the timeout). */
export class WaitAbort extends Error {}

/** Poll `fn` until it returns a value other than undefined/false, or throw after `timeoutMs`. */
export async function waitFor<T>(
	what: string,
	fn: () => Promise<T | undefined | false> | T | undefined | false,
	opts: { timeoutMs: number; intervalMs?: number; onTimeout?: () => string },
): Promise<T> {
	const started = Date.now();
	let lastError: unknown;
	for (;;) {
		try {
			const v = await fn();
			if (v !== undefined && v !== false) return v as T;
		} catch (e) {
			if (e instanceof WaitAbort) throw e;
			lastError = e;
		}
		if (Date.now() - started > opts.timeoutMs) {
			const extra = opts.onTimeout ? `\n${opts.onTimeout()}` : '';
			const le = lastError
				? ` (last error: ${(lastError as Error).message ?? String(lastError)})`
				: '';
			throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${what}${le}${extra}`);
		}
		await sleep(opts.intervalMs ?? 250);
	}
}

/** A free TCP port on 127.0.0.1 (asks the OS for an ephemeral one). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			const port = typeof addr === 'object' && addr ? addr.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

export interface RunResult {
	code: number;
	stdout: string;
	stderr: string;
	ms: number;
}

export interface RunOptions extends Omit<SpawnOptions, 'stdio'> {
	timeoutMs?: number;
	/** Stream each output line to this logger (prefixed) as well as capturing it. */
	echo?: Logger;
	/** Also append all output to this file. */
	logFile?: string;
	/** Throw on non-zero exit (default true). */
	check?: boolean;
}

/** Run a command (no shell), capture output, enforce a timeout (SIGKILL of the whole process group). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
	const { timeoutMs = 600_000, echo, logFile, check = true, ...spawnOpts } = opts;
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, {
			...spawnOpts,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		let stdout = '';
		let stderr = '';
		const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
		const onData = (which: 'out' | 'err') => (buf: Buffer) => {
			const s = buf.toString();
			if (which === 'out') stdout += s;
			else stderr += s;
			logStream?.write(s);
			if (echo) for (const line of s.split('\n')) if (line.trim()) echo(`  ${line}`);
		};
		child.stdout!.on('data', onData('out'));
		child.stderr!.on('data', onData('err'));
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup(child.pid, 'SIGKILL');
		}, timeoutMs);
		child.on('error', (err) => {
			clearTimeout(timer);
			logStream?.end();
			reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}`));
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			logStream?.end();
			const res: RunResult = {
				code: code ?? (signal ? 128 : 1),
				stdout,
				stderr,
				ms: Date.now() - started,
			};
			if (timedOut) {
				reject(
					new Error(
						`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\n${tail(stdout + stderr, 40)}`,
					),
				);
			} else if (check && res.code !== 0) {
				reject(
					new Error(
						`${cmd} ${args.join(' ')} exited with ${res.code}${signal ? ` (${signal})` : ''}\n${tail(stdout + '\n' + stderr, 40)}`,
					),
				);
			} else {
				resolve(res);
			}
		});
	});
}

/** Send a signal to a detached child's process group (falls back to the pid). Never throws. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (!pid) return;
	try {
		process.kill(-pid, signal);
	} catch {
		try {
			process.kill(pid, signal);
		} catch {
			/* already gone */
		}
	}
}

export function isAlive(pid: number | undefined): boolean {
	if (!pid) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Last `n` lines of a string. */
export function tail(text: string, n: number): string {
	const lines = text.split('\n');
	return lines.slice(Math.max(0, lines.length - n)).join('\n');
}

/** Last `n` lines of a file ('' if missing). Reads at most the last 256 KiB. */
export function tailFile(file: string, n: number): string {
	try {
		const st = fs.statSync(file);
		const size = Math.min(st.size, 256 * 1024);
		const fd = fs.openSync(file, 'r');
		try {
			const buf = Buffer.alloc(size);
			fs.readSync(fd, buf, 0, size, st.size - size);
			return tail(buf.toString(), n);
		} finally {
			fs.closeSync(fd);
		}
	} catch {
		return '';
	}
}

export function readJson<T = Json>(file: string): T {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function writeJson(file: string, data: unknown): void {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}
