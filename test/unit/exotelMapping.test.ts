import { encodeCorrelation } from '../../nodes/core/correlation';
import {
	cleanString,
	mapBulkCalls,
	mapExophones,
	mapNumberMetadata,
	normalizeCall,
	parseExotelBody,
	parseStatusCallback,
	toNumberOrNull,
} from '../../nodes/core/exotel/mapping';
import { toTwilioResponseXml } from '../../nodes/core/exotel/xml';

// Verbatim shape of exotel-api.md §5.1 (call-details.mdx example)
const CALL = {
	Sid: 'c5797dcbaaeed7678c4062a4a3ed2f8a',
	ParentCallSid: null,
	DateCreated: '2017-03-03 10:48:33',
	DateUpdated: '2017-03-03 10:49:50',
	AccountSid: 'Exotel',
	To: '09123438847',
	From: '09876530240',
	PhoneNumberSid: '08047114890',
	Status: 'completed',
	StartTime: '2017-03-03 10:48:33',
	EndTime: '2017-03-03 10:49:50',
	Duration: '17',
	Price: '1.500',
	Direction: 'outbound-api',
	AnsweredBy: null,
	ForwardedFrom: null,
	CallerName: null,
	Uri: '/v1/Accounts/Exotel/Calls.json/c5797dcbaaeed7678c4062a4a3ed2f8a',
	RecordingUrl: 'https://s3-ap-southeast-1.amazonaws.com/x/recording.mp3',
	Details: {
		ConversationDuration: 8,
		Leg1Status: 'completed',
		Leg2Status: 'completed',
		Legs: [{ Leg: { Id: 1, OnCallDuration: 21 } }, { Leg: { Id: 2, OnCallDuration: 8 } }],
	},
};

const NORMALIZED = {
	callSid: 'c5797dcbaaeed7678c4062a4a3ed2f8a',
	parentCallSid: null,
	accountSid: 'Exotel',
	status: 'completed',
	answered: true,
	direction: 'outbound-api',
	from: '+919876530240',
	to: '+919123438847',
	callerId: '08047114890',
	dateCreated: '2017-03-03T10:48:33+05:30',
	dateUpdated: '2017-03-03T10:49:50+05:30',
	startTime: '2017-03-03T10:48:33+05:30',
	endTime: '2017-03-03T10:49:50+05:30',
	duration: 17,
	price: 1.5,
	conversationDuration: 8,
	leg1Status: 'completed',
	leg2Status: 'completed',
	legs: [
		{ id: 1, status: 'completed', onCallDuration: 21 },
		{ id: 2, status: 'completed', onCallDuration: 8 },
	],
	recordingUrl: 'https://s3-ap-southeast-1.amazonaws.com/x/recording.mp3',
	answeredBy: null,
};

describe('scalars', () => {
	it('cleanString', () => {
		expect(cleanString('null')).toBeNull();
		expect(cleanString('')).toBeNull();
		expect(cleanString('  x ')).toBe('x');
		expect(cleanString(['completed'])).toBe('completed');
		expect(cleanString({})).toBeNull();
	});
	it('toNumberOrNull', () => {
		expect(toNumberOrNull('17')).toBe(17);
		expect(toNumberOrNull('1.500')).toBe(1.5);
		expect(toNumberOrNull(8)).toBe(8);
		expect(toNumberOrNull('null')).toBeNull();
		expect(toNumberOrNull('')).toBeNull();
		expect(toNumberOrNull('abc')).toBeNull();
	});
});

describe('normalizeCall', () => {
	it('maps the JSON call with details (string Duration/Price, numeric ConversationDuration)', () => {
		expect(normalizeCall({ Call: CALL })).toEqual(NORMALIZED);
		expect(normalizeCall(CALL)).toEqual(NORMALIZED);
		expect(normalizeCall(JSON.stringify({ Call: CALL }))).toEqual(NORMALIZED);
	});

	it('maps the same call sent as XML', () => {
		expect(normalizeCall(toTwilioResponseXml({ Call: CALL }))).toEqual(NORMALIZED);
	});

	it('maps a fresh connect response (nulls, in-progress, no details)', () => {
		const c = normalizeCall({
			Call: {
				...CALL,
				Status: 'in-progress',
				EndTime: null,
				Duration: null,
				Price: null,
				RecordingUrl: 'null',
				Details: undefined,
			},
		});
		expect(c).toMatchObject({
			status: 'in-progress',
			answered: false,
			endTime: null,
			duration: null,
			price: null,
			recordingUrl: null,
			legs: [],
		});
		expect(c.conversationDuration).toBeNull();
		expect(c.leg1Status).toBeNull();
	});

	it('answered when conversation time > 0 even if status says otherwise; not for a busy call', () => {
		expect(normalizeCall({ ...CALL, Status: 'failed' }).answered).toBe(true);
		expect(
			normalizeCall({
				...CALL,
				Status: 'busy',
				Details: { ConversationDuration: 0, Leg1Status: 'completed', Leg2Status: 'busy' },
			}),
		).toMatchObject({
			answered: false,
			leg2Status: 'busy',
		});
	});

	it('recording "" and "null" become null; string durations in legs become numbers', () => {
		const c = normalizeCall({
			...CALL,
			RecordingUrl: '',
			Details: {
				ConversationDuration: '8',
				Leg1Status: 'completed',
				Leg2Status: 'no-answer',
				Legs: [
					{ Leg: { Id: '1', OnCallDuration: '21' } },
					{ Leg: { Id: '2', OnCallDuration: 'null' } },
				],
			},
		});
		expect(c.recordingUrl).toBeNull();
		expect(c.legs).toEqual([
			{ id: 1, status: 'completed', onCallDuration: 21 },
			{ id: 2, status: 'no-answer', onCallDuration: null },
		]);
	});

	it('throws without a Sid', () => {
		expect(() => normalizeCall({ RestException: { Status: 404, Message: 'x' } })).toThrow(
			'without a call Sid',
		);
	});
});

describe('mapBulkCalls', () => {
	const page = {
		Metadata: {
			Total: 3,
			PageSize: 2,
			FirstPageUri: '/v1/Accounts/a/Calls.json?PageSize=2',
			PrevPageUri: null,
			NextPageUri: '/v1/Accounts/a/Calls.json?PageSize=2&After=cursor%2B1',
		},
		Calls: [CALL, { ...CALL, Sid: 'second', Status: 'no-answer', Details: undefined }],
	};
	it('maps calls and the After cursor (JSON)', () => {
		const r = mapBulkCalls(page);
		expect(r.calls.map((c) => c.callSid)).toEqual(['c5797dcbaaeed7678c4062a4a3ed2f8a', 'second']);
		expect(r.raw[1].Sid).toBe('second');
		expect(r.nextAfter).toBe('cursor+1');
		expect(r.total).toBe(3);
	});
	it('maps the XML variant identically', () => {
		const r = mapBulkCalls(toTwilioResponseXml(page));
		expect(r.calls).toEqual(mapBulkCalls(page).calls);
		expect(r.nextAfter).toBe('cursor+1');
	});
	it('last page has no cursor; empty pages are fine', () => {
		expect(mapBulkCalls({ Metadata: { NextPageUri: null }, Calls: [] })).toEqual({
			calls: [],
			raw: [],
		});
	});
});

describe('mapNumberMetadata', () => {
	it('maps the documented response', () => {
		const body = {
			Numbers: {
				PhoneNumber: '09876530240',
				Circle: 'GJ',
				CircleName: 'Gujarat Telecom Circle (includes Daman & Diu, Dadra & Nagar Haveli)',
				Type: 'Mobile',
				Operator: 'R',
				OperatorName: 'Reliance',
				DND: 'Yes',
			},
		};
		expect(mapNumberMetadata(body, { phoneNumber: '98765 30240', now: 0 })).toEqual({
			phoneNumber: '+919876530240',
			circle: 'GJ',
			circleName: 'Gujarat Telecom Circle (includes Daman & Diu, Dadra & Nagar Haveli)',
			numberType: 'Mobile',
			operator: 'R',
			operatorName: 'Reliance',
			dnd: true,
			lookedUpAt: '1970-01-01T05:30:00+05:30',
		});
	});
	it('DND Unavailable is its own value, No is false; missing circle name is filled from our table; lower-case circle', () => {
		const r = mapNumberMetadata({
			Numbers: {
				PhoneNumber: '09876530240',
				Circle: 'mh',
				CircleName: '',
				Type: 'MOBILE',
				Operator: 'A',
				OperatorName: 'Airtel',
				DND: 'Unavailable',
			},
		});
		expect(r).toMatchObject({
			phoneNumber: '+919876530240',
			circle: 'MH',
			circleName: 'Maharashtra Telecom Circle (excludes Mumbai)',
			numberType: 'Mobile',
			dnd: 'unavailable',
		});
		expect(
			mapNumberMetadata({
				Numbers: {
					PhoneNumber: '09876530240',
					Circle: null,
					CircleName: null,
					Type: null,
					Operator: null,
					OperatorName: null,
					DND: 'No',
				},
			}),
		).toMatchObject({
			circle: null,
			circleName: null,
			numberType: null,
			dnd: false,
		});
	});
	it('reads XML', () => {
		const xml = toTwilioResponseXml({
			Numbers: {
				PhoneNumber: '01123456789',
				Circle: 'DL',
				CircleName: 'Delhi',
				Type: 'Landline',
				Operator: 'MT',
				OperatorName: 'MTNL',
				DND: 'No',
			},
		});
		expect(mapNumberMetadata(xml)).toMatchObject({
			phoneNumber: '+911123456789',
			circle: 'DL',
			numberType: 'Landline',
			operator: 'MT',
		});
	});
});

describe('parseStatusCallback', () => {
	const customField = encodeCorrelation({
		campaign: 'diwali',
		contact: 'row-7',
		attempt: 2,
		circle: 'MH',
		releasedAt: 1700000000000,
	});
	const expected = {
		callSid: 'sid1',
		status: 'completed',
		eventType: 'terminal',
		answered: true,
		direction: 'outbound-api',
		from: '+919876530240',
		to: '+919123438847',
		callerId: '08047114890',
		dateCreated: '2024-01-01T10:00:00+05:30',
		dateUpdated: '2024-01-01T10:01:00+05:30',
		startTime: '2024-01-01T10:00:05+05:30',
		endTime: '2024-01-01T10:01:00+05:30',
		conversationDuration: 30,
		leg1Status: 'completed',
		leg2Status: 'completed',
		legs: [
			{ id: 1, status: 'completed', onCallDuration: 50 },
			{ id: 2, status: 'completed', onCallDuration: 30 },
		],
		recordingUrl: null,
		answeredBy: null,
		customField,
		correlation: {
			campaign: 'diwali',
			contact: 'row-7',
			attempt: 2,
			circle: 'MH',
			releasedAt: 1700000000000,
		},
		receivedAt: '1970-01-01T05:30:00+05:30',
	};
	const flat = {
		CallSid: 'sid1',
		EventType: 'terminal',
		Status: 'completed',
		DateCreated: '2024-01-01 10:00:00',
		DateUpdated: '2024-01-01 10:01:00',
		To: '09123438847',
		From: '09876530240',
		PhoneNumberSid: '08047114890',
		StartTime: '2024-01-01 10:00:05',
		EndTime: '2024-01-01 10:01:00',
		ConversationDuration: '30',
		Direction: 'outbound-api',
		CustomField: customField,
		RecordingUrl: 'null',
		'Legs[0][Status]': 'completed',
		'Legs[0][OnCallDuration]': '50',
		'Legs[1][Status]': 'completed',
		'Legs[1][OnCallDuration]': '30',
	};

	it('flat urlencoded keys', () => {
		expect(parseStatusCallback(flat, 0)).toEqual(expected);
	});

	it('multipart as n8n hands it over ({data:{…}}), also with one-element arrays', () => {
		expect(parseStatusCallback({ data: flat }, 0)).toEqual(expected);
		const arrays = Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, [v]]));
		expect(parseStatusCallback({ data: arrays }, 0)).toEqual(expected);
	});

	it('JSON with a Legs array and numbers', () => {
		const json = {
			...Object.fromEntries(Object.entries(flat).filter(([k]) => !k.startsWith('Legs['))),
			ConversationDuration: 30,
			RecordingUrl: null,
			Legs: [
				{ Status: 'completed', OnCallDuration: 50 },
				{ Status: 'completed', OnCallDuration: 30 },
			],
		};
		expect(parseStatusCallback(json, 0)).toEqual(expected);
		expect(parseStatusCallback(JSON.stringify(json), 0)).toEqual(expected);
	});

	it('qs-style nested legs', () => {
		const nested = {
			...Object.fromEntries(Object.entries(flat).filter(([k]) => !k.startsWith('Legs['))),
			Legs: {
				'0': { Status: 'completed', OnCallDuration: '50' },
				'1': { Status: 'completed', OnCallDuration: '30' },
			},
		};
		expect(parseStatusCallback(nested, 0)).toEqual(expected);
	});

	it('answered events: in-progress, empty second leg, AnsweredBy per leg', () => {
		const e = parseStatusCallback(
			{
				CallSid: 's',
				EventType: 'answered',
				Status: 'in-progress',
				'Legs[0][Status]': 'in-progress',
				'Legs[0][AnsweredBy]': 'Human',
				'Legs[1][Status]': '',
			},
			0,
		);
		expect(e).toMatchObject({
			eventType: 'answered',
			status: 'in-progress',
			answered: true,
			leg1Status: 'in-progress',
			leg2Status: null,
			answeredBy: 'Human',
			customField: null,
			correlation: null,
		});
		expect(e.legs).toEqual([
			{ id: 1, status: 'in-progress', onCallDuration: null, answeredBy: 'Human' },
			{ id: 2, status: null, onCallDuration: null },
		]);
	});

	it('minimal terminal callback (no EventType) and a user CustomField', () => {
		const e = parseStatusCallback(
			{
				CallSid: 's',
				Status: 'no-answer',
				DateUpdated: '2024-01-01 10:01:00',
				RecordingUrl: '',
				CustomField: 'my-own',
			},
			0,
		);
		expect(e).toMatchObject({
			eventType: 'terminal',
			status: 'no-answer',
			answered: false,
			customField: 'my-own',
			correlation: null,
			legs: [],
		});
	});

	it('throws without CallSid', () => {
		expect(() => parseStatusCallback({ Status: 'completed' })).toThrow('no CallSid');
		expect(() => parseStatusCallback({ data: {} })).toThrow('no CallSid');
	});
});

describe('mapExophones', () => {
	it('maps the v2_beta list', () => {
		const page = {
			page: 0,
			page_size: 50,
			next_page_uri: null,
			incoming_phone_numbers: [
				{
					sid: '01139585476',
					phone_number: '+911139585476',
					friendly_name: '01139585476',
					region: 'DL',
					capabilities: { voice: true },
				},
				{
					sid: 'x2',
					phone_number: '+918047112345',
					friendly_name: 'Bangalore sales',
					region: 'ka',
				},
				{ sid: 'x3', phone_number: '+912233445566', friendly_name: '02233445566' },
				{ sid: 'x4' },
			],
		};
		expect(mapExophones(page)).toEqual([
			{ number: '01139585476', e164: '+911139585476', region: 'DL', sid: '01139585476' },
			{ number: '08047112345', e164: '+918047112345', region: 'KA', sid: 'x2' },
			{ number: '02233445566', e164: '+912233445566', region: null, sid: 'x3' },
		]);
		expect(mapExophones(page.incoming_phone_numbers.slice(0, 1))).toHaveLength(1);
	});
});

describe('parseExotelBody', () => {
	it('handles objects, JSON, XML, buffers and junk', () => {
		expect(parseExotelBody({ a: 1 })).toEqual({ a: 1 });
		expect(parseExotelBody('{"a":1}')).toEqual({ a: 1 });
		expect(parseExotelBody('<TwilioResponse><A>1</A></TwilioResponse>')).toEqual({ A: '1' });
		expect(parseExotelBody(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
		expect(parseExotelBody('hello')).toEqual({ value: 'hello' });
		expect(parseExotelBody(undefined)).toEqual({});
	});
});
