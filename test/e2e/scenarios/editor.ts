/**
 * The package in n8n's editor, in headless Chromium (issue 14): the six nodes in the nodes panel under "Exotel",
 * both examples opened on the canvas with every node known, a node's parameter panel opened, and no console error
 * caused by the package. Screenshots go to E2E_SCREENSHOTS (docs/images for `npm run screenshots`).
 * Chromium is Debian's (scripts/ensure-chromium.sh installs it when missing), driven by playwright-core.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

import { EXAMPLE_LOCAL, EXAMPLE_SHEETS } from '../../../scripts/demo/campaign';
import { DEFAULT_OWNER } from '../harness';
import type { Checks } from '../lib/runner';
import type { E2eContext } from '../lib/context';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const EXPECTED_NODES = ['Exotel Call Details', 'Exotel Caller ID Selector', 'Exotel Connect Call', 'Exotel Number Lookup', 'Exotel Pacing Controller', 'Exotel Status'];

/**
 * Console errors the package could have caused. Left out: this machine has no internet (n8n's own calls to its
 * servers fail), and the sign-in page asks whether a session exists (401) before anyone has signed in.
 */
export function packageErrors(errors: readonly string[], failedRequests: readonly string[] = []): string[] {
	// n8n 2.x asks for an optional output schema of every node it previews (/schemas/<type>/<version>.json, a 404 for
	// nodes without one, n8n's own included): each such 404 explains one "status of 404" console line.
	let schemaProbes = failedRequests.filter((f) => f.startsWith('404 /schemas/')).length;
	return errors.filter((e) => {
		if (/status of 404/.test(e) && schemaProbes > 0) {
			schemaProbes--;
			return false;
		}
		return !/ERR_CERT_AUTHORITY_INVALID|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|status of 401/.test(e);
	});
}

async function signIn(page: Page, base: string): Promise<void> {
	await page.goto(`${base}/signin`);
	await page.fill('input[type=email], input[name=emailOrLdapLoginId]', DEFAULT_OWNER.email);
	await page.fill('input[type=password]', DEFAULT_OWNER.password);
	await page.keyboard.press('Enter');
	await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 30_000 });
}

async function openWorkflow(page: Page, base: string, id: string): Promise<void> {
	await page.goto(`${base}/workflow/${id}`);
	await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 30_000 });
	await page.click('[data-test-id="zoom-to-fit"]').catch(() => undefined);
	await page.waitForTimeout(1500);
}

export async function editorInBrowser(ctx: E2eContext, checks: Checks): Promise<void> {
	const { n8n, log } = ctx;
	if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (npm test does)`);
	const shots = process.env.E2E_SCREENSHOTS ?? join('.e2e', 'screenshots');
	mkdirSync(shots, { recursive: true });
	const base = n8n.url.replace(/\/$/, '');
	const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
	const errors: string[] = [];
	try {
		const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
		page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
		page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
		// A console line names no URL: keep the failed responses' to tell which request failed.
		const failed: string[] = [];
		page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url().replace(base, '')}`));
		await signIn(page, base);

		// 1. The nodes panel.
		await page.goto(`${base}/workflow/new`);
		await page.click('[data-test-id="node-creator-plus-button"]');
		await page.keyboard.type('Exotel');
		await page.waitForTimeout(1500);
		const listed = (await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts()).map((t) => t.trim()).sort();
		await page.screenshot({ path: join(shots, 'nodes-panel.png') });
		checks.check(
			'editor: the nodes panel lists the six Exotel nodes when searching "Exotel"',
			EXPECTED_NODES.every((n) => listed.includes(n)),
			`listed: ${listed.join(', ')}`,
			{ listed },
		);
		await page.keyboard.press('Escape');

		// 2. Both examples on the canvas: every node drawn and known.
		for (const [label, file, shot] of [
			['example 1 (Google Sheets)', EXAMPLE_SHEETS, 'example-1-canvas.png'],
			['example 2 (local simulator)', EXAMPLE_LOCAL, 'example-2-canvas.png'],
		] as const) {
			const wf = JSON.parse(readFileSync(file, 'utf8')) as Json;
			const created = await n8n.client.createWorkflow(wf);
			await openWorkflow(page, base, created.id);
			const drawn = await page.locator('[data-test-id="canvas-node"]').count();
			const expected = (wf.nodes as Json[]).filter((n) => n.type !== 'n8n-nodes-base.stickyNote').length;
			const unknown = await page.locator('[data-test-id="canvas-node"]', { hasText: /install this node|unknown/i }).count();
			await page.screenshot({ path: join(shots, shot) });
			checks.check(`editor: ${label} opens with every node drawn and none unknown`, drawn === expected && unknown === 0, `drawn ${drawn} of ${expected}, unknown ${unknown}`, { drawn });

			if (file === EXAMPLE_SHEETS) {
				// 3. A node's parameter panel: the pacing Release with its settings.
				await page.locator('[data-test-id="canvas-node"]', { hasText: 'Exotel Pacing: Release' }).first().dblclick();
				await page.waitForSelector('[data-test-id="ndv"]', { timeout: 15_000 });
				await page.waitForTimeout(1500);
				await page.screenshot({ path: join(shots, 'node-panel.png') });
				const parameters = await page.locator('[data-test-id="ndv"] [data-test-id="parameter-item"]').count();
				checks.check('editor: the Release node panel opens and shows its parameters', parameters > 0, `parameters shown: ${parameters}`);
				await page.keyboard.press('Escape');
			}
		}
		const ours = packageErrors(errors, failed);
		log(`  editor: ${errors.length} console errors, ${ours.length} not explained by the offline machine: ${ours.slice(0, 3).join(' | ')}; failed requests: ${failed.join(', ')}`);
		checks.check('editor: no console error from the package', ours.length === 0, ours.slice(0, 5).join(' | '), { all: errors.length });
	} finally {
		await browser.close();
	}
}
