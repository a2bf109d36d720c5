/**
 * The real-n8n end-to-end suite (npm run test:e2e). One n8n (2.41.1 on Node 24 by default, or 1.123.81 on Node 20)
 * with this package installed the way n8n installs community packages; scenarios run one after another, each with
 * its own simulator and workflow. See README.md.
 *
 *   npm run test:e2e                                   # all scenarios on n8n 2.41.1 (or $E2E_N8N_VERSION)
 *   npm run test:e2e -- --n8n 1.123.81                 # the 1.x line
 *   npm run test:e2e -- --results .e2e/e2e-results.json
 *   npm run test:e2e -- --only examples,concurrency    # a subset (names below)
 *   npm run test:e2e -- --only queue-callbacks         # queue mode (own stack: Redis, Postgres, workers); opt-in only
 *   npm run test:e2e -- --install-only --n8n 2.41.1,1.123.81   # install the runtimes (concurrently) and exit
 *   E2E_PACKAGE_DIR=/tmp/clean-checkout E2E_PACKAGE_BUILD=0 npm run test:e2e   # pack another directory, no build
 *
 * Prints one line per check, each prefixed with the n8n version ("n8n 2.41.1 / full campaign: …"), and exits
 * non-zero when any check failed.
 */
import {
	ensureN8n,
	importCredentialsCli,
	installPackage,
	n8nLine,
	prepareN8n,
	defaultLog,
	removeUserFolder,
	type Logger,
	type N8nInstance,
} from './harness';
import { startGoogleEmulator, type StartedEmulator } from './google';
import { startPostgres, type PostgresServer } from './harness/services';
import type { RunningSimulator } from '../../simulator';
import {
	Checks,
	formatResult,
	writeResults,
	type CheckResult,
	type SuiteResult,
} from './lib/runner';
import type { E2eContext } from './lib/context';
import { examplesImport } from './scenarios/examples';
import { fullCampaign } from './scenarios/fullCampaign';
import { concurrencyAndSecurity } from './scenarios/concurrency';
import { restart } from './scenarios/restart';
import { sheetsCampaign } from './scenarios/sheetsCampaign';
import { dataTableCampaign } from './scenarios/dataTableCampaign';
import { overlappingTicks } from './scenarios/overlap';
import { agentTool } from './scenarios/agentTool';
import { editorInBrowser } from './scenarios/editor';
import { queueCallbacks } from './scenarios/queueCallbacks';
import { queueFull } from './scenarios/queueFull';
import { queueIntake } from './scenarios/queueIntake';
import { largeList } from './scenarios/largeList';
import { largeDataTable } from './scenarios/largeDataTable';
import { dataTableQueueCampaign, largeDataTableQueue } from './scenarios/dataTableQueue';

/**
 * A scenario runs on the suite's n8n (`run`), or starts its own stack (`standalone`, e.g. queue mode): the suite's
 * n8n is then stopped first (one stack at a time on a 2-core machine) and not started at all when every chosen
 * scenario is standalone.
 */
type Scenario = {
	key: string;
	name: string;
	/** runs only when named in --only */ optIn?: true;
} & (
	| { run: (ctx: E2eContext, checks: Checks) => Promise<void>; standalone?: undefined }
	| {
			standalone: (
				env: { log: Logger; shared: E2eContext['shared'] },
				checks: Checks,
			) => Promise<void>;
			run?: undefined;
	  }
);

const SCENARIOS: Scenario[] = [
	{ key: 'examples', name: 'examples', run: examplesImport },
	{ key: 'full', name: 'full campaign', run: fullCampaign },
	{ key: 'concurrency', name: 'callbacks', run: concurrencyAndSecurity },
	{ key: 'overlap', name: 'overlapping ticks', run: overlappingTicks },
	{ key: 'sheets', name: 'Google Sheets campaign (example 1)', run: sheetsCampaign },
	{ key: 'datatable', name: 'Data table campaign (example 4)', run: dataTableCampaign },
	{ key: 'agent', name: 'AI agent tool', run: agentTool },
	{ key: 'editor', name: 'editor in a browser', run: editorInBrowser },
	// 10,000 and 100,000 contacts through example 1, measured (issue 12): minutes of a busy machine; opt-in only.
	{
		key: 'large',
		name: 'large lists (example 1, 10k and 100k contacts)',
		run: largeList,
		optIn: true,
	},
	// The same over example 4 (contacts in an n8n Data table, only the rows due read): opt-in.
	{
		key: 'large-dt',
		name: 'large lists (example 4, 10k and 100k contacts)',
		run: largeDataTable,
		optIn: true,
	},
	// Queue mode (Redis + PostgreSQL + main, workers, webhook processor): its own stack. Not in scripts/test-all.sh yet.
	{
		key: 'queue-callbacks',
		name: 'queue mode: callbacks with 1 and 2 workers',
		standalone: queueCallbacks,
		optIn: true,
	},
	{
		key: 'queue-intake',
		name: "queue mode: example 3's callback path with 1 and 2 workers",
		standalone: queueIntake,
		optIn: true,
	},
	{
		key: 'queue-full',
		name: 'queue mode: full campaign (example 3), 2 workers, one SIGKILLed midway',
		standalone: queueFull,
		optIn: true,
	},
	{
		key: 'datatable-queue',
		name: 'queue mode: Data table campaign (example 5), 2 workers',
		standalone: dataTableQueueCampaign,
		optIn: true,
	},
	{
		key: 'large-dt-queue',
		name: 'queue mode: large lists (example 5, 10k and 100k contacts)',
		standalone: largeDataTableQueue,
		optIn: true,
	},
	// Last: it kills n8n.
	{ key: 'restart', name: 'restart', run: restart },
];

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	if (i >= 0) return process.argv[i + 1];
	const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
	return eq ? eq.slice(name.length + 3) : undefined;
}

/** --install-only: ensure each listed n8n (and its Node) concurrently; prints how long each took. */
async function installOnly(versions: string[]): Promise<number> {
	const t0 = Date.now();
	const results = await Promise.allSettled(
		versions.map(async (v) => {
			const started = Date.now();
			const rt = await ensureN8n({ version: v });
			console.log(
				`n8n ${v} (Node ${rt.node.version}) ready in ${Math.round((Date.now() - started) / 1000)} s: ${rt.dir}`,
			);
		}),
	);
	for (const r of results) if (r.status === 'rejected') console.error(r.reason);
	console.log(`install-only: ${versions.join(', ')} in ${Math.round((Date.now() - t0) / 1000)} s`);
	return results.every((r) => r.status === 'fulfilled') ? 0 : 1;
}

async function main(): Promise<number> {
	const versionArg = arg('n8n');
	if (process.argv.includes('--install-only')) {
		return await installOnly(
			(versionArg ?? process.env.E2E_N8N_VERSION ?? '2.41.1').split(',').map((s) => s.trim()),
		);
	}
	if (versionArg) process.env.E2E_N8N_VERSION = versionArg;
	const version = n8nLine().version; // throws for a version without a recipe
	const label = `n8n ${version}`;
	const resultsFile = arg('results') ?? `.e2e/e2e-results-${version}.json`;
	const only = arg('only')
		?.split(',')
		.map((s) => s.trim());
	const unknown = (only ?? []).filter((k) => !SCENARIOS.some((s) => s.key === k));
	if (unknown.length)
		throw new Error(
			`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.key).join(', ')}`,
		);
	const chosen = SCENARIOS.filter((s) => (only ? only.includes(s.key) : !s.optIn));
	const log = defaultLog;
	const startTime = Date.now();
	const all: CheckResult[] = [];
	const scenarios: SuiteResult['scenarios'] = [];
	const print = (r: CheckResult) => {
		all.push(r);
		console.log(formatResult(r));
	};
	const save = () =>
		writeResults(resultsFile, {
			n8nVersion: version,
			nodeVersion: n8n?.runtime.node.version,
			numPassedTests: all.filter((r) => r.status === 'passed').length,
			numFailedTests: all.filter((r) => r.status === 'failed').length,
			numTotalTests: all.length,
			startTime,
			durationMs: Date.now() - startTime,
			scenarios,
			testResults: all,
		});

	let n8n: N8nInstance | undefined;
	let google: StartedEmulator | undefined;
	let postgres: PostgresServer | undefined;
	const googleCredentialId = 'gsheetsEmulator1';
	const simulators: RunningSimulator[] = [];
	let ok = false;
	const shared: E2eContext['shared'] = { simulators, googleCredentialId };
	const needsSuiteN8n = chosen.some((s) => !s.standalone);
	try {
		const setup = new Checks(`${label} / setup`, print);
		const t0 = Date.now();
		if (needsSuiteN8n) {
			try {
				// Google's APIs for example 1's Google Sheets nodes: an emulator that n8n reaches under Google's host names
				// (test/e2e/google/README.md); its env must be there when n8n starts.
				if (chosen.some((sc) => sc.key === 'sheets' || sc.key === 'large'))
					google = await startGoogleEmulator();
				// E2E_DB=postgres: n8n's database in a throwaway PostgreSQL (n8n's production database) instead of SQLite
				if (process.env.E2E_DB === 'postgres') postgres = await startPostgres({ log });
				n8n = await prepareN8n({
					log,
					env: { ...(google?.n8nEnv() ?? {}), ...(postgres ? postgresEnv(postgres) : {}) },
				});
				// E2E_PACKAGE_DIR: pack another checkout (e.g. a clean export of HEAD while the tree is mid-edit);
				// E2E_PACKAGE_BUILD=0: pack its dist/ as it is.
				await installPackage(n8n.userFolder, {
					log,
					...(process.env.E2E_PACKAGE_DIR ? { packageDir: process.env.E2E_PACKAGE_DIR } : {}),
					...(process.env.E2E_PACKAGE_BUILD === '0' ? { build: false } : {}),
				});
				if (google) {
					// the credential example 1 uses (OAuth2), imported as a user's would be stored; the CLI needs n8n stopped
					const data = google.oauth2Credential({ expired: true });
					await importCredentialsCli(n8n, [
						{
							id: googleCredentialId,
							name: 'Google Sheets account',
							type: 'googleSheetsOAuth2Api',
							data,
						},
					]);
				}
				await n8n.start();
				setup.check(
					`n8n ${version} (Node ${n8n.runtime.node.version}) starts with the package installed as a community package`,
					true,
					'',
					{
						seconds: Math.round((Date.now() - t0) / 1000),
					},
				);
			} catch (e) {
				setup.crash(e);
				throw e;
			}
		}
		if (needsSuiteN8n)
			scenarios.push({
				name: `${label} / setup (install n8n if needed, build, pack, install, start)`,
				durationMs: Date.now() - t0,
			});
		shared.google = google;
		shared.postgres = postgres;
		for (const s of chosen) {
			const checks = new Checks(`${label} / ${s.name}`, print);
			const started = Date.now();
			log(`--- ${s.name}`);
			if (s.standalone) {
				try {
					if (n8n?.running) await n8n.stop();
					await s.standalone({ log, shared }, checks);
				} catch (e) {
					checks.crash(e);
				}
				scenarios.push({ name: `${label} / ${s.name}`, durationMs: Date.now() - started });
				save();
				continue;
			}
			const ctx: E2eContext = { n8n: n8n!, log, shared };
			try {
				if (!n8n!.running) await n8n!.start();
				await s.run(ctx, checks);
			} catch (e) {
				checks.crash(e);
				if (n8n!.pid) log(`tail of ${n8n!.logFile}:\n${n8n!.logTail(30)}`);
			}
			scenarios.push({ name: `${label} / ${s.name}`, durationMs: Date.now() - started });
			// Stop this scenario's simulators and workflows so they do not load the next scenario.
			for (const sim of simulators.splice(0)) await sim.stop().catch(() => undefined);
			if (n8n!.running) {
				for (const wf of await n8n!.client.listWorkflows().catch(() => [])) {
					if (wf.active) await n8n!.client.deactivateWorkflow(wf.id).catch(() => undefined);
				}
			}
			save();
		}
		ok = all.every((r) => r.status === 'passed');
	} catch (e) {
		console.error(e);
	} finally {
		for (const sim of simulators) await sim.stop().catch(() => undefined);
		await google?.stop().catch(() => undefined);
		if (n8n) {
			await n8n.stop().catch(() => undefined);
			if (ok && process.env.E2E_KEEP !== '1') removeUserFolder(n8n.userFolder);
			else log(`n8n user folder kept: ${n8n.userFolder}`);
		}
		await postgres?.stop().catch(() => undefined);
		save();
	}
	const passed = all.filter((r) => r.status === 'passed').length;
	const failed = all.length - passed;
	console.log(
		`\n${label}: ${passed} passed, ${failed} failed in ${Math.round((Date.now() - startTime) / 1000)} s — results in ${resultsFile}`,
	);
	for (const s of scenarios) console.log(`  ${s.name}: ${Math.round(s.durationMs / 1000)} s`);
	return ok && failed === 0 && all.length > 0 ? 0 : 1;
}

function postgresEnv(pg: PostgresServer): Record<string, string> {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(pg.port),
		DB_POSTGRESDB_DATABASE: pg.database,
		DB_POSTGRESDB_USER: pg.user,
		DB_POSTGRESDB_PASSWORD: '',
	};
}

main().then(
	(code) => process.exit(code),
	(e) => {
		console.error(e);
		process.exit(1);
	},
);
