/**
 * What ops staff see in n8n's editor (issue 14), read from the page in Chromium: the "Create credential" modal, a
 * node's parameter panel (NDV) with its parameter issue marks, the canvas's issue marks, and the positions of the
 * drawn nodes and notes. Used by scenarios/editor.ts. The selectors are n8n's own `data-test-id`s, the same in
 * 1.123.81 and 2.41.1 (their editor-ui dist, `n8n-editor-ui/dist/assets/*.js`):
 *
 * - `node-issues`: the red mark of a canvas node with validation errors (CanvasNodeStatusIcons). It marks parameter
 *   issues and credential issues alike ("Credentials for … are not set"); its list is in a hover tooltip. (2.x shows
 *   `node-setup-required` instead for a node whose only issue is an unset credential, when its setup warnings are on.)
 * - `parameter-issues`: the warning mark next to one parameter in the NDV (ParameterIssues), parameters only.
 * - `ndv`, `parameter-item`: the parameter panel and each parameter in it.
 * - `add-resource-credential` ("Create credential" on Overview / Credentials), `new-credential-type-select` (the
 *   "Add new credential" modal's search box), `new-credential-type-select-option`, `new-credential-type-button`
 *   ("Continue"), `credential-edit-dialog`, `credential-connection-parameter` (the credential form's fields).
 * - `.vue-flow__node[data-id]` with `transform: translate(x, y)`: where the canvas draws a node or note (its id is the
 *   workflow node's id).
 */
import type { Page } from 'playwright-core';

import type { WorkflowDto } from '../harness';
import type { Json } from '../harness/json';

export const PACKAGE_TYPE_PREFIX = 'n8n-nodes-exotel-campaigns.';
const STICKY = 'n8n-nodes-base.stickyNote';

export const isPackageNode = (n: Json): boolean => String(n.type).startsWith(PACKAGE_TYPE_PREFIX);

/** The node type without the package prefix, with its operation when it has one ("exotelPacingController/release"). */
export const nodeKind = (n: Json): string =>
	`${String(n.type).slice(PACKAGE_TYPE_PREFIX.length)}${n.parameters?.operation ? `/${n.parameters.operation}` : ''}`;

/** The first node of each distinct kind (type and operation) of the package in a workflow, in file order. */
export function distinctPackageNodes(wf: Json): Json[] {
	const seen = new Set<string>();
	return (wf.nodes as Json[]).filter((n) => {
		if (!isPackageNode(n) || seen.has(nodeKind(n))) return false;
		seen.add(nodeKind(n));
		return true;
	});
}

const canvasNode = (page: Page, name: string) =>
	page.locator(`[data-test-id="canvas-node"][data-node-name=${JSON.stringify(name)}]`);

/** Names of the package's canvas nodes that carry n8n's red issue mark. */
export async function packageNodesMarked(page: Page): Promise<string[]> {
	const marked = page
		.locator(`[data-test-id="canvas-node"][data-node-type^="${PACKAGE_TYPE_PREFIX}"]`)
		.filter({ has: page.locator('[data-test-id="node-issues"]') });
	return (await marked.evaluateAll((es) => es.map((e) => e.getAttribute('data-node-name') ?? '')))
		.filter(Boolean)
		.sort();
}

export interface Panel {
	node: string;
	kind: string;
	/** Parameters shown in the panel (0 when it did not open). */
	parameters: number;
	/** Labels of the parameters marked with an issue. */
	parameterIssues: string[];
	/** Why the panel could not be opened or closed. */
	error?: string;
}

/**
 * Opens a canvas node's parameter panel (double-click), reads its parameters and their issue marks, and closes it
 * with Escape. `screenshot`: a picture of the open panel.
 */
export async function openPanel(page: Page, node: Json, screenshot?: string): Promise<Panel> {
	const panel: Panel = {
		node: node.name,
		kind: nodeKind(node),
		parameters: 0,
		parameterIssues: [],
	};
	const ndv = page.locator('[data-test-id="ndv"]');
	try {
		await canvasNode(page, node.name).first().dblclick();
		await ndv.waitFor({ state: 'visible', timeout: 30_000 });
		await ndv
			.locator('[data-test-id="parameter-item"]')
			.first()
			.waitFor({ timeout: 10_000 })
			.catch(() => undefined);
		await page.waitForTimeout(800); // parameters rendered after the first (collections, notices)
		panel.parameters = await ndv.locator('[data-test-id="parameter-item"]').count();
		panel.parameterIssues = await ndv
			.locator('[data-test-id="parameter-issues"]')
			.evaluateAll((es) =>
				es.map((e) => {
					// the parameter's label (`<label for="<parameter name>">`) in its input-label
					const label = e.closest('[data-test-id="input-label"]')?.querySelector('label');
					// (its first text: the label also holds the Fixed / Expression switch)
					const text = (label?.querySelector('span')?.textContent ?? label?.textContent ?? '')
						.trim()
						.replace(/\s+/g, ' ');
					return label?.getAttribute('for')
						? `${text} (${label.getAttribute('for')})`
						: text || '?';
				}),
			);
		if (screenshot) await page.screenshot({ path: screenshot });
	} catch (e) {
		panel.error = (e as Error).message.split('\n')[0];
	}
	await page.keyboard.press('Escape');
	const closed = await ndv
		.waitFor({ state: 'hidden', timeout: 5_000 })
		.then(() => true)
		.catch(() => false);
	if (!closed) panel.error = `${panel.error ? `${panel.error}; ` : ''}the panel did not close`;
	return panel;
}

export const describePanel = (p: Panel): string =>
	`${p.node} (${p.kind}): ${p.error ?? `${p.parameters} parameters`}${p.parameterIssues.length ? `, issues on ${p.parameterIssues.join(', ')}` : ''}`;

/**
 * The workflow as the canvas draws it: the stored workflow with each node's and note's position replaced by where
 * its `.vue-flow__node` is drawn (n8n snaps positions to its grid when it draws them), and the largest such shift.
 */
export async function drawnWorkflow(
	page: Page,
	stored: WorkflowDto,
): Promise<{ workflow: Json; drawn: number; maxShift: number }> {
	const drawn = new Map(
		(
			await page.locator('.vue-flow__node[data-id]').evaluateAll((es) =>
				es.map((e) => {
					const t = (e as unknown as { style: { transform: string } }).style.transform;
					const m = /translate\((-?[\d.]+)px,\s*(-?[\d.]+)px\)/.exec(t);
					return [
						e.getAttribute('data-id') ?? '',
						m ? [Number(m[1]), Number(m[2])] : null,
					] as const;
				}),
			)
		).filter((d): d is readonly [string, [number, number]] => d[1] !== null),
	);
	let maxShift = 0;
	const nodes = (stored.nodes as Json[]).map((n) => {
		const at = drawn.get(n.id);
		if (!at) return n;
		maxShift = Math.max(maxShift, Math.abs(at[0] - n.position[0]), Math.abs(at[1] - n.position[1]));
		return { ...n, position: at };
	});
	const placed = (stored.nodes as Json[]).filter((n) => drawn.has(n.id)).length;
	return { workflow: { ...stored, nodes }, drawn: placed, maxShift };
}

export const countNotes = (wf: Json): number =>
	(wf.nodes as Json[]).filter((n) => n.type === STICKY).length;

/**
 * "Create credential" (Overview → Credentials), type the search into the modal's search box: the credential types
 * offered, and, when `pick` is among them, the fields of its form after "Continue" (the dialog is then closed
 * without saving).
 */
export async function credentialTypesOffered(
	page: Page,
	base: string,
	search: string,
	pick: string,
	screenshot?: string,
): Promise<{ offered: string[]; fields: string[] }> {
	await page.goto(`${base}/home/credentials`);
	const create = page.locator('[data-test-id="add-resource-credential"]').first();
	await create.waitFor({ timeout: 60_000 });
	await create.click();
	const select = page.locator('[data-test-id="new-credential-type-select"]');
	await select.waitFor({ timeout: 15_000 });
	await select.locator('input').first().fill(search);
	await page.waitForTimeout(1000);
	const offered = (
		await page.locator('[data-test-id="new-credential-type-select-option"]:visible').allInnerTexts()
	).map((t) => t.trim());
	if (screenshot) await page.screenshot({ path: screenshot });
	let fields: string[] = [];
	if (offered.includes(pick)) {
		await page
			.locator('[data-test-id="new-credential-type-select-option"]:visible', { hasText: pick })
			.first()
			.click();
		await page.locator('[data-test-id="new-credential-type-button"]').click();
		const dialog = page.locator('[data-test-id="credential-edit-dialog"]');
		await dialog.waitFor({ timeout: 15_000 });
		await dialog
			.locator('[data-test-id="credential-connection-parameter"]')
			.first()
			.waitFor({ timeout: 10_000 })
			.catch(() => undefined);
		fields = (
			await dialog.locator('[data-test-id="credential-connection-parameter"]').allInnerTexts()
		).map((t) =>
			t
				.trim()
				.split('\n')[0]
				.replace(/\s*\*$/, ''),
		);
	}
	await page.keyboard.press('Escape'); // closes the dialog or the modal, nothing saved
	return { offered, fields };
}

/** A workflow with one Exotel Call Details node per operation (the node is in neither example). */
export function callDetailsWorkflow(): Json {
	const credentials = { exotelApi: { id: 'EXOTEL_CREDENTIAL_ID', name: 'Exotel account' } };
	const node = (name: string, operation: string, x: number) => ({
		id: `call-details-${operation}`,
		name,
		type: `${PACKAGE_TYPE_PREFIX}exotelCallDetails`,
		typeVersion: 1,
		position: [x, 0],
		parameters: { operation },
		credentials,
	});
	// README's alternative receiver of the callbacks (examples 1 and 2 use n8n's Webhook node; example 3 has it)
	const statusTrigger = {
		id: 'status-trigger',
		name: 'Exotel Status Trigger',
		type: `${PACKAGE_TYPE_PREFIX}exotelStatusTrigger`,
		typeVersion: 2,
		position: [600, 0],
		parameters: { secret: 'editor-check-7f3a9c2e5b8d41f6a0c4', events: 'terminal', options: {} },
		webhookId: 'c0ffee00-7e1d-4c3e-9f00-e70735a75021',
	};
	return {
		name: 'Editor check: Exotel Call Details and Status Trigger',
		nodes: [
			node('Call Details: Get', 'get', 0),
			node('Call Details: Get Many', 'getAll', 300),
			statusTrigger,
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Failed requests of n8n's own, which the package has no part in; each explains one "status of <code>" console line
 * (a console line names no URL).
 */
const N8N_OWN_FAILURES = [
	// the optional output schema of every node n8n previews (/schemas/<type>/<version>.json, a 404 for nodes without
	// one, n8n's own included)
	/^404 \/schemas\//,
	// the credential form asks for external secrets (an enterprise feature: 404 without a licence)
	/^404 \/rest\/external-secrets\/secrets/,
	// n8n 1.x: the AI assistant's sessions (403 without a licence), a workflow's last successful execution (none yet)
	/^403 \/rest\/ai\/sessions\/metadata/,
	/^404 \/rest\/workflows\/[^/]+\/executions\/last-successful/,
];

/**
 * n8n 1.x's version-notification store is initialised from the settings the sign-in page gets before anyone has
 * signed in (`settingsMode: 'public'`, without `versionNotifications`); reading its `enabled` then throws, in its
 * versions.store module, whatever the workflow.
 */
const N8N_VERSIONS_STORE = /^page error: TypeError: .*'enabled'.* \S*\/versions\.store-[\w-]+\.js:/;

/**
 * Console errors the package could have caused. Left out: this machine has no internet (n8n's own calls to its
 * servers fail; n8n 1.x logs "Failed to fetch dynamic banners"), n8n's own failed requests above (1.x also logs
 * "Failed to fetch sessions metadata" for the assistant's), and the sign-in page asks whether a session exists (401)
 * before anyone has signed in.
 */
export function packageErrors(
	errors: readonly string[],
	failedRequests: readonly string[] = [],
): string[] {
	const explained = new Map<string, number>();
	for (const f of failedRequests.filter((f) => N8N_OWN_FAILURES.some((r) => r.test(f)))) {
		const code = f.split(' ')[0];
		explained.set(code, (explained.get(code) ?? 0) + 1);
	}
	return errors.filter((e) => {
		const code = /status of (\d{3})/.exec(e)?.[1];
		if (code && (explained.get(code) ?? 0) > 0) {
			explained.set(code, explained.get(code)! - 1);
			return false;
		}
		return !(
			/ERR_CERT_AUTHORITY_INVALID|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|status of 401|^Failed to fetch (dynamic banners|sessions metadata)/.test(
				e,
			) || N8N_VERSIONS_STORE.test(e)
		);
	});
}
