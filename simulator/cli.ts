/**
 * npm run simulator -- [--port 4010] [--host 127.0.0.1] [--factor 10] [--seed 42] [--start 2025-01-06T10:00:00]
 *                      [--config sim.json] [--quiet]
 * --config takes a JSON file with a partial SimConfig (outages, faults, fixtures, accounts …); flags win over it.
 */
import { readFileSync } from 'node:fs';
import type { DeepPartial, SimConfig } from './config';
import { mergeInto } from './config';
import { startSimulator } from './index';

function parseArgs(argv: string[]): Record<string, string | true> {
	const out: Record<string, string | true> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith('--')) throw new Error(`Unexpected argument "${arg}"`);
		const [key, inline] = arg.slice(2).split('=', 2);
		if (inline !== undefined) out[key] = inline;
		else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[key] = argv[++i];
		else out[key] = true;
	}
	return out;
}

function numberArg(args: Record<string, string | true>, key: string): number | undefined {
	const value = args[key];
	if (value === undefined) return undefined;
	const n = Number(value);
	if (value === true || !Number.isFinite(n)) throw new Error(`--${key} needs a number`);
	return n;
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	if (args.help || args.h) {
		process.stdout.write(
			'Usage: npm run simulator -- [--port 4010] [--host 127.0.0.1] [--factor 1] [--seed 42] [--start <ISO>] [--config file.json] [--quiet]\n',
		);
		return;
	}
	const patch: DeepPartial<SimConfig> = {};
	if (typeof args.config === 'string')
		mergeInto(
			patch as SimConfig,
			JSON.parse(readFileSync(args.config, 'utf8')) as DeepPartial<SimConfig>,
		);
	const port = numberArg(args, 'port');
	const factor = numberArg(args, 'factor');
	const seedArg = args.seed;
	if (port !== undefined) patch.port = port;
	if (typeof args.host === 'string') patch.host = args.host;
	if (typeof seedArg === 'string') patch.seed = /^-?\d+$/.test(seedArg) ? Number(seedArg) : seedArg;
	if (factor !== undefined || typeof args.start === 'string') {
		patch.clock = { ...(patch.clock ?? {}) };
		if (factor !== undefined) patch.clock.factor = factor;
		if (typeof args.start === 'string') patch.clock.virtualStart = args.start;
	}
	patch.log = !args.quiet;
	if (patch.port === undefined) patch.port = 4010;

	const sim = await startSimulator(patch);
	const account = sim.config.accounts[0];
	process.stdout.write(
		[
			`Exotel simulator listening on ${sim.url}`,
			`  credential: cluster "custom", base URL ${sim.url}`,
			`  account sid ${account.sid}, API key ${account.apiKey}, API token ${account.apiToken}`,
			`  API root ${sim.url}/v1/Accounts/${account.sid}`,
			`  clock factor ${sim.clock.factor}, seed ${String(sim.config.seed)}, ${account.exoPhones.length} ExoPhones`,
			`  control: ${sim.url}/_sim/clock, /_sim/ledger, /_sim/config, /_sim/reset, /_sim/sheets/<name>/rows`,
			'',
		].join('\n'),
	);
	const shutdown = () => {
		void sim.stop().then(() => process.exit(0));
	};
	process.on('SIGINT', shutdown);
	process.on('SIGTERM', shutdown);
}

main().catch((error: Error) => {
	process.stderr.write(`simulator: ${error.message}\n`);
	process.exit(1);
});
