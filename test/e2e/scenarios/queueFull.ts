/**
 * The full campaign (fullCampaign.ts: 1,000 contacts, one circle down for 5 minutes, 2% of callbacks dropped and
 * 5% sent twice) in n8n queue mode as README "Running at scale" describes it: Redis, PostgreSQL, n8n main (Schedule
 * trigger and the API), one webhook processor and TWO workers, with example 3 (the tick lock and the callback table
 * in n8n Data tables, the Release node's Queue Mode on). Midway one worker is SIGKILLed (the executions it was
 * running are lost: possibly a tick holding the lock, which then frees itself after the workflow timeout) and a new
 * one is started: same checks as regular mode (stats = the simulator's ground truth, no number called while a call
 * to it is live, 0 over 200 in any 60 s, every row final).
 *
 *   npx tsx test/e2e/run.ts --only queue-full --n8n 2.41.1     (about 15 minutes)
 *
 * Env: E2E_QUEUE_FULL_WORKERS (default 2).
 */
import type { Progress } from '../../../scripts/demo/run';
import { suitePackage, withQueueStack, type QueueStack } from '../harness/queue';
import type { Logger } from '../harness/util';
import type { E2eContext } from '../lib/context';
import type { Checks } from '../lib/runner';
import { fullCampaign } from './fullCampaign';

/** Kill a worker once this share of the contacts is final (after the dashboard visit at a third, fullCampaign.ts). */
const KILL_AT_FINAL = 0.45;
const WORKERS = Number(process.env.E2E_QUEUE_FULL_WORKERS ?? 2);

export async function queueFull(
	env: { log: Logger; shared: E2eContext['shared'] },
	checks: Checks,
): Promise<void> {
	const { log } = env;
	const pkg = suitePackage();
	// main takes production webhooks too: the campaign's workflow calls its own clock and sheet through main's URL
	await withQueueStack(
		{ workers: WORKERS, packages: [pkg], disableProductionMain: false, log },
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
				queue: true,
				// a tick killed while holding the lock stops the campaign until the lock ends (example 3's timeout)
				extraTimeoutMs: 4 * 60_000,
				onProgress: (p) => {
					if (!killing && p.finalRows >= KILL_AT_FINAL * p.contacts)
						killing = killWorker(p).catch((e: Error) =>
							log(`  queue: restarting the worker failed: ${e.message}`),
						);
				},
			});
			await killing;
			await lockFigures(stack, env.log, checks);
			checks.check(
				`queue mode (${WORKERS} workers): one worker was SIGKILLed mid-campaign and a new one took over`,
				killedAt !== undefined && stack.workers[0].running,
				killedAt
					? `killed with ${killedAt.live} calls live, ${killedAt.final} rows final, after ${killedAt.seconds} s`
					: 'the campaign never reached the kill point',
				{ killedAt },
			);
		},
	);
}

/**
 * What the tick lock did, from n8n's own execution records: ticks that ran the campaign (their data holds Release,
 * PostgreSQL) and ticks that ended at the lock; whether two holders' times with the lock (node timings, public API)
 * ever overlapped; callbacks left queued.
 */
async function lockFigures(stack: QueueStack, log: Logger, checks: Checks): Promise<void> {
	const pg = stack.postgres;
	if (!pg) throw new Error('queue stack without PostgreSQL');
	const rows = await pg.query(
		`select e.id, e.status, position('"Exotel Pacing: Release"' in d.data) > 0 from execution_entity e ` +
			`join execution_data d on d."executionId" = e.id where e.mode = 'trigger' and e."stoppedAt" is not null ` +
			`order by e."startedAt"`,
	);
	const holderIds = rows.filter(([, , ran]) => ran === 't').map(([id, status]) => ({ id, status }));
	// Each holder's time with the lock, from its own node timings: Take Tick Lock's start to Give Tick Lock Back's
	// end. A tick whose worker was killed before it gave the lock back held it until example 3's timeout ran out.
	const lockMs = 120_000;
	const sections: Array<{ from: number; to: number; killed: boolean }> = [];
	for (const { id, status } of holderIds) {
		const run = (await stack.main!.client.getExecution(id, true)).data?.resultData?.runData as
			| Record<string, Array<{ startTime: number; executionTime?: number }>>
			| undefined;
		const take = run?.['Take Tick Lock']?.[0];
		if (!take) continue;
		const give = run?.['Give Tick Lock Back']?.[0];
		sections.push({
			from: take.startTime,
			to: give ? give.startTime + (give.executionTime ?? 0) : take.startTime + lockMs,
			killed: !give || status === 'crashed',
		});
	}
	sections.sort((a, b) => a.from - b.from);
	let overlapping = 0;
	for (let k = 1; k < sections.length; k++)
		if (sections[k].from < sections[k - 1].to) overlapping++;
	const durations = sections
		.filter((t) => !t.killed)
		.map((t) => t.to - t.from)
		.sort((a, b) => a - b);
	const median = durations.length ? durations[Math.floor(durations.length / 2)] : 0;
	const killed = sections.filter((t) => t.killed).length;
	const ticks = rows;
	const holders = sections;
	const leftTable = await pg.query(`select id from data_table where name = 'exotel_callbacks'`);
	const left = leftTable[0]
		? Number((await pg.query(`select count(*) from "data_table_user_${leftTable[0][0]}"`))[0][0])
		: -1;
	log(
		`  queue: ${ticks.length} ticks, ${holders.length} ran the campaign (took the lock), ${ticks.length - holders.length} ended at the lock; ` +
			`lock holders overlapping: ${overlapping}; their median length ${(median / 1000).toFixed(1)} s; ` +
			`lock holders killed before giving it back: ${killed}; callbacks left queued: ${left}`,
	);
	checks.check(
		'queue mode: one tick at a time ran the campaign (no two lock holders at once), and every queued callback was taken',
		holders.length > 0 && overlapping === 0 && left === 0,
		`${holders.length} of ${ticks.length} ticks took the lock (node timings), ${overlapping} overlapping, ` +
			`${killed} killed while holding it, ${left} callbacks left in the table`,
		{
			ticks: ticks.length,
			holders: holders.length,
			overlapping,
			killedHolders: killed,
			medianTickMs: median,
			callbacksLeft: left,
		},
	);
}
