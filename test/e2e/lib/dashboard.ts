/**
 * The campaign dashboard in a real browser (issue 14): open the workflow's Dashboard Webhook in headless Chromium,
 * read the figures the page shows, and compare them with Get Stats (the Stats webhook's JSON).
 *
 * n8n 2.x serves an HTML answer of Respond to Webhook as the page itself under a `Content-Security-Policy: sandbox`
 * header; older versions wrap it in an `<iframe srcdoc>`. The page is looked for in every frame, so both work.
 */
import { join } from 'node:path';
import { chromium, type Frame, type Page } from 'playwright-core';

import type { PacingStats } from '../../../nodes/core/pacing';
import type { N8nInstance } from '../harness';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** What the page shows, as numbers (thousands separators removed). */
export interface DashboardFigures {
	campaign: string;
	placed: number;
	completed: number;
	inFlight: number;
	busy: number;
	noAnswer: number;
	failed: number;
	other: number;
	abandoned: number;
	notPlaced: number;
	/** "requests / limit" */
	lastMinute: string;
	/** Per circle: breaker badge and completion cell. */
	circles: Record<string, { breaker: string; completion: string }>;
	/** The last-hour chart: [completed, not completed] per drawn minute, and its two sums. */
	bars: Array<[number, number]>;
	hourFinished: number;
	hourCompleted: number;
}

export interface DashboardVisit {
	figures: DashboardFigures | null;
	/** Console errors and page errors of the dashboard page. */
	errors: string[];
	httpStatus: number | null;
	screenshot?: string;
}

async function dashboardFrame(page: Page, timeoutMs: number): Promise<Frame | null> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		for (const f of page.frames()) {
			if (
				await f
					.locator('[data-k="Placed"]')
					.count()
					.catch(() => 0)
			)
				return f;
		}
		await page.waitForTimeout(250);
	}
	return null;
}

/**
 * Reads the figures out of the page. Runs in the browser, so it is a string (this project compiles without the DOM
 * types); it reads only the markup core/dashboard.ts writes: data-k figures, tr[data-circle] rows, the chart's
 * g[data-m data-c data-n] bars.
 */
const READ_FIGURES = `(() => {
	const text = (sel) => { const e = document.querySelector(sel); return e && e.textContent ? e.textContent.trim() : ''; };
	const k = (label) => text('[data-k="' + label + '"]');
	const n = (label) => Number(k(label).replace(/,/g, ''));
	const circles = {};
	for (const tr of Array.from(document.querySelectorAll('tr[data-circle]'))) {
		const cells = Array.from(tr.cells).map((td) => (td.textContent || '').trim());
		const badge = tr.querySelector('.badge');
		circles[tr.dataset.circle || ''] = { breaker: badge ? badge.textContent.trim() : '', completion: cells[3] || '' };
	}
	const bars = Array.from(document.querySelectorAll('#hour-chart g[data-m]')).map((g) => [Number(g.dataset.c), Number(g.dataset.n)]);
	return {
		campaign: text('#campaign'),
		placed: n('Placed'),
		completed: n('Completed'),
		inFlight: n('In flight'),
		busy: n('Busy'),
		noAnswer: n('No answer'),
		failed: n('Failed'),
		other: n('Other'),
		abandoned: n('Abandoned'),
		notPlaced: n('Not placed'),
		lastMinute: k('Last minute'),
		circles,
		bars,
		hourFinished: n('Hour finished'),
		hourCompleted: n('Hour completed'),
	};
})()`;

async function readFigures(f: Frame): Promise<DashboardFigures> {
	return (await f.evaluate(READ_FIGURES)) as DashboardFigures;
}

interface OpenDashboard {
	page: Page;
	/** The frame that holds the dashboard (n8n may wrap it), or null when it never showed. */
	frame: Frame | null;
	httpStatus: number | null;
	/** Console and page errors so far. */
	errors: string[];
}

/**
 * Opens the dashboard in a fresh headless Chromium, runs `use` on it and closes the browser (a page left open would
 * refresh itself: each refresh is another execution of the workflow).
 */
async function withDashboard<T>(
	n8n: N8nInstance,
	dashboardPath: string,
	timeoutMs: number,
	use: (d: OpenDashboard) => Promise<T>,
): Promise<T> {
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox'],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
		const errors: string[] = [];
		page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
		page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
		const res = await page.goto(n8n.client.webhookUrl(dashboardPath), {
			waitUntil: 'load',
			timeout: timeoutMs,
		});
		const frame = await dashboardFrame(page, timeoutMs);
		return await use({ page, frame, httpStatus: res?.status() ?? null, errors });
	} finally {
		await browser.close();
	}
}

/** Opens the dashboard once and reads it. `screenshot`: a file to save the page to. */
export async function visitDashboard(
	n8n: N8nInstance,
	dashboardPath: string,
	o: { screenshot?: string; timeoutMs?: number } = {},
): Promise<DashboardVisit> {
	return await withDashboard(n8n, dashboardPath, o.timeoutMs ?? 30_000, async (d) => {
		const figures = d.frame ? await readFigures(d.frame) : null;
		if (o.screenshot) await d.page.screenshot({ path: o.screenshot, fullPage: true });
		return { figures, errors: d.errors, httpStatus: d.httpStatus, screenshot: o.screenshot };
	});
}

/**
 * Presses Pause or Resume on the dashboard as a person does: types `secret` into the form and clicks the button; the
 * page POSTs it to the Dashboard Control webhook and shows the answer ("<HTTP status> <message>") in #result.
 */
export async function pressDashboardButton(
	n8n: N8nInstance,
	dashboardPath: string,
	action: 'pause' | 'resume',
	secret: string,
	timeoutMs = 30_000,
): Promise<{ result: string | null; errors: string[] }> {
	return await withDashboard(n8n, dashboardPath, timeoutMs, async ({ page, frame, errors }) => {
		if (!frame) return { result: null, errors: [...errors, 'no dashboard in the page'] };
		await frame.locator('#controls input[name="secret"]').fill(secret);
		await frame.locator(`#controls button[value="${action}"]`).click();
		const result = frame.locator('#result');
		const deadline = Date.now() + timeoutMs;
		// the page shows "…" while the request is out, then "<HTTP status> <message>" or "Failed: …"
		const answered = (t: string) => /^(\d{3}\s|Failed)/.test(t);
		let text = '';
		while (Date.now() < deadline && !answered((text = ((await result.textContent()) ?? '').trim())))
			await page.waitForTimeout(200);
		return { result: text || null, errors };
	});
}

/** Where a screenshot goes: E2E_SCREENSHOTS (docs/images for `npm run screenshots`) or .e2e/screenshots. */
export function screenshotPath(file: string): string {
	return join(process.env.E2E_SCREENSHOTS ?? join('.e2e', 'screenshots'), file);
}

/** Every figure of the page that differs from Get Stats (empty = the page shows Get Stats). */
export function dashboardDiffs(page: DashboardFigures, stats: PacingStats): string[] {
	const t = stats.totals;
	const want: Record<string, unknown> = {
		campaign: stats.campaign,
		placed: t.attempted,
		completed: t.completed,
		inFlight: t.inFlight,
		busy: t.busy,
		noAnswer: t.noAnswer,
		failed: t.failed,
		other: t.other,
		abandoned: t.abandoned,
		notPlaced: t.notPlaced,
	};
	const diffs = Object.entries(want)
		.filter(([key, v]) => (page as unknown as Record<string, unknown>)[key] !== v)
		.map(
			([key, v]) =>
				`${key}: page ${JSON.stringify((page as unknown as Record<string, unknown>)[key])}, Get Stats ${JSON.stringify(v)}`,
		);
	for (const c of stats.circles) {
		const row = page.circles[c.circle];
		const pct = c.completionPct === null ? '–' : `${c.completionPct.toFixed(1)}%`;
		if (!row) diffs.push(`circle ${c.circle}: not on the page`);
		else if (row.breaker !== c.breaker || row.completion !== pct)
			diffs.push(
				`circle ${c.circle}: page ${row.breaker} ${row.completion}, Get Stats ${c.breaker} ${pct}`,
			);
	}
	const extra = Object.keys(page.circles).filter((c) => !stats.circles.some((s) => s.circle === c));
	if (extra.length) diffs.push(`circles on the page only: ${extra.join(', ')}`);
	const barSum = page.bars.reduce((a, b) => a + b[0] + b[1], 0);
	if (barSum !== page.hourFinished)
		diffs.push(`chart bars add up to ${barSum}, the chart says ${page.hourFinished}`);
	return diffs;
}
