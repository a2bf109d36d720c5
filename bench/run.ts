/**
 * npm run bench [-- --seed 42 --contacts 10000 --quick --jobs 2 --no-write]
 *
 * Runs every policy on every scenario (in worker processes), measures the engine's CPU time per tick, prints the
 * tables and writes BENCHMARKS.md and the SVG charts under bench/charts/.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveSettings } from '../nodes/core/pacing';
import { breakerChart, callsPerCircleChart, cumulativeChart } from './charts';
import { measureCpu, type CpuFigures } from './cpu';
import { runInWorkers } from './pool';
import { POLICY_IDS, contactsFor, toSeries, type Job, type JobResult } from './jobs';
import { evaluateTargets, renderReport } from './report';
import { eligibleCount } from './sim/contacts';
import { buildScenarios, faultOffsetMinutes } from './sim/scenarios';

interface Args {
	seed: number | string;
	contacts: number;
	quick: boolean;
	jobs: number;
	write: boolean;
}

function parseArgs(argv: string[]): Args {
	const a: Args = {
		seed: 42,
		contacts: 10_000,
		quick: false,
		jobs: Math.max(1, Math.min(4, os.cpus().length)),
		write: true,
	};
	let contactsGiven = false;
	for (let i = 0; i < argv.length; i++) {
		const k = argv[i];
		const v = () => {
			const x = argv[++i];
			if (x === undefined) throw new Error(`${k} needs a value`);
			return x;
		};
		if (k === '--seed') {
			const x = v();
			a.seed = /^\d+$/.test(x) ? Number(x) : x;
		} else if (k === '--contacts') {
			a.contacts = Number(v());
			contactsGiven = true;
			if (!Number.isInteger(a.contacts) || a.contacts < 100)
				throw new Error('--contacts must be a whole number >= 100');
		} else if (k === '--quick') a.quick = true;
		else if (k === '--jobs') a.jobs = Math.max(1, Number(v()));
		else if (k === '--no-write') a.write = false;
		else if (k === '--help' || k === '-h') {
			console.log('npm run bench -- [--seed N] [--contacts N] [--quick] [--jobs N] [--no-write]');
			process.exit(0);
		} else throw new Error(`Unknown argument ${k}`);
	}
	if (a.quick && !contactsGiven) a.contacts = 2_000;
	return a;
}

function runJobs(jobs: Job[], workers: number): Promise<JobResult[]> {
	return runInWorkers<Job, JobResult>(
		path.join(__dirname, 'worker.ts'),
		jobs,
		workers,
		(r) => `${r.job.scenario} · ${r.job.policy} (${(r.metrics.wallMs / 1000).toFixed(1)} s)`,
	);
}

/** The commit the engine was taken from (and whether nodes/core/pacing had uncommitted changes). */
function engineVersion(root: string): string {
	try {
		const git = (...a: string[]) =>
			execFileSync('git', a, {
				cwd: root,
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'ignore'],
			}).trim();
		const commit = git('log', '-1', '--format=%h', '--', 'nodes/core/pacing');
		const dirty = git('status', '--porcelain', '--', 'nodes/core/pacing') !== '';
		return `${commit}${dirty ? ' + uncommitted changes' : ''}`;
	} catch {
		return 'unknown';
	}
}

async function main(): Promise<void> {
	const t0 = performance.now();
	const args = parseArgs(process.argv.slice(2));
	const root = path.resolve(__dirname, '..');
	const contacts = contactsFor(args.contacts, args.seed);
	const eligible = eligibleCount(contacts);
	const scenarios = buildScenarios(eligible);
	// Longest jobs (our engine) first, so the workers finish together.
	const jobs: Job[] = [];
	const order = [...POLICY_IDS].sort(
		(a, b) => Number(b.startsWith('ours')) - Number(a.startsWith('ours')),
	);
	for (const p of order)
		for (const s of scenarios)
			jobs.push({ seed: args.seed, contacts: args.contacts, scenario: s.id, policy: p });
	process.stderr.write(
		`Running ${jobs.length} simulations (${args.contacts} contacts, seed ${args.seed}) on ${args.jobs} worker(s)…\n`,
	);
	const results = await runJobs(jobs, args.jobs);

	process.stderr.write('Measuring CPU time per tick…\n');
	const cpu: CpuFigures[] = [
		measureCpu(10_000, args.seed, args.quick ? 30 : 150),
		measureCpu(100_000, args.seed, args.quick ? 10 : 60),
	];

	const metrics = results.map((r) => r.metrics);
	const settings = resolveSettings({});
	const targets = evaluateTargets(metrics, cpu, settings);

	// charts
	const chartsDir = path.join(root, 'bench', 'charts');
	const charts: Array<{ file: string; caption: string; svg: string }> = [];
	const seriesFor = (scenario: string) =>
		POLICY_IDS.map((p) => results.find((r) => r.job.scenario === scenario && r.job.policy === p))
			.filter((r): r is JobResult => !!r)
			.map((r) => toSeries(r.series));
	for (const sc of ['hard-outage', 'silent-outage', 'healthy'] as const) {
		const title = scenarios.find((s) => s.id === sc)!.title;
		charts.push({
			file: `bench/charts/calls-per-circle-${sc}.svg`,
			caption: `Calls per minute into each circle — ${title}`,
			svg: callsPerCircleChart(seriesFor(sc), `Calls placed per minute, per circle — ${title}`),
		});
	}
	charts.push({
		file: 'bench/charts/breakers.svg',
		caption: 'Breaker states of our engine (default settings), every scenario',
		svg: breakerChart(
			scenarios.map((s) =>
				toSeries(results.find((r) => r.job.scenario === s.id && r.job.policy === 'ours')!.series),
			),
			'Circle breaker states — our engine, default settings',
		),
	});
	charts.push({
		file: 'bench/charts/cumulative-completions.svg',
		caption: 'Cumulative completed calls per policy, every scenario',
		svg: cumulativeChart(
			scenarios.map((s) => ({ title: s.title, series: seriesFor(s.id) })),
			'Cumulative completed calls per policy',
		),
	});

	const cpuModel = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
	const runtimeS = (performance.now() - t0) / 1000;
	const argText = process.argv.slice(2).join(' ');
	const report = renderReport(metrics, cpu, targets, {
		command: `npm run bench${argText ? ' -- ' + argText : ''}`,
		seed: args.seed,
		contacts: args.contacts,
		eligible,
		quick: args.quick,
		machine: {
			cpu: cpuModel,
			cores: os.cpus().length,
			node: process.version,
			os: `${os.type()} ${os.release()} ${os.arch()}`,
		},
		runtimeS,
		jobs: jobs.length,
		scenarios,
		faultOffsetMin: faultOffsetMinutes(eligible),
		settings,
		engine: engineVersion(root),
		charts: charts.map((c) => ({ file: c.file, caption: c.caption })),
	});
	console.log(report.console);
	if (args.write) {
		fs.mkdirSync(chartsDir, { recursive: true });
		for (const c of charts) fs.writeFileSync(path.join(root, c.file), c.svg);
		fs.writeFileSync(path.join(root, 'BENCHMARKS.md'), report.markdown);
		console.log(`\nWrote BENCHMARKS.md and ${charts.length} charts under bench/charts/.`);
	}
}

main().catch((e) => {
	console.error(e);
	process.exitCode = 1;
});
