/**
 * The state is bounded by in-flight calls and the health window, never by the number of contacts or calls:
 * after 100k simulated calls at the full rate it is still well under 64 KiB of JSON.
 */
import { getStats } from '../../nodes/core/pacing';
import { MON_10, runSerial, World } from './helpers';

test('state stays small (JSON bytes) through 100k calls at ~190 calls/min', () => {
	const w = new World({
		seed: 99,
		contacts: 160000,
		hopper: 2000,
		lostCallbacks: 0.02,
		duplicateCallbacks: 0.02,
		settings: { tickSeconds: 30, maxInFlight: 260, callingEnd: '23:59' },
	});
	const sizes: number[] = [];
	let ticks = 0;
	runSerial(w, MON_10 + 9.5 * 3600000, {
		sliceMs: 30000,
		onTick: (ww) => {
			if (ww.truth.size < 100000 && ++ticks % 4 === 0) sizes.push(JSON.stringify(ww.state).length);
		},
	});
	expect(w.truth.size).toBeGreaterThanOrEqual(100000);
	const max = Math.max(...sizes);
	const st = getStats(w.state, w.now, w.settings);
	expect(st.stateBytes).toBeLessThan(64 * 1024);
	expect(max).toBeLessThan(64 * 1024);
	// and it is not growing: the last hour is no bigger than the second hour, give or take
	const perTick = Math.floor(sizes.length / 9);
	const second = Math.max(...sizes.slice(perTick, 2 * perTick));
	const last = Math.max(...sizes.slice(-perTick));
	expect(last).toBeLessThan(second * 1.15);
});
