/**
 * Every value the built package takes from n8n-workflow must exist in the n8n-workflow of both n8n lines we
 * support: 1.120.31 (shipped with n8n 1.123.81) and 2.41.0 (shipped with n8n 2.41.1). n8n 2.x dropped
 * `sleepWithAbort`, and a missing export only shows at run time, as a TypeError on the first call that uses it.
 */
import * as fs from 'fs';
import * as workflowV1 from 'n8n-workflow-v1';
import * as workflowV2 from 'n8n-workflow-v2';
import * as path from 'path';

const DIST = path.join(__dirname, '..', '..', 'dist');

function jsFiles(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) return jsFiles(p);
		return e.name.endsWith('.js') ? [p] : [];
	});
}

/** Names used from require("n8n-workflow") in one compiled file: `x_1.Name` and `const { A, B } = require(...)`. */
export function n8nWorkflowNames(source: string): string[] {
	const names = new Set<string>();
	for (const m of source.matchAll(/(?:const|var|let)\s+(\w+)\s*=\s*require\("n8n-workflow"\)/g)) {
		for (const use of source.matchAll(new RegExp(`\\b${m[1]}\\.(\\w+)`, 'g'))) names.add(use[1]);
	}
	for (const m of source.matchAll(
		/(?:const|var|let)\s*\{([^}]*)\}\s*=\s*require\("n8n-workflow"\)/g,
	)) {
		for (const part of m[1].split(',')) {
			const name = part.split(':')[0].trim();
			if (name) names.add(name);
		}
	}
	return [...names].sort();
}

describe('n8n-workflow imports in dist/', () => {
	const lines: Array<[string, Record<string, unknown>]> = [
		['1.120.31 (n8n 1.123.81)', workflowV1],
		['2.41.0 (n8n 2.41.1)', workflowV2],
	];

	it('finds the built package and the names it imports', () => {
		expect(fs.existsSync(DIST)).toBe(true); // run `npm run build` first
		const all = jsFiles(DIST).flatMap((f) => n8nWorkflowNames(fs.readFileSync(f, 'utf8')));
		expect(all).toContain('NodeOperationError');
		expect(all).toContain('sleep');
	});

	it('spots a name that 2.x lacks (the check itself works)', () => {
		const sample =
			'const n8n_workflow_1 = require("n8n-workflow");\n(0, n8n_workflow_1.sleepWithAbort)(5);';
		expect(n8nWorkflowNames(sample)).toEqual(['sleepWithAbort']);
		expect(lines[1][1].sleepWithAbort).toBeUndefined();
	});

	it.each(lines)('every imported value exists in n8n-workflow %s', (_label, lib) => {
		const missing: string[] = [];
		for (const file of jsFiles(DIST)) {
			for (const name of n8nWorkflowNames(fs.readFileSync(file, 'utf8'))) {
				if (lib[name] === undefined) missing.push(`${path.relative(DIST, file)}: ${name}`);
			}
		}
		expect(missing).toEqual([]);
	});
});
