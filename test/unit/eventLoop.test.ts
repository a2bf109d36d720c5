/** The event-loop lag monitor the fuzz suites rely on (test/helpers/eventLoop.ts) sees blocks, and only blocks. */
import { bestOf, cpuMs, LoopWatch, watchLoop } from '../helpers/eventLoop';

/** Spins for `ms` of CPU time (not wall time: on a loaded machine the two differ by a factor of ten). */
const busy = (ms: number) => {
	const end = cpuMs() + ms;
	while (cpuMs() < end);
};

describe('LoopWatch', () => {
	it('sees a 150 ms synchronous step as a block of about 150 ms', async () => {
		const r = await watchLoop(() => busy(150));
		expect(r.maxBlockMs).toBeGreaterThanOrEqual(140);
	});

	it('sees a block at the very end of the watched work (before the next sample)', async () => {
		const watch = new LoopWatch().start();
		await watch.settle();
		busy(120);
		expect(watch.stop()).toBeGreaterThanOrEqual(110);
	});

	it('does not add up short steps that yield: 30 steps of 10 ms with settle() between them', async () => {
		const best = await bestOf(3, 60, async () =>
			watchLoop(async (watch) => {
				for (let i = 0; i < 30; i++) {
					await watch.settle();
					busy(10);
				}
			}),
		);
		expect(best.ms).toBeGreaterThanOrEqual(290);
		expect(best.maxBlockMs).toBeLessThan(60);
	});

	it('bestOf keeps the smallest block and stops at the first run under the limit', async () => {
		const blocks = [250, 40, 10];
		let n = 0;
		const best = await bestOf(3, 100, async () => ({ maxBlockMs: blocks[n++], ms: 1 }));
		expect(best).toEqual({ maxBlockMs: 40, runs: [250, 40], ms: 1, maxWallBlockMs: 40 });
	});
});
