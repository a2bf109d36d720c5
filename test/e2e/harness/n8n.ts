/**
 * Start/stop/kill/restart a real n8n (regular mode, SQLite) in an isolated user folder, and run its CLI against the
 * same folder. Every instance is tracked; on process exit / SIGINT / SIGTERM the harness SIGKILLs the whole
 * process group of every instance it started, so no n8n is left behind.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import axios from 'axios';
import { N8nClient, OwnerCredentials, DEFAULT_OWNER } from './client';
import { ensureN8n, N8nRuntime, pathWithNode } from './ensureN8n';
import {
	defaultLog,
	freePort,
	killGroup,
	Logger,
	n8nMajor,
	run,
	RunResult,
	sleep,
	tailFile,
	waitFor,
	WaitAbort,
} from './util';

/** Fixed key so credentials imported/created in one run decrypt after a restart (test-only value). */
export const E2E_ENCRYPTION_KEY = 'n8n-nodes-exotel-e2e-fixed-encryption-key';

export interface N8nEnvOptions {
	userFolder: string;
	port: number;
	/** N8N_CONCURRENCY_PRODUCTION_LIMIT (default -1 = unlimited, n8n's default). 1 serialises production executions. */
	concurrencyLimit?: number;
	/** N8N_LOG_LEVEL (default 'info'; the harness needs nothing from the log below 'error'). */
	logLevel?: 'error' | 'warn' | 'info' | 'debug';
	/** Extra/overriding environment; a value of `undefined` removes the variable. */
	env?: Record<string, string | undefined>;
	/** The n8n version the environment is for (default 1.x semantics); set by N8nInstance from its runtime. */
	n8nVersion?: string;
	/** n8n 2.x: the task-runner broker's port (default n8n's 5679, which two instances cannot share). */
	runnersBrokerPort?: number;
	/** PATH to use (N8nInstance puts its runtime's Node first). */
	path?: string;
}

/**
 * The environment n8n runs with. Variables from the caller's environment that configure n8n (N8N_*, DB_*,
 * EXECUTIONS_*, QUEUE_*, WEBHOOK_URL, GENERIC_TIMEZONE) are dropped so a developer's own n8n settings cannot leak in.
 */
export function n8nEnv(opts: N8nEnvOptions): Record<string, string> {
	const base: Record<string, string | undefined> = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$)/.test(k))
			continue;
		base[k] = v;
	}
	if (opts.path) base.PATH = opts.path;
	const v2 = opts.n8nVersion !== undefined && n8nMajor(opts.n8nVersion) >= 2;
	const url = `http://127.0.0.1:${opts.port}/`;
	const ours: Record<string, string> = {
		N8N_USER_FOLDER: opts.userFolder,
		N8N_PORT: String(opts.port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		// 2.x reads N8N_WEBHOOK_URL (WEBHOOK_URL still works there but is reported as deprecated); 1.123 only WEBHOOK_URL
		...(v2 ? { N8N_WEBHOOK_URL: url } : { WEBHOOK_URL: url }),
		N8N_EDITOR_BASE_URL: url,
		N8N_ENCRYPTION_KEY: E2E_ENCRYPTION_KEY,
		N8N_SECURE_COOKIE: 'false',
		// no phoning home, no UI extras
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_PUBLIC_API_SWAGGERUI_DISABLED: 'true',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		// community packages load from <userFolder>/.n8n/nodes/node_modules; never try to (re)install from npm
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		// 2.x: says the default will become false; we load a local, unverified package
		...(v2 ? { N8N_UNVERIFIED_PACKAGES_ENABLED: 'true' } : {}),
		// 2.x pings the DB every 2 s and answers EVERY request 503 "Database is not ready!" after one ping slower than
		// DB_PING_TIMEOUT_MS (default 5 s). With SQLite the ping queues behind a busy tick's queries: on this loaded
		// 2-vCPU machine status callbacks got 503s mid-campaign. 60 s keeps the monitor for real outages only.
		...(v2 ? { DB_PING_TIMEOUT_MS: '60000' } : {}),
		EXECUTIONS_MODE: 'regular',
		// 1.123: Code node in-process (no task-runner process: faster start, one process to kill). 2.x always starts an
		// internal task runner (N8N_RUNNERS_ENABLED is ignored and reported as safe to remove); its broker needs its own
		// port so that two n8n can run at once.
		...(v2
			? opts.runnersBrokerPort
				? { N8N_RUNNERS_BROKER_PORT: String(opts.runnersBrokerPort) }
				: {}
			: { N8N_RUNNERS_ENABLED: 'false' }),
		N8N_CONCURRENCY_PRODUCTION_LIMIT: String(opts.concurrencyLimit ?? -1),
		// keep execution rows (tests count them by status and read their data); nothing else
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		EXECUTIONS_DATA_SAVE_ON_PROGRESS: 'false',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'false',
		EXECUTIONS_DATA_PRUNE: 'false',
		// shutdown: n8n waits this long for running executions on SIGTERM (default 30 s)
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
		GENERIC_TIMEZONE: 'Asia/Kolkata',
		N8N_LOG_LEVEL: opts.logLevel ?? 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_NO_COLOR: 'true',
		NO_COLOR: '1',
	};
	const merged: Record<string, string | undefined> = { ...base, ...ours, ...(opts.env ?? {}) };
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(merged)) if (v !== undefined) out[k] = v;
	return out;
}

/**
 * A fresh, empty user folder. Default parent: `$E2E_WORK_DIR` or the OS temp dir.
 * NOT inside the repository (e.g. `.e2e/`): Node resolves `require('luxon')` / `require('n8n-workflow')` from a
 * community package by walking up the directory tree before it looks at n8n's NODE_PATH, so a user folder below
 * this repo silently picks up the repo's own node_modules (measured; see README.md). prepareN8n() refuses such folders.
 */
export function createUserFolder(opts: { parent?: string; prefix?: string } = {}): string {
	const parent = opts.parent ?? process.env.E2E_WORK_DIR ?? os.tmpdir();
	fs.mkdirSync(parent, { recursive: true });
	return fs.mkdtempSync(path.join(parent, opts.prefix ?? 'n8n-e2e-'));
}

/**
 * Throw if a `node_modules` directory exists in any ancestor of the user folder: packages installed in
 * `<userFolder>/.n8n/nodes/node_modules` would resolve their imports from it instead of from n8n's own copies.
 */
export function assertIsolatedUserFolder(userFolder: string): void {
	let dir = path.dirname(path.resolve(userFolder));
	for (;;) {
		const nm = path.join(dir, 'node_modules');
		if (fs.existsSync(nm)) {
			throw new Error(
				`n8n user folder ${userFolder} lies below ${nm}'s directory: community packages installed there would ` +
					`resolve luxon/n8n-workflow from ${nm} instead of n8n's own node_modules. Use a folder outside any Node ` +
					`project (default: the OS temp dir, or set E2E_WORK_DIR), or pass allowNodeModulesAbove: true.`,
			);
		}
		const parent = path.dirname(dir);
		if (parent === dir) return;
		dir = parent;
	}
}

export function removeUserFolder(userFolder: string): void {
	fs.rmSync(userFolder, { recursive: true, force: true });
}

export interface StartN8nOptions extends Partial<N8nEnvOptions> {
	/** From ensureN8n() (default: `await ensureN8n()`). */
	runtime?: N8nRuntime;
	/** Max time until /healthz answers and the "Editor is now accessible" line (workflows activated) appears. Default 120 s. */
	startTimeoutMs?: number;
	/** Set up the owner and create an API key after start (default true). */
	setupOwner?: boolean;
	/** 2.x: after start, wait until the active workflows' publications are applied (default true; needs setupOwner). */
	waitForPublications?: boolean;
	owner?: OwnerCredentials;
	/** Skip the assertIsolatedUserFolder() check (default false). */
	allowNodeModulesAbove?: boolean;
	/** Log file (default `<userFolder>/n8n.log`, appended across restarts). */
	logFile?: string;
	log?: Logger;
	/**
	 * The n8n command to run: `start` (default: the main process, editor + REST + webhooks), `worker` or `webhook`
	 * (queue mode, see queue.ts). A worker is ready when it logs "n8n worker is now ready" and its health server
	 * (QUEUE_HEALTH_CHECK_ACTIVE, on `port`) answers; a webhook processor when it logs "Webhook listener waiting for
	 * requests." and `/healthz/readiness` on `port` answers.
	 */
	command?: N8nCommand;
	/** Extra arguments after the command, e.g. `['--concurrency=10']` for a worker. */
	commandArgs?: string[];
	/** Run n8n with `nice -n <nice>` (default `$E2E_NICE`, else not niced): for developing next to other work. */
	nice?: number;
}

export type N8nCommand = 'start' | 'worker' | 'webhook';

/** The log line each n8n command prints once it is ready. */
const READY_LINE: Record<N8nCommand, string> = {
	start: 'Editor is now accessible via',
	worker: 'n8n worker is now ready',
	webhook: 'Webhook listener waiting for requests.',
};

/** `$E2E_NICE` as a niceness (0 when unset or invalid). */
export function defaultNice(): number {
	const n = Number(process.env.E2E_NICE ?? 0);
	return Number.isInteger(n) && n > 0 && n <= 19 ? n : 0;
}

/** `[cmd, args]` prefixed with `nice -n <n>` when n > 0 (nice execs the command: the pid stays the command's). */
export function withNice(
	nice: number | undefined,
	cmd: string,
	args: string[],
): [string, string[]] {
	const n = nice ?? defaultNice();
	return n > 0 ? ['nice', ['-n', String(n), cmd, ...args]] : [cmd, args];
}

const live = new Set<N8nInstance>();
let handlersInstalled = false;

function installExitHandlers(): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.on('exit', () => {
		for (const inst of live) killGroup(inst.pid, 'SIGKILL');
	});
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(sig, () => {
			for (const inst of live) killGroup(inst.pid, 'SIGKILL');
			process.exit(sig === 'SIGINT' ? 130 : 143);
		});
	}
}

/** SIGKILL every n8n this process started and has not stopped yet. */
export function killAllN8n(): void {
	for (const inst of live) killGroup(inst.pid, 'SIGKILL');
}

export class N8nInstance {
	child?: ChildProcess;
	pid?: number;
	exitCode: number | null = null;
	exitSignal: NodeJS.Signals | null = null;
	/** Milliseconds from spawn to ready, for the last start. */
	startupMs = 0;
	readonly client: N8nClient;
	private exited?: Promise<void>;

	constructor(
		readonly runtime: N8nRuntime,
		readonly userFolder: string,
		readonly port: number,
		readonly logFile: string,
		public opts: StartN8nOptions,
		/** n8n 2.x task-runner broker port (fixed for the instance's life, like `port`). */
		readonly runnersBrokerPort?: number,
	) {
		this.client = new N8nClient(this.url, { n8nVersion: runtime.version });
	}

	/** The n8n version this instance runs. */
	get version(): string {
		return this.runtime.version;
	}

	/** Major version of n8n (1 or 2). */
	get major(): number {
		return n8nMajor(this.runtime.version);
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get env(): Record<string, string> {
		return n8nEnv({
			...this.opts,
			userFolder: this.userFolder,
			port: this.port,
			n8nVersion: this.runtime.version,
			runnersBrokerPort: this.runnersBrokerPort,
			path: pathWithNode(this.runtime.node),
		});
	}

	get running(): boolean {
		return !!this.child && this.exitCode === null && this.exitSignal === null;
	}

	logTail(lines = 60): string {
		return tailFile(this.logFile, lines);
	}

	/** Spawn n8n and wait until it is ready. Used by startN8n() and restart(). */
	async start(): Promise<this> {
		if (this.running) throw new Error('n8n is already running');
		const log = this.opts.log ?? defaultLog;
		fs.appendFileSync(
			this.logFile,
			`\n===== n8n start ${new Date().toISOString()} port ${this.port} =====\n`,
		);
		const fd = fs.openSync(this.logFile, 'a');
		const startOffset = fs.statSync(this.logFile).size;
		const started = Date.now();
		this.exitCode = null;
		this.exitSignal = null;
		const command = this.opts.command ?? 'start';
		const [cmd, args] = withNice(this.opts.nice, this.runtime.node.nodePath, [
			this.runtime.binPath,
			command,
			...(this.opts.commandArgs ?? []),
		]);
		try {
			this.child = spawn(cmd, args, {
				cwd: this.userFolder,
				env: this.env,
				stdio: ['ignore', fd, fd],
				detached: true,
			});
		} finally {
			fs.closeSync(fd);
		}
		this.pid = this.child.pid;
		live.add(this);
		installExitHandlers();
		this.exited = new Promise((resolve) => {
			this.child!.once('exit', (code, signal) => {
				this.exitCode = code;
				this.exitSignal = signal;
				live.delete(this);
				resolve();
			});
		});
		const timeoutMs = this.opts.startTimeoutMs ?? 120_000;
		try {
			await waitFor(
				`n8n on port ${this.port} to become ready`,
				async () => {
					if (!this.running)
						throw new WaitAbort(
							`n8n exited during startup (code ${this.exitCode}, signal ${this.exitSignal})`,
						);
					const logged = readFrom(this.logFile, startOffset);
					if (!logged.includes(READY_LINE[command])) return undefined;
					const res = await axios.get(`${this.url}/healthz/readiness`, {
						timeout: 2000,
						validateStatus: () => true,
					});
					return res.status === 200;
				},
				{ timeoutMs, intervalMs: 200 },
			);
		} catch (e) {
			const tailText = this.logTail(60);
			await this.kill().catch(() => undefined);
			throw new Error(`${(e as Error).message}\n--- tail of ${this.logFile} ---\n${tailText}`);
		}
		this.startupMs = Date.now() - started;
		log(
			`n8n${command === 'start' ? '' : ` ${command}`} ready at ${this.url} in ${(this.startupMs / 1000).toFixed(1)} s (pid ${this.pid}, user folder ${this.userFolder})`,
		);
		if (this.opts.setupOwner !== false && command === 'start') {
			try {
				await this.client.setupOwner(this.opts.owner ?? DEFAULT_OWNER);
				if (!this.client.apiKey) {
					const keyFile = path.join(this.userFolder, 'e2e-api-key.txt');
					this.client.apiKey = fs.existsSync(keyFile)
						? fs.readFileSync(keyFile, 'utf8').trim()
						: await this.client.createApiKey();
					fs.writeFileSync(keyFile, this.client.apiKey);
				}
				if (this.major >= 2 && this.opts.waitForPublications !== false)
					await this.waitForActiveWorkflows();
			} catch (e) {
				await this.kill().catch(() => undefined);
				throw new Error(
					`owner/API-key setup failed: ${(e as Error).message}\n--- tail of ${this.logFile} ---\n${this.logTail(40)}`,
				);
			}
		}
		return this;
	}

	/**
	 * 2.x: after "Editor is now accessible" n8n still applies publications in the background (its reconciler and
	 * outbox). Waits until every active workflow's publication is applied and its webhooks answer — at once for
	 * workflows published over the API before a restart (their trigger status is kept in the DB), up to ~15 s for
	 * workflows published with the CLI while n8n was stopped.
	 */
	async waitForActiveWorkflows(timeoutMs = 60_000): Promise<void> {
		const started = Date.now();
		const active = (await this.client.listWorkflows()).filter((w) => w.active && w.activeVersionId);
		for (const wf of active) {
			await this.client.waitForPublication(
				wf.id,
				wf.activeVersionId!,
				Math.max(1000, timeoutMs - (Date.now() - started)),
			);
			await this.client.waitForWorkflowWebhooks(wf);
		}
		if (active.length)
			(this.opts.log ?? defaultLog)(
				`${active.length} active workflow(s) live ${((Date.now() - started) / 1000).toFixed(1)} s after start`,
			);
	}

	/** Graceful stop: SIGTERM to the process group, SIGKILL after `timeoutMs` (default 20 s). */
	async stop(timeoutMs = 20_000): Promise<void> {
		if (!this.running) return;
		killGroup(this.pid, 'SIGTERM');
		const done = await Promise.race([
			this.exited!.then(() => true),
			sleep(timeoutMs).then(() => false),
		]);
		if (!done) {
			(this.opts.log ?? defaultLog)(
				`n8n pid ${this.pid} did not stop within ${timeoutMs} ms; SIGKILL`,
			);
			await this.kill();
		}
		killGroup(this.pid, 'SIGKILL'); // stray children of the group, if any
	}

	/** SIGKILL (crash simulation for restart tests). Resolves when the process is gone. */
	async kill(): Promise<void> {
		if (!this.child) return;
		killGroup(this.pid, 'SIGKILL');
		await Promise.race([this.exited, sleep(10_000)]);
	}

	/**
	 * Stop (gracefully, or SIGKILL when `hard`) and start again on the same port and user folder. `concurrencyLimit`,
	 * `logLevel` and `env` given here replace the previous values from then on.
	 */
	async restart(
		opts: { hard?: boolean } & Pick<StartN8nOptions, 'concurrencyLimit' | 'logLevel' | 'env'> = {},
	): Promise<this> {
		const { hard, ...changes } = opts;
		if (hard) await this.kill();
		else await this.stop();
		for (const [k, v] of Object.entries(changes))
			if (v !== undefined) (this.opts as Record<string, unknown>)[k] = v;
		return await this.start();
	}

	/** Run `n8n <args>` against this user folder (same env). Use with n8n stopped: the CLI opens the same SQLite DB. */
	async cli(
		args: string[],
		opts: { timeoutMs?: number; check?: boolean } = {},
	): Promise<RunResult> {
		return await runN8nCli(this.runtime, this.env, args, opts);
	}
}

function readFrom(file: string, offset: number): string {
	try {
		const st = fs.statSync(file);
		if (st.size <= offset) return '';
		const fd = fs.openSync(file, 'r');
		try {
			const len = Math.min(st.size - offset, 4 * 1024 * 1024);
			const buf = Buffer.alloc(len);
			fs.readSync(fd, buf, 0, len, st.size - len);
			return buf.toString();
		} finally {
			fs.closeSync(fd);
		}
	} catch {
		return '';
	}
}

/** Run the n8n CLI with a given environment (see n8nEnv). */
export async function runN8nCli(
	runtime: N8nRuntime,
	env: Record<string, string>,
	args: string[],
	opts: { timeoutMs?: number; check?: boolean } = {},
): Promise<RunResult> {
	return await run(runtime.node.nodePath, [runtime.binPath, ...args], {
		env,
		cwd: env.N8N_USER_FOLDER,
		timeoutMs: opts.timeoutMs ?? 120_000,
		check: opts.check ?? true,
	});
}

/**
 * Create (not start) an instance: resolves runtime, user folder and port. Call `.cli()` on it for imports
 * that must happen before the first start, then `.start()`.
 */
export async function prepareN8n(opts: StartN8nOptions = {}): Promise<N8nInstance> {
	const runtime = opts.runtime ?? (await ensureN8n({ log: opts.log }));
	const userFolder = path.resolve(opts.userFolder ?? createUserFolder());
	if (!opts.allowNodeModulesAbove) assertIsolatedUserFolder(userFolder);
	fs.mkdirSync(userFolder, { recursive: true });
	const port = opts.port ?? (await freePort());
	let brokerPort: number | undefined;
	if (n8nMajor(runtime.version) >= 2)
		do brokerPort = await freePort();
		while (brokerPort === port);
	const logFile = opts.logFile ?? path.join(userFolder, 'n8n.log');
	return new N8nInstance(runtime, userFolder, port, logFile, opts, brokerPort);
}

/** prepareN8n() + start(). Always pair with `await n8n.stop()` in a finally block. */
export async function startN8n(opts: StartN8nOptions = {}): Promise<N8nInstance> {
	const inst = await prepareN8n(opts);
	return await inst.start();
}
