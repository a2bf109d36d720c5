import { sleep } from 'n8n-workflow';

/** Longest single sleep, so a cancelled execution stops waiting within this many milliseconds. */
const SLICE_MS = 250;

/**
 * Waits `ms` milliseconds unless the execution is cancelled first; returns false when it was cancelled.
 * Built on `sleep`, which both n8n-workflow 1.x and 2.x export (2.x dropped `sleepWithAbort`, and n8n's
 * community-node rules forbid timers in nodes), so it works on every n8n the package supports.
 */
export async function waitUnlessCancelled(ms: number, signal?: AbortSignal): Promise<boolean> {
	let left = Math.max(0, ms);
	while (left > 0) {
		if (signal?.aborted) return false;
		const slice = Math.min(left, SLICE_MS);
		await sleep(slice);
		left -= slice;
	}
	return !signal?.aborted;
}

/** Longest stretch of synchronous work between two turns of the event loop (issue 11: no block over 100 ms). */
export const WORK_SLICE_MS = 20;

/**
 * Gives the event loop a turn during a long job over many items (Release over 20,000 rows, Record Outcome over
 * 20,000 reports): between slices of the work it yields once WORK_SLICE_MS have passed since the last turn, so
 * timers, I/O and webhooks run meanwhile; a small batch never waits. `sleep(0)` is a timer (a macrotask): an
 * awaited promise alone would let no I/O run.
 */
export class LoopTurns {
	private since = Date.now();

	/** Yields if this slice of work has run long enough. */
	async pause(): Promise<void> {
		if (Date.now() - this.since < WORK_SLICE_MS) return;
		await sleep(0);
		this.since = Date.now();
	}

	/** `step(i)` for every i below `count`, in order, pausing between slices of `slice` steps. */
	async each(count: number, step: (i: number) => void, slice = 250): Promise<void> {
		for (let from = 0; from < count; from += slice) {
			await this.pause();
			const to = Math.min(count, from + slice);
			for (let i = from; i < to; i++) step(i);
		}
	}

	/** `list.map(fn)`, pausing between slices. */
	async map<T, U>(list: readonly T[], fn: (x: T, k: number) => U, slice = 250): Promise<U[]> {
		const out: U[] = [];
		await this.each(list.length, (k) => out.push(fn(list[k], k)), slice);
		return out;
	}
}
