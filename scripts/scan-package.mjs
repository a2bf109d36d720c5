#!/usr/bin/env node
/**
 * The offline part of n8n's verification scan (`npx @n8n/scan-community-package <name>`), run on this checkout.
 *
 * The real scan downloads the published package and its provenance from npm, fetches the attested GitHub commit,
 * and then lints two things with its own ESLint config (inline `eslint-disable` comments are NOT honoured):
 *   1. the source:  package.json and {nodes,credentials}/**\/*.{js,ts,json};
 *   2. the tarball: every **\/*.js file and package.json of the packed package.
 * This script does step 2 on `npm pack` of the working tree and step 1 on the working tree, with the scanner's own
 * `analyzePackage` and `SOURCE_FILE_PATTERNS` (same config, same rules, same plugin versions). Only the provenance
 * and download steps are skipped: they need the registry and a published version.
 *
 * Run `npm run build` first (the tarball contains dist/). Exit code 0 = passed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scanner = path.join(root, 'node_modules', '@n8n', 'scan-community-package', 'scanner', 'scanner.mjs');
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(scanner);

if (!fs.existsSync(path.join(root, 'dist'))) {
	console.error('scan: no dist/ — run `npm run build` first');
	process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'exotel-scan-'));
let failed = false;
try {
	const pack = spawnSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], {
		cwd: root,
		encoding: 'utf8',
	});
	if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
	const tarball = path.join(work, pack.stdout.trim().split('\n').pop());
	const packageDir = path.join(work, 'package');
	fs.mkdirSync(packageDir);
	const tar = spawnSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], { encoding: 'utf8' });
	if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);

	const legs = [
		['source (package.json, nodes/, credentials/)', root, SOURCE_FILE_PATTERNS],
		[`packed ${path.basename(tarball)} (**/*.js, package.json)`, packageDir, ['**/*.js', 'package.json']],
	];
	for (const [label, dir, patterns] of legs) {
		const result = await analyzePackage(dir, patterns);
		if (result.passed) {
			console.log(`✅ ${label}: passed${result.message ? ` (${result.message})` : ''}`);
		} else {
			failed = true;
			console.log(`❌ ${label}: ${result.message}`);
			if (result.details) console.log(result.details);
		}
	}
} catch (error) {
	failed = true;
	console.error(`scan: ${error.message}`);
} finally {
	fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
