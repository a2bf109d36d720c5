/** How the workflow's ticks (Schedule executions) overlapped, from n8n's own execution records. */
import type { N8nInstance } from '../harness';
import type { Json } from '../harness/json';

export interface TickOverlap {
	ticks: number;
	/** Ticks that started before an earlier tick had finished. */
	overlapping: number;
	/** Most ticks running at the same time. */
	maxConcurrent: number;
	medianSeconds: number;
	maxSeconds: number;
}

export async function tickOverlap(n8n: N8nInstance, workflowId: string): Promise<TickOverlap> {
	const runs = (await n8n.client.listExecutions({ workflowId }))
		.filter((e: Json) => e.mode === 'trigger' && e.startedAt && e.stoppedAt)
		.map((e: Json) => ({ start: Date.parse(e.startedAt), stop: Date.parse(e.stoppedAt) }))
		.sort((a, b) => a.start - b.start);
	let overlapping = 0;
	let latestStop = -Infinity;
	for (const r of runs) {
		if (r.start < latestStop) overlapping++;
		latestStop = Math.max(latestStop, r.stop);
	}
	const edges = runs
		.flatMap((r) => [[r.start, 1] as const, [r.stop, -1] as const])
		.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	let now = 0;
	let maxConcurrent = 0;
	for (const [, d] of edges) maxConcurrent = Math.max(maxConcurrent, (now += d));
	const secs = runs.map((r) => (r.stop - r.start) / 1000).sort((a, b) => a - b);
	return {
		ticks: runs.length,
		overlapping,
		maxConcurrent,
		medianSeconds: secs.length ? Math.round(secs[Math.floor(secs.length / 2)] * 10) / 10 : 0,
		maxSeconds: secs.length ? Math.round(secs[secs.length - 1] * 10) / 10 : 0,
	};
}
