/**
 * Redis and PostgreSQL for n8n's queue mode, from the machine's own (Debian) packages: no Docker. Each server runs
 * in the foreground as a detached child of the harness (own process group) on a free loopback port with its data in
 * a fresh temp folder; `stop()` ends it and removes the folder, and an exit/SIGINT/SIGTERM handler SIGKILLs whatever
 * is still running. Missing binaries are installed with `apt-get install -y` when the harness runs as root (as on
 * CI); otherwise it fails with a message that says what to install. See README.md, "Queue mode".
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import {
	defaultLog,
	freePort,
	killGroup,
	Logger,
	run,
	sleep,
	tailFile,
	waitFor,
	WaitAbort,
} from './util';
import { withNice } from './n8n';

// ---- installing from Debian's packages ------------------------------------------------------------------------

function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

function which(cmd: string): string | undefined {
	const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
	const out = r.stdout?.trim();
	return r.status === 0 && out ? out : undefined;
}

/**
 * `apt-get install -y --no-install-recommends <pkgs>` (after `apt-get update` if the first try fails: a fresh CI
 * image often has no package lists). Throws with apt's output tail and what to do when not root or apt fails.
 */
export async function aptInstall(pkgs: string[], log: Logger = defaultLog): Promise<void> {
	const what = pkgs.join(' ');
	if (!isRoot() || !which('apt-get')) {
		throw new Error(
			`queue mode needs ${what}, which is not installed, and the harness can install it only as root with apt-get. ` +
				`Install it yourself (Debian/Ubuntu: sudo apt-get install -y ${what}) and run again.`,
		);
	}
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = ['install', '-y', '--no-install-recommends', ...pkgs];
	log(`installing ${what} with apt-get (queue mode needs it) …`);
	const first = await run('apt-get', install, { env, timeoutMs: 15 * 60_000, check: false });
	if (first.code === 0) return;
	log(`apt-get install failed (exit ${first.code}); apt-get update and retry`);
	await run('apt-get', ['update'], { env, timeoutMs: 10 * 60_000, check: false });
	const second = await run('apt-get', install, { env, timeoutMs: 15 * 60_000, check: false });
	if (second.code !== 0) {
		throw new Error(
			`apt-get install -y ${what} failed (exit ${second.code}); queue mode cannot start without it.\n` +
				`${(second.stdout + second.stderr).split('\n').slice(-20).join('\n')}`,
		);
	}
}

/** Path of `redis-server`, installed from Debian's `redis-server` package when missing. */
export async function ensureRedisServer(log: Logger = defaultLog): Promise<string> {
	const found = () =>
		which('redis-server') ??
		(fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined);
	let bin = found();
	if (!bin) {
		await aptInstall(['redis-server'], log);
		bin = found();
		if (!bin)
			throw new Error(
				'apt-get installed redis-server but no redis-server binary is on PATH or in /usr/bin',
			);
	}
	return bin;
}

/** The newest `/usr/lib/postgresql/<major>/bin` with initdb and postgres (Debian's layout), or `pg_config --bindir`. */
function findPostgresBinDir(): string | undefined {
	const base = '/usr/lib/postgresql';
	const candidates: string[] = [];
	if (fs.existsSync(base)) {
		for (const v of fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)))
			candidates.push(path.join(base, v, 'bin'));
	}
	const pgConfig = which('pg_config');
	if (pgConfig) {
		const r = spawnSync(pgConfig, ['--bindir'], { encoding: 'utf8' });
		if (r.status === 0 && r.stdout.trim()) candidates.push(r.stdout.trim());
	}
	const initdb = which('initdb');
	if (initdb) candidates.push(path.dirname(fs.realpathSync(initdb)));
	return candidates.find((d) =>
		['initdb', 'postgres', 'pg_isready', 'createdb'].every((b) => fs.existsSync(path.join(d, b))),
	);
}

/** PostgreSQL's bin directory, installed from Debian's `postgresql` package when missing. */
export async function ensurePostgres(log: Logger = defaultLog): Promise<string> {
	let dir = findPostgresBinDir();
	if (!dir) {
		// Debian's postinst also creates and tries to start a cluster "main" on 5432 (no init system in a container:
		// it just fails to start it); the harness never uses it.
		await aptInstall(['postgresql'], log);
		dir = findPostgresBinDir();
		if (!dir)
			throw new Error(
				'apt-get installed postgresql but no initdb/postgres was found under /usr/lib/postgresql/*/bin',
			);
	}
	return dir;
}

/**
 * The uid/gid PostgreSQL runs as: it refuses to run as root. As root: the system user `n8npg` (created with
 * `useradd -r` if missing, no home, no login shell); otherwise the current user.
 */
export async function postgresUser(
	name = 'n8npg',
): Promise<{ uid: number; gid: number; name: string }> {
	if (!isRoot())
		return { uid: process.getuid!(), gid: process.getgid!(), name: os.userInfo().username };
	const lookup = () => spawnSync('id', ['-u', name], { encoding: 'utf8' });
	if (lookup().status !== 0) {
		await run('useradd', ['-r', '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', name], {
			timeoutMs: 30_000,
		});
	}
	const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
	const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
	if (!Number.isInteger(uid) || !Number.isInteger(gid))
		throw new Error(`cannot resolve uid/gid of ${name}`);
	return { uid, gid, name };
}

// ---- a server process -------------------------------------------------------------------------------------------

const liveServers = new Set<ServerProcess>();
let handlersInstalled = false;

function installExitHandlers(): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.on('exit', () => {
		for (const s of liveServers) s.killNow();
	});
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(sig, () => {
			for (const s of liveServers) s.killNow();
			process.exit(sig === 'SIGINT' ? 130 : 143);
		});
	}
}

/** Every descendant of `pid` (from /proc; Linux). PostgreSQL's children call setsid(), so a group kill misses them. */
export function descendantPids(pid: number): number[] {
	const children = new Map<number, number[]>();
	let entries: string[] = [];
	try {
		entries = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
	} catch {
		return [];
	}
	for (const d of entries) {
		try {
			const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			const list = children.get(ppid) ?? [];
			list.push(Number(d));
			children.set(ppid, list);
		} catch {
			/* gone */
		}
	}
	const out: number[] = [];
	const queue = [pid];
	while (queue.length)
		for (const c of children.get(queue.shift()!) ?? []) {
			out.push(c);
			queue.push(c);
		}
	return out;
}

/** Remove a folder, retrying while a dying process may still write into it; never throws. */
export function removeDir(dir: string): void {
	try {
		fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
	} catch {
		/* best effort */
	}
}

/** SIGKILL every Redis/PostgreSQL this process started and has not stopped yet, and remove their folders. */
export function killAllServers(): void {
	for (const s of liveServers) s.killNow();
}

/** One foreground server (redis-server, postgres) as a detached child with its own data folder. */
export class ServerProcess {
	child?: ChildProcess;
	pid?: number;
	exitCode: number | null = null;
	exitSignal: NodeJS.Signals | null = null;
	private exited?: Promise<void>;

	constructor(
		readonly name: string,
		readonly port: number,
		/** Data folder, removed by stop(). */
		readonly dir: string,
		readonly logFile: string,
		private readonly stopSignal: NodeJS.Signals,
	) {}

	get running(): boolean {
		return !!this.child && this.exitCode === null && this.exitSignal === null;
	}

	spawn(
		cmd: string,
		args: string[],
		opts: { nice?: number; uid?: number; gid?: number; env?: NodeJS.ProcessEnv },
	): void {
		const fd = fs.openSync(this.logFile, 'a');
		const [c, a] = withNice(opts.nice, cmd, args);
		try {
			this.child = spawn(c, a, {
				cwd: this.dir,
				env: opts.env ?? process.env,
				stdio: ['ignore', fd, fd],
				detached: true,
				...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
			});
		} finally {
			fs.closeSync(fd);
		}
		this.pid = this.child.pid;
		liveServers.add(this);
		installExitHandlers();
		this.exited = new Promise((resolve) => {
			this.child!.once('exit', (code, signal) => {
				this.exitCode = code;
				this.exitSignal = signal;
				resolve();
			});
			this.child!.once('error', () => resolve());
		});
	}

	logTail(lines = 30): string {
		return tailFile(this.logFile, lines);
	}

	/** Ask the server to stop (SIGTERM for Redis, SIGINT = fast shutdown for PostgreSQL), SIGKILL after the timeout. */
	async stop(timeoutMs = 15_000, remove = true): Promise<void> {
		if (this.running) {
			killGroup(this.pid, this.stopSignal);
			const done = await Promise.race([
				this.exited!.then(() => true),
				sleep(timeoutMs).then(() => false),
			]);
			if (!done)
				for (const p of [this.pid, ...(this.pid ? descendantPids(this.pid) : [])])
					killGroup(p, 'SIGKILL');
			await Promise.race([this.exited, sleep(5000)]);
		}
		killGroup(this.pid, 'SIGKILL');
		liveServers.delete(this);
		if (remove) removeDir(this.dir);
	}

	/** Synchronous SIGKILL of the process, its group and its descendants, and removal of the folder (exit handlers). */
	killNow(): void {
		const tree = this.pid ? descendantPids(this.pid) : [];
		killGroup(this.pid, 'SIGKILL');
		for (const p of tree) killGroup(p, 'SIGKILL');
		liveServers.delete(this);
		removeDir(this.dir);
	}
}

async function waitUntilUp(
	server: ServerProcess,
	what: string,
	timeoutMs: number,
	probe: () => Promise<boolean>,
): Promise<void> {
	try {
		await waitFor(
			what,
			async () => {
				if (!server.running)
					throw new WaitAbort(
						`${server.name} exited during startup (code ${server.exitCode}, signal ${server.exitSignal})`,
					);
				return await probe();
			},
			{ timeoutMs, intervalMs: 200 },
		);
	} catch (e) {
		const tailText = server.logTail(30);
		await server.stop(5000, false).catch(() => undefined);
		throw new Error(`${(e as Error).message}\n--- tail of ${server.logFile} ---\n${tailText}`);
	}
}

// ---- Redis ----------------------------------------------------------------------------------------------------------

function redisPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const sock = net.connect({ host: '127.0.0.1', port });
		let buf = '';
		const done = (ok: boolean) => {
			sock.destroy();
			resolve(ok);
		};
		sock.setTimeout(2000, () => done(false));
		sock.on('error', () => done(false));
		sock.on('connect', () => sock.write('PING\r\n'));
		sock.on('data', (d) => {
			buf += d.toString();
			if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
		});
	});
}

export interface ServiceOptions {
	/** Parent of the data folder (default `$E2E_WORK_DIR` or the OS temp dir). */
	parent?: string;
	/** Niceness (default `$E2E_NICE`). */
	nice?: number;
	log?: Logger;
	startTimeoutMs?: number;
}

/** redis-server on a free loopback port, no persistence (`save ""`, no AOF), data and log in a fresh temp folder. */
export async function startRedis(opts: ServiceOptions = {}): Promise<ServerProcess> {
	const log = opts.log ?? defaultLog;
	const bin = await ensureRedisServer(log);
	const parent = opts.parent ?? process.env.E2E_WORK_DIR ?? os.tmpdir();
	fs.mkdirSync(parent, { recursive: true });
	const dir = fs.mkdtempSync(path.join(parent, 'n8n-e2e-redis-'));
	const port = await freePort();
	const server = new ServerProcess(
		'redis-server',
		port,
		dir,
		path.join(dir, 'redis.log'),
		'SIGTERM',
	);
	const started = Date.now();
	server.spawn(
		bin,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--dir',
			dir,
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
			'--protected-mode',
			'no',
		],
		{ nice: opts.nice },
	);
	await waitUntilUp(server, `redis-server on port ${port}`, opts.startTimeoutMs ?? 30_000, () =>
		redisPing(port),
	);
	log(
		`redis-server ready on 127.0.0.1:${port} in ${Date.now() - started} ms (pid ${server.pid}, ${dir})`,
	);
	return server;
}

// ---- PostgreSQL -----------------------------------------------------------------------------------------------------

export interface PostgresServer extends ServerProcess {
	/** Database n8n uses (created empty). */
	database: string;
	/** Superuser n8n connects as (trust authentication on 127.0.0.1: no password). */
	user: string;
	/** Runs one SQL statement with psql against n8n's database; rows as arrays of text cells. */
	query(sql: string): Promise<string[][]>;
}

/**
 * A throwaway PostgreSQL cluster: `initdb` (trust auth, UTF8, C locale) into a fresh temp folder owned by the
 * non-root user (`postgresUser`), `postgres` in the foreground on a free loopback port (socket in the folder),
 * `createdb n8n`. fsync and synchronous commits are off: the data is thrown away afterwards, and the machine is
 * shared. Stop it with `stop()` (fast shutdown, folder removed).
 */
export async function startPostgres(
	opts: ServiceOptions & { database?: string; user?: string } = {},
): Promise<PostgresServer> {
	const log = opts.log ?? defaultLog;
	const bin = await ensurePostgres(log);
	const owner = await postgresUser();
	const parent = opts.parent ?? process.env.E2E_WORK_DIR ?? os.tmpdir();
	fs.mkdirSync(parent, { recursive: true });
	const dir = fs.mkdtempSync(path.join(parent, 'n8n-e2e-pg-'));
	fs.chownSync(dir, owner.uid, owner.gid);
	const data = path.join(dir, 'data');
	const database = opts.database ?? 'n8n';
	const user = opts.user ?? 'n8n';
	const env = {
		PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
		LANG: 'C',
		LC_ALL: 'C',
		HOME: dir,
		PGTZ: 'UTC',
	};
	const started = Date.now();
	await run(
		path.join(bin, 'initdb'),
		['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
		{
			cwd: dir,
			env,
			uid: owner.uid,
			gid: owner.gid,
			timeoutMs: 120_000,
		},
	).catch((e) => {
		fs.rmSync(dir, { recursive: true, force: true });
		throw new Error(`initdb as ${owner.name} failed: ${(e as Error).message}`);
	});
	const port = await freePort();
	const logFile = path.join(dir, 'postgres.log');
	fs.writeFileSync(logFile, '');
	fs.chownSync(logFile, owner.uid, owner.gid);
	const server = new ServerProcess('postgres', port, dir, logFile, 'SIGINT') as PostgresServer;
	server.database = database;
	server.user = user;
	server.query = async (sql: string) => {
		const r = await run(
			path.join(bin, 'psql'),
			[
				'-h',
				'127.0.0.1',
				'-p',
				String(port),
				'-U',
				user,
				'-d',
				database,
				'-At',
				'-F',
				'\t',
				'-c',
				sql,
			],
			{ env, timeoutMs: 60_000 },
		);
		return r.stdout
			.split('\n')
			.filter((line) => line !== '')
			.map((line) => line.split('\t'));
	};
	server.spawn(
		path.join(bin, 'postgres'),
		[
			'-D',
			data,
			'-p',
			String(port),
			'-k',
			dir,
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'max_connections=200',
		],
		{ nice: opts.nice, uid: owner.uid, gid: owner.gid, env },
	);
	await waitUntilUp(server, `postgres on port ${port}`, opts.startTimeoutMs ?? 60_000, async () => {
		const r = await run(
			path.join(bin, 'pg_isready'),
			['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'postgres'],
			{
				env,
				timeoutMs: 10_000,
				check: false,
			},
		);
		return r.code === 0;
	});
	try {
		await run(
			path.join(bin, 'createdb'),
			['-h', '127.0.0.1', '-p', String(port), '-U', user, database],
			{ env, timeoutMs: 60_000 },
		);
	} catch (e) {
		await server.stop();
		throw e;
	}
	log(
		`postgres ready on 127.0.0.1:${port} (database ${database}, user ${user}, run as ${owner.name}) in ${Date.now() - started} ms (pid ${server.pid}, ${dir})`,
	);
	return server;
}
