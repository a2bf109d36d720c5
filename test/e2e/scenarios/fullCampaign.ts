/**
 * The full campaign: 1,000 contacts in six circles (about 8% DND), one circle hard-down for five virtual minutes,
 * 2% of status callbacks dropped and 5% sent twice — example 2 end to end in real n8n against the simulator.
 */
import { existsSync, writeFileSync } from 'node:fs';

import { DateTime } from 'luxon';

import {
	checkInvariants,
	compareWithGroundTruth,
	deployCampaign,
	isFinalRow,
	startCampaignSimulator,
	waitForCampaign,
	campaignOver,
	ZONE,
	type Deployed,
	type Progress,
} from '../../../scripts/demo/run';
import { isTerminalStatus, normaliseStatus } from '../../../nodes/core/pacing/statuses';
import type { Checks } from '../lib/runner';
import { tickOverlap } from '../lib/ticks';
import {
	governed,
	ids,
	progressLogger,
	SECRET,
	settledProgress,
	type E2eContext,
} from '../lib/context';
import {
	CHROMIUM,
	dashboardDiffs,
	pressDashboardButton,
	screenshotPath,
	visitDashboard,
	type DashboardFigures,
	type DashboardVisit,
} from '../lib/dashboard';
import type { PacingStats } from '../../../nodes/core/pacing';
import { QUEUE_TABLES } from '../../../scripts/demo/examples';
import type { N8nInstance } from '../harness';

export const FULL = {
	contacts: Number(process.env.E2E_CONTACTS ?? 1000),
	virtualStart: '2025-01-06T08:59:30+05:30',
	circles: { MH: 3, DL: 3, KA: 2, TN: 2, UE: 1, WB: 1 },
	outage: { circle: 'KA', fromMinute: 5, toMinute: 10 },
	dropRate: 0.02,
	duplicateRate: 0.05,
	factor: { min: 2, max: 20 },
	scheduleSeconds: 10,
	// A loaded machine needs longer (its ticks took a median 56 s in one run): E2E_FULL_TIMEOUT_MIN.
	timeoutMs: Number(process.env.E2E_FULL_TIMEOUT_MIN ?? 14) * 60_000,
};

export interface FullCampaignOptions {
	/** Called with every progress poll (every 2 s), e.g. to kill a queue-mode worker mid-campaign (queueFull.ts). */
	onProgress?: (p: Progress) => void;
	/** Example 3 (queue mode: tick lock and callback table in Data tables) instead of example 2. */
	queue?: boolean;
	/** Longer than FULL.timeoutMs, e.g. for the minutes a killed worker's lock stops the campaign (queueFull.ts). */
	extraTimeoutMs?: number;
	/** While true, the clock runs at its slowest (FULL.factor.min), e.g. while a killed worker holds the lock. */
	slowClock?: () => boolean;
}

export async function fullCampaign(
	ctx: E2eContext,
	checks: Checks,
	opts: FullCampaignOptions = {},
): Promise<void> {
	const { n8n, log } = ctx;
	const sim = await startCampaignSimulator({
		seed: 42,
		factor: FULL.factor.min,
		virtualStart: FULL.virtualStart,
		circles: FULL.circles,
		outage: FULL.outage,
		dropRate: FULL.dropRate,
		duplicateRate: FULL.duplicateRate,
	});
	ctx.shared.simulators.push(sim);
	const d = await deployCampaign(n8n, sim, {
		name: 'E2E full campaign',
		campaign: 'e2e-full',
		secret: SECRET,
		scheduleSeconds: FULL.scheduleSeconds,
		factor: FULL.factor.min,
		contacts: FULL.contacts,
		contactSeed: 11,
		...ids(),
		statsPath: 'e2e-full-stats',
		...(opts.queue ? { queue: true } : {}),
	});
	ctx.shared.full = { deployed: d, sim };
	const started = Date.now();
	const gov = governed(sim, FULL.factor.min, FULL.factor.max, d, opts.slowClock);
	const show = progressLogger(log, '  full');
	// The dashboard in Chromium once, while the campaign runs (a third of the rows final): issue 14.
	let during: Promise<DuringVisit> | undefined;
	const end = await waitForCampaign(n8n, sim, d, {
		timeoutMs: FULL.timeoutMs + (opts.extraTimeoutMs ?? 0),
		pollMs: 2000,
		onProgress: (p) => {
			gov.observe(p);
			show(p);
			opts.onProgress?.(p);
			if (!during && p.finalRows >= p.contacts / 3 && p.finalRows < p.contacts)
				during = dashboardDuringCampaign(n8n, d);
		},
	});
	gov.stop();
	const campaignMs = Date.now() - started;
	const p = await settledProgress(n8n, sim, d);
	const rows = sim.sheets.rows(d.sheet);
	const calls = sim.ledger.calls;
	const inv = checkInvariants(sim, d.settings);
	const stats = p.stats;
	const counts = sim.ledger.counts();
	const details = {
		contacts: d.contacts,
		campaignSeconds: Math.round(campaignMs / 1000),
		virtualMinutes: Math.round(
			(p.virtualNow - DateTime.fromISO(FULL.virtualStart).toMillis()) / 60000,
		),
		calls: calls.length,
		totals: stats?.totals,
		callbacks: counts.callbacks,
		invariants: { ...inv, overlaps: inv.overlaps.length },
	};
	ctx.shared.full.details = details;
	log(
		`  full campaign: ${calls.length} calls in ${details.campaignSeconds} s real (${details.virtualMinutes} virtual minutes)`,
	);

	checks.check(
		'every contact ends in a final state',
		campaignOver(end) && rows.every(isFinalRow),
		`${rows.filter((r) => !isFinalRow(r)).length} of ${rows.length} rows not final after ${Math.round(campaignMs / 1000)} s; ` +
			`live calls ${end.live}, stats in flight ${stats?.totals.inFlight}; e.g. ${JSON.stringify(rows.find((r) => !isFinalRow(r)))}`,
		details,
	);

	const diffs = stats ? compareWithGroundTruth(stats, calls) : ['no campaign state in static data'];
	const late = lateOutcomeWrites(sim.sheets.journal, rows);
	log(
		`  full campaign: ${late} late writes of an earlier call's outcome landed after "Mark Dialling" of the next call (measured; Release must not count them for the new call)`,
	);
	if (diffs.length && process.env.E2E_DEBUG_DIR) {
		// for diagnosis: every row write and every call, to find which calls were counted with which status
		writeFileSync(
			`${process.env.E2E_DEBUG_DIR}/full-mismatch.json`,
			JSON.stringify({
				diffs,
				rows: sim.sheets.rows(d.sheet),
				journal: sim.sheets.journal,
				calls: sim.ledger.calls,
			}),
		);
	}
	checks.check(
		"campaign stats equal the simulator's ground truth (each call counted once)",
		diffs.length === 0,
		diffs.slice(0, 12).join('; '),
		{ totals: stats?.totals, ledger: counts.byStatus, lateOutcomeWrites: late },
	);

	// The rows are what a user sees: each must show the last call to its number and that call's outcome.
	const rowProblems = rowsShowLastCalls(rows, calls);
	checks.check(
		'each row shows the outcome of the last call to its number',
		rowProblems.length === 0,
		rowProblems.slice(0, 8).join('; '),
	);

	// Overlapping ticks are allowed (n8n starts a Schedule execution whether or not the last one finished); the
	// Pacing Controller must stay exact anyway, and no outcome write may land after the next call's Mark Dialling.
	const overlap = await tickOverlap(n8n, d.workflowId);
	log(
		`  full campaign: ${overlap.ticks} ticks, ${overlap.overlapping} started before the previous one finished (up to ${overlap.maxConcurrent} at once); tick median ${overlap.medianSeconds} s, max ${overlap.maxSeconds} s`,
	);
	checks.check(
		'0 late outcome writes (an earlier call\'s outcome landing after "Mark Dialling" of the next call)',
		late === 0,
		`${late} late writes in the sheet journal`,
		{ lateOutcomeWrites: late, ticks: overlap },
	);

	const dndRows = rows.filter((r) => r.dnd === true || r.dnd === 'true');
	checks.check(
		'0 calls to DND numbers',
		inv.callsToDnd === 0 &&
			dndRows.length > 0 &&
			dndRows.every((r) => isFinalRow(r) && r.holdReason === 'dnd' && !r.lastCallSid),
		`calls to DND numbers: ${inv.callsToDnd}; DND rows ${dndRows.length}, ` +
			`not held as final/dnd: ${dndRows.filter((r) => !(isFinalRow(r) && r.holdReason === 'dnd')).length}`,
		{ dndContacts: dndRows.length },
	);

	const first = calls.reduce((m, c) => Math.min(m, c.createdAtMs), Infinity);
	checks.check(
		'0 calls outside the calling window',
		inv.outsideWindow === 0 && calls.length > 0,
		`${inv.outsideWindow} calls outside ${d.settings.callingStart}-${d.settings.callingEnd} IST`,
		{
			campaignClockStarted: FULL.virtualStart,
			firstCall: DateTime.fromMillis(first, { zone: ZONE }).toISO(),
		},
	);

	checks.check(
		'0 requests over 200 in any 60 s',
		inv.maxConnectRequestsInAnyMinute <= 200 && inv.rejected429 === 0,
		`max connect requests in a 60 s window: ${inv.maxConnectRequestsInAnyMinute}; answered 429: ${inv.rejected429}`,
		{ maxConnectRequestsInAnyMinute: inv.maxConnectRequestsInAnyMinute },
	);

	const rate = d.settings.maxCallsPerMinute ?? d.settings.accountLimitPerMinute;
	// A target of issue 9 (>= 95% of the rate while a backlog exists), reported as a measurement.
	log(
		`  measured: busiest 60 s = ${inv.maxConnectRequestsInAnyMinute} connect requests, ${Math.round((100 * inv.maxConnectRequestsInAnyMinute) / rate)}% of ${rate}/min (target 95-100%): ${rateVerdict(inv.maxConnectRequestsInAnyMinute, rate)} (accelerated clock: Connect Call's real-time cap only holds the account limit here, so sends that drift past Release's plan can pass the campaign rate)`,
	);

	checks.check(
		'no number is called while a call to it is live',
		inv.overlaps.length === 0,
		`${inv.overlaps.length} overlapping pairs, e.g. ${JSON.stringify(inv.overlaps.slice(0, 3))}`,
	);

	const cb = counts.callbacks;
	checks.check(
		'faults: with 2% of callbacks dropped and 5% duplicated every call is still counted exactly once',
		cb.dropped > 0 &&
			cb.duplicates > 0 &&
			diffs.length === 0 &&
			(stats?.totals.reconciled ?? 0) > 0,
		`dropped ${cb.dropped}, duplicated ${cb.duplicates}, stats differ: ${diffs.length}, reconciled ${stats?.totals.reconciled}`,
		{
			dropped: cb.dropped,
			duplicates: cb.duplicates,
			reconciled: stats?.totals.reconciled,
			duplicatesIgnored: stats?.totals.duplicatesIgnored,
		},
	);

	// The stats path of the workflow: Webhook → Get Stats → Respond to Webhook.
	const viaWebhook = await n8n.client.webhook(d.statsPath, undefined, { method: 'GET' });
	const body = viaWebhook.data as {
		campaign?: string;
		totals?: { attempted?: number; resolved?: number };
		circles?: unknown[];
	};
	checks.check(
		'the Stats webhook answers the campaign stats (Get Stats)',
		viaWebhook.status === 200 &&
			body?.campaign === d.campaign &&
			body?.totals?.attempted === stats?.totals.attempted &&
			Array.isArray(body?.circles),
		`HTTP ${viaWebhook.status}: ${JSON.stringify(body).slice(0, 300)}`,
	);

	await checkDashboard(ctx, checks, d, during, details.virtualMinutes);

	const ka = stats?.circles.find((c) => c.circle === FULL.outage.circle);
	checks.check(
		`circle outage: ${FULL.outage.circle} was paused and its outage attempts refunded`,
		!!ka && ka.trips >= 1 && ka.refunded >= 1,
		`circle row: ${JSON.stringify(ka && { trips: ka.trips, refunded: ka.refunded, breaker: ka.breaker })}`,
		{ trips: ka?.trips, refunded: ka?.refunded },
	);
}

interface DuringVisit {
	before: PacingStats | null;
	visit: DashboardVisit | null;
	after: PacingStats | null;
	error?: string;
}

/**
 * Get Stats through the workflow's Stats webhook; asked again (up to 3 times) when it does not answer, as a person
 * reloads: in queue mode the request may have run on the worker the queue scenario kills.
 */
async function statsViaWebhook(n8n: N8nInstance, d: Deployed): Promise<PacingStats | null> {
	for (let attempt = 1; ; attempt++) {
		const res = await n8n.client
			.webhook(d.statsPath, undefined, { method: 'GET' })
			.catch(() => null);
		const body = res?.status === 200 ? (res.data as PacingStats) : null;
		if (body?.campaign === d.campaign && body.totals) return body;
		if (attempt >= 3) return null;
		await new Promise((r) => setTimeout(r, 1000));
	}
}

/** Get Stats, the dashboard, Get Stats again: while calls are counted, the page's figures lie between the two. */
async function dashboardDuringCampaign(n8n: N8nInstance, d: Deployed): Promise<DuringVisit> {
	try {
		if (!existsSync(CHROMIUM))
			return {
				before: null,
				visit: null,
				after: null,
				error: `${CHROMIUM} is missing (scripts/ensure-chromium.sh)`,
			};
		const before = await statsViaWebhook(n8n, d);
		const visit = await visitDashboard(n8n, d.dashboardPath, {
			screenshot: screenshotPath('dashboard-full-campaign.png'),
		});
		const after = await statsViaWebhook(n8n, d);
		return { before, visit, after };
	} catch (e) {
		return { before: null, visit: null, after: null, error: (e as Error).message };
	}
}

/**
 * The campaign dashboard (Dashboard Webhook -> Get Dashboard -> Respond to Webhook) opened in Chromium: during the
 * campaign its figures lie between two Get Stats reads around it; at the end they equal Get Stats (read before and
 * after the page, and unchanged in between), the chart adds up, and the page logs no console error.
 */
async function checkDashboard(
	ctx: E2eContext,
	checks: Checks,
	d: Deployed,
	duringVisit: Promise<DuringVisit> | undefined,
	virtualMinutes: number,
): Promise<void> {
	const { n8n, log } = ctx;
	const during = duringVisit
		? await duringVisit
		: {
				before: null,
				visit: null,
				after: null,
				error: 'the campaign ended before a third of the rows were final',
			};
	const f = during.visit?.figures;
	const b = during.before?.totals;
	const a = during.after?.totals;
	const between = (v: number | undefined, lo: number | undefined, hi: number | undefined) =>
		v !== undefined && lo !== undefined && hi !== undefined && lo <= v && v <= hi;
	const resolvedOf = (x: DashboardFigures | PacingStats['totals']) =>
		x.completed + x.busy + x.noAnswer + x.failed + x.other;
	checks.check(
		'dashboard during the campaign: opens in Chromium, its figures lie between Get Stats before and after',
		!!f &&
			!!b &&
			!!a &&
			f.campaign === d.campaign &&
			between(f.placed, b.attempted, a.attempted) &&
			between(f.completed, b.completed, a.completed) &&
			between(resolvedOf(f), b.resolved, a.resolved) &&
			f.bars.length > 0,
		during.error ??
			`HTTP ${during.visit?.httpStatus}; page placed ${f?.placed} completed ${f?.completed} finished ${f ? resolvedOf(f) : '-'} chart minutes ${f?.bars.length}; ` +
				`Get Stats before ${b?.attempted}/${b?.completed}/${b?.resolved}, after ${a?.attempted}/${a?.completed}/${a?.resolved}`,
		{ page: f, before: b, after: a },
	);

	let end: DuringVisit = { before: null, visit: null, after: null };
	let error: string | undefined;
	try {
		if (!existsSync(CHROMIUM))
			throw new Error(`${CHROMIUM} is missing (scripts/ensure-chromium.sh)`);
		end = { before: await statsViaWebhook(n8n, d), visit: null, after: null };
		end.visit = await visitDashboard(n8n, d.dashboardPath, {
			screenshot: screenshotPath('dashboard-full-campaign-end.png'),
		});
		end.after = await statsViaWebhook(n8n, d);
	} catch (e) {
		error = (e as Error).message;
	}
	const page = end.visit?.figures;
	const stats = end.after;
	const steady =
		!!end.before && !!stats && JSON.stringify(end.before.totals) === JSON.stringify(stats.totals);
	const diffs = page && stats ? dashboardDiffs(page, stats) : ['no page or no stats'];
	// the chart counts calls in the minute they were counted: a campaign shorter than the hour shows every finished call
	const wholeCampaignCharted = virtualMinutes <= 50;
	const chartOk =
		!!page &&
		!!stats &&
		(wholeCampaignCharted
			? page.hourFinished === stats.totals.resolved && page.hourCompleted === stats.totals.completed
			: page.hourFinished <= stats.totals.resolved);
	log(
		`  dashboard: end of campaign ${JSON.stringify(page && { placed: page.placed, completed: page.completed, hourFinished: page.hourFinished, chartMinutes: page.bars.length })}; console errors ${end.visit?.errors.length ?? '-'} (during ${during.visit?.errors.length ?? '-'})`,
	);
	checks.check(
		'dashboard at the end of the campaign: its figures equal Get Stats (totals, circles, breakers), the chart adds up',
		!error && steady && diffs.length === 0 && chartOk,
		error ??
			`${steady ? '' : 'Get Stats changed while the page was read; '}${diffs.slice(0, 8).join('; ')}` +
				`${chartOk ? '' : `; chart: ${page?.hourFinished} finished / ${page?.hourCompleted} completed, Get Stats ${stats?.totals.resolved} / ${stats?.totals.completed} (${virtualMinutes} virtual minutes)`}`,
		{ page, totals: stats?.totals },
	);
	const consoleErrors = [...(during.visit?.errors ?? []), ...(end.visit?.errors ?? [])];
	checks.check(
		'dashboard: no console error in the page',
		!!end.visit && consoleErrors.length === 0,
		consoleErrors.slice(0, 5).join(' | ') || error || '',
	);
	await checkPauseResume(ctx, checks, d);
}

/**
 * The dashboard's Pause / Resume (Dashboard Control), after the campaign: a wrong secret changes nothing (401), and
 * a person who types the workflow's secret and presses Pause, then Resume, pauses and resumes the campaign.
 */
/**
 * Presses a dashboard button as a person would: example 3 answers 409 "busy" while a tick holds the campaign's lock
 * (a second or two every 10 s), and the person presses again.
 */
async function pressUntilNotBusy(
	n8n: N8nInstance,
	d: Deployed,
	action: 'pause' | 'resume',
): Promise<{ result: string | null; errors: string[] }> {
	for (let attempt = 1; ; attempt++) {
		const pressed = await pressDashboardButton(n8n, d.dashboardPath, action, SECRET);
		if (!pressed.result?.startsWith('409') || attempt >= 5) return pressed;
		await new Promise((r) => setTimeout(r, 2000));
	}
}

/** POSTs the dashboard's Pause / Resume form to the control webhook: its HTTP answer, an error's too. */
async function postControl(n8n: N8nInstance, d: Deployed, action: string, secret: string) {
	return await n8n.client
		.webhook(d.controlPath, { action, campaign: d.campaign, secret }, { encoding: 'form' })
		.catch((e: { response?: { status: number; data: unknown } }) => e.response ?? null);
}

/**
 * Example 3 while a tick holds the campaign's lock (the test holds it, as a tick on another worker would): a wrong
 * secret is refused at once (401), the right one is asked to try again (409), and nothing changes.
 */
async function checkControlWhileLocked(
	ctx: E2eContext,
	checks: Checks,
	d: Deployed,
): Promise<void> {
	const { n8n } = ctx;
	const lock = await n8n.client.dataTableIdByName(QUEUE_TABLES.lock);
	const holder = 'e2e-test-holds-the-lock';
	let held = false;
	for (let t0 = Date.now(); lock && !held && Date.now() - t0 < 30_000; ) {
		const now = Date.now();
		const taken = await n8n.client.updateDataTableRows(
			lock,
			[
				{ column: 'campaign', condition: 'eq', value: d.campaign },
				{ column: 'lockedUntil', condition: 'lt', value: now },
			],
			{ lockedUntil: now + 60_000, holder },
		);
		held = taken.length === 1;
		if (!held) await new Promise((r) => setTimeout(r, 500));
	}
	const wrong = held ? await postControl(n8n, d, 'pause', `${SECRET}x`) : null;
	const right = held ? await postControl(n8n, d, 'pause', SECRET) : null;
	if (lock && held)
		await n8n.client.updateDataTableRows(
			lock,
			[{ column: 'holder', condition: 'eq', value: holder }],
			{
				lockedUntil: 0,
				holder: '',
			},
		);
	const after = await statsViaWebhook(n8n, d);
	checks.check(
		'dashboard Pause / Resume while a tick holds the lock (example 3): a wrong secret is refused at once (401), the right one is asked to try again (409), nothing changes',
		held && wrong?.status === 401 && right?.status === 409 && after?.paused === false,
		`lock table ${lock ?? 'not found'}, held by the test ${held}; wrong secret: HTTP ${wrong?.status} ${JSON.stringify(wrong?.data)}; ` +
			`right secret: HTTP ${right?.status} ${JSON.stringify(right?.data)}; paused after ${after?.paused}`,
	);
}

async function checkPauseResume(ctx: E2eContext, checks: Checks, d: Deployed): Promise<void> {
	const { n8n } = ctx;
	const nodes = d.workflow.nodes as Array<{ name: string }>;
	if (nodes.some((n) => n.name === 'Take Control Lock'))
		await checkControlWhileLocked(ctx, checks, d);
	const wrong = await postControl(n8n, d, 'pause', `${SECRET}x`);
	const afterWrong = await statsViaWebhook(n8n, d);
	let pressedPause: { result: string | null; errors: string[] } = { result: null, errors: [] };
	let pausedStats: PacingStats | null = null;
	let pressedResume: { result: string | null; errors: string[] } = { result: null, errors: [] };
	let resumedStats: PacingStats | null = null;
	try {
		pressedPause = await pressUntilNotBusy(n8n, d, 'pause');
		pausedStats = await statsViaWebhook(n8n, d);
		pressedResume = await pressUntilNotBusy(n8n, d, 'resume');
		resumedStats = await statsViaWebhook(n8n, d);
	} catch (e) {
		pressedPause.errors.push((e as Error).message);
	}
	checks.check(
		"dashboard Pause / Resume: a wrong secret changes nothing (401); typing the workflow's secret and pressing Pause, then Resume, pauses and resumes",
		wrong?.status === 401 &&
			afterWrong?.paused === false &&
			pressedPause.result === `200 Campaign "${d.campaign}" paused.` &&
			pausedStats?.paused === true &&
			pressedResume.result === `200 Campaign "${d.campaign}" resumed.` &&
			resumedStats?.paused === false &&
			pressedPause.errors.length + pressedResume.errors.length === 0,
		`wrong secret: HTTP ${wrong?.status} ${JSON.stringify(wrong?.data)}, paused after it ${afterWrong?.paused}; ` +
			`Pause pressed: "${pressedPause.result}", stats paused ${pausedStats?.paused}; Resume pressed: "${pressedResume.result}", stats paused ${resumedStats?.paused}; ` +
			`page errors: ${[...pressedPause.errors, ...pressedResume.errors].slice(0, 3).join(' | ') || 'none'}`,
	);
}

/**
 * Row writes that set the final status of a call older than the row's current call: the row had already been marked
 * for the next call ("Mark Dialling"), and an earlier call's outcome landed afterwards. A write names its call by
 * `lastAttemptAt` (the call's release time, which Mark Dialling wrote too), so a write is late when its
 * `lastAttemptAt` is earlier than the row's latest Mark Dialling's. (The simulator's creation time is not the
 * identity: Release plans send times ahead, and on an accelerated clock Connect Call may send a call several virtual
 * seconds before or after its planned time.) Measured from the simulator's sheet journal.
 */
export function lateOutcomeWrites(
	journal: ReadonlyArray<{ columns: Record<string, unknown> }>,
	rows: ReadonlyArray<Record<string, unknown>>,
): number {
	const phoneByRow = new Map(rows.map((r) => [String(r.row_number), String(r.phoneNumber)]));
	const markedAt = new Map<string, number>(); // phone -> lastAttemptAt of the latest "Mark Dialling"
	let late = 0;
	for (const { columns: w } of journal) {
		const phone =
			w.phoneNumber !== undefined ? String(w.phoneNumber) : phoneByRow.get(String(w.row_number));
		if (!phone) continue;
		const attemptAt = Date.parse(String(w.lastAttemptAt));
		if (w.lastStatus === 'in-progress' && w.lastCallSid === '') {
			markedAt.set(phone, attemptAt);
			continue;
		}
		const marked = markedAt.get(phone);
		if (marked === undefined || typeof w.lastStatus !== 'string' || !Number.isFinite(attemptAt))
			continue;
		if (isTerminalStatus(normaliseStatus(w.lastStatus)) && attemptAt < marked) late++;
	}
	return late;
}

/** Rows that do not show the last call to their number and that call's outcome (empty = all do). */
export function rowsShowLastCalls(
	rows: ReadonlyArray<Record<string, unknown>>,
	calls: ReadonlyArray<{
		sid: string;
		status: string;
		customerNumber: string;
		createdAtMs: number;
	}>,
): string[] {
	const lastCall = new Map<string, (typeof calls)[number]>();
	for (const c of calls) {
		const key = c.customerNumber.replace(/\D/g, '').slice(-10);
		const prev = lastCall.get(key);
		if (!prev || c.createdAtMs > prev.createdAtMs) lastCall.set(key, c);
	}
	const problems: string[] = [];
	for (const r of rows) {
		const national = String(r.phoneNumber ?? '')
			.replace(/\D/g, '')
			.slice(-10);
		const c = lastCall.get(national);
		if (!c) {
			if (r.lastCallSid)
				problems.push(
					`${String(r.phoneNumber)}: row shows ${String(r.lastCallSid)} but the simulator has no call`,
				);
			continue;
		}
		if (r.lastCallSid !== c.sid || r.lastStatus !== c.status) {
			problems.push(
				`${String(r.phoneNumber)}: row ${String(r.lastCallSid)}/${String(r.lastStatus)}, simulator ${c.sid}/${c.status}`,
			);
		}
	}
	return problems;
}

/** The busiest minute against the campaign's rate: at least 95% while a backlog exists, never above it. */
export function rateVerdict(busiest: number, rate: number): string {
	if (busiest > rate) return 'NOT met, above the campaign rate';
	return busiest >= Math.ceil(0.95 * rate) ? 'met' : 'NOT met, below 95%';
}
