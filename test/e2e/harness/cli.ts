/**
 * n8n CLI helpers (run with n8n STOPPED: the CLI opens the same SQLite database). Findings in README.md:
 * - `import:workflow` keeps the workflow "id" from the file and always imports inactive in regular mode;
 * - 1.x: `update:workflow --id=<id> --active=true` marks it active; it takes effect at the next start;
 * - 2.x: `publish:workflow --id=<id>` / `unpublish:workflow --id=<id>` (`update:workflow` still works there but is
 *   deprecated); after the next start n8n applies the publication asynchronously (the harness waits for it in start());
 * - `import:credentials` encrypts a plain `data` object with N8N_ENCRYPTION_KEY.
 */
import * as fs from 'fs';
import * as path from 'path';
import { N8nInstance } from './n8n';
import { RunResult } from './util';
import type { Json } from './json';

function writeTemp(inst: N8nInstance, name: string, data: unknown): string {
	const dir = path.join(inst.userFolder, 'e2e-import');
	fs.mkdirSync(dir, { recursive: true });
	const file = path.join(
		dir,
		`${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`,
	);
	fs.writeFileSync(file, JSON.stringify(data, null, 2));
	return file;
}

function assertStopped(inst: N8nInstance, what: string): void {
	if (inst.running)
		throw new Error(`${what}: stop n8n first (the CLI and the server would share one SQLite file)`);
}

/** `n8n import:workflow --input=<file>` for one workflow or an array. Give each an "id" (16 alphanumerics is n8n's style). */
export async function importWorkflowsCli(
	inst: N8nInstance,
	workflows: Json | Json[],
): Promise<RunResult> {
	assertStopped(inst, 'importWorkflowsCli');
	const list = (Array.isArray(workflows) ? workflows : [workflows]).map((w) => ({
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {},
		...w,
	}));
	return await inst.cli(['import:workflow', `--input=${writeTemp(inst, 'workflows', list)}`]);
}

/** `n8n import:credentials --input=<file>`; each `{ id, name, type, data: {…plain…} }`. */
export async function importCredentialsCli(
	inst: N8nInstance,
	credentials: Array<{ id: string; name: string; type: string; data: Json }>,
): Promise<RunResult> {
	assertStopped(inst, 'importCredentialsCli');
	return await inst.cli([
		'import:credentials',
		`--input=${writeTemp(inst, 'credentials', credentials)}`,
	]);
}

/** 1.x `n8n update:workflow --id=<id> --active=true|false`, 2.x `n8n publish:workflow|unpublish:workflow --id=<id>`
 * (takes effect when n8n next starts). */
export async function setWorkflowActiveCli(
	inst: N8nInstance,
	id: string,
	active = true,
): Promise<RunResult> {
	assertStopped(inst, 'setWorkflowActiveCli');
	if (inst.major >= 2)
		return await inst.cli([active ? 'publish:workflow' : 'unpublish:workflow', `--id=${id}`]);
	return await inst.cli(['update:workflow', `--id=${id}`, `--active=${active}`]);
}

/** `n8n export:workflow --id=<id>` → the workflow row as JSON (includes staticData). */
export async function exportWorkflowCli(inst: N8nInstance, id: string): Promise<Json> {
	assertStopped(inst, 'exportWorkflowCli');
	const file = path.join(inst.userFolder, 'e2e-import', `export-${id}-${Date.now()}.json`);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	await inst.cli(['export:workflow', `--id=${id}`, `--output=${file}`]);
	const data = JSON.parse(fs.readFileSync(file, 'utf8'));
	return Array.isArray(data) ? data[0] : data;
}
