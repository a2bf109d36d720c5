/**
 * The full campaign (fullCampaign.ts: 1,000 contacts, one circle down for 5 minutes, 2% of callbacks dropped and
 * 5% sent twice) in n8n queue mode as the README recommends it: Redis, PostgreSQL, n8n main (Schedule trigger and
 * the API), one webhook processor and ONE worker that runs every execution. Midway the worker is SIGKILLed (the
 * executions it was running are lost) and a new one is started: same checks as regular mode (stats = the
 * simulator's ground truth, no number called while a call to it is live, 0 over 200 in any 60 s, every row final).
 *
 *   npx tsx test/e2e/run.ts --only queue-full --n8n 2.41.1     (opt-in: about 15 minutes)
 */
import type { Progress } from '../../../scripts/demo/run';
import { withQueueStack } from '../harness/queue';
import type { Logger } from '../harness/util';
import type { E2eContext } from '../lib/context';
import type { Checks } from '../lib/runner';
import { fullCampaign } from './fullCampaign';

/** Kill the worker once this share of the contacts is final. */
const KILL_AT_FINAL = 0.35;

export async function queueFull(
	env: { log: Logger; shared: E2eContext['shared'] },
	checks: Checks,
): Promise<void> {
	const { log } = env;
	const pkg = {
		...(process.env.E2E_PACKAGE_DIR ? { packageDir: process.env.E2E_PACKAGE_DIR } : {}),
		...(process.env.E2E_PACKAGE_BUILD === '0' ? { build: false } : {}),
	};
	// main takes production webhooks too: the campaign's workflow calls its own clock and sheet through main's URL
	await withQueueStack(
		{ workers: 1, packages: [pkg], disableProductionMain: false, log },
		async (stack) => {
			const ctx: E2eContext = { n8n: stack.main!, log, shared: env.shared };
			let killing: Promise<void> | undefined;
			let killedAt: { final: number; calls: number; live: number; seconds: number } | undefined;
			const t0 = Date.now();
			const killWorker = async (p: Progress) => {
				const worker = stack.workers[0];
				killedAt = {
					final: p.finalRows,
					calls: p.calls,
					live: p.live,
					seconds: Math.round((Date.now() - t0) / 1000),
				};
				log(
					`  queue: SIGKILL worker (pid ${worker.pid}) with ${p.live} calls live, ${p.finalRows} of ${p.contacts} rows final`,
				);
				await worker.restart({ hard: true });
				log(
					`  queue: a new worker is running (pid ${worker.pid}), ${Math.round((Date.now() - t0) / 1000) - killedAt.seconds} s after the kill`,
				);
			};
			await fullCampaign(ctx, checks, {
				onProgress: (p) => {
					if (!killing && p.finalRows >= KILL_AT_FINAL * p.contacts)
						killing = killWorker(p).catch((e: Error) =>
							log(`  queue: restarting the worker failed: ${e.message}`),
						);
				},
			});
			await killing;
			checks.check(
				'queue mode: the worker was SIGKILLed mid-campaign and a new one took over',
				killedAt !== undefined && stack.workers[0].running,
				killedAt
					? `killed with ${killedAt.live} calls live, ${killedAt.final} rows final, after ${killedAt.seconds} s`
					: 'the campaign never reached the kill point',
				{ killedAt },
			);
		},
	);
}
