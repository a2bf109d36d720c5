/**
 * npm run bench:sweep [-- --seeds 20 --first 1 --contacts 10000 --outage-contacts 5000 --rates 2,4,8
 *                          --healthy uniform,2 --jobs 2 --out file.md --verify 12]
 *
 * The breaker's seed sweep (docs/pacing-design.md, "Detection time depends on a circle's call rate"): for each
 * seed, the outage circle is made small (about `rates` calls/min) and taken hard and silently down, and healthy
 * campaigns (the simulator's uniform circle mix, and lists with a small circle) run to their end with no fault.
 * Outage runs use a shorter list (--outage-contacts; the fault then starts 9 min in, during the first pass) to keep
 * the sweep to minutes; the call rate into the small circle depends on its share, not on the list's length.
 * Prints detection time (median, max), calls into the down circle before the cut, and breaker trips on the
 * healthy runs (per seed and in total). Seeded like `npm run bench`: the same arguments give the same table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runInWorkers } from '../pool';
import { OUTAGE_HORIZON_MIN, type SweepJob, type SweepResult } from './jobs';
import { renderSweep } from './report';

interface Args {
	seeds: number;
	first: number;
	contacts: number;
	outageContacts: number;
	rates: number[];
	/** Healthy contact lists: 'uniform' or a target rate of the small circle. */
	healthy: Array<number | null>;
	jobs: number;
	out: string | null;
	/** settings.verifyCallsPerMinute for every job (default: the engine's). */
	verify?: number;
}

function parseArgs(argv: string[]): Args {
	const a: Args = {
		seeds: 20,
		first: 1,
		contacts: 10_000,
		outageContacts: 5_000,
		rates: [2, 4, 8],
		healthy: [null, 2],
		jobs: Math.max(1, Math.min(2, os.cpus().length)),
		out: null,
	};
	const num = (x: string, k: string): number => {
		const n = Number(x);
		if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} needs a positive number`);
		return n;
	};
	for (let i = 0; i < argv.length; i++) {
		const k = argv[i];
		const v = () => {
			const x = argv[++i];
			if (x === undefined) throw new Error(`${k} needs a value`);
			return x;
		};
		if (k === '--seeds') a.seeds = Math.floor(num(v(), k));
		else if (k === '--first') a.first = Math.floor(num(v(), k));
		else if (k === '--contacts') a.contacts = Math.floor(num(v(), k));
		else if (k === '--outage-contacts') a.outageContacts = Math.floor(num(v(), k));
		else if (k === '--rates')
			a.rates = v()
				.split(',')
				.filter(Boolean)
				.map((x) => num(x, k));
		else if (k === '--healthy')
			a.healthy = v()
				.split(',')
				.filter(Boolean)
				.map((x) => (x === 'uniform' ? null : num(x, k)));
		else if (k === '--jobs') a.jobs = Math.max(1, Math.floor(num(v(), k)));
		else if (k === '--out') a.out = v();
		else if (k === '--verify') a.verify = num(v(), k);
		else throw new Error(`Unknown argument ${k}`);
	}
	return a;
}

function sweepJobs(a: Args): SweepJob[] {
	const jobs: SweepJob[] = [];
	for (let seed = a.first; seed < a.first + a.seeds; seed++) {
		// the long healthy campaigns first, so the workers finish together
		for (const rate of a.healthy)
			jobs.push({
				seed,
				contacts: a.contacts,
				kind: 'healthy',
				rate,
				verifyCallsPerMinute: a.verify,
			});
	}
	for (let seed = a.first; seed < a.first + a.seeds; seed++)
		for (const rate of a.rates)
			for (const kind of ['hard', 'silent'] as const)
				jobs.push({
					seed,
					contacts: a.outageContacts,
					kind,
					rate,
					verifyCallsPerMinute: a.verify,
				});
	return jobs;
}

function runJobs(jobs: SweepJob[], workers: number): Promise<SweepResult[]> {
	return runInWorkers<SweepJob, SweepResult>(
		path.join(__dirname, 'worker.ts'),
		jobs,
		workers,
		(r) =>
			`seed ${r.job.seed} ${r.job.kind} ${r.job.rate ?? 'uniform'} (${(r.wallMs / 1000).toFixed(1)} s)`,
	);
}

async function main(): Promise<void> {
	const a = parseArgs(process.argv.slice(2));
	const jobs = sweepJobs(a);
	process.stderr.write(`Running ${jobs.length} simulations on ${a.jobs} worker(s)…\n`);
	const t0 = Date.now();
	const results = await runJobs(jobs, a.jobs);
	const text = renderSweep(results, {
		command: `npm run bench:sweep -- ${process.argv.slice(2).join(' ')}`.trim(),
		seeds: `${a.first}-${a.first + a.seeds - 1}`,
		contacts: a.contacts,
		outageContacts: a.outageContacts,
		horizonMin: OUTAGE_HORIZON_MIN,
		runtimeS: (Date.now() - t0) / 1000,
	});
	console.log(text);
	if (a.out) {
		fs.writeFileSync(path.resolve(a.out), text + '\n');
		console.log(`Wrote ${a.out}.`);
	}
}

main().catch((e) => {
	console.error(e);
	process.exitCode = 1;
});
