import {
	accountRequest,
	buildFlowUrl,
	bulkCallDetailsRequest,
	callDetailsRequest,
	chunk,
	connectCallRequest,
	incomingPhoneNumbersRequest,
	nextIncomingPhoneNumbersPage,
	nextPageCursor,
	numberMetadataRequest,
	pageCursor,
	parseSidList,
	resolveBaseUrl,
} from '../../nodes/core/exotel/requests';
import { collectBulkCalls } from '../../nodes/core/exotel/paging';

describe('base URL and flow URL', () => {
	it('resolves clusters', () => {
		expect(resolveBaseUrl({ cluster: 'singapore' })).toBe('https://api.exotel.com');
		expect(resolveBaseUrl({ cluster: 'mumbai' })).toBe('https://api.in.exotel.com');
		expect(resolveBaseUrl({})).toBe('https://api.exotel.com');
		expect(resolveBaseUrl({ cluster: 'custom', baseUrl: 'http://127.0.0.1:4010/' })).toBe(
			'http://127.0.0.1:4010',
		);
		expect(resolveBaseUrl({ cluster: 'custom', baseUrl: 'sim.local:4010' })).toBe(
			'https://sim.local:4010',
		);
		expect(() => resolveBaseUrl({ cluster: 'custom', baseUrl: ' ' })).toThrow('custom base URL');
		expect(() =>
			resolveBaseUrl({ cluster: 'custom', baseUrl: 'http://k:t@127.0.0.1:4010' }),
		).toThrow(/user name or password/);
		expect(() => resolveBaseUrl({ cluster: 'custom', baseUrl: 'http://10.0.0.5:4010' })).toThrow(
			/unencrypted/,
		);
		expect(() =>
			resolveBaseUrl({ cluster: 'custom', baseUrl: 'http://127.0.0.1.evil.com' }),
		).toThrow(/unencrypted/);
		expect(() =>
			resolveBaseUrl({ cluster: 'custom', baseUrl: 'http://localhost.evil.com' }),
		).toThrow(/unencrypted/);
		expect(
			resolveBaseUrl({
				cluster: 'custom',
				baseUrl: 'http://10.0.0.5:4010',
				allowUnencryptedHttp: true,
			}),
		).toBe('http://10.0.0.5:4010');
		expect(resolveBaseUrl({ cluster: 'custom', baseUrl: 'http://127.3.2.1:4010' })).toBe(
			'http://127.3.2.1:4010',
		);
		expect(resolveBaseUrl({ cluster: 'custom', baseUrl: 'http://[::1]:4010/' })).toBe(
			'http://[::1]:4010',
		);
	});
	it('builds flow URLs per cluster; full URLs pass through', () => {
		expect(buildFlowUrl('acme1', '12345')).toBe(
			'http://my.exotel.com/acme1/exoml/start_voice/12345',
		);
		expect(buildFlowUrl('acme1', 12345, 'mumbai')).toBe(
			'http://my.in.exotel.com/acme1/exoml/start_voice/12345',
		);
		expect(buildFlowUrl('acme1', '12345', 'custom', 'https://api.in.exotel.com')).toBe(
			'http://my.in.exotel.com/acme1/exoml/start_voice/12345',
		);
		expect(buildFlowUrl('acme1', 'https://my.exotel.com/acme1/exoml/start_voice/9')).toBe(
			'https://my.exotel.com/acme1/exoml/start_voice/9',
		);
		expect(() => buildFlowUrl('acme1', 'flow-name')).toThrow('not a flow App ID');
		expect(() => buildFlowUrl('acme1', '')).toThrow('empty');
	});
});

describe('request builders', () => {
	it('number metadata uses the national form and .json', () => {
		expect(numberMetadataRequest('acme1', '+91 98765 43210')).toEqual({
			method: 'GET',
			path: '/v1/Accounts/acme1/Numbers/09876543210.json',
			idempotent: true,
			label: 'number lookup',
			envelope: ['Numbers'],
		});
		expect(() => numberMetadataRequest('', '9876543210')).toThrow('Account SID');
	});

	it('connect, number variant: E.164, indexed StatusCallbackEvents, all optional fields in order', () => {
		const r = connectCallRequest('acme1', {
			from: '09876543210',
			to: '91 91234 56789',
			callerId: '08047112345',
			callType: 'trans',
			timeLimit: 600,
			timeOut: 30,
			statusCallback: 'https://n8n.example/webhook/x?key=t',
			statusCallbackEvents: ['terminal', 'answered', 'terminal'],
			statusCallbackContentType: 'application/json',
			customField: 'x1|c|k|1|MH|abc',
			record: true,
			recordingChannels: 'dual',
			recordingFormat: 'mp3-hq',
			waitUrl: 'https://x/wait.wav',
			startPlaybackToNew: 'Callee',
			startPlaybackValueNew: 'https://x/p.wav',
			maxRetries: 0,
		});
		expect(r).toMatchObject({
			method: 'POST',
			path: '/v1/Accounts/acme1/Calls/connect.json',
			idempotent: false,
			label: 'connect call',
		});
		expect(r.form).toEqual({
			From: '+919876543210',
			To: '+919123456789',
			CallerId: '08047112345',
			CallType: 'trans',
			TimeLimit: '600',
			TimeOut: '30',
			StatusCallback: 'https://n8n.example/webhook/x?key=t',
			'StatusCallbackEvents[0]': 'terminal',
			'StatusCallbackEvents[1]': 'answered',
			StatusCallbackContentType: 'application/json',
			CustomField: 'x1|c|k|1|MH|abc',
			Record: 'true',
			RecordingChannels: 'dual',
			RecordingFormat: 'mp3-hq',
			WaitUrl: 'https://x/wait.wav',
			StartPlaybackToNew: 'Callee',
			StartPlaybackValueNew: 'https://x/p.wav',
			MaxRetries: '0',
		});
		expect(new URLSearchParams(r.form).toString()).toContain(
			'StatusCallbackEvents%5B0%5D=terminal',
		);
	});

	it('connect, flow variant', () => {
		const r = connectCallRequest('acme1', {
			from: '9876543210',
			url: buildFlowUrl('acme1', '777'),
			callerId: '08047112345',
		});
		expect(r.form).toEqual({
			From: '+919876543210',
			Url: 'http://my.exotel.com/acme1/exoml/start_voice/777',
			CallerId: '08047112345',
		});
	});

	it('connect validation', () => {
		const base = { from: '9876543210', callerId: '08047112345' };
		expect(() => connectCallRequest('a', base)).toThrow('exactly one of');
		expect(() => connectCallRequest('a', { ...base, to: '9123456789', url: 'http://x' })).toThrow(
			'exactly one of',
		);
		expect(() => connectCallRequest('a', { ...base, to: '12345' })).toThrow(
			'To: "12345" is not a valid Indian phone number',
		);
		expect(() => connectCallRequest('a', { ...base, callerId: ' ', to: '9123456789' })).toThrow(
			'Caller ID',
		);
		expect(() => connectCallRequest('a', { ...base, to: '9123456789', timeLimit: 14401 })).toThrow(
			'at most 14400',
		);
		expect(() => connectCallRequest('a', { ...base, to: '9123456789', timeOut: 0 })).toThrow(
			'above 0',
		);
		expect(() =>
			connectCallRequest('a', { ...base, to: '9123456789', customField: 'x'.repeat(129) }),
		).toThrow('allows 128');
		expect(() =>
			connectCallRequest('a', {
				...base,
				to: '9123456789',
				statusCallback: 'http://x',
				statusCallbackEvents: ['ringing' as 'terminal'],
			}),
		).toThrow('Unknown status callback event');
		// events without a callback URL are pointless and dropped
		expect(
			connectCallRequest('a', { ...base, to: '9123456789', statusCallbackEvents: ['terminal'] })
				.form,
		).not.toHaveProperty('StatusCallbackEvents[0]');
	});

	it('single call details', () => {
		expect(callDetailsRequest('acme1', 'c5797dcbaaeed7678c4062a4a3ed2f8a')).toEqual({
			method: 'GET',
			path: '/v1/Accounts/acme1/Calls/c5797dcbaaeed7678c4062a4a3ed2f8a.json',
			qs: { details: 'true' },
			idempotent: true,
			label: 'call details',
			envelope: ['Call'],
		});
		expect(callDetailsRequest('a', 'x', { details: false }).qs).toBeUndefined();
		expect(() => callDetailsRequest('a', '../etc')).toThrow('is not a Call SID');
		expect(() => callDetailsRequest('a', '')).toThrow('empty');
	});

	it('bulk call details', () => {
		const r = bulkCallDetailsRequest('acme1', {
			sids: ['a', 'b'],
			dateCreated: { from: '2024-01-01', to: '2024-01-31' },
			status: ['completed', 'no-answer'],
			to: ['9876543210'],
			pageSize: 100,
			after: 'cur',
			sortBy: 'DateCreated:asc',
		});
		expect(r.path).toBe('/v1/Accounts/acme1/Calls.json');
		expect(r.qs).toEqual({
			Sid: 'a,b',
			DateCreated: 'gte:2024-01-01 00:00:00;lte:2024-01-31 23:59:59',
			Status: 'completed,no-answer',
			To: '+919876543210',
			PageSize: 100,
			SortBy: 'DateCreated:asc',
			After: 'cur',
		});
		expect(
			bulkCallDetailsRequest('a', { dateCreated: 'gte:2024-01-01 00:00:00', status: 'busy' }).qs,
		).toEqual({ DateCreated: 'gte:2024-01-01 00:00:00', Status: 'busy' });
		expect(() =>
			bulkCallDetailsRequest('a', { sids: Array.from({ length: 101 }, (_, i) => `s${i}`) }),
		).toThrow('at most 100');
		expect(() => bulkCallDetailsRequest('a', { pageSize: 101 })).toThrow('Page size');
		expect(() => bulkCallDetailsRequest('a', { from: ['1', '2', '3', '4', '5', '6'] })).toThrow(
			'at most 5',
		);
	});

	it('chunks and sid lists', () => {
		expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
		expect(chunk(Array.from({ length: 250 }, (_, i) => i)).map((c) => c.length)).toEqual([
			100, 100, 50,
		]);
		expect(chunk([])).toEqual([]);
		expect(parseSidList('a, b,,c\nd;a')).toEqual(['a', 'b', 'c', 'd']);
		expect(parseSidList(['a', ' b ', null, 'a'])).toEqual(['a', 'b']);
		expect(parseSidList(undefined)).toEqual([]);
	});

	it('cursors', () => {
		expect(
			nextPageCursor({ NextPageUri: '/v1/Accounts/a/Calls.json?PageSize=50&After=abc%3D%3D' }),
		).toBe('abc==');
		expect(nextPageCursor({ NextPageUri: null })).toBeUndefined();
		expect(nextPageCursor(undefined)).toBeUndefined();
		expect(pageCursor('/x?Before=b1&After=a1')).toEqual({ after: 'a1', before: 'b1' });
	});

	it('ExoPhones paging', () => {
		expect(incomingPhoneNumbersRequest('acme1')).toEqual({
			method: 'GET',
			path: '/v2_beta/Accounts/acme1/IncomingPhoneNumbers',
			qs: { Page: 0, PageSize: 100 },
			idempotent: true,
			label: 'list ExoPhones',
			envelope: ['incoming_phone_numbers'],
		});
		expect(
			nextIncomingPhoneNumbersPage({
				page: 0,
				next_page_uri:
					'http://twilix.exotel.com/v2_beta/Accounts/E/IncomingPhoneNumbers?Page=1&PageSize=50',
			}),
		).toBe(1);
		expect(nextIncomingPhoneNumbersPage({ page: 3, next_page_uri: '/x?foo=1' })).toBe(4);
		expect(nextIncomingPhoneNumbersPage({ page: 1, next_page_uri: null })).toBeUndefined();
		expect(nextIncomingPhoneNumbersPage({ page: 2, next_page_uri: '/x?Page=2' })).toBeUndefined();
	});

	it('account', () => {
		expect(accountRequest('acme1').path).toBe('/v1/Accounts/acme1.json');
	});
});

describe('collectBulkCalls', () => {
	const call = (sid: string) => ({ Sid: sid, Status: 'completed' });
	it('chunks sids by 100 and follows After cursors up to the limit', async () => {
		const seen: Array<Record<string, unknown>> = [];
		const fetch = async (req: { qs?: Record<string, unknown> }) => {
			seen.push(req.qs ?? {});
			const sids = String(req.qs?.Sid ?? '').split(',');
			const after = req.qs?.After as string | undefined;
			const start = after ? Number(after) : 0;
			const size = Number(req.qs?.PageSize);
			const slice = sids.slice(start, start + size);
			const next =
				start + size < sids.length ? `/v1/Accounts/a/Calls.json?After=${start + size}` : null;
			return { Metadata: { NextPageUri: next }, Calls: slice.map(call) };
		};
		const sids = Array.from({ length: 150 }, (_, i) => `s${i}`);
		const all = await collectBulkCalls(fetch, 'a', { sids, pageSize: 40 });
		expect(all.map((r) => r.call.callSid)).toEqual(sids);
		expect(seen.map((q) => [String(q.Sid).split(',').length, q.After ?? null])).toEqual([
			[100, null],
			[100, '40'],
			[100, '80'],
			[50, null],
			[50, '40'],
		]);
		seen.length = 0;
		const some = await collectBulkCalls(fetch, 'a', { sids }, { limit: 5 });
		expect(some).toHaveLength(5);
		expect(seen).toHaveLength(1);
		expect(seen[0].PageSize).toBe(5);
	});
	it('stops on a repeating cursor', async () => {
		let n = 0;
		const fetch = async () => ({
			Metadata: { NextPageUri: '/x?After=same' },
			Calls: [call(`c${n++}`)],
		});
		const all = await collectBulkCalls(fetch, 'a', {});
		expect(all.length).toBe(2);
	});
});
