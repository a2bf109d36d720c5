/**
 * ensureN8n(): the pinned n8n runtime, installed once per machine outside this package's dependencies, in
 * `${N8N_CACHE_DIR:-$HOME/.cache/n8n-nodes-exotel}/n8n-<version>` (package.json with the pinned n8n and the npm
 * overrides it needs on Node 20). Reused when `node_modules/.bin/n8n` exists and reports the pinned version.
 *
 * Concurrency: an mkdir lock (`<dir>.lock`) keeps two harness processes from installing into the same directory;
 * an install that somebody started by hand (install.log still growing, no final "exit N" line) is waited for too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, defaultLog, isAlive, Logger, N8N_OVERRIDES, N8N_VERSION, run, sleep, tailFile } from './util';

export interface EnsureN8nOptions {
	/** Parent directory of the runtime (default `${N8N_CACHE_DIR:-$HOME/.cache/n8n-nodes-exotel}`). */
	cacheDir?: string;
	/** n8n version (default 1.123.81). Other versions are untested. */
	version?: string;
	/** Max time for `npm install` (default 30 min). */
	installTimeoutMs?: number;
	log?: Logger;
}

export interface N8nRuntime {
	/** Directory with package.json + node_modules. */
	dir: string;
	version: string;
	/** The JS entry point of the CLI (`node_modules/n8n/bin/n8n`); run it with `process.execPath`. */
	binPath: string;
	nodeModules: string;
}

function installedVersion(dir: string): string | undefined {
	try {
		if (!fs.existsSync(path.join(dir, 'node_modules', '.bin', 'n8n'))) return undefined;
		return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
	} catch {
		return undefined;
	}
}

function runtimeFor(dir: string, version: string): N8nRuntime {
	return {
		dir,
		version,
		binPath: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		nodeModules: path.join(dir, 'node_modules'),
	};
}

/** An install started outside the harness (no lock) that is still writing install.log. */
function foreignInstallRunning(dir: string): boolean {
	const logFile = path.join(dir, 'install.log');
	if (!fs.existsSync(logFile)) return false;
	const last = tailFile(logFile, 2).trim();
	if (/^exit \d+$/m.test(last.split('\n').pop() ?? '')) return false;
	return Date.now() - fs.statSync(logFile).mtimeMs < 5 * 60_000;
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

export async function ensureN8n(opts: EnsureN8nOptions = {}): Promise<N8nRuntime> {
	const version = opts.version ?? N8N_VERSION;
	const log = opts.log ?? defaultLog;
	const parent = opts.cacheDir ?? cacheDir();
	const dir = path.join(parent, `n8n-${version}`);
	const lockDir = `${dir}.lock`;

	if (installedVersion(dir) === version && !foreignInstallRunning(dir)) return runtimeFor(dir, version);

	fs.mkdirSync(parent, { recursive: true });
	const waitStarted = Date.now();
	const waitLimit = opts.installTimeoutMs ?? 30 * 60_000;
	let announced = false;
	// Wait for somebody else's install (a harness holding the lock, or one started by hand) to finish.
	for (;;) {
		if (!foreignInstallRunning(dir) && tryLock(lockDir)) break;
		if (!announced) {
			log(`n8n ${version}: another install is running in ${dir}; waiting for it`);
			announced = true;
		}
		if (Date.now() - waitStarted > waitLimit) throw new Error(`Timed out waiting for another n8n install in ${dir}`);
		await sleep(5000);
		if (installedVersion(dir) === version && !foreignInstallRunning(dir)) return runtimeFor(dir, version);
	}
	try {
		if (installedVersion(dir) === version) return runtimeFor(dir, version);
		await install(dir, version, log, waitLimit);
		const got = installedVersion(dir);
		if (got !== version) throw new Error(`n8n install in ${dir} finished but reports version ${got ?? '(none)'}`);
		const rt = runtimeFor(dir, version);
		const v = await run(process.execPath, [rt.binPath, '--version'], { timeoutMs: 60_000 });
		log(`n8n ${v.stdout.trim()} ready in ${dir}`);
		return rt;
	} finally {
		releaseLockIfOurs(lockDir);
	}
}

function releaseLockIfOurs(lockDir: string): void {
	try {
		if (Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')) === process.pid) fs.rmSync(lockDir, { recursive: true, force: true });
	} catch {
		/* not ours / gone */
	}
}

async function install(dir: string, version: string, log: Logger, timeoutMs: number): Promise<void> {
	fs.mkdirSync(dir, { recursive: true });
	const pkg = {
		name: 'n8n-runtime-for-exotel-e2e',
		private: true,
		dependencies: { n8n: version },
		overrides: N8N_OVERRIDES,
	};
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
	const logFile = path.join(dir, 'install.log');
	fs.writeFileSync(logFile, `npm install n8n@${version} (${new Date().toISOString()})\n`);
	log(`Installing n8n ${version} into ${dir} (about 4 min and 1.8 GB; log: ${logFile})`);
	const started = Date.now();
	const ticker = setInterval(() => {
		let count = 0;
		try {
			count = fs.readdirSync(path.join(dir, 'node_modules')).length;
		} catch {
			/* not there yet */
		}
		log(`  … npm install running ${Math.round((Date.now() - started) / 1000)} s (${count} top-level packages so far)`);
	}, 20_000);
	let code = 1;
	try {
		const res = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=warn'], {
			cwd: dir,
			logFile,
			timeoutMs,
			check: false,
			env: { ...process.env, npm_config_update_notifier: 'false' },
		});
		code = res.code;
	} finally {
		clearInterval(ticker);
		fs.appendFileSync(logFile, `exit ${code}\n`);
	}
	if (code !== 0) throw new Error(`npm install of n8n@${version} failed (exit ${code}). Tail of ${logFile}:\n${tailFile(logFile, 40)}`);
	log(`n8n ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
}
