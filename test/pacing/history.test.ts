/**
 * The last hour's ring (nodes/core/pacing/history.ts, state.minuteHistory, stored as `mh`): calls finished per minute, completed and not, fed
 * where outcomes are counted, at most 60 minutes, rolled over by the clock it is given, kept through save / load, and
 * small (the state's 64 KiB target).
 */
import {
	createState,
	HISTORY_MINUTES,
	historyBuckets,
	lastHour,
	migrateState,
	pruneState,
	recordOutcomes,
	release,
	type CampaignState,
	storedState,
} from '../../nodes/core/pacing';
import { noteFinished } from '../../nodes/core/pacing/history';
import { MON_10, settingsWith } from './helpers';

const s = settingsWith({ callingEnd: '23:59', maxInFlight: 500 });
const MIN = 60_000;
const minuteOf = (t: number) => Math.floor(t / MIN);
/** The ring's minutes with calls: [minute, completed, not completed]. */
const ring = (state: CampaignState) => historyBuckets(state.minuteHistory);

/** Releases `count` calls at `at`, registers them, and finishes them with `statuses` (cycled) at `finishAt`. */
function finishCalls(
	state: CampaignState,
	count: number,
	statuses: string[],
	at: number,
	finishAt: number,
	tag: string,
): CampaignState {
	const contacts = [...Array(count)].map((_, i) => ({
		key: `+9197${tag}${String(i).padStart(8 - tag.length, '0')}`,
		circle: i % 2 ? 'MH' : 'DL',
	}));
	const r = release(state, contacts, at, s);
	const sids = r.released.map((_, i) => `${tag}-${i}`);
	const reg = recordOutcomes(
		r.state,
		r.released.map((c, i) => ({
			callSid: sids[i],
			status: 'in-progress',
			correlation: c.correlation,
		})),
		at + 1000,
		s,
	);
	return recordOutcomes(
		reg.state,
		sids.map((sid, i) => ({ callSid: sid, status: statuses[i % statuses.length] })),
		finishAt,
		s,
	).state;
}

describe('the per-minute ring: fed where outcomes are counted', () => {
	it('counts each finished call once, in the minute it was counted: completed vs not', () => {
		let state = createState('c', MON_10);
		state = finishCalls(
			state,
			8,
			['completed', 'busy', 'no-answer', 'failed'],
			MON_10,
			MON_10 + 30_000,
			'a',
		);
		expect(ring(state)).toEqual([[minuteOf(MON_10), 2, 6]]);
		expect(state.minuteHistory).toEqual([minuteOf(MON_10), '0206']);
		// a repeated callback is a duplicate: not counted again
		const again = recordOutcomes(
			state,
			[{ callSid: 'a-0', status: 'completed' }],
			MON_10 + 40_000,
			s,
		).state;
		expect(again.minuteHistory).toEqual(state.minuteHistory);
		expect(again.totals.duplicatesIgnored).toBe(state.totals.duplicatesIgnored + 1);
		// live reports (registrations) are not finished calls
		expect(
			finishCalls(createState('c', MON_10), 0, ['completed'], MON_10, MON_10, 'b').minuteHistory,
		).toBeUndefined();
	});

	it('adds up to the totals while the campaign is younger than an hour', () => {
		let state = createState('c', MON_10);
		for (let m = 0; m < 10; m++)
			state = finishCalls(
				state,
				6,
				['completed', 'no-answer', 'busy'],
				MON_10 + m * MIN,
				MON_10 + m * MIN + 45_000,
				`m${m}`,
			);
		const t = state.totals;
		const sum = ring(state).reduce((a, b) => [a[0] + b[1], a[1] + b[2]], [0, 0]);
		expect(sum).toEqual([t.completed, t.busy + t.noAnswer + t.failed + t.other]);
		expect(ring(state)).toHaveLength(10);
		const hour = lastHour(state, MON_10 + 9 * MIN + 50_000);
		expect(hour.buckets).toHaveLength(HISTORY_MINUTES);
		expect(hour.buckets.slice(-10).map((b) => [b.completed, b.notCompleted])).toEqual(
			[...Array(10)].map(() => [2, 4]),
		);
		expect(hour.buckets.slice(0, 50).every((b) => b.completed === 0 && b.notCompleted === 0)).toBe(
			true,
		);
		expect(hour.buckets[59].at).toBe(minuteOf(MON_10 + 9 * MIN) * MIN);
	});
});

describe('bounded, and rolled over by the injected clock', () => {
	it('never holds more than 60 minutes, however long the campaign runs', () => {
		const state = createState('c', MON_10);
		for (let m = 0; m < 200; m++) {
			noteFinished(state, MON_10 + m * MIN, m % 3 === 0);
			noteFinished(state, MON_10 + m * MIN + 30_000, false);
			expect(ring(state).length).toBeLessThanOrEqual(HISTORY_MINUTES);
			expect(state.minuteHistory![1].length).toBeLessThanOrEqual(4 * HISTORY_MINUTES);
		}
		const newest = minuteOf(MON_10 + 199 * MIN);
		expect(ring(state).map((b) => b[0])).toEqual([...Array(60)].map((_, i) => newest - 59 + i));
		expect(ring(state)[59]).toEqual([newest, 0, 2]);
		expect(ring(state)[57]).toEqual([newest - 2, 0, 2]); // minute 197 of the run: no completed call
		expect(ring(state)[58]).toEqual([newest - 1, 1, 1]); // minute 198: one completed
	});

	it('a minute an hour old drops out; a call counted late into an older minute is placed in it, or dropped past the hour', () => {
		const state = createState('c', MON_10);
		noteFinished(state, MON_10, true);
		noteFinished(state, MON_10 + 5 * MIN, false);
		// an execution that started earlier saves a count a little later: the minute is kept in order
		noteFinished(state, MON_10 + 2 * MIN, true);
		expect(ring(state)).toEqual([
			[minuteOf(MON_10), 1, 0],
			[minuteOf(MON_10) + 2, 1, 0],
			[minuteOf(MON_10) + 5, 0, 1],
		]);
		// stored: the first minute, then 4 characters per minute (base-36 completed, not completed)
		expect(state.minuteHistory).toEqual([minuteOf(MON_10), '010000000100000000000001']);
		noteFinished(state, MON_10 + 61 * MIN, true);
		expect(ring(state).map((b) => b[0] - minuteOf(MON_10))).toEqual([2, 5, 61]);
		noteFinished(state, MON_10, false); // more than an hour before the newest minute
		expect(ring(state).map((b) => b[0] - minuteOf(MON_10))).toEqual([2, 5, 61]);

		// the chart follows the clock it is given: an hour later everything has rolled out
		expect(
			lastHour(state, MON_10 + 61 * MIN).buckets.filter((b) => b.completed + b.notCompleted).length,
		).toBe(3);
		expect(
			lastHour(state, MON_10 + 62 * MIN).buckets.filter((b) => b.completed + b.notCompleted).length,
		).toBe(2);
		expect(
			lastHour(state, MON_10 + 200 * MIN).buckets.every((b) => b.completed + b.notCompleted === 0),
		).toBe(true);
		// and pruning drops what is older than an hour, then the ring itself
		expect(
			ring(pruneState(state, MON_10 + 64 * MIN, s)).map((b) => b[0] - minuteOf(MON_10)),
		).toEqual([5, 61]);
		expect(pruneState(state, MON_10 + 200 * MIN, s).minuteHistory).toBeUndefined();
		expect('mh' in storedState(pruneState(state, MON_10 + 200 * MIN, s))).toBe(false);
	});
});

describe('the storage boundary', () => {
	function busyHour(): CampaignState {
		const state = createState('c', MON_10);
		for (let m = 0; m < 60; m++)
			for (let k = 0; k < 180; k++) noteFinished(state, MON_10 + m * MIN + k * 300, k % 3 === 0);
		return state;
	}

	it('survives save and load (JSON round trip through migrateState)', () => {
		const state = busyHour();
		const loaded = migrateState(
			JSON.parse(JSON.stringify(storedState(state))),
			'c',
			MON_10 + 60 * MIN,
		);
		expect(loaded.warnings).toEqual([]);
		expect(loaded.state.minuteHistory).toEqual(state.minuteHistory);
		expect(lastHour(loaded.state, MON_10 + 59 * MIN)).toEqual(lastHour(state, MON_10 + 59 * MIN));
	});

	it('a state saved before the ring existed loads without one; a damaged ring is dropped or cut to its newest hour', () => {
		const old = JSON.parse(JSON.stringify(createState('c', MON_10)));
		delete old.mh;
		expect(migrateState(old, 'c', MON_10).state.minuteHistory).toBeUndefined();
		const m = minuteOf(MON_10);
		for (const bad of [
			'nonsense',
			[m],
			[m, 5],
			[-1, '0101'],
			[m + 0.5, '0101'],
			[m, '010'],
			[m, '01,1'],
			[m, 'ZZ01'],
			[m, '00000000'],
		]) {
			expect(migrateState({ ...old, mh: bad }, 'c', MON_10).state.minuteHistory).toBeUndefined();
		}
		// leading empty minutes are dropped
		expect(
			migrateState({ ...old, mh: [m, '000001020000'] }, 'c', MON_10).state.minuteHistory,
		).toEqual([m + 1, '0102']);
		const tooLong = migrateState({ ...old, mh: [m, '0101'.repeat(90)] }, 'c', MON_10).state;
		expect(ring(tooLong)).toHaveLength(60);
		expect(ring(tooLong)[0][0]).toBe(m + 30);
		expect(tooLong.minuteHistory![1]).toHaveLength(240);
	});

	it('a minute with more calls than two base-36 digits hold (1295) shows as 1295', () => {
		const state = createState('c', MON_10);
		for (let k = 0; k < 1300; k++) noteFinished(state, MON_10, true);
		expect(ring(state)).toEqual([[minuteOf(MON_10), 1295, 0]]);
	});

	it('adds little to the stored state: a full hour at 180 calls a minute is under 260 bytes of JSON', () => {
		const state = busyHour();
		const without = { ...state };
		delete without.minuteHistory;
		const added =
			Buffer.byteLength(JSON.stringify(storedState(state))) -
			Buffer.byteLength(JSON.stringify(storedState(without)));
		expect(ring(state)).toHaveLength(60);
		expect(ring(state).every((b) => b[1] + b[2] === 180)).toBe(true);
		expect(added).toBeLessThan(260);
		// for the record (README / report): bytes of the ring in the stored JSON
		process.stdout.write(`history ring: ${added} bytes of JSON for 60 full minutes\n`);
	});
});
