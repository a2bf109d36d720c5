/**
 * Large lists (issue 12), measured: example 1 (the Google Sheets campaign users import, against the Google APIs
 * emulator) over 10,000 and 100,000 contacts in a real n8n, for a few ticks each. The rows come with their
 * lookups done (circle, DND, as a sheet looks after its first pass), so every tick is what a campaign's steady state
 * costs: n8n reads the whole sheet, every row passes Number Lookup (normalising only) and Release.
 *
 * Measured per size, with the issue's targets (printed as checks):
 *   - each tick's work: the time its nodes ran (run data), without Connect Call, which spreads the tick's calls
 *     over 20 of its 30 s by design [≤ 1/3 of the 30-s schedule]; the wall time is printed beside it;
 *   - n8n's memory: the peak of the resident memory of n8n's process group (n8n and its task runner), sampled
 *     every second from /proc [≤ 1.5 GB];
 *   - execution data stored per tick: the `execution_data` row n8n saved for the tick, read from its SQLite
 *     database with the Node that runs n8n when it has node:sqlite (Node ≥ 22.13), else the size of the execution
 *     as n8n's API returns it (JSON) [≤ 1 MB];
 *   - Release's own execution time beside Number Lookup's in the same tick (run data): a node's pass over the same
 *     items that only normalises each number, as every row has its circle [Release ≤ 10× that pass].
 * Opt-in (`--only large`, sizes in E2E_LARGE_SIZES): a 100,000-row tick keeps this 2-core machine busy for minutes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

import { DateTime } from 'luxon';

import type { StartedEmulator } from '../google';
import type { N8nInstance } from '../harness';
import type { Json } from '../harness/json';
import { makeContacts, sheetsWorkflow } from '../../../scripts/demo/campaign';
import { SHEET_COLUMNS } from '../../../scripts/demo/examples';
import { createSimCredential, startCampaignSimulator, ZONE } from '../../../scripts/demo/run';
import { numberMetadata, type RunningSimulator } from '../../../simulator';
import type { PostgresServer } from '../harness/services';
import type { Checks } from '../lib/runner';
import { SECRET, type E2eContext } from '../lib/context';
import { SHEETS } from './sheetsCampaign';

export const LARGE = {
	sizes: (process.env.E2E_LARGE_SIZES ?? '10000,100000').split(',').map(Number),
	scheduleSeconds: 30,
	/** Ticks to measure after the first (the campaign's first run only saves its settings). */
	ticks: Number(process.env.E2E_LARGE_TICKS ?? 4),
	/** A limit per size, not a wait: ticks slower than the schedule stretch the run. */
	timeoutMs: 10 * 60_000,
	/** Ticks whose run data is fetched (each is the whole tick's items as JSON: ~100 MB at 100,000 rows). */
	ticksWithData: 3,
	targets: {
		tickShareOfSchedule: 1 / 3,
		memoryMb: 1536,
		storedBytes: 1024 * 1024,
		releaseRatio: 10,
	},
};

const REFERENCE_NODE = 'Exotel Number Lookup';
const RELEASE_NODE = 'Exotel Pacing: Release';
/** Waits by design (the tick's calls spread over Spread Over Seconds): not the list's cost. */
const SPREADING_NODE = 'Exotel Connect Call';

export async function largeList(ctx: E2eContext, checks: Checks): Promise<void> {
	const google = ctx.shared.google as StartedEmulator | undefined;
	if (!google)
		throw new Error('the Google APIs emulator is not running (run.ts starts it before n8n)');
	for (const size of LARGE.sizes) await measureSize(ctx, checks, google, size);
	await measureWithoutSaving(ctx, checks, google, Math.max(...LARGE.sizes));
}

/** Sheet rows as they look once Number Lookup has filled them (values from the simulator's own number model). */
function lookedUpRows(sim: RunningSimulator, size: number): string[][] {
	const at = DateTime.now().setZone(ZONE).toISO()!;
	return makeContacts(size, 23).map((c) => {
		const national = c.phone.replace(/\D/g, '').slice(-10);
		const m = numberMetadata(national, sim.config.seed, sim.config.numbers);
		const values: Record<string, string> = {
			name: c.name,
			phone: c.phone,
			phoneNumber: m.e164,
			circle: m.circle,
			circleName: m.circleName,
			numberType: m.type,
			operator: m.operator,
			operatorName: m.operatorName,
			dnd: String(m.dnd),
			lookedUpAt: at,
		};
		return SHEET_COLUMNS.map((col) => values[col] ?? '');
	});
}

/** Example 1 as a user fills it in, over a sheet of `size` looked-up rows, with its own simulator (not yet imported). */
async function largeListWorkflow(
	ctx: E2eContext,
	google: StartedEmulator,
	size: number,
	campaign: string,
	dropRate = 0,
): Promise<{ wf: Json; rows: number }> {
	const sim = await startCampaignSimulator({
		seed: 61,
		factor: 1,
		virtualStart: DateTime.now().setZone(ZONE).toISO()!,
		circles: SHEETS.circles,
		dropRate,
	});
	ctx.shared.simulators.push(sim);
	const rows = lookedUpRows(sim, size);
	const { url } = google.createSpreadsheet(`Large list ${campaign}`, [
		{ name: 'Contacts', header: SHEET_COLUMNS, rows },
	]);
	const wf = sheetsWorkflow({
		documentUrl: url,
		googleCredentialId: String(ctx.shared.googleCredentialId),
		...(await measuredCampaign(ctx, sim, campaign)),
		settings: SHEETS.settings,
	});
	// the simulator's clock stands still until set going: real time, as example 1 runs (largeDataTable.ts)
	sim.clock.setFactor(1);
	return { wf, rows: rows.length };
}

async function measureSize(
	ctx: E2eContext,
	checks: Checks,
	google: StartedEmulator,
	size: number,
): Promise<void> {
	const label = `${size.toLocaleString('en-US')} contacts`;
	const { wf, rows } = await largeListWorkflow(ctx, google, size, `e2e-large-${size}`);
	ctx.log(`  large: ${label}: example 1, ${rows} rows in the sheet`);
	await measureTicks(ctx, checks, label, wf);
}

/** Imports and activates `wf`, lets it tick, and reports and checks what its ticks cost (reportSize). */
/** What a measured campaign's workflow is filled in with: the simulator's credential, the secret, its paths. */
export async function measuredCampaign(ctx: E2eContext, sim: RunningSimulator, campaign: string) {
	return {
		exotelCredentialId: await createSimCredential(ctx.n8n, sim),
		n8nUrl: ctx.n8n.url.replace(/\/+$/, ''),
		secret: SECRET,
		campaign,
		flow: '234567',
		fallbackCallerId: '01140000001',
		statusWebhookId: randomUUID(),
		statsWebhookId: randomUUID(),
		statsPath: `${campaign}-stats`,
		name: `E2E large list (${campaign})`,
	};
}

/** Queue mode (largeDataTableQueue.ts): every n8n process measured, and only the ticks that took the lock. */
export interface QueueMeasurement {
	/** n8n's processes (main, workers): the peak of the largest is reported. */
	processes: N8nInstance[];
	/** Of these executions, the ones that ran the campaign (took the tick lock). */
	ranCampaign: (ids: string[]) => Promise<Set<string>>;
}

export async function measureTicks(
	ctx: E2eContext,
	checks: Checks,
	label: string,
	wf: Json,
	queue?: QueueMeasurement,
): Promise<void> {
	const { n8n } = ctx;
	const memory = sampleMemory(queue?.processes ?? [n8n]);
	const created = await n8n.client.importWorkflow(wf);
	const started = Date.now();
	let ticks: TickRecord[] = [];
	while (Date.now() - started < LARGE.timeoutMs) {
		await new Promise((r) => setTimeout(r, 5000));
		ticks = await finishedTicks(n8n, created.id);
		if (queue) {
			const ran = await queue.ranCampaign(ticks.map((t) => t.id));
			ticks = ticks.filter((t) => ran.has(t.id));
		}
		if (ticks.length >= LARGE.ticks + 1) break;
	}
	await n8n.client.deactivateWorkflow(created.id);
	const peakMb = memory.stop();
	const measured = ticks.slice(1); // the first run saves the campaign's settings and releases nothing
	const withData = measured.slice(-LARGE.ticksWithData);
	const stored = await storedBytes(
		ctx,
		withData.map((t) => t.id),
	);
	const perNode: Record<string, number[]> = {};
	const workMs: number[] = [];
	const apiBytes: number[] = [];
	const calls: number[] = [];
	// the nodes whose output weighs most in the largest tick's execution data (what to trim when it is over)
	let heaviest = { bytes: 0, nodes: '' };
	for (const t of withData) {
		const e = await n8n.client.getExecution(t.id, true);
		apiBytes.push(JSON.stringify(e.data ?? {}).length);
		const runData = (e.data as Json)?.resultData?.runData ?? {};
		calls.push(runData[SPREADING_NODE]?.[0]?.data?.main?.[0]?.length ?? 0);
		const bytes = JSON.stringify(runData).length;
		if (bytes > heaviest.bytes) {
			const perNode = Object.entries(runData as Record<string, Json[]>)
				.map(([name, runs]) => [name, JSON.stringify(runs).length] as const)
				.sort((a, b) => b[1] - a[1])
				.slice(0, 6);
			heaviest = {
				bytes,
				nodes: perNode.map(([n, b]) => `${n} ${Math.round(b / 1024)} KB`).join(', '),
			};
		}
		let work = 0;
		for (const [name, runs] of Object.entries(runData as Record<string, Json[]>)) {
			const ms = runs.reduce((sum, r) => sum + (Number(r.executionTime) || 0), 0);
			(perNode[name] ??= []).push(ms);
			if (name !== SPREADING_NODE) work += ms;
		}
		workMs.push(work);
	}
	ctx.log(
		`  large: ${label}: calls placed per tick ${calls.join(' / ')}; heaviest tick's run data ${Math.round(heaviest.bytes / 1024)} KB as JSON: ${heaviest.nodes}`,
	);
	reportSize(ctx, checks, label, { ticks, measured, peakMb, stored, apiBytes, perNode, workMs });
}

/**
 * README's advice for long lists, measured: the same workflow with Settings -> Save successful production executions
 * off (`saveDataSuccessExecution: 'none'`). Ticks are counted from n8n's workflow statistics, which it keeps either way;
 * the simulator sends no status callback here, so that every successful production execution is a tick.
 */
async function measureWithoutSaving(
	ctx: E2eContext,
	checks: Checks,
	google: StartedEmulator,
	size: number,
): Promise<void> {
	const { n8n, log } = ctx;
	const label = `${size.toLocaleString('en-US')} contacts, successful executions not saved`;
	const { wf } = await largeListWorkflow(ctx, google, size, `e2e-large-nosave-${size}`, 1);
	wf.settings = { ...wf.settings, saveDataSuccessExecution: 'none' };
	const memory = sampleMemory([n8n]);
	const created = await n8n.client.importWorkflow(wf);
	const ticks = () =>
		Number(
			sqliteRows(
				n8n,
				"SELECT count FROM workflow_statistics WHERE workflowId = ? AND name = 'production_success'",
				[created.id],
			)?.[0]?.count ?? 0,
		);
	const started = Date.now();
	while (ticks() < LARGE.ticks + 1 && Date.now() - started < LARGE.timeoutMs)
		await new Promise((r) => setTimeout(r, 5000));
	await n8n.client.deactivateWorkflow(created.id);
	const peakMb = memory.stop();
	const done = ticks();
	// n8n stores an execution while it runs and deletes it when it succeeds: count the finished ones only
	const stored = sqliteRows(
		n8n,
		`SELECT count(*) AS n, coalesce(sum(length(CAST(d.data AS BLOB))), 0) AS bytes FROM execution_entity e
		 LEFT JOIN execution_data d ON d.executionId = e.id
		 WHERE e.workflowId = ? AND e.mode = 'trigger' AND e.status = 'success'`,
		[created.id],
	)?.[0];
	log(
		`  large: ${label}: ${done} successful ticks in ${Math.round((Date.now() - started) / 1000)} s; ` +
			`${stored?.n ?? '?'} successful tick executions stored, ${stored?.bytes ?? '?'} bytes of execution data; n8n memory peak ${peakMb} MB`,
	);
	checks.check(
		`${label}: ticks run and store no execution data`,
		stored !== undefined &&
			done >= LARGE.ticks + 1 &&
			Number(stored.n) === 0 &&
			Number(stored.bytes) === 0,
		`${done} successful ticks (wanted ${LARGE.ticks + 1}); ${stored?.n} successful executions stored with ${stored?.bytes} bytes${stored ? '' : ' (no node:sqlite in the Node that runs n8n)'}`,
		{ peakMb },
	);
}

interface TickRecord {
	id: string;
	seconds: number;
	status: string;
}

async function finishedTicks(n8n: N8nInstance, workflowId: string): Promise<TickRecord[]> {
	return (await n8n.client.listExecutions({ workflowId }))
		.filter((e: Json) => e.mode === 'trigger' && e.startedAt && e.stoppedAt)
		.map((e: Json) => ({
			id: String(e.id),
			seconds: (Date.parse(e.stoppedAt) - Date.parse(e.startedAt)) / 1000,
			status: String(e.status),
			start: Date.parse(e.startedAt),
		}))
		.sort((a, b) => a.start - b.start)
		.map(({ id, seconds, status }) => ({ id, seconds, status }));
}

/**
 * Resident memory of each n8n process group (n8n and its task runner), sampled every second; stop() gives the peak
 * of the largest group in MB (in queue mode each of main and the workers is one group).
 */
function sampleMemory(instances: N8nInstance[]): { stop: () => number } {
	let peakKb = 0;
	const sample = () => {
		const kbByGroup = new Map<number, number>();
		for (const n8n of instances) if (n8n.pid) kbByGroup.set(n8n.pid, 0);
		for (const entry of readdirSync('/proc')) {
			if (!/^\d+$/.test(entry)) continue;
			try {
				const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
				// fields after the command's closing parenthesis: state ppid pgrp ...
				const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
				const kb = kbByGroup.get(pgrp);
				if (kb === undefined) continue;
				const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
				kbByGroup.set(pgrp, kb + (rss ? Number(rss[1]) : 0));
			} catch {
				// the process ended between listing and reading
			}
		}
		peakKb = Math.max(peakKb, ...kbByGroup.values());
	};
	sample();
	const timer = setInterval(sample, 1000);
	return {
		stop: () => {
			clearInterval(timer);
			sample();
			return Math.round(peakKb / 1024);
		},
	};
}

/**
 * Rows of a read-only query on n8n's SQLite database, run with the Node that runs n8n (node:sqlite); undefined when
 * that Node has none (n8n 1.x runs on Node 20).
 */
function sqliteRows(
	n8n: N8nInstance,
	sql: string,
	params: Array<string | number>,
): Json[] | undefined {
	const db = join(n8n.userFolder, '.n8n', 'database.sqlite');
	if (!existsSync(db)) return undefined;
	const script = `
		let sqlite; try { sqlite = require('node:sqlite'); } catch { process.exit(3); }
		const db = new sqlite.DatabaseSync(process.argv[1], { readOnly: true });
		const [sql, ...params] = JSON.parse(process.argv[2]);
		console.log(JSON.stringify(db.prepare(sql).all(...params)));`;
	const r = spawnSync(
		n8n.runtime.node.nodePath,
		['-e', script, db, JSON.stringify([sql, ...params])],
		{ encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
	);
	return r.status === 0 ? (JSON.parse(r.stdout) as Json[]) : undefined;
}

/**
 * Bytes of each execution's stored data (`execution_data.data`), in one query: from n8n's SQLite (node:sqlite), or
 * from its PostgreSQL when the suite runs n8n on one (E2E_DB=postgres); empty when neither can be read.
 */
async function storedBytes(ctx: E2eContext, ids: string[]): Promise<number[]> {
	if (!ids.length) return [];
	const postgres = ctx.shared.postgres as PostgresServer | undefined;
	if (postgres) {
		const rows = await postgres.query(
			`SELECT octet_length(data) FROM execution_data WHERE "executionId" IN (${ids.map(Number).join(', ')})`,
		);
		return rows.map((r) => Number(r[0]));
	}
	const rows = sqliteRows(
		ctx.n8n,
		`SELECT length(CAST(data AS BLOB)) AS n FROM execution_data WHERE executionId IN (${ids.map(() => '?').join(', ')})`,
		ids.map(Number),
	);
	return (rows ?? []).map((r) => Number(r.n));
}

function median(values: number[]): number {
	if (!values.length) return NaN;
	const s = [...values].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

function reportSize(
	ctx: E2eContext,
	checks: Checks,
	label: string,
	m: {
		ticks: TickRecord[];
		measured: TickRecord[];
		peakMb: number;
		stored: number[];
		apiBytes: number[];
		perNode: Record<string, number[]>;
		workMs: number[];
	},
): void {
	const { log } = ctx;
	const t = LARGE.targets;
	const secs = m.measured.map((x) => x.seconds);
	const tickLimit = LARGE.scheduleSeconds * t.tickShareOfSchedule;
	const release = median(m.perNode[RELEASE_NODE] ?? []);
	const reference = median(m.perNode[REFERENCE_NODE] ?? []);
	const ratio = release / Math.max(1, reference);
	const bytes = m.stored.length ? m.stored : m.apiBytes;
	const bytesKind = m.stored.length ? 'stored in the database' : "as n8n's API returns it (JSON)";
	const nodeTimes = Object.entries(m.perNode)
		.map(([n, ms]) => [n, median(ms)] as const)
		.sort((a, b) => b[1] - a[1])
		.slice(0, 8)
		.map(([n, ms]) => `${n} ${Math.round(ms)} ms`)
		.join(', ');
	log(
		`  large: ${label}: ${m.ticks.length} ticks (${m.ticks.filter((x) => x.status !== 'success').length} not successful); ` +
			`wall ${secs.map((s) => s.toFixed(1)).join(' / ')} s; work (nodes without ${SPREADING_NODE}) ${m.workMs.map((ms) => (ms / 1000).toFixed(1)).join(' / ')} s; ` +
			`n8n memory peak ${m.peakMb} MB; ` +
			`execution data per tick ${bytes.map((b) => `${(b / 1024).toFixed(0)} KB`).join(' / ')} (${bytesKind}); ` +
			`per node (median): ${nodeTimes}; Release ${Math.round(release)} ms vs ${REFERENCE_NODE} ${Math.round(reference)} ms (×${ratio.toFixed(1)})`,
	);
	const details = {
		ticks: m.ticks,
		workMs: m.workMs,
		peakMb: m.peakMb,
		storedBytes: m.stored,
		apiBytes: m.apiBytes,
		perNodeMs: m.perNode,
	};
	const workS = m.workMs.map((ms) => ms / 1000);
	checks.check(
		`${label}: a tick's work takes at most ${tickLimit} s (1/3 of the ${LARGE.scheduleSeconds}-s schedule)`,
		secs.length >= LARGE.ticks && workS.length > 0 && Math.max(...workS) <= tickLimit,
		`${secs.length} ticks done (wanted ${LARGE.ticks}); work median ${median(workS).toFixed(1)} s, max ${Math.max(...workS).toFixed(1)} s; wall median ${median(secs).toFixed(1)} s, max ${Math.max(...secs).toFixed(1)} s`,
		details,
	);
	checks.check(
		`${label}: n8n's memory stays at or below ${t.memoryMb} MB`,
		m.peakMb > 0 && m.peakMb <= t.memoryMb,
		`peak ${m.peakMb} MB (n8n's process group)`,
	);
	checks.check(
		`${label}: at most 1 MB of execution data per tick`,
		bytes.length > 0 && Math.max(...bytes) <= t.storedBytes,
		`${bytes.map((b) => `${(b / 1024 / 1024).toFixed(1)} MB`).join(' / ')} per tick (${bytesKind})`,
	);
	checks.check(
		`${label}: Release takes at most ${t.releaseRatio}× Number Lookup's pass over the same items`,
		Number.isFinite(ratio) && ratio <= t.releaseRatio,
		`Release median ${Math.round(release)} ms vs ${REFERENCE_NODE} ${Math.round(reference)} ms: ×${ratio.toFixed(1)}`,
	);
}
