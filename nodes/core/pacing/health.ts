/**
 * Per-circle health: the sliding window of resolved outcomes, the learnt normal mix of each circle, the
 * cross-sectional baseline of the other circles, and the statistics the breaker and the allocator use.
 *
 * WHY RELATIVE TO THE OTHER CIRCLES, AND CALIBRATED
 * Completion moves with the time of day and the list for every circle at once; an outage hits one circle. So a
 * circle is judged against the pooled outcome of the OTHER closed circles in the same minutes (cross-sectional
 * baseline). Circles also differ permanently (one answers 25%, another 60%): comparing raw completion with the
 * pool would keep slowing or tripping a healthy low-answer circle. Each circle's normal mix (completion,
 * no-answer and failed shares) is therefore learnt with a long half-life, and its expected value now is
 *     expected_c = learnt_c x (others now / others' learnt)
 * i.e. its usual level scaled by how the rest of the country is doing right now.
 *
 * Only resolved outcomes count (in-flight calls are not failures). Outcomes of calls placed before the circle
 * last closed are ignored, so stragglers from an outage do not re-trip it.
 */
import type { Category } from './statuses';
import type { PacingSettings } from './settings';
import type { CampaignState, CircleState, HealthBucket } from './state';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { floor, log, max, min, pow, round, sqrt } = Math;

/** Priors for a campaign with no data yet (pulled towards the pool quickly). */
export const PRIOR_COMPLETION = 0.45;
export const PRIOR_NO_ANSWER = 0.35;
export const PRIOR_FAILED = 0.05;

export interface Tally {
	n: number;
	comp: number;
	busy: number;
	na: number;
	fail: number;
	oth: number;
}

export const emptyTally = (): Tally => ({ n: 0, comp: 0, busy: 0, na: 0, fail: 0, oth: 0 });

const SLOT: Record<Category, number> = { completed: 1, busy: 2, noAnswer: 3, failed: 4, other: 5 };

export function bucketIndex(t: number, s: PacingSettings): number {
	return floor(t / (s.healthBucketSeconds * 1000));
}

/** Adds one resolved outcome at time `at` to the circle's window (owned state). */
export function addToWindow(c: CircleState, at: number, cat: Category, s: PacingSettings): void {
	const idx = bucketIndex(at, s);
	const win = c.healthWindow;
	let i = win.length - 1;
	while (i >= 0 && win[i][0] > idx) i--;
	if (i < 0 || win[i][0] !== idx) {
		const b: HealthBucket = [idx, 0, 0, 0, 0, 0];
		win.splice(i + 1, 0, b);
		i = i + 1;
	}
	win[i][SLOT[cat]]++;
}

/** Totals of buckets with index > fromIdx. */
export function tallyWindow(win: readonly HealthBucket[], fromIdx: number): Tally {
	const t = emptyTally();
	for (let i = win.length - 1; i >= 0; i--) {
		const b = win[i];
		if (b[0] <= fromIdx) break;
		t.comp += b[1];
		t.busy += b[2];
		t.na += b[3];
		t.fail += b[4];
		t.oth += b[5];
	}
	t.n = t.comp + t.busy + t.na + t.fail + t.oth;
	return t;
}

export function addTally(a: Tally, b: Tally, sign = 1): Tally {
	return {
		n: a.n + sign * b.n,
		comp: a.comp + sign * b.comp,
		busy: a.busy + sign * b.busy,
		na: a.na + sign * b.na,
		fail: a.fail + sign * b.fail,
		oth: a.oth + sign * b.oth,
	};
}

// ---- learnt normal mix ---------------------------------------------------------------------------------------

/** [n, completed, noAnswer, failed] decayed to `now`. */
export function decayedCal(
	c: CircleState,
	now: number,
	s: PacingSettings,
): [number, number, number, number] {
	const dt = max(0, now - c.normalMix[4]);
	const f = dt === 0 ? 1 : pow(2, -dt / (s.calibrationHalfLifeMinutes * 60000));
	return [c.normalMix[0] * f, c.normalMix[1] * f, c.normalMix[2] * f, c.normalMix[3] * f];
}

/**
 * Should this outcome teach the circle's normal mix? Not while the circle looks sick: once it has an established
 * mix (2 x the prior weight of outcomes), learning pauses while a run statistic is past half its threshold or
 * the window is clearly below expectation, so an outage in progress cannot redefine "normal" and hide itself.
 * A young circle always learns (its real level may differ from the pool's).
 */
export function mayLearn(c: CircleState, h: CircleHealth, s: PacingSettings): boolean {
	if (c.normalMix[0] < 2 * s.calibrationPriorWeight) return true;
	if (c.cusum[0] >= s.failedRunThreshold / 2 || c.cusum[1] >= s.silentRunThreshold / 2)
		return false;
	const w = h.win;
	if (w.n < s.minVolume) return true;
	if (h.exp.hasBaseline && wilsonUpper(w.comp, w.n, s.confidenceZ) < s.slowBelowRatio * h.exp.p)
		return false;
	if (wilsonLower(w.fail, w.n, s.confidenceZ) > max(0.2, 3 * h.exp.qf)) return false;
	return true;
}

/** Learns one outcome of a healthy (closed) circle (owned state). */
export function learn(c: CircleState, cat: Category, now: number, s: PacingSettings): void {
	addToCal(
		c,
		[1, cat === 'completed' ? 1 : 0, cat === 'noAnswer' ? 1 : 0, cat === 'failed' ? 1 : 0],
		now,
		s,
	);
}

function addToCal(
	c: CircleState,
	add: readonly [number, number, number, number],
	now: number,
	s: PacingSettings,
): void {
	const [n, comp, na, fail] = decayedCal(c, now, s);
	// three decimals are plenty for counts with a one-hour half-life, and keep the stored state small
	const r3 = (x: number) => round(x * 1000) / 1000;
	c.normalMix = [r3(n + add[0]), r3(comp + add[1]), r3(na + add[2]), r3(fail + add[3]), now];
}

/**
 * Learns an outcome, but holds a failure back while failures run (the hard test's statistic above 0): held
 * failures are learnt once the run ends (runs.ts, `matureRuns`) and dropped if the circle trips (`resetRuns`).
 * Learnt at once, each failure of an outage raised the failed share the next one is judged against: a small
 * circle with ~40 learnt outcomes went from 3% to 7% in six failures, a quarter less evidence per failure.
 * Holding is unbiased for a healthy circle, whose runs end: it learns every outcome, some a little later. Only
 * failures are held (one number, and only while a run has two or more of them), to keep the state small.
 */
export function learnOrHold(c: CircleState, cat: Category, now: number, s: PacingSettings): void {
	if (cat === 'failed' && c.cusum[0] > 0) c.heldFailures = (c.heldFailures ?? 0) + 1;
	else learn(c, cat, now, s);
}

/** The failures held back during a run are learnt once it is over (owned state). */
export function learnHeld(c: CircleState, now: number, s: PacingSettings): void {
	if (!c.heldFailures || c.cusum[0] > 0) return;
	addToCal(c, [c.heldFailures, 0, 0, c.heldFailures], now, s);
	delete c.heldFailures;
}

// ---- Wilson score bounds ---------------------------------------------------------------------------------------

export function wilsonUpper(k: number, n: number, z: number): number {
	if (n <= 0) return 1;
	const p = k / n;
	const z2 = z * z;
	const denom = 1 + z2 / n;
	const centre = p + z2 / (2 * n);
	const margin = z * sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
	return min(1, (centre + margin) / denom);
}

export function wilsonLower(k: number, n: number, z: number): number {
	if (n <= 0) return 0;
	const p = k / n;
	const z2 = z * z;
	const denom = 1 + z2 / n;
	const centre = p + z2 / (2 * n);
	const margin = z * sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
	return max(0, (centre - margin) / denom);
}

// ---- the health picture of one moment -------------------------------------------------------------------------

export interface Expected {
	/** Expected completion share now. */
	p: number;
	/** Expected no-answer share now. */
	qna: number;
	/** Expected failed share now. */
	qf: number;
	/** The other closed circles have enough resolved calls in the window to serve as a baseline. */
	hasBaseline: boolean;
	/** Pooled completion of the other closed circles in the window (0..1), and its volume. */
	baselineP: number;
	baselineN: number;
}

export interface CircleHealth {
	/** Resolved outcomes in the health window. */
	win: Tally;
	/** ... in the fast window. */
	fast: Tally;
	exp: Expected;
}

export interface HealthPicture {
	now: number;
	/** All closed circles together in the window. */
	pool: Tally;
	/** Decayed learnt totals of all circles [n, comp, na, fail]. */
	poolCal: [number, number, number, number];
	circles: Map<string, CircleHealth>;
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

function share(x: number, n: number, prior: number, w: number): number {
	return (x + prior * w) / (n + w);
}

/** Computes window tallies and expectations for every circle of the state. */
export function healthPicture(state: CampaignState, now: number, s: PacingSettings): HealthPicture {
	const bucketMs = s.healthBucketSeconds * 1000;
	const fromIdx = floor((now - s.healthWindowSeconds * 1000) / bucketMs);
	const fastFrom = floor((now - s.fastWindowSeconds * 1000) / bucketMs);
	const tallies = new Map<
		string,
		{ win: Tally; fast: Tally; cal: [number, number, number, number]; closed: boolean }
	>();
	let pool = emptyTally();
	const poolCal: [number, number, number, number] = [0, 0, 0, 0];
	for (const [name, c] of Object.entries(state.circles)) {
		const win = tallyWindow(c.healthWindow, fromIdx);
		const fast = tallyWindow(c.healthWindow, fastFrom);
		const cal = decayedCal(c, now, s);
		const closed = c.breaker.mode === 'closed';
		tallies.set(name, { win, fast, cal, closed });
		if (closed) pool = addTally(pool, win);
		for (let i = 0; i < 4; i++) poolCal[i] += cal[i];
	}
	const P = s.calibrationPriorWeight;
	const circles = new Map<string, CircleHealth>();
	for (const [name, t] of tallies) {
		const others = t.closed ? addTally(pool, t.win, -1) : pool;
		// learnt mix of all other circles (prior-weighted), then of this circle pulled towards it
		const oN = poolCal[0] - t.cal[0];
		const oP = share(poolCal[1] - t.cal[1], oN, PRIOR_COMPLETION, P);
		const oNa = share(poolCal[2] - t.cal[2], oN, PRIOR_NO_ANSWER, P);
		const oF = share(poolCal[3] - t.cal[3], oN, PRIOR_FAILED, P);
		const cP = share(t.cal[1], t.cal[0], oP, P);
		const cNa = share(t.cal[2], t.cal[0], oNa, P);
		const cF = share(t.cal[3], t.cal[0], oF, P);
		const hasBaseline = others.n >= s.minBaselineVolume;
		let p = cP;
		let qna = cNa;
		if (hasBaseline) {
			p = cP * clamp(others.comp / others.n / max(oP, 0.01), 0.33, 3);
			qna = cNa * clamp(others.na / others.n / max(oNa, 0.01), 0.5, 2);
		}
		circles.set(name, {
			win: t.win,
			fast: t.fast,
			exp: {
				p: clamp(p, 0.01, 0.99),
				qna: clamp(qna, 0.02, 0.9),
				qf: clamp(cF, 0.02, 0.9),
				hasBaseline,
				baselineP: others.n ? others.comp / others.n : 0,
				baselineN: others.n,
			},
		});
	}
	return { now, pool, poolCal, circles };
}

/**
 * One step of a run test (CUSUM of log-likelihood ratios, the optimal sequential change detector): the statistic
 * gains ln(P(outcome | outage) / P(outcome | normal)) and is floored at 0; the breaker trips when it reaches the
 * threshold (~ ln of the false-alarm odds). `hit` = the outcome the outage produces (failed / rang out), `q` its
 * normal share, `eps` the share of other outcomes still allowed during an outage. With a normal failed share of 5%
 * about 6 failures in a row trip the hard test; with a normal no-answer share of 35% about 14 no-answers in a row
 * trip the silent test — and any completed or busy call (proof the network reaches people) knocks it back down.
 * runs.ts feeds it in placement order.
 */
export function runStep(stat: number, hit: boolean, q: number, eps: number): number {
	const llr = hit ? log((1 - eps) / q) : log(eps / (1 - q));
	return max(0, stat + llr);
}

/**
 * The share weight of a closed circle for allocation: 1 unless its completion is CLEARLY below what is expected
 * (upper confidence bound below slowBelowRatio x expected), then proportional, floored at minCircleWeight.
 * Healthy circles are never slowed by noise, and a circle without a baseline is not judged.
 */
export function circleWeight(h: CircleHealth | undefined, s: PacingSettings): number {
	if (!s.slowDegradedCircles || !h || !h.exp.hasBaseline || h.win.n < s.minVolume) return 1;
	const ratio = wilsonUpper(h.win.comp, h.win.n, s.confidenceZ) / h.exp.p;
	if (ratio >= s.slowBelowRatio) return 1;
	return max(s.minCircleWeight, ratio / s.slowBelowRatio);
}

/**
 * The global rate factor of the optional "slow everything when all circles are below target" rule: the optimistic
 * (upper-bound) pooled completion over the target, clamped to [minRateFactor, 1]. 1 when the rule is off, no
 * target is set, or the pool has too few resolved calls to judge.
 */
export function globalRateFactor(pic: HealthPicture, s: PacingSettings): number {
	if (
		!s.throttleWhenAllBelowTarget ||
		s.targetCompletionPct <= 0 ||
		pic.pool.n < s.minBaselineVolume
	)
		return 1;
	const up = wilsonUpper(pic.pool.comp, pic.pool.n, s.confidenceZ);
	return clamp(up / (s.targetCompletionPct / 100), s.minRateFactor, 1);
}
