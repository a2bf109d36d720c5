/** A 2xx answer without Exotel's JSON envelope (an HTML page from a proxy, an empty body) is an error in every node. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ExotelCallDetails } from '../../nodes/ExotelCallDetails/ExotelCallDetails.node';
import { ExotelCallerIdSelector } from '../../nodes/ExotelCallerIdSelector/ExotelCallerIdSelector.node';
import { ExotelNumberLookup } from '../../nodes/ExotelNumberLookup/ExotelNumberLookup.node';
import { executeNode, simCredentials } from '../helpers';

const HTML =
	'<!DOCTYPE html><html><head><title>Login</title></head><body>Corporate proxy</body></html>';
const MESSAGE =
	/Exotel answered without the expected data \(an HTML page\?\) — check the API host \/ proxy/;

describe.each([
	['an HTML page', 'text/html', HTML],
	['an empty body', 'application/json', ''],
	['unrelated JSON', 'application/json', '{"status":"ok"}'],
])('200 with %s', (_name, contentType, text) => {
	let server: http.Server;
	let url: string;
	beforeAll(async () => {
		server = http.createServer((_req, res) => {
			res.writeHead(200, { 'Content-Type': contentType });
			res.end(text);
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
	});
	const credentials = () => ({ exotelApi: simCredentials(url) });

	it('Number Lookup fails with NodeApiError, or outputs the error with continueOnFail', async () => {
		const node = new ExotelNumberLookup();
		const err = await executeNode(node, {
			items: [{ phone: '9876543210' }],
			credentials: credentials(),
		}).catch((e) => e);
		expect(err.name).toBe('NodeApiError');
		expect(err.message).toMatch(MESSAGE);
		const res = await executeNode(node, {
			items: [{ phone: '9876543210' }],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(res.json).toEqual([{ phone: '9876543210', error: expect.stringMatching(MESSAGE) }]);
		expect(res.json[0]).not.toHaveProperty('dnd');
	});

	it('Call Details (Get and Get Many) fail with NodeApiError', async () => {
		const node = new ExotelCallDetails();
		const get = await executeNode(node, {
			parameters: { operation: 'get', callSid: 'c5797dcbaaeed7678c4062a4a3ed2f8a' },
			items: [{}],
			credentials: credentials(),
		}).catch((e) => e);
		expect(get.name).toBe('NodeApiError');
		expect(get.message).toMatch(MESSAGE);
		const many = await executeNode(node, {
			parameters: { operation: 'getAll' },
			items: [{}],
			credentials: credentials(),
			continueOnFail: true,
		});
		expect(many.json).toEqual([{ error: expect.stringMatching(MESSAGE) }]);
	});

	it('Caller ID Selector (ExoPhone discovery) fails with NodeApiError', async () => {
		const err = await executeNode(new ExotelCallerIdSelector(), {
			items: [{ phoneNumber: '+919800000001', circle: 'MH' }],
			credentials: credentials(),
		}).catch((e) => e);
		expect(err.name).toBe('NodeApiError');
		expect(err.message).toMatch(MESSAGE);
	});
});
