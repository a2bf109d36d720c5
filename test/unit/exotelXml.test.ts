import {
	decodeXmlEntities,
	parseTwilioResponse,
	parseXml,
	toTwilioResponseXml,
} from '../../nodes/core/exotel/xml';

describe('TwilioResponse XML', () => {
	it('reads number metadata with entities', () => {
		const xml =
			'<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse>\n <Numbers>\n  <PhoneNumber>09876530240</PhoneNumber>\n  <Circle>GJ</Circle>\n  <CircleName>Gujarat Telecom Circle (includes Daman &amp; Diu, Dadra &amp; Nagar Haveli)</CircleName>\n  <Type>Mobile</Type><Operator>R</Operator><OperatorName>Reliance</OperatorName><DND>Yes</DND>\n </Numbers>\n</TwilioResponse>';
		expect(parseTwilioResponse(xml)).toEqual({
			Numbers: {
				PhoneNumber: '09876530240',
				Circle: 'GJ',
				CircleName: 'Gujarat Telecom Circle (includes Daman & Diu, Dadra & Nagar Haveli)',
				Type: 'Mobile',
				Operator: 'R',
				OperatorName: 'Reliance',
				DND: 'Yes',
			},
		});
	});

	it('turns Calls and Legs into the JSON shapes', () => {
		const xml = `<TwilioResponse><Metadata><Total>2</Total><NextPageUri>/v1/Accounts/a/Calls.json?After=xyz</NextPageUri></Metadata><Calls><Call><Sid>a</Sid></Call><Call><Sid>b</Sid></Call></Calls></TwilioResponse>`;
		expect(parseTwilioResponse(xml)).toEqual({
			Metadata: { Total: '2', NextPageUri: '/v1/Accounts/a/Calls.json?After=xyz' },
			Calls: [{ Sid: 'a' }, { Sid: 'b' }],
		});
		const one = parseTwilioResponse(
			'<TwilioResponse><Calls><Call><Sid>a</Sid></Call></Calls></TwilioResponse>',
		);
		expect(one).toEqual({ Calls: [{ Sid: 'a' }] });
		expect(parseTwilioResponse('<TwilioResponse><Calls/></TwilioResponse>')).toEqual({ Calls: [] });
		const legs = parseTwilioResponse(
			'<TwilioResponse><Call><Details><Legs><Leg><Id>1</Id><OnCallDuration>21</OnCallDuration></Leg></Legs></Details></Call></TwilioResponse>',
		);
		expect(legs).toEqual({
			Call: { Details: { Legs: [{ Leg: { Id: '1', OnCallDuration: '21' } }] } },
		});
	});

	it('empty elements are null; comments, CDATA and numeric entities work', () => {
		const r = parseXml('<!-- hi --><A><B/><C></C><D><![CDATA[a<b]]></D><E>&#65;&#x42;&lt;</E></A>');
		expect(r).toEqual({ A: { B: null, C: null, D: 'a<b', E: 'AB<' } });
		expect(decodeXmlEntities('&unknown; &amp;')).toBe('&unknown; &');
	});

	it('repeated tags become arrays', () => {
		expect(parseXml('<A><x>1</x><x>2</x><x>3</x></A>')).toEqual({ A: { x: ['1', '2', '3'] } });
	});

	it('rejects malformed XML', () => {
		expect(() => parseXml('<A><B></A>')).toThrow();
		expect(() => parseXml('<A>')).toThrow();
		expect(() => parseXml('<A></A><B/>')).toThrow();
	});

	it('writes what it reads', () => {
		const body = {
			Call: {
				Sid: 'abc',
				EndTime: null,
				Details: {
					ConversationDuration: 8,
					Legs: [{ Leg: { Id: 1, OnCallDuration: 21 } }, { Leg: { Id: 2, OnCallDuration: 8 } }],
				},
				CallerName: 'A & B',
			},
		};
		const xml = toTwilioResponseXml(body);
		expect(xml).toContain('<TwilioResponse><Call><Sid>abc</Sid><EndTime></EndTime>');
		expect(xml).toContain('A &amp; B');
		expect(parseTwilioResponse(xml)).toEqual({
			Call: {
				Sid: 'abc',
				EndTime: null,
				Details: {
					ConversationDuration: '8',
					Legs: [
						{ Leg: { Id: '1', OnCallDuration: '21' } },
						{ Leg: { Id: '2', OnCallDuration: '8' } },
					],
				},
				CallerName: 'A & B',
			},
		});
	});
});
