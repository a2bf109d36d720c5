/**
 * Build + pack a community-node package and install the tarball into an n8n user folder exactly the way n8n
 * 1.123.81's community installer does (CommunityPackagesService.downloadPackage):
 *   extract into `<userFolder>/.n8n/nodes/node_modules/<name>` (tar --strip-components=1),
 *   delete devDependencies / peerDependencies / optionalDependencies from the extracted package.json,
 *   `npm install --audit=false --fund=false --bin-links=false --install-strategy=shallow --ignore-scripts=true
 *    --package-lock=false` in that directory, and record `<name>: <version>` in `.n8n/nodes/package.json`.
 * So `n8n-workflow` (a peer) and `luxon` (dev only) are never installed beside the package; at runtime they resolve
 * from n8n's own node_modules (n8n puts its module paths on NODE_PATH before loading nodes).
 * Node types are then `<package name>.<description.name>`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultLog, Logger, readJson, repoRoot, run, writeJson } from './util';

/** The flags n8n 1.123.81 passes to `npm install` for a community package (NPM_COMMON_ARGS + NPM_INSTALL_ARGS). */
export const N8N_COMMUNITY_NPM_INSTALL_ARGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

let sharedPackDir: string | undefined;
/** One temp dir per harness process for tarballs; removed when the process exits. */
function packDir(): string {
	if (!sharedPackDir) {
		sharedPackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-pack-'));
		const dir = sharedPackDir;
		process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
	}
	return sharedPackDir;
}
const packCache = new Map<string, Promise<PackedPackage>>();

export interface PackOptions {
	/** Package directory (default: this repository's root, resolved from the harness file's location). */
	packageDir?: string;
	/** Run `npm run build` first (default: true when the package has a build script). */
	build?: boolean;
	/** Where to write the .tgz (default: a temp dir shared by this process, removed at exit). */
	outDir?: string;
	/** Build and pack again even if this process already packed the same directory (default false). */
	fresh?: boolean;
	log?: Logger;
}

export interface PackedPackage {
	tarball: string;
	name: string;
	version: string;
}

/**
 * `npm run build` (optional) + `npm pack`. Memoised per package directory within one process (several n8n
 * instances in one test run share one build), unless `fresh` or `outDir` is given.
 */
export async function packPackage(opts: PackOptions = {}): Promise<PackedPackage> {
	const packageDir = path.resolve(opts.packageDir ?? repoRoot());
	if (opts.fresh || opts.outDir) return await packUncached(packageDir, opts);
	const key = `${packageDir}|${opts.build ?? 'auto'}`;
	let p = packCache.get(key);
	if (!p) {
		p = packUncached(packageDir, opts);
		packCache.set(key, p);
		p.catch(() => packCache.delete(key));
	}
	return await p;
}

async function packUncached(packageDir: string, opts: PackOptions): Promise<PackedPackage> {
	const log = opts.log ?? defaultLog;
	const pj = readJson(path.join(packageDir, 'package.json'));
	// E2E_PREBUILT=1: dist/ is already built (scripts/test-all.sh builds once; two e2e runs side by side must not
	// rebuild it under each other)
	const build = opts.build ?? (process.env.E2E_PREBUILT !== '1' && Boolean(pj.scripts?.build));
	if (build) {
		log(`npm run build in ${packageDir}`);
		await run('npm', ['run', 'build'], { cwd: packageDir, timeoutMs: 300_000 });
	}
	const outDir = opts.outDir ?? fs.mkdtempSync(path.join(packDir(), 'p-'));
	fs.mkdirSync(outDir, { recursive: true });
	const res = await run('npm', ['pack', '--json', '--pack-destination', outDir], {
		cwd: packageDir,
		timeoutMs: 120_000,
	});
	// npm may print lifecycle-script output before the JSON array.
	const jsonStart = res.stdout.indexOf('[');
	const info = JSON.parse(res.stdout.slice(jsonStart))[0];
	const tarball = path.join(outDir, info.filename);
	log(`packed ${info.name}@${info.version} (${info.entryCount} files) -> ${tarball}`);
	return { tarball, name: info.name, version: info.version };
}

export interface InstallPackageOptions extends PackOptions {
	/** Install this tarball instead of packing `packageDir`. */
	tarball?: string;
	/** Run the installer's `npm install` in the extracted package (default true; a no-op without dependencies). */
	npmInstall?: boolean;
}

export interface InstalledPackage {
	name: string;
	version: string;
	/** `<userFolder>/.n8n/nodes/node_modules/<name>` */
	dir: string;
	tarball: string;
	/** Node types from the package's "n8n" section are `${typePrefix}.<description.name>`. */
	typePrefix: string;
}

/** Nodes directory n8n uses for community packages (InstanceSettings.nodesDownloadDir). */
export function nodesDir(userFolder: string): string {
	return path.join(userFolder, '.n8n', 'nodes');
}

export async function installPackage(
	userFolder: string,
	opts: InstallPackageOptions = {},
): Promise<InstalledPackage> {
	const log = opts.log ?? defaultLog;
	const tarball = opts.tarball ? path.resolve(opts.tarball) : (await packPackage(opts)).tarball;
	const downloadDir = nodesDir(userFolder);
	fs.mkdirSync(path.join(downloadDir, 'node_modules'), { recursive: true });
	const nodesPackageJson = path.join(downloadDir, 'package.json');
	if (!fs.existsSync(nodesPackageJson))
		writeJson(nodesPackageJson, { name: 'installed-nodes', private: true, dependencies: {} });

	// Extract to a scratch dir first so the final directory is named after the package's real name.
	const scratch = fs.mkdtempSync(path.join(downloadDir, '.extract-'));
	try {
		await run('tar', ['-xzf', tarball, '-C', scratch, '--strip-components=1'], {
			timeoutMs: 60_000,
		});
		const pjPath = path.join(scratch, 'package.json');
		const { devDependencies, peerDependencies, optionalDependencies, ...pj } = readJson(pjPath);
		void devDependencies;
		void peerDependencies;
		void optionalDependencies;
		const name: string = pj.name;
		if (!/^(@[^/]+\/)?n8n-nodes-[^/]+$/.test(name)) {
			throw new Error(
				`Package name "${name}" does not match n8n-nodes-* / @scope/n8n-nodes-*; n8n would silently ignore it`,
			);
		}
		if (!pj.n8n?.nodes && !pj.n8n?.credentials)
			throw new Error(`${name}: package.json has no "n8n" section`);
		writeJson(pjPath, pj);
		const dir = path.join(downloadDir, 'node_modules', ...name.split('/'));
		fs.rmSync(dir, { recursive: true, force: true });
		fs.mkdirSync(path.dirname(dir), { recursive: true });
		fs.renameSync(scratch, dir);
		if (opts.npmInstall !== false) {
			await run('npm', ['install', ...N8N_COMMUNITY_NPM_INSTALL_ARGS], {
				cwd: dir,
				timeoutMs: 300_000,
			});
		}
		const nodesPj = readJson(nodesPackageJson);
		nodesPj.dependencies = { ...(nodesPj.dependencies ?? {}), [name]: pj.version };
		writeJson(nodesPackageJson, nodesPj);
		for (const f of [...(pj.n8n.nodes ?? []), ...(pj.n8n.credentials ?? [])]) {
			if (!fs.existsSync(path.join(dir, f)))
				throw new Error(`${name}: "n8n" section lists ${f}, which is not in the tarball`);
		}
		log(`installed ${name}@${pj.version} into ${dir}`);
		return { name, version: pj.version, dir, tarball, typePrefix: name };
	} finally {
		fs.rmSync(scratch, { recursive: true, force: true });
	}
}
