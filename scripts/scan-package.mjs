#!/usr/bin/env node
/**
 * The offline part of n8n's verification scan (`npx @n8n/scan-community-package <name>`), run on this checkout.
 *
 * The real scan checks the npm provenance of the published version, fetches the attested GitHub commit and then lints,
 * with its own ESLint config (inline `eslint-disable` comments are NOT honoured; errors fail, warnings do not):
 *   1. the source:  package.json and {nodes,credentials}/**\/*.{js,ts,json}  (SOURCE_FILE_PATTERNS);
 *   2. the tarball: every **\/*.js file and package.json of the published package.
 * This script does the same on the working tree and on `npm pack` of it, with the scanner's own config
 * (buildScanConfig), file patterns and ESLint. Only the registry steps (provenance, download) are skipped.
 *
 * Run `npm run build` first (the tarball contains dist/). Exit code 0 = passed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scannerPath = path.join(
	root,
	'node_modules',
	'@n8n',
	'scan-community-package',
	'scanner',
	'scanner.mjs',
);
const { buildScanConfig, SOURCE_FILE_PATTERNS } = await import(pathToFileURL(scannerPath).href);
const scannerRequire = createRequire(scannerPath);
const { ESLint } = scannerRequire('eslint');
const glob = scannerRequire('fast-glob');

async function lint(label, dir, patterns) {
	const eslint = new ESLint({
		cwd: dir,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: await buildScanConfig(),
	});
	const files = glob.sync(patterns, {
		cwd: dir,
		absolute: true,
		ignore: ['node_modules/**', '**/package-lock.json'],
	});
	const results = await eslint.lintFiles(files);
	const errors = [];
	for (const result of results) {
		const file = path.relative(dir, result.filePath);
		for (const m of result.messages) {
			if (m.severity === 2)
				errors.push(`${file}:${m.line}:${m.column}  ${m.message}  ${m.ruleId ?? ''}`);
		}
	}
	console.log(
		`${errors.length ? '❌' : '✅'} ${label}: ${files.length} files, ${errors.length} errors`,
	);
	for (const line of errors) console.log(`   ${line}`);
	return errors.length === 0;
}

if (!fs.existsSync(path.join(root, 'dist'))) {
	console.error('scan: no dist/ — run `npm run build` first');
	process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'exotel-scan-'));
let passed = true;
try {
	const pack = spawnSync(
		'npm',
		['pack', '--silent', '--ignore-scripts', '--pack-destination', work],
		{ cwd: root, encoding: 'utf8' },
	);
	if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
	const tarball = path.join(work, pack.stdout.trim().split('\n').pop());
	const packageDir = path.join(work, 'package');
	fs.mkdirSync(packageDir);
	const tar = spawnSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], {
		encoding: 'utf8',
	});
	if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);

	passed =
		(await lint('source (package.json, nodes/, credentials/)', root, SOURCE_FILE_PATTERNS)) &&
		passed;
	passed =
		(await lint(`packed ${path.basename(tarball)} (**/*.js, package.json)`, packageDir, [
			'**/*.js',
			'package.json',
		])) && passed;
} catch (error) {
	passed = false;
	console.error(`scan: ${error.message}`);
} finally {
	fs.rmSync(work, { recursive: true, force: true });
}
console.log(passed ? 'scan passed' : 'scan FAILED');
process.exit(passed ? 0 : 1);
