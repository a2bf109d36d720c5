/**
 * Real-n8n E2E harness for n8n-nodes-exotel-campaigns. See README.md for usage and for what was measured on n8n 1.123.81.
 *
 *   const n8n = await withN8n({ concurrencyLimit: 1 }, async (n8n) => { … n8n.client … });
 */
import { installPackage, InstallPackageOptions, InstalledPackage } from './installPackage';
import { N8nInstance, prepareN8n, removeUserFolder, StartN8nOptions } from './n8n';
import { defaultLog } from './util';

export * from './util';
export * from './bodies';
export * from './client';
export * from './cli';
export * from './ensureN8n';
export * from './installPackage';
export * from './load';
export * from './n8n';
export * from './services';
export * from './queue';

export interface WithN8nOptions extends StartN8nOptions {
	/**
	 * Community packages to build/pack/install before the first start. Default: this repository
	 * (`[{}]` = `npm run build` + `npm pack` of the repo root). `[]` installs nothing.
	 */
	packages?: InstallPackageOptions[];
	/** Runs with n8n prepared but not started yet (CLI imports go here). */
	beforeStart?: (n8n: N8nInstance, installed: InstalledPackage[]) => Promise<void>;
	/** Keep the user folder afterwards (default: keep only on failure, or when E2E_KEEP=1). */
	keepUserFolder?: boolean;
}

/**
 * ensureN8n → fresh user folder → install packages → (beforeStart) → start (owner + API key) → fn → stop.
 * n8n is always stopped, even when fn throws; on failure the tail of n8n's log is printed.
 */
export async function withN8n<T>(
	opts: WithN8nOptions,
	fn: (n8n: N8nInstance, installed: InstalledPackage[]) => Promise<T>,
): Promise<T> {
	const log = opts.log ?? defaultLog;
	const n8n = await prepareN8n(opts);
	let ok = false;
	try {
		const installed: InstalledPackage[] = [];
		for (const p of opts.packages ?? [{}])
			installed.push(await installPackage(n8n.userFolder, { log, ...p }));
		if (opts.beforeStart) await opts.beforeStart(n8n, installed);
		await n8n.start();
		const result = await fn(n8n, installed);
		ok = true;
		return result;
	} catch (e) {
		if (n8n.pid) log(`FAILED — tail of ${n8n.logFile}:\n${n8n.logTail(40)}`);
		throw e;
	} finally {
		await n8n.stop().catch((e) => log(`stop failed: ${(e as Error).message}`));
		if (ok && !opts.keepUserFolder && !opts.userFolder && process.env.E2E_KEEP !== '1')
			removeUserFolder(n8n.userFolder);
		else log(`user folder kept: ${n8n.userFolder}`);
	}
}
