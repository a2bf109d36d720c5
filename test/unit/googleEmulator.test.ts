/**
 * Google APIs emulator (test/e2e/google): Sheets v4 value semantics and A1 ranges over real HTTPS (SNI =
 * sheets.googleapis.com, certificate checked against the run's test CA).
 */
import {
	googleRequest,
	serviceAccountToken,
	startGoogleEmulator,
	StartedEmulator,
	parseA1,
	quoteSheet,
	parseUserEntered,
	formatted,
} from '../e2e/google';

let g: StartedEmulator;
let token: string;

beforeAll(async () => {
	g = await startGoogleEmulator();
	token = await serviceAccountToken(g.emulator);
});
afterAll(async () => {
	await g?.stop();
});

const get = (path: string) => googleRequest(g, { path, token });
const post = (path: string, json: unknown) =>
	googleRequest(g, { method: 'POST', path, token, json });
const put = (path: string, json: unknown) => googleRequest(g, { method: 'PUT', path, token, json });
const enc = encodeURIComponent;

function newSheet(
	rows: unknown[][] = [],
	name = 'Contacts',
	extra: Array<{ name: string; rows?: unknown[][] }> = [],
) {
	return g.createSpreadsheet('t', [{ name, header: ['phone', 'name', 'status'], rows }, ...extra])
		.spreadsheetId;
}

describe('TLS and routing', () => {
	it('serves sheets.googleapis.com with a certificate the test CA vouches for', async () => {
		const id = newSheet();
		const r = await get(`/v4/spreadsheets/${id}?fields=sheets.properties`);
		expect(r.status).toBe(200);
		expect(r.body).toEqual({
			sheets: [
				{
					properties: {
						sheetId: 0,
						title: 'Contacts',
						index: 0,
						sheetType: 'GRID',
						gridProperties: { rowCount: 1000, columnCount: 26 },
					},
				},
			],
		});
	});
	it('rejects a client that does not trust the test CA', async () => {
		await expect(
			googleRequest({ port: g.port, caPem: '' as string }, { path: '/v4/spreadsheets/x' }).catch(
				(e) => {
					throw e;
				},
			),
		).rejects.toThrow();
	});
	it('field masks with parentheses', async () => {
		const id = newSheet();
		const r = await get(
			`/v4/spreadsheets/${id}?fields=${enc('properties.title,sheets(properties(sheetId,title))')}`,
		);
		expect(r.body).toEqual({
			properties: { title: 't' },
			sheets: [{ properties: { sheetId: 0, title: 'Contacts' } }],
		});
	});
	it('unknown spreadsheet: 404 NOT_FOUND', async () => {
		const r = await get('/v4/spreadsheets/nope/values/A1');
		expect(r.status).toBe(404);
		expect(r.body).toEqual({
			error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' },
		});
	});
});

describe('values.get', () => {
	it('whole sheet: range clamped to the grid, trailing empty cells and rows omitted, inner empty rows kept', async () => {
		const id = newSheet([['+911', 'A'], [], ['', '', 'x'], []]);
		const r = await get(`/v4/spreadsheets/${id}/values/Contacts`);
		expect(r.body).toEqual({
			range: 'Contacts!A1:Z1000',
			majorDimension: 'ROWS',
			values: [['phone', 'name', 'status'], ['+911', 'A'], [], ['', '', 'x']],
		});
	});
	it("quoted sheet names with spaces and apostrophes, as n8n encodes them ('Contacts' and Sheet%20Name!A:Z)", async () => {
		const id = g.createSpreadsheet('t', [
			{ name: "Bob's List", header: ['a'], rows: [['1']] },
			{ name: 'Sheet 2', header: ['b'] },
		]).spreadsheetId;
		let r = await get(`/v4/spreadsheets/${id}/values/${enc("'Bob''s List'")}`);
		expect(r.body.range).toBe("'Bob''s List'!A1:Z1000");
		expect(r.body.values).toEqual([['a'], ['1']]);
		r = await get(`/v4/spreadsheets/${id}/values/${enc('Sheet 2')}!A:B`);
		expect(r.body).toEqual({
			range: "'Sheet 2'!A1:B1000",
			majorDimension: 'ROWS',
			values: [['b']],
		});
	});
	it('A1 forms: A2:B3, A:A, 2:3, A2:C (open end), single cell, no sheet name = first sheet', async () => {
		const id = newSheet([
			['p1', 'n1', 's1'],
			['p2', 'n2', 's2'],
			['p3', 'n3'],
		]);
		const v = async (range: string) =>
			(await get(`/v4/spreadsheets/${id}/values/${enc(range)}`)).body;
		expect((await v('Contacts!A2:B3')).values).toEqual([
			['p1', 'n1'],
			['p2', 'n2'],
		]);
		expect(await v('Contacts!A:A')).toMatchObject({
			range: 'Contacts!A1:A1000',
			values: [['phone'], ['p1'], ['p2'], ['p3']],
		});
		expect(await v('Contacts!2:3')).toMatchObject({
			range: 'Contacts!A2:Z3',
			values: [
				['p1', 'n1', 's1'],
				['p2', 'n2', 's2'],
			],
		});
		expect(await v('Contacts!B3:C')).toMatchObject({
			range: 'Contacts!B3:C1000',
			values: [['n2', 's2'], ['n3']],
		});
		expect(await v('Contacts!C4')).toEqual({ range: 'Contacts!C4', majorDimension: 'ROWS' });
		expect((await v('B2')).values).toEqual([['n1']]);
	});
	it('majorDimension=COLUMNS', async () => {
		const id = newSheet([['p1', 'n1'], ['p2']]);
		const r = await get(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!A1:B3')}?majorDimension=COLUMNS`,
		);
		expect(r.body).toEqual({
			range: 'Contacts!A1:B3',
			majorDimension: 'COLUMNS',
			values: [
				['phone', 'p1', 'p2'],
				['name', 'n1'],
			],
		});
	});
	it('unparsable range and unknown sheet: 400 "Unable to parse range"', async () => {
		const id = newSheet();
		for (const range of ['Nope!A1', 'A1:B2:C3']) {
			const r = await get(`/v4/spreadsheets/${id}/values/${enc(range)}`);
			expect(r.status).toBe(400);
			expect(r.body).toEqual({
				error: {
					code: 400,
					message: `Unable to parse range: ${range}`,
					status: 'INVALID_ARGUMENT',
				},
			});
		}
	});
	it('a range beyond the grid: 400 "exceeds grid limits" naming the first cell outside', async () => {
		const id = newSheet();
		const r = await get(`/v4/spreadsheets/${id}/values/${enc('Contacts!A1:A1001')}`);
		expect(r.status).toBe(400);
		expect(r.body.error.message).toBe(
			'Range (Contacts!A1001) exceeds grid limits. Max rows: 1000, max columns: 26',
		);
	});
	it('values:batchGet', async () => {
		const id = newSheet([['p1']]);
		const r = await get(
			`/v4/spreadsheets/${id}/values:batchGet?ranges=${enc('Contacts!A1')}&ranges=${enc('Contacts!A2')}`,
		);
		expect(r.body).toEqual({
			spreadsheetId: id,
			valueRanges: [
				{ range: 'Contacts!A1', majorDimension: 'ROWS', values: [['phone']] },
				{ range: 'Contacts!A2', majorDimension: 'ROWS', values: [['p1']] },
			],
		});
	});
});

describe('value semantics', () => {
	async function roundTrip(input: unknown[], option: 'RAW' | 'USER_ENTERED') {
		const id = newSheet();
		const w = await put(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!A2')}?valueInputOption=${option}`,
			{ values: [input] },
		);
		expect(w.status).toBe(200);
		const f = await get(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!2:2')}?valueRenderOption=FORMATTED_VALUE`,
		);
		const u = await get(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!2:2')}?valueRenderOption=UNFORMATTED_VALUE`,
		);
		const s = await get(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!2:2')}?valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING`,
		);
		return {
			formatted: f.body.values?.[0],
			unformatted: u.body.values?.[0],
			fmtDates: s.body.values?.[0],
		};
	}

	it('USER_ENTERED parses like typing into Sheets', async () => {
		const r = await roundTrip(
			[
				'+919876543210',
				"'+919876543210",
				'09876543210',
				'TRUE',
				'false',
				'42',
				'1,234',
				'12.5%',
				'$5',
				'2024-01-15',
				'1/15/2024',
				'2024-01-15 10:30',
				'+91 98765 43210',
				'2024-01-15T10:30:00+05:30',
				'hello',
			],
			'USER_ENTERED',
		);
		expect(r.unformatted).toEqual([
			919876543210,
			'+919876543210',
			9876543210,
			true,
			false,
			42,
			1234,
			0.125,
			5,
			45306,
			45306,
			45306.4375,
			'+91 98765 43210',
			'2024-01-15T10:30:00+05:30',
			'hello',
		]);
		expect(r.formatted).toEqual([
			'919876543210',
			'+919876543210',
			'9876543210',
			'TRUE',
			'FALSE',
			'42',
			'1,234',
			'12.5%',
			'$5.00',
			'2024-01-15',
			'1/15/2024',
			'2024-01-15 10:30:00',
			'+91 98765 43210',
			'2024-01-15T10:30:00+05:30',
			'hello',
		]);
		expect(r.fmtDates.slice(9, 12)).toEqual(['2024-01-15', '1/15/2024', '2024-01-15 10:30:00']);
	});
	it('RAW keeps strings exactly, JSON numbers and booleans typed', async () => {
		const r = await roundTrip(['+919876543210', "'x", 'TRUE', '=1+1', 42, true, 0.1], 'RAW');
		expect(r.unformatted).toEqual(['+919876543210', "'x", 'TRUE', '=1+1', 42, true, 0.1]);
		expect(r.formatted).toEqual(['+919876543210', "'x", 'TRUE', '=1+1', '42', 'TRUE', '0.1']);
	});
	it('null skips a cell, "" clears it', async () => {
		const id = newSheet([['a', 'b', 'c']]);
		await put(`/v4/spreadsheets/${id}/values/${enc('Contacts!A2:C2')}?valueInputOption=RAW`, {
			values: [[null, '', 'z']],
		});
		expect(
			(await get(`/v4/spreadsheets/${id}/values/${enc('Contacts!A2:C2')}`)).body.values,
		).toEqual([['a', '', 'z']]);
	});
	it('an object as a value is rejected', async () => {
		const id = newSheet();
		const r = await put(`/v4/spreadsheets/${id}/values/A2?valueInputOption=RAW`, {
			values: [[{ a: 1 }]],
		});
		expect(r.status).toBe(400);
		expect(r.body.error.status).toBe('INVALID_ARGUMENT');
	});
	it('valueInputOption is required', async () => {
		const id = newSheet();
		const r = await put(`/v4/spreadsheets/${id}/values/A2`, { values: [['x']] });
		expect(r.status).toBe(400);
		expect(r.body.error.message).toBe('Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED');
	});
	it('unit: parser and formatter', () => {
		expect(parseUserEntered('0.50')).toEqual({ t: 'n', v: 0.5 });
		expect(formatted(parseUserEntered('0.50'))).toBe('0.5');
		expect(formatted(parseUserEntered('1e20'))).toBe('1.00E+20');
		expect(parseUserEntered('2024-02-30')).toEqual({ t: 's', v: '2024-02-30' });
		expect(quoteSheet('Sheet1')).toBe('Sheet1');
		expect(quoteSheet('A1')).toBe("'A1'");
		expect(quoteSheet('My Sheet')).toBe("'My Sheet'");
		expect(parseA1("'a''b'!A1:B", () => false)).toEqual({
			sheet: "a'b",
			whole: false,
			startRow: 0,
			startCol: 0,
			endRow: undefined,
			endCol: 1,
		});
	});
});

describe('writes', () => {
	it('a single-cell range is an anchor: values may extend right and down from it', async () => {
		const id = newSheet();
		const r = await put(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!B5')}?valueInputOption=RAW`,
			{ values: [['a', 'b'], ['c']] },
		);
		expect(r.body.updatedRange).toBe('Contacts!B5:C6');
	});
	it('values.update answers updatedRange/Rows/Columns/Cells; writing past the range is refused', async () => {
		const id = newSheet();
		const r = await put(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!7:8')}?valueInputOption=USER_ENTERED`,
			{ range: 'Contacts!7:8', values: [['a', 'b'], ['c']] },
		);
		expect(r.body).toEqual({
			spreadsheetId: id,
			updatedRange: 'Contacts!A7:B8',
			updatedRows: 2,
			updatedColumns: 2,
			updatedCells: 3,
		});
		const bad = await put(
			`/v4/spreadsheets/${id}/values/${enc('Contacts!A1:B1')}?valueInputOption=RAW`,
			{ values: [['a'], ['b']] },
		);
		expect(bad.status).toBe(400);
		expect(bad.body.error.message).toBe(
			'Requested writing within range [Contacts!A1:B1], but tried writing to row [2]',
		);
	});
	it('values.update past the last grid row fails until appendDimension adds rows (why n8n appends an empty row first)', async () => {
		const id = g.createSpreadsheet('t', [
			{ name: 'S', header: ['a'], rows: [['1']], rowCount: 2 },
		]).spreadsheetId;
		let r = await put(`/v4/spreadsheets/${id}/values/${enc('S!3:3')}?valueInputOption=RAW`, {
			range: 'S!3:3',
			values: [['2']],
		});
		expect(r.status).toBe(400);
		expect(r.body.error.message).toBe(
			'Range (S!A3) exceeds grid limits. Max rows: 2, max columns: 26',
		);
		r = await post(`/v4/spreadsheets/${id}:batchUpdate`, {
			requests: [{ appendDimension: { sheetId: '0', dimension: 'ROWS', length: 1 } }],
		});
		expect(r.body).toEqual({ spreadsheetId: id, replies: [{}] });
		r = await put(`/v4/spreadsheets/${id}/values/${enc('S!3:3')}?valueInputOption=RAW`, {
			range: 'S!3:3',
			values: [['2']],
		});
		expect(r.status).toBe(200);
		expect(g.values(id, 'S')).toEqual([['a'], ['1'], ['2']]);
	});
	it('values:batchUpdate writes every range in one request, and nothing when one range is bad', async () => {
		const id = newSheet([
			['p1', 'n1', 'new'],
			['p2', 'n2', 'new'],
		]);
		const ok = await post(`/v4/spreadsheets/${id}/values:batchUpdate`, {
			valueInputOption: 'USER_ENTERED',
			data: [
				{ range: 'Contacts!C2', values: [['called']] },
				{ range: 'Contacts!C3', values: [['called']] },
			],
		});
		expect(ok.body).toMatchObject({
			spreadsheetId: id,
			totalUpdatedRows: 2,
			totalUpdatedColumns: 2,
			totalUpdatedCells: 2,
			totalUpdatedSheets: 1,
		});
		const bad = await post(`/v4/spreadsheets/${id}/values:batchUpdate`, {
			valueInputOption: 'RAW',
			data: [
				{ range: 'Contacts!C2', values: [['x']] },
				{ range: 'Nope!C3', values: [['y']] },
			],
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error.message).toBe('Invalid data[1]: Unable to parse range: Nope!C3');
		expect(g.rows(id, 'Contacts').map((r) => r.status)).toEqual(['called', 'called']);
	});
	it('values.append appends after the table and grows the grid; INSERT_ROWS inserts', async () => {
		const id = g.createSpreadsheet('t', [
			{ name: 'S', header: ['a', 'b'], rows: [['1', 'x']], rowCount: 2 },
		]).spreadsheetId;
		const r = await post(`/v4/spreadsheets/${id}/values/S!A:B:append?valueInputOption=RAW`, {
			values: [['2', 'y'], ['3']],
		});
		expect(r.body).toEqual({
			spreadsheetId: id,
			tableRange: 'S!A1:B2',
			updates: {
				spreadsheetId: id,
				updatedRange: 'S!A3:B4',
				updatedRows: 2,
				updatedColumns: 2,
				updatedCells: 3,
			},
		});
		expect(g.values(id, 'S')).toEqual([['a', 'b'], ['1', 'x'], ['2', 'y'], ['3']]);
	});
	it('values:clear and spreadsheets.batchUpdate deleteDimension', async () => {
		const id = newSheet([['p1'], ['p2'], ['p3']]);
		let r = await post(`/v4/spreadsheets/${id}/values/${enc('Contacts!A2')}:clear`, {});
		expect(r.body).toEqual({ spreadsheetId: id, clearedRange: 'Contacts!A2' });
		r = await post(`/v4/spreadsheets/${id}:batchUpdate`, {
			requests: [
				{
					deleteDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 1, endIndex: 2 } },
				},
			],
		});
		expect(r.status).toBe(200);
		expect(g.values(id, 'Contacts')).toEqual([['phone', 'name', 'status'], ['p2'], ['p3']]);
		r = await post(`/v4/spreadsheets/${id}:batchUpdate`, { requests: [{ frobnicate: {} }] });
		expect(r.status).toBe(400);
	});
	it('test API rows(): objects keyed by header with row_number', () => {
		const id = newSheet([['+91', 'A', 'new'], [], ['+92']]);
		expect(g.rows(id, 'Contacts')).toEqual([
			{ row_number: 2, phone: '+91', name: 'A', status: 'new' },
			{ row_number: 4, phone: '+92', name: '', status: '' },
		]);
	});
});
