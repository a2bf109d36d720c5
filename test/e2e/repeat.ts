/**
 * Runs the e2e suite several times in a row, each time with a fresh n8n user folder, and prints how often each
 * check passed. One green run proves little about a race; this is the "many runs in a row" proof.
 *
 *   npm run test:e2e:repeat -- --times 3 --n8n 1.123.81 --only full,overlap
 *   npm run test:e2e:repeat -- --times 3 --load 1 --only full   # with one core kept busy beside n8n
 *
 * --series NAME keeps this series' results apart (.e2e/repeat/NAME/).
 * --load N starts N CPU-bound processes (a busy loop each, normal priority) before every run and stops them after
 * it: the "machine loaded" runs, with the same load every time.
 * Every other argument goes to test/e2e/run.ts unchanged. Results: .e2e/repeat/<version>-run<k>.json and a
 * summary in .e2e/repeat/<version>-summary.json. Exits non-zero when any run failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SuiteResult } from './lib/runner';

function takeArg(args: string[], name: string): string | undefined {
	const i = args.indexOf(`--${name}`);
	if (i < 0) return undefined;
	const [, value] = args.splice(i, 2);
	return value;
}

/** A process that keeps one core busy until killed (the load of a "loaded machine" run). */
function startBusyProcesses(count: number): ChildProcess[] {
	return Array.from({ length: count }, () =>
		spawn(process.execPath, ['-e', 'for (;;) Math.sqrt(Math.random());'], { stdio: 'ignore' }),
	);
}

function main(): number {
	const args = process.argv.slice(2);
	const times = Number(takeArg(args, 'times') ?? 3);
	if (!Number.isInteger(times) || times < 1)
		throw new Error('--times must be a whole number of runs, 1 or more');
	const load = Number(takeArg(args, 'load') ?? 0);
	if (!Number.isInteger(load) || load < 0)
		throw new Error('--load must be a whole number of busy processes, 0 or more');
	if (args.includes('--results')) throw new Error('--results is set per run by this script');
	const series = takeArg(args, 'series');
	const n8nAt = args.indexOf('--n8n');
	const version =
		(n8nAt >= 0 ? args[n8nAt + 1] : undefined) ?? process.env.E2E_N8N_VERSION ?? '2.41.1';
	const dir = join('.e2e', 'repeat', ...(series ? [series] : []));
	mkdirSync(dir, { recursive: true });

	const runs: Array<{
		run: number;
		exitCode: number;
		seconds: number;
		passed: number;
		failed: string[];
	}> = [];
	const tally = new Map<string, { passed: number; runs: number }>();
	for (let k = 1; k <= times; k++) {
		const file = join(dir, `${version}-run${k}.json`);
		const t0 = Date.now();
		console.log(
			`\n===== run ${k} of ${times}${load ? `, ${load} busy process(es) beside it` : ''} =====`,
		);
		const hogs = startBusyProcesses(load);
		const res = spawnSync('npx', ['tsx', 'test/e2e/run.ts', ...args, '--results', file], {
			stdio: 'inherit',
		});
		for (const hog of hogs) hog.kill('SIGKILL');
		const suite = JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
		for (const r of suite.testResults) {
			const t = tally.get(r.name) ?? { passed: 0, runs: 0 };
			t.runs++;
			if (r.status === 'passed') t.passed++;
			tally.set(r.name, t);
		}
		runs.push({
			run: k,
			exitCode: res.status ?? 1,
			seconds: Math.round((Date.now() - t0) / 1000),
			passed: suite.numPassedTests,
			failed: suite.testResults.filter((r) => r.status === 'failed').map((r) => r.name),
		});
	}

	console.log(
		`\n===== ${times} runs in a row, n8n ${version}${load ? `, ${load} busy process(es) beside each` : ''} =====`,
	);
	for (const r of runs) {
		console.log(
			`run ${r.run}: ${r.failed.length === 0 && r.exitCode === 0 ? 'PASS' : 'FAIL'}  ${r.passed} passed, ${r.failed.length} failed, ${r.seconds} s${r.failed.length ? `  (${r.failed.join('; ')})` : ''}`,
		);
	}
	for (const [name, t] of tally) console.log(`  ${t.passed}/${t.runs}  ${name}`);
	const green = runs.filter((r) => r.exitCode === 0 && r.failed.length === 0).length;
	console.log(`${green} of ${times} runs passed every check`);
	writeFileSync(
		join(dir, `${version}-summary.json`),
		JSON.stringify({ version, args, load, runs, checks: Object.fromEntries(tally) }, null, 2),
	);
	return green === times ? 0 : 1;
}

process.exit(main());
