/**
 * Example 5 (example 4's long-list loop for n8n queue mode: example 3's tick lock, callback table and state row) in
 * a queue-mode stack of real parts (harness/queue.ts: Redis, PostgreSQL, main, one webhook processor, workers):
 *
 *   - datatable-queue: the Data table campaign end to end (dataTableCampaign.ts: 1,000 contacts, one circle down
 *     for 5 minutes, 2% of callbacks dropped and 5% duplicated), two workers, status callbacks to the webhook
 *     processor; the same ground-truth checks as example 4, and the lock's (queueFull.ts, lockFigures);
 *   - large-dt-queue: 10,000 and 100,000 contacts measured as large-dt measures example 4 (largeDataTable.ts), on
 *     one worker: a tick's work, the largest n8n process's memory, execution data stored per tick (PostgreSQL),
 *     Release beside Number Lookup; only ticks that took the lock count.
 *
 *   npx tsx test/e2e/run.ts --only datatable-queue     (about 25 minutes)
 *   E2E_LARGE_SIZES=100000 npx tsx test/e2e/run.ts --only large-dt-queue
 */
import { suitePackage, withQueueStack, type QueueStack } from '../harness/queue';
import type { Logger } from '../harness/util';
import type { E2eContext } from '../lib/context';
import type { Checks } from '../lib/runner';
import { runDataTableCampaign } from './dataTableCampaign';
import { measureSize } from './largeDataTable';
import { LARGE } from './largeList';
import { lockFigures, RAN_CAMPAIGN } from './queueFull';

type Env = { log: Logger; shared: E2eContext['shared'] };

/** The suite's context on the stack's main (its API, its PostgreSQL for stored execution data). */
function stackContext(env: Env, stack: QueueStack): E2eContext {
	return { n8n: stack.main!, log: env.log, shared: { ...env.shared, postgres: stack.postgres } };
}

export async function dataTableQueueCampaign(env: Env, checks: Checks): Promise<void> {
	// main serves production webhooks too (stats, dashboard through the API's URL); callbacks go to the webhook
	// processor, as a load balancer routes /webhook/* there
	await withQueueStack(
		{ workers: 2, packages: [suitePackage()], disableProductionMain: false, log: env.log },
		async (stack) => {
			await runDataTableCampaign(stackContext(env, stack), checks, {
				queue: true,
				callbackBaseUrl: stack.webhook!.url,
			});
			await lockFigures(stack, env.log, checks);
		},
	);
}

export async function largeDataTableQueue(env: Env, checks: Checks): Promise<void> {
	await withQueueStack(
		{ workers: 1, packages: [suitePackage()], disableProductionMain: false, log: env.log },
		async (stack) => {
			const ctx = stackContext(env, stack);
			const pg = stack.postgres!;
			const ranCampaign = async (ids: string[]) => {
				if (!ids.length) return new Set<string>();
				const rows = await pg.query(
					`select e.id from execution_entity e join execution_data d on d."executionId" = e.id ` +
						`where e.id in (${ids.map(Number).join(', ')}) and ${RAN_CAMPAIGN}`,
				);
				return new Set(rows.map((r) => String(r[0])));
			};
			for (const size of LARGE.sizes)
				await measureSize(ctx, checks, size, 'list', {
					processes: [stack.main!, ...stack.workers],
					ranCampaign,
					callbackBaseUrl: stack.webhook!.url,
				});
		},
	);
}
