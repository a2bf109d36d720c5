import {
	buildPool,
	normaliseCircle,
	seededRandom,
	selectCallerId,
	splitNumbers,
	type CallerIdPool,
	type RoundRobinCursors,
	type SelectionSettings,
} from '../../nodes/core/callerId';

const RR: SelectionSettings = { strategy: 'roundRobin', neighbourFallback: true };

const pool: CallerIdPool = {
	MH: ['02011110001', '02011110002', '02011110003'],
	UE: ['05221110001'],
	DL: ['01111110001', '01111110002'],
};

describe('splitNumbers / normaliseCircle', () => {
	it('splits comma, semicolon and newline lists, strips spaces and dashes, removes duplicates', () => {
		expect(splitNumbers('020 1111 0001, 020-1111-0002;\n02011110001 ,, ')).toEqual([
			'02011110001',
			'02011110002',
		]);
		expect(splitNumbers(undefined)).toEqual([]);
	});
	it('accepts codes in any case and full circle names', () => {
		expect(normaliseCircle(' mh ')).toBe('MH');
		expect(normaliseCircle('Kolkata Metro Telecom Circle')).toBe('KO');
		expect(normaliseCircle('XX')).toBeNull();
		expect(normaliseCircle(42)).toBeNull();
	});
});

describe('buildPool', () => {
	it('groups discovered ExoPhones by region and reports those without one', () => {
		const { pool: p, unassignedExoPhones } = buildPool(
			[],
			[
				{ number: '02011110001', region: 'MH' },
				{ number: '02011110002', region: 'mh' },
				{ number: '02011110001', region: 'MH' },
				{ number: '08011110001', region: null },
			],
		);
		expect(p).toEqual({ MH: ['02011110001', '02011110002'] });
		expect(unassignedExoPhones).toEqual(['08011110001']);
	});

	it('a table row overrides discovery for its circle only; rows for one circle merge', () => {
		const { pool: p, invalidTableCircles } = buildPool(
			[
				{ circle: 'MH', numbers: '09999990001' },
				{ circle: 'MH', numbers: '09999990002, 09999990001' },
				{ circle: 'ZZ', numbers: '1' },
				{ circle: 'KA', numbers: '' },
			],
			[
				{ number: '02011110001', region: 'MH' },
				{ number: '08011110001', region: 'KA' },
			],
		);
		expect(p).toEqual({ MH: ['09999990001', '09999990002'], KA: ['08011110001'] });
		expect(invalidTableCircles).toEqual(['ZZ']);
	});
});

describe('selectCallerId', () => {
	it('round-robin rotates per circle and continues from a persisted cursor (next execution)', () => {
		const cursors: RoundRobinCursors = {};
		const first = [0, 1].map(() => selectCallerId('MH', pool, RR, cursors));
		expect(first.map((s) => s.callerId)).toEqual(['02011110001', '02011110002']);
		expect(first[1].callerIdReason).toBe('Circle match MH, round-robin 2 of 3');
		expect(first[1].callerIdCircle).toBe('MH');
		expect(first[1].source).toBe('circle');

		// "static data" saved and loaded again in the next execution
		const persisted = JSON.parse(JSON.stringify(cursors)) as RoundRobinCursors;
		const next = [0, 1, 2].map(() => selectCallerId('mh', pool, RR, persisted).callerId);
		expect(next).toEqual(['02011110003', '02011110001', '02011110002']);
		// other circles have their own cursor
		expect(selectCallerId('DL', pool, RR, persisted).callerId).toBe('01111110001');
	});

	it('a stale cursor beyond a shrunken list wraps instead of failing', () => {
		const cursors: RoundRobinCursors = { DL: 7 };
		const s = selectCallerId('DL', pool, RR, cursors);
		expect(s.callerId).toBe('01111110002');
		expect(cursors.DL).toBe(0);
	});

	it('first always takes the first number', () => {
		const settings: SelectionSettings = { strategy: 'first', neighbourFallback: true };
		const cursors: RoundRobinCursors = {};
		expect(selectCallerId('MH', pool, settings, cursors).callerId).toBe('02011110001');
		const again = selectCallerId('MH', pool, settings, cursors);
		expect(again.callerId).toBe('02011110001');
		expect(again.callerIdReason).toBe('Circle match MH, first of 3');
		expect(cursors).toEqual({});
		expect(selectCallerId('UE', pool, settings).callerIdReason).toBe(
			'Circle match UE, only number',
		);
	});

	it('random uses the injected generator (seeded = reproducible) and stays in range', () => {
		const settings: SelectionSettings = { strategy: 'random', neighbourFallback: true };
		const a = seededRandom(42);
		const b = seededRandom(42);
		const runA = Array.from(
			{ length: 30 },
			() => selectCallerId('MH', pool, settings, {}, a).callerId,
		);
		const runB = Array.from(
			{ length: 30 },
			() => selectCallerId('MH', pool, settings, {}, b).callerId,
		);
		expect(runA).toEqual(runB);
		expect(new Set(runA)).toEqual(new Set(pool.MH));
		expect(selectCallerId('MH', pool, settings, {}, () => 0.999999).callerIdReason).toBe(
			'Circle match MH, random 3 of 3',
		);
		expect(selectCallerId('MH', pool, settings, {}, () => 0).callerId).toBe('02011110001');
	});

	it('falls back to the first neighbour (in NEIGHBOURS order) that has an ExoPhone', () => {
		const s = selectCallerId('UW', pool, RR, {});
		expect(s).toMatchObject({
			callerId: '05221110001',
			callerIdCircle: 'UE',
			source: 'neighbour',
			circle: 'UW',
			callerIdReason: 'No ExoPhone in UW; used neighbour UE, round-robin 1 of 1',
		});
		// HR has no own number: neighbours DL, PB, UW -> DL
		expect(selectCallerId('HR', pool, RR, {}).callerIdCircle).toBe('DL');
	});

	it('with neighbour fallback off, a circle without ExoPhone goes to the fallback caller ID', () => {
		const s = selectCallerId('UW', pool, {
			...RR,
			neighbourFallback: false,
			fallbackCallerId: ' 08000000000 ',
		});
		expect(s).toMatchObject({
			callerId: '08000000000',
			callerIdCircle: null,
			source: 'fallback',
			callerIdReason: 'No ExoPhone for circle UW; used the fallback caller ID',
		});
	});

	it('no match and no fallback -> callerId null (the node sends it to "No Caller ID")', () => {
		const s = selectCallerId('KL', pool, RR, {});
		expect(s.callerId).toBeNull();
		expect(s.source).toBe('none');
		expect(s.callerIdReason).toBe(
			'No ExoPhone for circle KL or its neighbours (TN, KA); no fallback caller ID is set',
		);
	});

	it('unknown or missing circles are explained in plain words', () => {
		expect(selectCallerId('XX', pool, { ...RR, fallbackCallerId: '080' }).callerIdReason).toBe(
			'"XX" is not a telecom circle code; used the fallback caller ID',
		);
		expect(selectCallerId(undefined, pool, RR).callerIdReason).toBe(
			'The item has no circle; no fallback caller ID is set',
		);
	});

	it('table overrides discovery end to end', () => {
		const { pool: p } = buildPool(
			[{ circle: 'MH', numbers: '09999990001' }],
			[
				{ number: '02011110001', region: 'MH' },
				{ number: '05221110001', region: 'UE' },
			],
		);
		expect(selectCallerId('MH', p, RR, {}).callerId).toBe('09999990001');
		expect(selectCallerId('UE', p, RR, {}).callerId).toBe('05221110001');
	});
});
