import { PlacedCallMemory, placedCallKey } from '../../nodes/ExotelConnectCall/placedCalls';

describe('PlacedCallMemory', () => {
	it('forgets entries after the TTL and keeps at most maxEntries, least recently used out', () => {
		const m = new PlacedCallMemory(2, 1000);
		m.remember('a', { callSid: 'A' }, 0);
		m.remember('b', { callSid: 'B' }, 0);
		expect(m.get('a', 10)).toEqual({ callSid: 'A' }); // a is now the most recent
		m.remember('c', { callSid: 'C' }, 20);
		expect(m.size).toBe(2);
		expect(m.get('b', 30)).toBeUndefined();
		expect(m.get('a', 999)).toEqual({ callSid: 'A' });
		expect(m.get('a', 1000)).toBeUndefined();
		expect(m.get('c', 500)).toEqual({ callSid: 'C' });
	});

	it('keys Pacing Custom Fields by account only, others also by From, Caller ID and execution', () => {
		const account = { baseUrl: 'https://api.exotel.com', accountSid: 'acme' };
		const call = { from: '+919800000001', callerId: '0204', customField: 'cf', fromPacing: true };
		expect(placedCallKey(account, call, 'e1')).toBe(placedCallKey(account, call, 'e2'));
		expect(placedCallKey(account, call, 'e1')).not.toBe(
			placedCallKey({ ...account, accountSid: 'other' }, call, 'e1'),
		);
		const own = { ...call, fromPacing: false };
		expect(placedCallKey(account, own, 'e1')).not.toBe(placedCallKey(account, own, 'e2'));
		expect(placedCallKey(account, own, 'e1')).not.toBe(
			placedCallKey(account, { ...own, from: '+919800000002' }, 'e1'),
		);
	});
});
