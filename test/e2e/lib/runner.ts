/**
 * A small test runner for the e2e suite: scenarios run one after another against one shared n8n; each scenario
 * reports one or more named checks, printed as one line each and written to a results JSON
 * (`{ numPassedTests, numFailedTests, numTotalTests, testResults }`, the shape scripts/test-all.sh reads).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface CheckResult {
	name: string;
	status: 'passed' | 'failed';
	durationMs: number;
	message?: string;
	details?: Record<string, unknown>;
}

export class CheckFailed extends Error {}

/** Collects named checks inside a scenario; a failed check does not stop the scenario. */
export class Checks {
	readonly results: CheckResult[] = [];
	private last = Date.now();

	constructor(
		private readonly scenario: string,
		private readonly print: (r: CheckResult) => void,
	) {}

	/** Records a check: `ok` true passes; otherwise fails with `message`. */
	check(name: string, ok: boolean, message: string, details?: Record<string, unknown>): boolean {
		const now = Date.now();
		const r: CheckResult = {
			name: `${this.scenario}: ${name}`,
			status: ok ? 'passed' : 'failed',
			durationMs: now - this.last,
			...(ok ? {} : { message }),
			...(details ? { details } : {}),
		};
		this.last = now;
		this.results.push(r);
		this.print(r);
		return ok;
	}

	equal(
		name: string,
		actual: unknown,
		expected: unknown,
		details?: Record<string, unknown>,
	): boolean {
		const ok = JSON.stringify(actual) === JSON.stringify(expected);
		return this.check(
			name,
			ok,
			`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
			details,
		);
	}

	/** A check that failed because the scenario itself threw. */
	crash(error: unknown): void {
		const e = error as Error;
		this.check('ran to the end', false, e?.stack ?? String(error));
	}
}

export interface Scenario<C> {
	name: string;
	run(ctx: C, checks: Checks): Promise<void>;
}

export interface SuiteResult {
	/** The n8n version the suite ran on, and its Node. */
	n8nVersion?: string;
	nodeVersion?: string;
	numPassedTests: number;
	numFailedTests: number;
	numTotalTests: number;
	startTime: number;
	durationMs: number;
	scenarios: Array<{ name: string; durationMs: number; details?: Record<string, unknown> }>;
	testResults: CheckResult[];
}

export function formatResult(r: CheckResult): string {
	const mark = r.status === 'passed' ? 'PASS' : 'FAIL';
	const time = `${(r.durationMs / 1000).toFixed(1)} s`;
	return `${mark}  ${r.name} (${time})${r.message ? `\n      ${r.message.split('\n').join('\n      ')}` : ''}`;
}

export function writeResults(file: string, result: SuiteResult): void {
	mkdirSync(dirname(file), { recursive: true });
	writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}
