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
import { DateTime } from 'luxon';

import type { RunningSimulator } from '../../../simulator';
import type { N8nInstance } from '../harness';
import { pidOwningLocalPort } from '../harness/peer';
import { suitePackage, withQueueStack, type QueueStack } from '../harness/queue';
import type { Logger } from '../harness/util';
import type { E2eContext } from '../lib/context';
import type { Checks } from '../lib/runner';
import { FULL, fullCampaign } from './fullCampaign';

/**
 * Kill a worker once this share of the contacts is final (after the dashboard visit at a third, fullCampaign.ts) and
 * the circle outage is over.
 */
const KILL_AT_FINAL = 0.45;
/** The clock stays at its slowest this long after the kill: example 3's lock timeout (120 s) and a margin. */
const SLOW_AFTER_KILL_MS = 150_000;
/** How long to wait for a worker to send a connect request once the kill point is reached. */
const PLACING_WAIT_MS = 60_000;
const WORKERS = Number(process.env.E2E_QUEUE_FULL_WORKERS ?? 2);

interface KillPoint {
	seconds: number;
	/** The killed worker was sending connect requests (its tick held the lock, inside Connect Call). */
	placing: boolean;
	connectRequests: number;
}

/**
 * The worst moment to lose a worker: its tick holds the lock and is inside Connect Call, some calls placed and
 * none of them in the saved state. The simulator holds the next connect request while the worker that sent it is
 * found (harness/peer.ts) and killed; then it places that call, whose answer nobody receives.
 */
function killNextPlacingWorker(
	stack: QueueStack,
	sim: RunningSimulator,
	kill: (worker: N8nInstance | undefined) => Promise<void>,
): void {
	const timer = setTimeout(() => {
		sim.onConnect(undefined);
		void kill(undefined);
	}, PLACING_WAIT_MS);
	sim.onConnect(async (port) => {
		const pids = stack.workers.map((w) => w.pid).filter((x): x is number => !!x);
		const pid = port ? pidOwningLocalPort(port, pids) : undefined;
		const worker = stack.workers.find((w) => w.pid === pid);
		if (!worker) return; // main or the webhook processor (a manual call), not a worker's tick
		sim.onConnect(undefined);
		clearTimeout(timer);
		await kill(worker);
	});
}

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
			let killedAt: KillPoint | undefined;
			let slowUntil = 0;
			const t0 = Date.now();
			// After KA's outage: the lock stall of a killed tick must not hide the outage from the breaker (CI of
			// 6b15f53 and a run of 8a2ab0a's code killed inside it with 300 contacts: no calls into KA, no trip).
			const outageOver =
				DateTime.fromISO(FULL.virtualStart).toMillis() + (FULL.outage.toMinute + 1) * 60_000;
			let killed: (() => void) | undefined;
			const killedOnce = new Promise<void>((resolve) => (killed = resolve));
			const killWorker = async (found: N8nInstance | undefined) => {
				const sim = env.shared.full!.sim;
				const worker = found ?? stack.workers[0];
				const requests = sim.ledger.connectRequests.length;
				killedAt = {
					seconds: Math.round((Date.now() - t0) / 1000),
					placing: !!found,
					connectRequests: requests,
				};
				// The governor speeds the clock up while n8n keeps up; a dead lock holder is invisible to it, and at
				// 20x example 3's 2-minute lock timeout would pass 40 virtual minutes (past the 15-minute dedupe
				// horizon and the reservation lease), a stall no real deployment sees from one killed worker.
				slowUntil = Date.now() + SLOW_AFTER_KILL_MS;
				try {
					await worker.kill();
					log(
						`  queue: SIGKILL worker (pid ${worker.pid}) ${found ? 'while its tick was placing calls' : 'NOT seen placing calls within 60 s'} (${requests} connect requests so far)`,
					);
				} finally {
					killed!();
				}
			};
			await fullCampaign(ctx, checks, {
				queue: true,
				// a tick killed while holding the lock stops the campaign until the lock ends (example 3's timeout)
				extraTimeoutMs: 4 * 60_000,
				slowClock: () => Date.now() < slowUntil,
				onProgress: (p) => {
					if (killing || p.finalRows < KILL_AT_FINAL * p.contacts || p.virtualNow < outageOver)
						return;
					killNextPlacingWorker(stack, env.shared.full!.sim, killWorker);
					killing = killedOnce
						.then(() => restartKilled(stack, log, t0))
						.catch((e: Error) =>
							log(`  queue: killing or restarting the worker failed: ${e.message}`),
						);
				},
			});
			await killing;
			await lockFigures(stack, env.log, checks);
			checks.check(
				`queue mode (${WORKERS} workers): the worker whose tick was placing calls was SIGKILLed mid-campaign and a new one took over`,
				killedAt !== undefined && killedAt.placing && stack.workers.every((w) => w.running),
				killedAt
					? `killed after ${killedAt.seconds} s, ${killedAt.placing ? 'while its tick was placing calls' : 'no worker was seen placing calls'}, ${killedAt.connectRequests} connect requests so far`
					: 'the campaign never reached the kill point',
				{ killedAt },
			);
		},
	);
}

/** Starts the killed worker again (same port and user folder), as a process manager would. */
async function restartKilled(stack: QueueStack, log: Logger, t0: number): Promise<void> {
	const worker = stack.workers.find((w) => !w.running);
	if (!worker) return;
	const from = Date.now();
	await worker.start();
	log(
		`  queue: a new worker is running (pid ${worker.pid}), ${Math.round((Date.now() - from) / 1000)} s after the kill (${Math.round((Date.now() - t0) / 1000)} s into the campaign)`,
	);
}

/**
 * What the tick lock did, from n8n's own execution records: ticks that ran the campaign (their data holds Release,
 * PostgreSQL) and ticks that ended at the lock; whether two holders' times with the lock (node timings, public API)
 * ever overlapped; callbacks left queued.
 */
/** SQL: the tick (execution_data d) ran the campaign, i.e. took the lock: its data holds Release. */
export const RAN_CAMPAIGN = `position('"Exotel Pacing: Release"' in d.data) > 0`;

export async function lockFigures(stack: QueueStack, log: Logger, checks: Checks): Promise<void> {
	const pg = stack.postgres;
	if (!pg) throw new Error('queue stack without PostgreSQL');
	const rows = await pg.query(
		`select e.id, e.status, ${RAN_CAMPAIGN} from execution_entity e ` +
			`join execution_data d on d."executionId" = e.id where e.mode = 'trigger' and e."stoppedAt" is not null ` +
			`order by e."startedAt"`,
	);
	// Ticks a killed worker was running: n8n 2.41.1 marks them "error" (seen: trigger error 1 after the kill), or
	// leaves them unfinished; their node timings are lost.
	const lost = await pg.query(
		`select e.id, e.status from execution_entity e where e.mode = 'trigger' and ` +
			`(e."stoppedAt" is null or e.status <> 'success')`,
	);
	const byStatus = await pg.query(
		`select e.mode, e.status, count(*) from execution_entity e group by 1, 2 order by 1, 2`,
	);
	log(`  queue: executions by mode and status: ${byStatus.map((r) => r.join(' ')).join(', ')}`);
	const holderIds = rows.filter(([, , ran]) => ran === 't').map(([id, status]) => ({ id, status }));
	// Each holder's time with the lock, from its own node timings: Take Tick Lock's start to Give Tick Lock Back's
	// end. A tick whose worker was killed before it gave the lock back held it until example 3's timeout ran out.
	const lockMs = 120_000;
	// from/to: Take Tick Lock's start, Give Tick Lock Back's end; tookBy/givingFrom: Take's end, Give's start. The lock
	// changed hands inside those two node runs, at an instant their timings cannot place more exactly.
	const sections: Array<{
		from: number;
		tookBy: number;
		givingFrom: number;
		to: number;
		killed: boolean;
	}> = [];
	for (const { id, status } of holderIds) {
		const run = (await stack.main!.client.getExecution(id, true)).data?.resultData?.runData as
			| Record<string, Array<{ startTime: number; executionTime?: number }>>
			| undefined;
		const take = run?.['Take Tick Lock']?.[0];
		if (!take) continue;
		const give = run?.['Give Tick Lock Back']?.[0];
		const givingFrom = give ? give.startTime : take.startTime + lockMs;
		sections.push({
			from: take.startTime,
			tookBy: take.startTime + (take.executionTime ?? 0),
			givingFrom,
			to: give ? give.startTime + (give.executionTime ?? 0) : givingFrom,
			killed: !give || status === 'crashed',
		});
	}
	sections.sort((a, b) => a.from - b.from);
	// Two holders at once: the next tick had the lock (its Take ended) before this one began to give it back. A Take
	// that ran while the previous Give was running got the row after it (the database orders the two updates): a
	// hand-over, counted apart.
	let overlapping = 0;
	const handOvers: number[] = [];
	for (let k = 1; k < sections.length; k++) {
		const [prev, next] = [sections[k - 1], sections[k]];
		if (next.tookBy < prev.givingFrom) overlapping++;
		else if (next.from < prev.to) handOvers.push(prev.to - next.from);
	}
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
			`lock holders overlapping: ${overlapping}; hand-overs inside a Give Tick Lock Back: ${handOvers.length}${handOvers.length ? ` (${handOvers.join(', ')} ms before it ended)` : ''}; their median length ${(median / 1000).toFixed(1)} s; ` +
			`lock holders killed before giving it back: ${killed}; ticks lost with the killed worker (error or unfinished): ${lost.length}; callbacks left queued: ${left}`,
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
			handOversMs: handOvers,
			killedHolders: killed,
			lostTicks: lost.map(([id, status]) => ({ id, status })),
			medianTickMs: median,
			callbacksLeft: left,
		},
	);
}
