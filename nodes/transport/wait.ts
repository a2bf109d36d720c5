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
