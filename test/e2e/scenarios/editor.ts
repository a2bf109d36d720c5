/**
 * The package in n8n's editor, in headless Chromium (issue 14): the six nodes in the nodes panel under "Exotel", the
 * Exotel credential offered by "Create credential", both examples opened on the canvas with every node known, their
 * layout read back from where n8n draws nodes and notes, the parameter panel of every distinct Exotel node (type and
 * operation) opened, no parameter marked with an issue, and no console error caused by the package; for
 * `npm run screenshots`, also the dashboard of a short example-2 campaign (dashboard.png). The browser helpers and the
 * n8n selectors they use are in lib/editorChecks.ts.
 * Screenshots go to E2E_SCREENSHOTS (docs/images for `npm run screenshots`).
 * Chromium is Debian's (scripts/ensure-chromium.sh installs it when missing), driven by playwright-core.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

import { ExotelApi } from '../../../credentials/ExotelApi.credentials';
import { EXAMPLE_LOCAL, EXAMPLE_SHEETS } from '../../../scripts/demo/campaign';
import { layoutProblems } from '../../../scripts/demo/canvasLayout';
import {
	campaignOver,
	deployCampaign,
	startCampaignSimulator,
	waitForCampaign,
} from '../../../scripts/demo/run';
import { DEFAULT_OWNER } from '../harness';
import type { Checks } from '../lib/runner';
import { governed, ids, progressLogger, SECRET, type E2eContext } from '../lib/context';
import { CHROMIUM, screenshotPath, visitDashboard } from '../lib/dashboard';
import {
	callDetailsWorkflow,
	credentialTypesOffered,
	describePanel,
	distinctPackageNodes,
	drawnWorkflow,
	nodeKind,
	openPanel,
	packageErrors,
	packageNodesMarked,
	type Panel,
} from '../lib/editorChecks';
import type { Json } from '../harness/json';

export { CHROMIUM };
const EXPECTED_NODES = [
	'Exotel Call Details',
	'Exotel Caller ID Selector',
	'Exotel Connect Call',
	'Exotel Number Lookup',
	'Exotel Pacing Controller',
	'Exotel Status',
];

async function signIn(page: Page, base: string): Promise<void> {
	await page.goto(`${base}/signin`);
	await page.fill('input[type=email], input[name=emailOrLdapLoginId]', DEFAULT_OWNER.email);
	await page.fill('input[type=password]', DEFAULT_OWNER.password);
	await page.keyboard.press('Enter');
	await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 30_000 });
}

async function openWorkflow(page: Page, base: string, id: string): Promise<void> {
	await page.goto(`${base}/workflow/${id}`);
	await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60_000 });
	await page.click('[data-test-id="zoom-to-fit"]').catch(() => undefined);
	await page.waitForTimeout(1500);
}

export async function editorInBrowser(ctx: E2eContext, checks: Checks): Promise<void> {
	const { n8n, log } = ctx;
	if (!existsSync(CHROMIUM))
		throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (npm test does)`);
	const shots = process.env.E2E_SCREENSHOTS ?? join('.e2e', 'screenshots');
	mkdirSync(shots, { recursive: true });
	const base = n8n.url.replace(/\/$/, '');
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox'],
	});
	const errors: string[] = [];
	try {
		const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
		page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
		// where a page error was thrown: the first line of its stack that names a script
		page.on('pageerror', (e) =>
			errors.push(
				`page error: ${String(e)} ${/\(?(\S+:\d+:\d+)\)?/.exec(e.stack ?? '')?.[1] ?? ''}`,
			),
		);
		// A console line names no URL: keep the failed responses' to tell which request failed.
		const failed: string[] = [];
		page.on(
			'response',
			(r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url().replace(base, '')}`),
		);
		await signIn(page, base);

		// 1. The nodes panel.
		await page.goto(`${base}/workflow/new`);
		await page.click('[data-test-id="node-creator-plus-button"]', { timeout: 60_000 });
		await page.keyboard.type('Exotel');
		await page.waitForTimeout(1500);
		const listed = (await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts())
			.map((t) => t.trim())
			.sort();
		await page.screenshot({ path: join(shots, 'nodes-panel.png') });
		checks.check(
			'editor: the nodes panel lists the six Exotel nodes when searching "Exotel"',
			EXPECTED_NODES.every((n) => listed.includes(n)),
			`listed: ${listed.join(', ')}`,
			{ listed },
		);
		await page.keyboard.press('Escape');

		// 2. The credential: "Create credential", search "Exotel", its form.
		const credential = new ExotelApi();
		const required = credential.properties.filter((p) => p.required).map((p) => p.displayName);
		const { offered, fields } = await credentialTypesOffered(
			page,
			base,
			'Exotel',
			credential.displayName,
			join(shots, 'credential-search.png'),
		);
		checks.check(
			`editor: "Create credential" offers "${credential.displayName}" when searching "Exotel", its form asks for ${required.join(', ')}`,
			offered.includes(credential.displayName) && required.every((f) => fields.includes(f)),
			`offered: ${offered.join(', ') || 'none'}; form fields: ${fields.join(', ') || 'none'}`,
			{ offered, fields },
		);

		// 3. Both examples on the canvas: every node drawn and known, the layout as drawn, every distinct node's panel,
		// no parameter issue.
		const opened: Panel[] = [];
		for (const [label, file, shot] of [
			['example 1 (Google Sheets)', EXAMPLE_SHEETS, 'example-1-canvas.png'],
			['example 2 (local simulator)', EXAMPLE_LOCAL, 'example-2-canvas.png'],
		] as const) {
			const wf = JSON.parse(readFileSync(file, 'utf8')) as Json;
			const created = await n8n.client.createWorkflow(wf);
			await openWorkflow(page, base, created.id);
			const drawn = await page.locator('[data-test-id="canvas-node"]').count();
			const expected = (wf.nodes as Json[]).filter(
				(n) => n.type !== 'n8n-nodes-base.stickyNote',
			).length;
			const unknown = await page
				.locator('[data-test-id="canvas-node"]', { hasText: /install this node|unknown/i })
				.count();
			await page.screenshot({ path: join(shots, shot) });
			checks.check(
				`editor: ${label} opens with every node drawn and none unknown`,
				drawn === expected && unknown === 0,
				`drawn ${drawn} of ${expected}, unknown ${unknown}`,
				{ drawn },
			);

			// The layout as n8n stored the import and as the canvas draws it (n8n snaps positions to its grid).
			const stored = await n8n.client.getWorkflow(created.id);
			const asDrawn = await drawnWorkflow(page, stored);
			const problems = [
				...layoutProblems(stored).map((p) => `stored: ${p}`),
				...layoutProblems(asDrawn.workflow).map((p) => `drawn: ${p}`),
			];
			checks.check(
				`editor: ${label}: no note under a node or its label, no edge across the canvas (layout from the positions n8n stored and drew)`,
				problems.length === 0 && asDrawn.drawn === wf.nodes.length,
				`${asDrawn.drawn} of ${wf.nodes.length} nodes and notes found drawn; ${problems.join('; ') || 'no layout problem'}`,
				{ drawn: asDrawn.drawn, maxShiftPx: asDrawn.maxShift, problems },
			);

			// Every distinct node of the package (type and operation), and every one the canvas marks with an issue.
			const marked = await packageNodesMarked(page);
			const toOpen = distinctPackageNodes(wf);
			for (const name of marked)
				if (!toOpen.some((n) => n.name === name))
					toOpen.push((wf.nodes as Json[]).find((n) => n.name === name)!);
			const [errorsBefore, failedBefore] = [errors.length, failed.length];
			const panels: Panel[] = [];
			for (const node of toOpen) {
				const picture =
					file === EXAMPLE_SHEETS && nodeKind(node) === 'exotelPacingController/release'
						? join(shots, 'node-panel.png')
						: undefined;
				panels.push(await openPanel(page, node, picture));
			}
			opened.push(...panels);
			const panelErrors = packageErrors(errors.slice(errorsBefore), failed.slice(failedBefore));
			const broken = panels.filter((p) => p.error || p.parameters === 0);
			checks.check(
				`editor: ${label}: the parameter panel of each distinct Exotel node (type and operation) opens with its parameters, no console error`,
				broken.length === 0 && panelErrors.length === 0,
				`${panels.length} panels; failed: ${broken.map(describePanel).join('; ') || 'none'}; console errors: ${panelErrors.slice(0, 3).join(' | ') || 'none'}`,
				{ panels: panels.map(describePanel) },
			);

			// n8n's red mark covers parameter and credential issues alike; the panel tells them apart. The examples'
			// credentials point at ids this n8n does not have; credential issues are not counted.
			const withIssues = panels.filter((p) => p.parameterIssues.length > 0);
			const unexplained = marked.filter((name) => panels.find((p) => p.node === name)?.error);
			const credentialOnly = marked.filter((name) => !withIssues.some((p) => p.node === name));
			checks.check(
				`editor: ${label}: no Exotel node has a parameter issue (the canvas's issue marks and the panels' parameter marks; credentials not counted)`,
				withIssues.length === 0 && unexplained.length === 0,
				`parameter issues: ${withIssues.map(describePanel).join('; ') || 'none'}; marked on the canvas: ${marked.join(', ') || 'none'}${unexplained.length ? `, panel not readable: ${unexplained.join(', ')}` : ''}`,
				{ marked, credentialOnly, parameterIssues: withIssues.map(describePanel) },
			);
		}

		// 4. Nodes in neither example 1 nor 2, on a workflow of their own: Call Details' two operations and the
		// Exotel Status Trigger.
		const callDetails = await n8n.client.createWorkflow(callDetailsWorkflow());
		await openWorkflow(page, base, callDetails.id);
		const [errorsBefore, failedBefore] = [errors.length, failed.length];
		const detailPanels: Panel[] = [];
		for (const node of distinctPackageNodes(callDetailsWorkflow()))
			detailPanels.push(await openPanel(page, node));
		opened.push(...detailPanels);
		const detailErrors = packageErrors(errors.slice(errorsBefore), failed.slice(failedBefore));
		const types = [...new Set(opened.map((p) => p.kind.split('/')[0]))].sort();
		checks.check(
			`editor: the Exotel Call Details panels (Get, Get Many) and the Status Trigger's open with their parameters, no console error; panels of all ${EXPECTED_NODES.length} node types opened`,
			detailPanels.every((p) => !p.error && p.parameters > 0) &&
				detailErrors.length === 0 &&
				types.length === EXPECTED_NODES.length,
			`${detailPanels.map(describePanel).join('; ')}; console errors: ${detailErrors.slice(0, 3).join(' | ') || 'none'}; node types opened: ${types.join(', ')}`,
			{ panels: detailPanels.map(describePanel), types },
		);

		const ours = packageErrors(errors, failed);
		log(
			`  editor: ${errors.length} console errors, ${ours.length} not explained by the offline machine: ${ours.slice(0, 3).join(' | ')}; failed requests: ${failed.join(', ')}`,
		);
		checks.check(
			'editor: no console error from the package',
			ours.length === 0,
			ours.slice(0, 5).join(' | '),
			{ all: errors.length },
		);
	} finally {
		await browser.close();
	}
	// The dashboard's figures are checked against Get Stats in the full campaign; the short campaign that poses for
	// the README's picture runs only for `npm run screenshots` (it would add ~3 minutes to every npm test).
	if (process.env.E2E_SCREENSHOTS) await dashboardScreenshot(ctx, checks);
}

/**
 * The campaign dashboard as ops staff see it (docs/images/dashboard.png): example 2 runs a short campaign against the
 * simulator (600 contacts, circle KA down from its 3rd virtual minute, so a breaker shows open) until some 300 calls
 * have finished, then its Dashboard Webhook is opened in Chromium. The figures are compared with Get Stats in the
 * full campaign (fullCampaign.ts); here the page must show the campaign, a chart and no console error.
 */
async function dashboardScreenshot(ctx: E2eContext, checks: Checks): Promise<void> {
	const { n8n, log } = ctx;
	const sim = await startCampaignSimulator({
		seed: 5,
		factor: 4,
		virtualStart: '2025-01-06T08:59:30+05:30',
		circles: { MH: 3, DL: 3, KA: 2, TN: 2, UE: 1, WB: 1 },
		outage: { circle: 'KA', fromMinute: 3, toMinute: 30 },
		dropRate: 0.02,
	});
	ctx.shared.simulators.push(sim);
	const d = await deployCampaign(n8n, sim, {
		name: 'E2E dashboard screenshot',
		campaign: 'diwali-offers',
		secret: SECRET,
		scheduleSeconds: 10,
		factor: 4,
		contacts: 600,
		contactSeed: 5,
		...ids(),
		statsPath: 'e2e-screenshot-stats',
	});
	const gov = governed(sim, 4, 10, d);
	const show = progressLogger(log, '  dashboard campaign');
	const p = await waitForCampaign(n8n, sim, d, {
		timeoutMs: 150_000,
		pollMs: 3000,
		onProgress: (x) => {
			gov.observe(x);
			show(x);
		},
		until: (x) => (x.stats?.totals.resolved ?? 0) >= 300 || campaignOver(x),
	});
	gov.stop();
	const visit = await visitDashboard(n8n, d.dashboardPath, {
		screenshot: screenshotPath('dashboard.png'),
	}).catch((e: Error) => ({ figures: null, errors: [e.message], httpStatus: null }));
	await n8n.client.deactivateWorkflow(d.workflowId).catch(() => undefined);
	const f = visit.figures;
	log(
		`  dashboard: ${p.stats?.totals.resolved ?? 0} calls finished; page ${JSON.stringify(f && { placed: f.placed, completed: f.completed, chartMinutes: f.bars.length, circles: Object.keys(f.circles).length })}`,
	);
	checks.check(
		'dashboard: the Dashboard Webhook of example 2 opens in Chromium with the campaign, its circles and the last-hour chart, no console error',
		!!f &&
			f.campaign === d.campaign &&
			f.placed > 0 &&
			Object.keys(f.circles).length > 0 &&
			f.bars.length > 0 &&
			visit.errors.length === 0,
		`HTTP ${visit.httpStatus}; ${f ? `campaign ${f.campaign}, placed ${f.placed}, circles ${Object.keys(f.circles).join(' ')}, chart minutes ${f.bars.length}` : 'no dashboard in the page'}; console errors: ${visit.errors.slice(0, 3).join(' | ') || 'none'}`,
	);
}
