/**
 * ensureN8n(): a pinned n8n runtime and the Node it runs on, installed once per machine outside this package's
 * dependencies, in `${N8N_CACHE_DIR:-$HOME/.cache/n8n-nodes-exotel}`:
 *
 * - `n8n-<version>/`: package.json with the pinned n8n (plus the npm overrides its line needs) and node_modules;
 *   reused when `node_modules/.bin/n8n` exists, reports the pinned version and the install finished.
 * - `node-<nodeVersion>/`: npm's `node-<platform>-<arch>` package (the official Node binary and headers) for lines
 *   that do not run on the system Node (n8n 2.x needs Node >= 24; the system Node is 20).
 *
 * Recipes (util.ts N8N_LINES; README.md "n8n 1.123 vs 2.x"):
 * - 1.123.81: system Node, `npm install` with overrides xlsx@0.18.5 and isolated-vm@5.0.4;
 * - 2.41.1: Node 24.22.3 first on PATH, `npm install --ignore-scripts` (an install script of
 *   @confluentinc/kafka-javascript downloads from unreachable hosts), then `npm rebuild sqlite3` against Node 24's
 *   headers (`npm_config_nodedir`; the machine's npmrc points nodedir at /usr, i.e. Node 20).
 *
 * Concurrency: an mkdir lock (`<dir>.lock`) keeps two harness processes from installing into the same directory;
 * an install that somebody started by hand (install.log without a final "exit N" line, and either a process
 * working in that directory or the log written to in the last 10 minutes) is waited for too.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
	cacheDir,
	defaultLog,
	isAlive,
	Logger,
	n8nLine,
	n8nVersion,
	N8nLine,
	run,
	sleep,
	tailFile,
} from './util';

export interface EnsureN8nOptions {
	/** Parent directory of the runtime (default `${N8N_CACHE_DIR:-$HOME/.cache/n8n-nodes-exotel}`). */
	cacheDir?: string;
	/** n8n version (default `$E2E_N8N_VERSION` or 2.41.1); must be one of util.ts N8N_LINES. */
	version?: string;
	/** Max time for an install, or for waiting on somebody else's (default 30 min). */
	installTimeoutMs?: number;
	log?: Logger;
}

export interface NodeRuntime {
	/** e.g. '24.22.3' (the system Node's version for 'system'). */
	version: string;
	/** The node binary. */
	nodePath: string;
	/** Its bin directory (put first on PATH for n8n and npm). */
	binDir: string;
	/** Directory with include/node (for native builds: npm_config_nodedir); undefined for the system Node. */
	nodedir?: string;
	system: boolean;
}

export interface N8nRuntime {
	/** Directory with package.json + node_modules. */
	dir: string;
	version: string;
	/** The JS entry point of the CLI (`node_modules/n8n/bin/n8n`); run it with `node.nodePath`. */
	binPath: string;
	nodeModules: string;
	/** The Node this n8n runs on. */
	node: NodeRuntime;
}

/** PATH with the runtime's Node first (n8n and its task runner use process.execPath; npm scripts use PATH). */
export function pathWithNode(node: NodeRuntime, basePath = process.env.PATH ?? ''): string {
	return node.system ? basePath : `${node.binDir}${path.delimiter}${basePath}`;
}

/**
 * The environment for npm runs in the cache: without the `npm_config_*` / `npm_package_*` / `npm_lifecycle_*`
 * variables that `npm run` / `npx` export from THIS project's .npmrc (measured: `npm_config_ignore_scripts=true` from
 * the repo's .npmrc reached `npm rebuild sqlite3`, which then "rebuilt" nothing), so npm reads only the user/global
 * npmrc there; `ignoreScripts` is then set explicitly.
 */
export function npmEnv(
	node: NodeRuntime | undefined,
	ignoreScripts: boolean,
): Record<string, string | undefined> {
	const env: Record<string, string | undefined> = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (
			/^npm_(config|package|lifecycle)_/i.test(k) ||
			/^(npm_command|npm_execpath|npm_node_execpath|INIT_CWD)$/.test(k)
		)
			continue;
		env[k] = v;
	}
	env.npm_config_update_notifier = 'false';
	env.npm_config_ignore_scripts = String(ignoreScripts);
	if (node) {
		env.PATH = pathWithNode(node);
		// Native modules must build against the headers of the Node that runs n8n (the global npmrc may say otherwise).
		if (node.nodedir) env.npm_config_nodedir = node.nodedir;
	}
	return env;
}

// ---------------------------------------------------------------------------------------------------------------
// Node

function systemNode(): NodeRuntime {
	return {
		version: process.versions.node,
		nodePath: process.execPath,
		binDir: path.dirname(process.execPath),
		system: true,
	};
}

function nodePackageName(): string {
	return `node-${process.platform}-${process.arch}`;
}

function nodeRuntimeIn(dir: string, version: string): NodeRuntime {
	const pkgDir = path.join(dir, 'node_modules', nodePackageName());
	const binDir = path.join(pkgDir, 'bin');
	return {
		version,
		nodePath: path.join(binDir, process.platform === 'win32' ? 'node.exe' : 'node'),
		binDir,
		nodedir: pkgDir,
		system: false,
	};
}

/**
 * The Node a line runs on: the system Node, or `node-<platform>-<arch>@<version>` from npm installed into
 * `<cache>/node-<version>` (≈ 30 MB download, a few seconds). Verified by running `node --version`.
 */
export async function ensureNode(
	spec: string,
	opts: { cacheDir?: string; log?: Logger; timeoutMs?: number } = {},
): Promise<NodeRuntime> {
	if (spec === 'system') return systemNode();
	const log = opts.log ?? defaultLog;
	const dir = path.join(opts.cacheDir ?? cacheDir(), `node-${spec}`);
	const rt = nodeRuntimeIn(dir, spec);
	const works = async () => {
		if (!fs.existsSync(rt.nodePath)) return false;
		const v = await run(rt.nodePath, ['--version'], { timeoutMs: 30_000, check: false }).catch(
			() => undefined,
		);
		return v?.code === 0 && v.stdout.trim() === `v${spec}`;
	};
	if (await works()) return rt;
	fs.mkdirSync(dir, { recursive: true });
	const lockDir = `${dir}.lock`;
	const started = Date.now();
	while (!tryLock(lockDir)) {
		if (Date.now() - started > (opts.timeoutMs ?? 10 * 60_000))
			throw new Error(`Timed out waiting for another Node install in ${dir}`);
		await sleep(2000);
	}
	try {
		if (await works()) return rt;
		log(`Installing Node ${spec} (npm package ${nodePackageName()}@${spec}) into ${dir}`);
		fs.writeFileSync(
			path.join(dir, 'package.json'),
			JSON.stringify({ dependencies: { [nodePackageName()]: spec } }) + '\n',
		);
		const logFile = path.join(dir, 'install.log');
		fs.writeFileSync(
			logFile,
			`npm install ${nodePackageName()}@${spec} (${new Date().toISOString()})\n`,
		);
		const res = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=warn'], {
			cwd: dir,
			logFile,
			timeoutMs: opts.timeoutMs ?? 10 * 60_000,
			check: false,
			env: npmEnv(undefined, true),
		});
		fs.appendFileSync(logFile, `exit ${res.code}\n`);
		if (res.code !== 0 || !(await works())) {
			throw new Error(
				`Installing Node ${spec} into ${dir} failed (exit ${res.code}). Tail of ${logFile}:\n${tailFile(logFile, 30)}`,
			);
		}
		log(`Node ${spec} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		return rt;
	} finally {
		releaseLockIfOurs(lockDir);
	}
}

// ---------------------------------------------------------------------------------------------------------------
// n8n

function installedVersion(dir: string): string | undefined {
	try {
		if (!fs.existsSync(path.join(dir, 'node_modules', '.bin', 'n8n'))) return undefined;
		return JSON.parse(
			fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
		).version;
	} catch {
		return undefined;
	}
}

/** The last line of install.log is "exit N" (undefined: no log, i.e. an old cache: trusted). */
function installExit(dir: string): number | undefined {
	const m = /^exit (\d+)$/.exec(
		tailFile(path.join(dir, 'install.log'), 2).trim().split('\n').pop() ?? '',
	);
	return m ? Number(m[1]) : undefined;
}

/** Installed, finished without error, and the packages the recipe rebuilds have their native binding. */
function complete(dir: string, line: N8nLine): boolean {
	if (installedVersion(dir) !== line.version) return false;
	const logFile = path.join(dir, 'install.log');
	if (fs.existsSync(logFile) && installExit(dir) !== 0) return false;
	// sqlite3's binding (every line needs it; an install whose scripts did not run has none)
	for (const pkg of new Set(['sqlite3', ...line.rebuild])) {
		const release = path.join(dir, 'node_modules', pkg, 'build', 'Release');
		if (!fs.existsSync(release) || !fs.readdirSync(release).some((f) => f.endsWith('.node')))
			return false;
	}
	return true;
}

function runtimeFor(dir: string, version: string, node: NodeRuntime): N8nRuntime {
	return {
		dir,
		version,
		binPath: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		nodeModules: path.join(dir, 'node_modules'),
		node,
	};
}

/** A process (other than us) whose working directory is `dir` or below it (Linux /proc; false elsewhere). */
function processWorkingIn(dir: string): boolean {
	let entries: string[];
	try {
		entries = fs.readdirSync('/proc');
	} catch {
		return false;
	}
	const real = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
	for (const e of entries) {
		if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
		try {
			const cwd = fs.readlinkSync(`/proc/${e}/cwd`);
			if (cwd === real || cwd.startsWith(real + path.sep)) return true;
		} catch {
			/* gone or not ours */
		}
	}
	return false;
}

/** An install started outside the harness (no lock) that is still running: install.log without "exit N" yet. */
function foreignInstallRunning(dir: string): boolean {
	const logFile = path.join(dir, 'install.log');
	if (!fs.existsSync(logFile)) return false;
	if (installExit(dir) !== undefined) return false;
	// npm can be silent for minutes while install scripts build native modules: look for a process working there.
	if (processWorkingIn(dir)) return true;
	return Date.now() - fs.statSync(logFile).mtimeMs < 10 * 60_000;
}

function tryLock(lockDir: string): boolean {
	try {
		fs.mkdirSync(lockDir);
		fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
		return true;
	} catch {
		let pid = 0;
		try {
			pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
		} catch {
			/* lock dir just created by another process; treat as held */
			return false;
		}
		if (pid && !isAlive(pid)) {
			fs.rmSync(lockDir, { recursive: true, force: true });
			return tryLock(lockDir);
		}
		return false;
	}
}

function releaseLockIfOurs(lockDir: string): void {
	try {
		if (Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')) === process.pid)
			fs.rmSync(lockDir, { recursive: true, force: true });
	} catch {
		/* not ours / gone */
	}
}

export async function ensureN8n(opts: EnsureN8nOptions = {}): Promise<N8nRuntime> {
	const version = opts.version ?? n8nVersion();
	const line = n8nLine(version);
	const log = opts.log ?? defaultLog;
	const parent = opts.cacheDir ?? cacheDir();
	const dir = path.join(parent, `n8n-${version}`);
	const lockDir = `${dir}.lock`;
	const waitLimit = opts.installTimeoutMs ?? 30 * 60_000;

	const node = await ensureNode(line.node, { cacheDir: parent, log });
	if (line.node === 'system') warnIfUnsupportedSystemNode(version, node, log);
	if (complete(dir, line) && !foreignInstallRunning(dir)) return runtimeFor(dir, version, node);

	fs.mkdirSync(parent, { recursive: true });
	const waitStarted = Date.now();
	let announced = false;
	// Wait for somebody else's install (a harness holding the lock, or one started by hand) to finish.
	for (;;) {
		if (!foreignInstallRunning(dir) && tryLock(lockDir)) break;
		if (!announced) {
			log(`n8n ${version}: another install is running in ${dir}; waiting for it`);
			announced = true;
		}
		if (Date.now() - waitStarted > waitLimit)
			throw new Error(`Timed out waiting for another n8n install in ${dir}`);
		await sleep(5000);
		if (complete(dir, line) && !foreignInstallRunning(dir)) return runtimeFor(dir, version, node);
	}
	try {
		if (complete(dir, line)) return runtimeFor(dir, version, node);
		await install(dir, line, node, log, waitLimit);
		const got = installedVersion(dir);
		if (got !== version || !complete(dir, line))
			throw new Error(
				`n8n install in ${dir} finished but is incomplete (version ${got ?? '(none)'})`,
			);
		const rt = runtimeFor(dir, version, node);
		const v = await run(node.nodePath, [rt.binPath, '--version'], {
			timeoutMs: 60_000,
			env: { ...process.env, PATH: pathWithNode(node) },
		});
		log(`n8n ${v.stdout.trim()} (Node ${node.version}) ready in ${dir}`);
		return rt;
	} finally {
		releaseLockIfOurs(lockDir);
	}
}

function warnIfUnsupportedSystemNode(version: string, node: NodeRuntime, log: Logger): void {
	const major = Number(node.version.split('.')[0]);
	if (major < 20 || major > 24)
		log(`warning: n8n ${version} supports Node 20-24; the system Node is ${node.version}`);
}

async function install(
	dir: string,
	line: N8nLine,
	node: NodeRuntime,
	log: Logger,
	timeoutMs: number,
): Promise<void> {
	const version = line.version;
	fs.mkdirSync(dir, { recursive: true });
	const pkg: Record<string, unknown> = {
		name: 'n8n-runtime-for-exotel-e2e',
		private: true,
		dependencies: { n8n: version },
	};
	if (line.overrides) pkg.overrides = line.overrides;
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
	const logFile = path.join(dir, 'install.log');
	fs.writeFileSync(
		logFile,
		`npm install n8n@${version} on Node ${node.version} (${new Date().toISOString()})\n`,
	);
	log(
		`Installing n8n ${version} for Node ${node.version} into ${dir} (about ${line.installMinutes} min and 1.8 GB; log: ${logFile})`,
	);
	const started = Date.now();
	const ticker = setInterval(() => {
		let count = 0;
		try {
			count = fs.readdirSync(path.join(dir, 'node_modules')).length;
		} catch {
			/* not there yet */
		}
		log(
			`  … n8n ${version}: npm running ${Math.round((Date.now() - started) / 1000)} s (${count} top-level packages so far)`,
		);
	}, 30_000);
	let code = 1;
	try {
		const args = [
			'install',
			'--no-audit',
			'--no-fund',
			'--loglevel=warn',
			...(line.ignoreScripts ? ['--ignore-scripts'] : []),
		];
		fs.appendFileSync(logFile, `$ npm ${args.join(' ')}\n`);
		code = (
			await run('npm', args, {
				cwd: dir,
				logFile,
				timeoutMs,
				check: false,
				env: npmEnv(node, line.ignoreScripts),
			})
		).code;
		const installedMs = Date.now() - started;
		if (code === 0 && line.rebuild.length) {
			fs.appendFileSync(
				logFile,
				`$ npm rebuild ${line.rebuild.join(' ')} (npm_config_nodedir=${node.nodedir ?? '(npmrc)'})\n`,
			);
			const t = Date.now();
			code = (
				await run('npm', ['rebuild', '--foreground-scripts', ...line.rebuild], {
					cwd: dir,
					logFile,
					timeoutMs,
					check: false,
					env: npmEnv(node, false),
				})
			).code;
			fs.appendFileSync(
				logFile,
				`npm install ${Math.round(installedMs / 1000)} s, rebuild ${Math.round((Date.now() - t) / 1000)} s\n`,
			);
		}
	} finally {
		clearInterval(ticker);
		fs.appendFileSync(logFile, `exit ${code}\n`);
	}
	if (code !== 0)
		throw new Error(
			`Installing n8n@${version} failed (exit ${code}). Tail of ${logFile}:\n${tailFile(logFile, 40)}`,
		);
	log(`n8n ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
}
