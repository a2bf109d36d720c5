/**
 * One small, fast scenario of the campaign benchmark (npm run bench runs the full one): our engine with default
 * settings over a campaign that crosses 21:00 IST, with 2% of status callbacks lost and 5% duplicated. The
 * virtual Exotel checks every placed call against the ground truth, so these counts are independent of the
 * engine's own bookkeeping.
 */
import { makeContacts, eligibleCount } from '../../bench/sim/contacts';
import { runSimulation } from '../../bench/sim/loop';
import { buildScenarios, type Scenario } from '../../bench/sim/scenarios';
import { ist, MINUTE } from '../../bench/sim/time';
import { overLimitWindows } from '../../bench/sim/ratelimit';
import { computeMetrics } from '../../bench/metrics';
import { OursPolicy } from '../../bench/policies/ours';
import { NaivePolicy } from '../../bench/policies/naive';

const SEED = 7;
const contacts = makeContacts(600, SEED);
const base = buildScenarios(eligibleCount(contacts)).find((s) => s.id === 'window-edge')!;
const scenario: Scenario = {
	...base,
	start: ist('2025-01-06T20:52:00'),
	callbacks: { ...base.callbacks, dropRate: 0.02, duplicateRate: 0.05 },
};
const window = { from: scenario.start, to: scenario.start + 20 * MINUTE };

describe('campaign benchmark, small scenario', () => {
	const run = runSimulation({ scenario, contacts, seed: SEED, policy: new OursPolicy() });
	const m = computeMetrics(run, window);

	it('our engine finishes the campaign, calling every callable contact', () => {
		expect(run.finished).toBe(true);
		expect(m.neverCalled).toBe(0);
		expect(m.callbacksLost).toBeGreaterThan(0);
		expect(m.callbacksDuplicated).toBeGreaterThan(0);
	});

	it('our engine: zero compliance violations', () => {
		expect(m.compliance).toEqual({
			outsideWindow: 0,
			dnd: 0,
			overCap: 0,
			duplicates: 0,
			duplicateConcurrent: 0,
			duplicateAfterCompleted: 0,
		});
	});

	it('our engine: no 60-second window over the limit, no 429', () => {
		expect(m.overLimitWindows).toBe(0);
		expect(m.maxInWindow).toBeLessThanOrEqual(200);
		expect(m.http429).toBe(0);
	});

	it('is deterministic: the same run gives the same figures', () => {
		const again = computeMetrics(
			runSimulation({ scenario, contacts, seed: SEED, policy: new OursPolicy() }),
			window,
		);
		const strip = (x: typeof m) => ({ ...x, wallMs: 0, releaseMsMedian: 0 });
		expect(strip(again)).toEqual(strip(m));
	});

	it('the ground-truth checks do catch violations (naive policy re-dials contacts whose callback was lost)', () => {
		const naive = computeMetrics(
			runSimulation({ scenario, contacts, seed: SEED, policy: new NaivePolicy(SEED) }),
			window,
		);
		expect(naive.compliance.duplicateAfterCompleted).toBeGreaterThan(0);
	});
});

describe('overLimitWindows', () => {
	it('counts whole seconds whose trailing 60 s hold more than the limit', () => {
		expect(overLimitWindows([0, 1000, 2000, 60_000], 3)).toEqual({ windows: 0, maxInWindow: 3 });
		// requests at 1, 2, 3 and 30 s: the trailing window holds 4 from s = 30 until s = 60 (the one at 1 s leaves at 61)
		expect(overLimitWindows([1000, 2000, 3000, 30_000], 3)).toEqual({
			windows: 31,
			maxInWindow: 4,
		});
	});
});

describe('includeHeld', () => {
	it('does not change a decision: the run with hold items (as the node calls release) is the same run', () => {
		const small = makeContacts(300, SEED);
		const sc: Scenario = { ...scenario, start: ist('2025-01-06T10:00:00') };
		const a = runSimulation({
			scenario: sc,
			contacts: small,
			seed: SEED,
			policy: new OursPolicy(),
		});
		const b = runSimulation({
			scenario: sc,
			contacts: small,
			seed: SEED,
			policy: new OursPolicy({}, 'ours', 'ours', true),
		});
		expect(b.ledger.calls).toEqual(a.ledger.calls);
		expect(b.ledger.sent).toEqual(a.ledger.sent);
	});
});
