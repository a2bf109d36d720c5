/**
 * n8n in queue mode from real parts (no Docker): Redis + PostgreSQL (services.ts), one n8n main (`n8n start`,
 * editor/REST/public API, schedules, activation), N workers (`n8n worker`) and one webhook processor (`n8n webhook`)
 * that serves the production webhooks. Every n8n process is an N8nInstance (n8n.ts) with its own user folder, port
 * and task-runner broker port, the package installed as a community package, and the same database, Redis and
 * encryption key. See README.md, "Queue mode".
 *
 *   await withQueueStack({ workers: 2 }, async (stack) => {
 *     const wf = await stack.main.client.importWorkflow(json);           // main: REST + public API
 *     await stack.main.client.webhook(path, body);                       // goes to the webhook processor
 *   });
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { installPackage, InstallPackageOptions } from './installPackage';
import { killAllN8n, N8nInstance, prepareN8n, StartN8nOptions } from './n8n';
import { ensureN8n, N8nRuntime } from './ensureN8n';
import {
	killAllServers,
	PostgresServer,
	removeDir,
	startPostgres,
	startRedis,
	ServerProcess,
} from './services';
import { defaultLog, Logger } from './util';

export interface QueueStackOptions {
	/** From ensureN8n() (default: `await ensureN8n()`, i.e. `$E2E_N8N_VERSION` or 2.41.1). */
	runtime?: N8nRuntime;
	/** Workers started with the stack (default 1). More can be added with `addWorker()`. */
	workers?: number;
	/** `n8n worker --concurrency=<n>`: jobs one worker runs at once (default 10, n8n's default). */
	workerConcurrency?: number;
	/** Community packages installed into every process's user folder (default `[{}]` = this repository). */
	packages?: InstallPackageOptions[];
	/**
	 * `N8N_DISABLE_PRODUCTION_MAIN_PROCESS` on main (default true): production webhooks are served by the webhook
	 * processor only, as behind a load balancer that routes `/webhook/*` there.
	 */
	disableProductionMain?: boolean;
	/** Extra environment for every n8n process (`undefined` deletes a variable). */
	env?: Record<string, string | undefined>;
	logLevel?: StartN8nOptions['logLevel'];
	/** Niceness of every process (default `$E2E_NICE`). */
	nice?: number;
	/** Per-process start timeout (default 180 s: several n8n 2.x start at once on 2 cores). */
	startTimeoutMs?: number;
	/** Keep the stack's folder (user folders, logs) after stop() (default: only on failure, or `E2E_KEEP=1`). */
	keep?: boolean;
	log?: Logger;
}

/** Stacks started and not stopped yet: their folders are removed if the process exits (e.g. SIGINT) before stop(). */
const liveStacks = new Set<QueueStack>();
let exitHandlerInstalled = false;

function removeOnExit(stack: QueueStack): void {
	liveStacks.add(stack);
	if (exitHandlerInstalled) return;
	exitHandlerInstalled = true;
	// n8n.ts and services.ts SIGKILL the processes on exit/SIGINT/SIGTERM; this removes the user folders
	process.on('exit', () => {
		if (!liveStacks.size) return;
		killAllN8n();
		killAllServers();
		if (process.env.E2E_KEEP === '1') return;
		for (const s of liveStacks) removeDir(s.root);
	});
}

/** USER_HZ: /proc's CPU times are in these ticks (100 on Linux x86/arm). */
const CLOCK_TICKS = 100;

/** Redis + PostgreSQL + n8n main, workers and one webhook processor. Create with startQueueStack(). */
export class QueueStack {
	redis?: ServerProcess;
	postgres?: PostgresServer;
	main?: N8nInstance;
	webhook?: N8nInstance;
	readonly workers: N8nInstance[] = [];
	private readonly log: Logger;

	constructor(
		readonly opts: QueueStackOptions,
		readonly runtime: N8nRuntime,
		/** Folder holding every n8n user folder (and their logs). */
		readonly root: string,
	) {
		this.log = opts.log ?? defaultLog;
	}

	/** Environment every n8n process of the stack shares (on top of n8nEnv's). */
	sharedEnv(): Record<string, string | undefined> {
		if (!this.redis || !this.postgres || !this.webhook)
			throw new Error(
				'queue stack: Redis, PostgreSQL and the webhook processor are prepared first',
			);
		const webhookUrl = `${this.webhook.url}/`;
		return {
			EXECUTIONS_MODE: 'queue',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(this.postgres.port),
			DB_POSTGRESDB_DATABASE: this.postgres.database,
			DB_POSTGRESDB_USER: this.postgres.user,
			DB_POSTGRESDB_PASSWORD: '',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(this.redis.port),
			// 2.41 warns that manual executions will move to workers; do it now (the suite runs none anyway)
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			// production webhook URLs shown by main (and used in callbacks a workflow builds from $execution.resumeUrl
			// etc.) point at the webhook processor
			...(this.runtime.version.startsWith('1.')
				? { WEBHOOK_URL: webhookUrl }
				: { N8N_WEBHOOK_URL: webhookUrl }),
			...(this.opts.env ?? {}),
		};
	}

	private instanceOptions(extra: Partial<StartN8nOptions>): StartN8nOptions {
		return {
			runtime: this.runtime,
			log: this.log,
			logLevel: this.opts.logLevel,
			nice: this.opts.nice,
			startTimeoutMs: this.opts.startTimeoutMs ?? 180_000,
			...extra,
		};
	}

	private async prepareProcess(
		name: string,
		extra: Partial<StartN8nOptions>,
	): Promise<N8nInstance> {
		const userFolder = fs.mkdtempSync(path.join(this.root, `${name}-`));
		const inst = await prepareN8n(this.instanceOptions({ userFolder, ...extra }));
		for (const p of this.opts.packages ?? [{}])
			await installPackage(inst.userFolder, { log: () => undefined, ...p });
		return inst;
	}

	/** Prepare (not start) the webhook processor: its port is needed for everyone's N8N_WEBHOOK_URL. */
	async prepareWebhook(): Promise<N8nInstance> {
		this.webhook = await this.prepareProcess('webhook', { command: 'webhook', setupOwner: false });
		return this.webhook;
	}

	async startMain(): Promise<N8nInstance> {
		const main = await this.prepareProcess('main', { command: 'start' });
		main.opts.env = {
			...this.sharedEnv(),
			...(this.opts.disableProductionMain !== false
				? { N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true' }
				: {}),
		};
		// webhook(), waitForWebhook() and the activation checks call the webhook processor
		main.client.webhookBaseUrl = this.webhook!.url;
		this.main = main;
		await main.start();
		return main;
	}

	async startWebhook(): Promise<N8nInstance> {
		const wh = this.webhook ?? (await this.prepareWebhook());
		wh.opts.env = this.sharedEnv();
		await wh.start();
		return wh;
	}

	/**
	 * Start one more worker (`n8n worker --concurrency=<n>`). Its health server (QUEUE_HEALTH_CHECK_ACTIVE) listens on
	 * the instance's port: that is how the harness sees it is ready.
	 */
	async addWorker(opts: { concurrency?: number } = {}): Promise<N8nInstance> {
		const concurrency = opts.concurrency ?? this.opts.workerConcurrency ?? 10;
		const w = await this.prepareProcess(`worker${this.workers.length + 1}`, {
			command: 'worker',
			commandArgs: [`--concurrency=${concurrency}`],
			setupOwner: false,
		});
		w.opts.env = {
			...this.sharedEnv(),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(w.port),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		};
		this.workers.push(w);
		await w.start();
		return w;
	}

	/** Every process of the stack, n8n first. */
	private all(): Array<{ name: string; stop: () => Promise<void>; pid?: number }> {
		const n8n = [this.webhook, ...this.workers, this.main].filter((x): x is N8nInstance => !!x);
		return [
			...n8n.map((i) => ({
				name: `n8n ${i.opts.command ?? 'start'} :${i.port}`,
				stop: () => i.stop(),
				pid: i.pid,
			})),
			...[this.postgres, this.redis]
				.filter((x): x is ServerProcess => !!x)
				.map((s) => ({ name: s.name, stop: () => s.stop(), pid: s.pid })),
		];
	}

	/** Tails of every process's log (for failures). */
	logTails(lines = 25): string {
		const parts: string[] = [];
		for (const i of [this.main, this.webhook, ...this.workers]) {
			if (i)
				parts.push(`--- n8n ${i.opts.command ?? 'start'} (${i.logFile}) ---\n${i.logTail(lines)}`);
		}
		for (const s of [this.postgres, this.redis])
			if (s) parts.push(`--- ${s.name} (${s.logFile}) ---\n${s.logTail(10)}`);
		return parts.join('\n');
	}

	/**
	 * Stop everything: webhook processor and workers first (no new jobs), then main, then PostgreSQL and Redis.
	 * Removes the stack's folder unless `keep` (or E2E_KEEP=1). Never throws.
	 */
	async stop(opts: { keep?: boolean } = {}): Promise<void> {
		const n8n = [this.webhook, ...this.workers].filter((x): x is N8nInstance => !!x);
		await Promise.all(
			n8n.map((i) =>
				i.stop().catch((e) => this.log(`stop ${i.opts.command}: ${(e as Error).message}`)),
			),
		);
		await this.main?.stop().catch((e) => this.log(`stop main: ${(e as Error).message}`));
		await this.postgres?.stop().catch((e) => this.log(`stop postgres: ${(e as Error).message}`));
		await this.redis?.stop().catch((e) => this.log(`stop redis: ${(e as Error).message}`));
		liveStacks.delete(this);
		const keep = opts.keep ?? this.opts.keep ?? process.env.E2E_KEEP === '1';
		if (keep) this.log(`queue stack folder kept: ${this.root}`);
		else removeDir(this.root);
	}

	/**
	 * CPU seconds (user + system) used so far by each process group of the stack (n8n with its task runner,
	 * postgres with its backends, redis), from /proc (Linux). Diff two readings to see which process a load used.
	 */
	cpuSeconds(): Record<string, number> {
		const groups = new Map<number, string>();
		for (const i of [this.main, this.webhook, ...this.workers]) {
			if (i?.pid)
				groups.set(
					i.pid,
					i === this.main
						? 'main'
						: i === this.webhook
							? 'webhook'
							: `worker${this.workers.indexOf(i) + 1}`,
				);
		}
		if (this.postgres?.pid) groups.set(this.postgres.pid, 'postgres');
		if (this.redis?.pid) groups.set(this.redis.pid, 'redis');
		const out: Record<string, number> = {};
		for (const name of groups.values()) out[name] = 0;
		let entries: string[] = [];
		try {
			entries = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
		} catch {
			return out;
		}
		// PostgreSQL backends call setsid(): they leave the postmaster's process group, so processes are assigned by
		// process group or, failing that, by walking up their parents to a process the stack started.
		const procs = new Map<number, { ppid: number; pgrp: number; cpu: number }>();
		for (const pid of entries) {
			let stat: string;
			try {
				stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
			} catch {
				continue;
			}
			// fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			procs.set(Number(pid), {
				ppid: Number(f[1]),
				pgrp: Number(f[2]),
				cpu: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS,
			});
		}
		for (const [pid, p] of procs) {
			let name = groups.get(p.pgrp);
			for (let cur: number | undefined = pid, hops = 0; !name && cur && hops < 10; hops++) {
				name = groups.get(cur);
				cur = procs.get(cur)?.ppid;
			}
			if (name) out[name] += p.cpu;
		}
		return out;
	}

	describe(): string {
		return this.all()
			.map((p) => `${p.name} (pid ${p.pid ?? '-'})`)
			.join(', ');
	}
}

/**
 * Redis and PostgreSQL (in parallel), then main (runs the migrations, sets up the owner and an API key), then the
 * webhook processor and the workers (in parallel). On any failure everything started so far is stopped (logs kept)
 * and the error carries every process's log tail.
 */
export async function startQueueStack(opts: QueueStackOptions = {}): Promise<QueueStack> {
	const log = opts.log ?? defaultLog;
	const runtime = opts.runtime ?? (await ensureN8n({ log }));
	const parent = process.env.E2E_WORK_DIR ?? os.tmpdir();
	fs.mkdirSync(parent, { recursive: true });
	const root = fs.mkdtempSync(path.join(parent, 'n8n-e2e-queue-'));
	const stack = new QueueStack(opts, runtime, root);
	removeOnExit(stack);
	const started = Date.now();
	try {
		const [redis, postgres] = await Promise.allSettled([
			startRedis({ nice: opts.nice, log }),
			startPostgres({ nice: opts.nice, log }),
		]);
		if (redis.status === 'fulfilled') stack.redis = redis.value;
		if (postgres.status === 'fulfilled') stack.postgres = postgres.value;
		if (redis.status === 'rejected') throw redis.reason;
		if (postgres.status === 'rejected') throw postgres.reason;
		await stack.prepareWebhook();
		await stack.startMain();
		const workers = opts.workers ?? 1;
		const results = await Promise.allSettled([
			stack.startWebhook(),
			...Array.from({ length: workers }, () => stack.addWorker()),
		]);
		const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		if (failed) throw failed.reason;
		log(
			`queue stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${stack.describe()}`,
		);
		return stack;
	} catch (e) {
		const tails = stack.logTails();
		await stack.stop({ keep: true });
		throw new Error(`queue stack failed to start: ${(e as Error).message}\n${tails}`);
	}
}

/** startQueueStack → fn → always stop (folder kept on failure). */
/**
 * The package a queue stack installs, as run.ts packs the suite's: E2E_PACKAGE_DIR (another checkout),
 * E2E_PACKAGE_BUILD=0 (no build).
 */
export function suitePackage(): { packageDir?: string; build?: boolean } {
	return {
		...(process.env.E2E_PACKAGE_DIR ? { packageDir: process.env.E2E_PACKAGE_DIR } : {}),
		...(process.env.E2E_PACKAGE_BUILD === '0' ? { build: false } : {}),
	};
}

export async function withQueueStack<T>(
	opts: QueueStackOptions,
	fn: (stack: QueueStack) => Promise<T>,
): Promise<T> {
	const stack = await startQueueStack(opts);
	let ok = false;
	try {
		const result = await fn(stack);
		ok = true;
		return result;
	} catch (e) {
		(opts.log ?? defaultLog)(`FAILED — log tails:\n${stack.logTails()}`);
		throw e;
	} finally {
		await stack.stop({ keep: ok ? undefined : true });
	}
}
