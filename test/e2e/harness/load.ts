/** Fire N async calls with at most K in flight; collect per-call latency and failures. */
export interface LoadResult<T> {
	results: T[];
	errors: Array<{ index: number; error: Error }>;
	latenciesMs: number[];
	wallMs: number;
}

export async function fireConcurrent<T>(
	total: number,
	inFlight: number,
	call: (index: number) => Promise<T>,
): Promise<LoadResult<T>> {
	const results: T[] = new Array(total);
	const errors: Array<{ index: number; error: Error }> = [];
	const latenciesMs: number[] = new Array(total).fill(0);
	let next = 0;
	const started = Date.now();
	const worker = async (): Promise<void> => {
		for (;;) {
			const i = next++;
			if (i >= total) return;
			const t0 = Date.now();
			try {
				results[i] = await call(i);
			} catch (e) {
				errors.push({ index: i, error: e as Error });
			}
			latenciesMs[i] = Date.now() - t0;
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, total)) }, worker));
	return { results, errors, latenciesMs, wallMs: Date.now() - started };
}

export function percentile(values: number[], p: number): number {
	if (!values.length) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
