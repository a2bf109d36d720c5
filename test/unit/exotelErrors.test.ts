import {
	classifyNetworkError,
	describeHttpError,
	describeNetworkError,
	hintForStatus,
	mayHaveBeenPlaced,
	parseRestException,
	redactSecrets,
} from '../../nodes/core/exotel/errors';

describe('parseRestException', () => {
	it('reads JSON objects, JSON text and XML', () => {
		expect(
			parseRestException({ RestException: { Status: 401, Message: 'Authentication failed' } }),
		).toEqual({ status: 401, message: 'Authentication failed' });
		expect(
			parseRestException(
				'{"RestException":{"Status":"400","Message":"From is invalid","Code":34001}}',
			),
		).toEqual({ status: 400, message: 'From is invalid', code: 34001 });
		expect(
			parseRestException(
				'<?xml version="1.0"?><TwilioResponse><RestException><Status>404</Status><Message>Call not found</Message></RestException></TwilioResponse>',
			),
		).toEqual({ status: 404, message: 'Call not found' });
	});
	it('reads the v2 envelope (object and array forms)', () => {
		const body = {
			http_code: 400,
			response: {
				code: 400,
				status: 'failure',
				error_data: { code: 1002, message: 'Invalid parameter', description: 'page_size too big' },
				data: null,
			},
		};
		expect(parseRestException(body)).toEqual({
			status: 400,
			message: 'Invalid parameter: page_size too big',
			code: 1002,
		});
		expect(parseRestException({ ...body, response: [body.response] })).toEqual({
			status: 400,
			message: 'Invalid parameter: page_size too big',
			code: 1002,
		});
	});
	it('returns null for success bodies and junk', () => {
		expect(parseRestException({ Call: { Sid: 'x' } })).toBeNull();
		expect(parseRestException('<html>oops')).toBeNull();
		expect(parseRestException('not json')).toBeNull();
		expect(parseRestException('')).toBeNull();
		expect(parseRestException(null)).toBeNull();
		expect(parseRestException({ Status: 202, Message: 'Accepted' })).toBeNull();
	});
});

describe('hints', () => {
	it.each([
		[401, 'check the API key and API token in the Exotel credential'],
		[403, 'Account SID'],
		[402, 'balance or plan'],
		[404, 'no such resource'],
		[429, 'rate limit'],
		[500, 'on its side'],
		[503, 'on its side'],
		[400, 'phone numbers'],
		[418, 'rejected the request'],
	])('%d', (status, text) => {
		expect(hintForStatus(status).toLowerCase()).toContain(text.toLowerCase());
	});

	it('network hints point at the cluster / base URL', () => {
		const d = describeNetworkError({
			kind: 'refused',
			label: 'number lookup',
			baseUrl: 'http://127.0.0.1:1',
		});
		expect(d.message).toBe('Exotel number lookup failed: connection refused');
		expect(d.description).toContain('cluster');
		expect(d.description).toContain('http://127.0.0.1:1');
		expect(
			describeNetworkError({ kind: 'timeout', label: 'connect call', mayHaveSideEffect: true })
				.description,
		).toContain('may have been placed');
		expect(
			describeNetworkError({ kind: 'timeout', label: 'number lookup' }).description,
		).not.toContain('may have been placed');
	});
});

describe('describeHttpError', () => {
	it("uses Exotel's own message and the hint", () => {
		const d = describeHttpError({
			status: 401,
			body: { RestException: { Status: 401, Message: 'Authentication failed' } },
			label: 'number lookup',
		});
		expect(d).toMatchObject({
			message: 'Exotel number lookup failed: Authentication failed (HTTP 401)',
			httpCode: '401',
			status: 401,
		});
		expect(d.description).toContain('API key and API token');
		expect(
			describeHttpError({ status: 502, body: '<html>bad gateway</html>', label: 'call details' })
				.message,
		).toBe('Exotel call details failed: HTTP 502');
	});

	it('never leaks secrets, even when Exotel echoes them', () => {
		const token = 'sup3r-s3cret-token';
		const b64 = Buffer.from(`key:${token}`).toString('base64');
		const d = describeHttpError({
			status: 401,
			body: { RestException: { Status: 401, Message: `Invalid token ${token} (Basic ${b64})` } },
			label: 'number lookup',
			secrets: [token, b64],
		});
		expect(JSON.stringify(d)).not.toContain(token);
		expect(d.message).not.toContain(b64);
		expect(redactSecrets('a sup3r-s3cret-token b', [token, undefined, ''])).toBe('a *** b');
	});
});

describe('classifyNetworkError', () => {
	it('finds codes on the error, its cause, or in messages', () => {
		expect(classifyNetworkError({ code: 'ECONNREFUSED' })).toBe('refused');
		expect(
			classifyNetworkError({
				message: 'wrapped',
				cause: { code: 'ECONNABORTED', message: 'timeout of 100ms exceeded' },
			}),
		).toBe('timeout');
		expect(
			classifyNetworkError({
				message: 'The service refused',
				messages: ['connect ECONNREFUSED 127.0.0.1:1'],
			}),
		).toBe('refused');
		expect(classifyNetworkError(new Error('getaddrinfo ENOTFOUND api.exotel.invalid'))).toBe('dns');
		expect(classifyNetworkError(new Error('socket hang up'))).toBe('reset');
		expect(classifyNetworkError(new Error('something else'))).toBeNull();
	});
});

describe('mayHaveBeenPlaced (Connect Call)', () => {
	it('by HTTP status: refused by Exotel (4xx) no; a server error or an unusable 2xx yes', () => {
		expect(mayHaveBeenPlaced({ httpCode: '400', message: 'From is invalid' })).toBe(false);
		expect(mayHaveBeenPlaced({ httpCode: '429' })).toBe(false);
		expect(mayHaveBeenPlaced({ httpCode: '502' })).toBe(true);
		expect(mayHaveBeenPlaced({ httpCode: '200', message: 'no Call SID' })).toBe(true);
	});

	it('without a status: no when the request never reached Exotel, otherwise yes', () => {
		expect(mayHaveBeenPlaced(new Error('Exotel: connection refused'))).toBe(false);
		expect(mayHaveBeenPlaced(new Error('host name not found (api.exotel.invalid)'))).toBe(false);
		expect(mayHaveBeenPlaced(new Error('Host unreachable'))).toBe(false);
		expect(mayHaveBeenPlaced(new Error('no answer in time'))).toBe(true);
		expect(mayHaveBeenPlaced(new Error('connection dropped'))).toBe(true);
	});
});
