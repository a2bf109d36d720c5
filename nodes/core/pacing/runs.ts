/**
 * The run tests of the breaker, fed in the order calls were PLACED, not the order outcomes arrive.
 *
 * Why: after a circle goes down, outcomes of calls placed before the outage keep arriving for a minute or two
 * (answered calls end late). Fed in arrival order, each of them looks like fresh proof that the circle works and
 * knocks the run back, so a small circle could take minutes to trip. Placement order removes them: they were
 * judged long before the outage began.
 *
 * How, without waiting for every slow outcome: each call placed into a closed circle enters a short per-circle
 * queue (`runQueue`, at most ~65 s of calls). A call "matures" for a test as soon as its answer to that test is known:
 *   hard test (every call fails within seconds): FAILED if it failed within failFastSeconds of being placed;
 *     not-failed once it resolved otherwise, or is still without outcome failFastSeconds after placement (a call
 *     that has not failed by then is ringing or talking);
 *   silent test (every call rings out): NO-ANSWER if it rang out; not-silent once it resolved otherwise, or is
 *     still without outcome silentMatureSeconds after placement (ring timeout + slack: a call still going by then
 *     was answered).
 * Each test consumes the queue strictly in placement order, stopping at the first call whose answer is not known
 * yet. The statistic is the same CUSUM of log-likelihood ratios as before (health.ts, `runStep`): under normal
 * operation the matured sequence is a fair sample of the circle's outcomes, so the false-alarm rate is unchanged;
 * during an outage every call placed after its start counts against the circle, with no stragglers in between.
 *
 * Entry encoding (one number, to keep the stored state small): placedAtSeconds * 4 + code, code 0 = no outcome
 * yet, 1 = failed fast, 2 = no-answer, 3 = other outcome (incl. slow failures).
 */
import type { Category } from './statuses';
import type { PacingSettings } from './settings';
import type { CircleState } from './state';
import type { Expected } from './health';
import { learnHeld, runStep } from './health';

const { ceil, floor, log, max, min } = Math;

export const PENDING = 0;
export const FAILED_FAST = 1;
export const RANG_OUT = 2;
export const OTHER = 3;

const secOf = (e: number): number => floor(e / 4);
const codeOf = (e: number): number => e - floor(e / 4) * 4;
const entry = (placedAt: number, code: number): number => floor(placedAt / 1000) * 4 + code;

export function silentMatureMs(s: PacingSettings): number {
	return (s.ringTimeoutSeconds + s.silentMatureSlackSeconds) * 1000;
}

/** A call released into a closed circle enters the queue (owned state). */
export function enqueueCall(c: CircleState, placedAt: number): void {
	const e = entry(placedAt, PENDING);
	const q = c.runQueue;
	let i = q.length;
	while (i > c.hardConsumed && q[i - 1] > e) i--;
	q.splice(i, 0, e);
}

/** A release that was never placed leaves the queue. */
export function dropCall(c: CircleState, placedAt: number): void {
	const sec = floor(placedAt / 1000);
	for (let i = c.runQueue.length - 1; i >= 0; i--) {
		if (secOf(c.runQueue[i]) === sec && codeOf(c.runQueue[i]) === PENDING) {
			c.runQueue.splice(i, 1);
			if (i < c.hardConsumed) c.hardConsumed--;
			return;
		}
	}
}

/**
 * Records what happened to a call placed at `placedAt` (owned state). `queued`: Release put the call in the queue
 * (enqueueCall). Calls the queue never had that are newer than what the tests have consumed are inserted.
 */
export function noteOutcome(
	c: CircleState,
	placedAt: number,
	cat: Category,
	at: number,
	s: PacingSettings,
	queued = false,
): void {
	const code =
		cat === 'failed'
			? at - placedAt <= s.failFastSeconds * 1000
				? FAILED_FAST
				: OTHER
			: cat === 'noAnswer'
				? RANG_OUT
				: OTHER;
	const sec = floor(placedAt / 1000);
	const q = c.runQueue;
	for (let i = q.length - 1; i >= 0; i--) {
		const qs = secOf(q[i]);
		if (qs < sec) break;
		if (qs === sec && codeOf(q[i]) === PENDING) {
			q[i] = sec * 4 + code;
			return;
		}
	}
	// Not in the queue. A call Release queued (`queued`) has been judged and dropped already: fed again, a
	// straggler placed before an outage knocked back the run of its failures whenever a small circle's queue had
	// run empty. Otherwise its registration was lost, or it was placed before the circle closed.
	if (queued) return;
	const lastHard = c.hardConsumed > 0 ? secOf(q[c.hardConsumed - 1]) : -1;
	if (sec <= lastHard || sec * 1000 < c.breaker.closedAt) return;
	let i = q.length;
	while (i > c.hardConsumed && secOf(q[i - 1]) > sec) i--;
	q.splice(i, 0, sec * 4 + code);
}

/**
 * Feeds both tests with every call whose answer is known, in placement order (owned state). Returns true when a
 * statistic changed.
 */
export function matureRuns(c: CircleState, now: number, exp: Expected, s: PacingSettings): boolean {
	const q = c.runQueue;
	const hardBefore = floor((now - s.failFastSeconds * 1000) / 1000);
	const silentBefore = floor((now - silentMatureMs(s)) / 1000);
	let changed = false;
	let hard = c.cusum[0];
	let silent = c.cusum[1];
	let ro0 = c.runStarts ? c.runStarts[0] : 0;
	let ro1 = c.runStarts ? c.runStarts[1] : 0;
	while (c.hardConsumed < q.length) {
		const e = q[c.hardConsumed];
		const code = codeOf(e);
		if (code === PENDING && secOf(e) > hardBefore) break;
		const before = hard;
		hard = runStep(hard, code === FAILED_FAST, exp.qf, s.failedRunEpsilon);
		if (hard === 0) ro0 = 0;
		else if (before === 0) ro0 = secOf(e); // change point: the run began with this call
		c.hardConsumed++;
		changed = true;
	}
	let drop = 0;
	while (drop < c.hardConsumed) {
		const e = q[drop];
		const code = codeOf(e);
		if (code === PENDING && secOf(e) > silentBefore) break;
		const before = silent;
		silent = runStep(silent, code === RANG_OUT, exp.qna, s.silentRunEpsilon);
		if (silent === 0) ro1 = 0;
		else if (before === 0) ro1 = secOf(e);
		drop++;
		changed = true;
	}
	if (drop) {
		q.splice(0, drop);
		c.hardConsumed -= drop;
	}
	if (changed) {
		c.cusum = [floor(hard * 1000) / 1000, floor(silent * 1000) / 1000];
		if (ro0 || ro1) c.runStarts = [ro0, ro1];
		else delete c.runStarts;
		learnHeld(c, now, s);
	}
	return changed;
}

/** Forget everything (on open and on close). */
export function resetRuns(c: CircleState): void {
	c.runQueue = [];
	c.hardConsumed = 0;
	c.cusum = [0, 0];
	delete c.runStarts;
	delete c.heldFailures; // on open: failures of the outage's run are not the circle's normal mix
}

/**
 * Verification calls (settings.verifyCallsPerMinute): the fewest calls a closed circle gets this tick while a run
 * test is under way — a fast failure not yet answered by calls that did not fail, or a silent run past a quarter
 * of its threshold (a few ring-outs in a row; a third of ordinary calls ring out). A test needs a handful of calls
 * in a row; a circle getting 4 calls/min took 80-150 s to collect them for the hard test (bench/sweep). The floor
 * stops once the queue holds as many unjudged calls as the test still needs, so a suspicion costs at most about
 * that many calls, taken from the circle's own backlog (called a little earlier, not extra): a healthy circle
 * loses nothing and the false-alarm odds per call are unchanged. In an outage they are refunded.
 */
export function verifyCalls(c: CircleState, exp: Expected | undefined, s: PacingSettings): number {
	if (s.verifyCallsPerMinute <= 0 || c.breaker.mode !== 'closed' || !exp) return 0;
	const perTick = ceil((s.verifyCallsPerMinute * s.tickSeconds) / 60 - 1e-9);
	let want = 0;
	if (c.cusum[0] > 0) {
		const hit = log((1 - s.failedRunEpsilon) / exp.qf);
		want =
			ceil((s.failedRunThreshold - c.cusum[0]) / max(hit, 0.1)) -
			(c.runQueue.length - c.hardConsumed);
	}
	if (c.cusum[1] >= s.silentRunThreshold / 4) {
		const hit = log((1 - s.silentRunEpsilon) / exp.qna);
		want = max(want, ceil((s.silentRunThreshold - c.cusum[1]) / max(hit, 0.1)) - c.runQueue.length);
	}
	return max(0, min(perTick, want));
}
