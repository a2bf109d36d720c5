/**
 * Request-body encoders for webhook calls, matching how Exotel sends StatusCallbacks:
 * multipart/form-data (Exotel's default), application/x-www-form-urlencoded, or JSON
 * (`StatusCallbackContentType=application/json`). Nested objects/arrays are flattened the PHP/Rails way
 * (`Legs[0][Status]`), which is what Exotel's form encodings look like on the wire.
 */
import { randomBytes } from 'crypto';

export type BodyEncoding = 'json' | 'form' | 'multipart' | { contentType: string };

export interface EncodedBody {
	contentType: string;
	body: string | Buffer;
}

/** `{ Legs: [{ Status: 'x' }] }` → `[['Legs[0][Status]', 'x']]`; flat keys like `'Legs[0][Status]'` pass through. */
export function flattenForm(value: unknown, prefix = ''): Array<[string, string]> {
	const out: Array<[string, string]> = [];
	if (value === null || value === undefined) {
		if (prefix) out.push([prefix, '']);
	} else if (Array.isArray(value)) {
		value.forEach((v, i) => out.push(...flattenForm(v, `${prefix}[${i}]`)));
	} else if (typeof value === 'object') {
		for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
			out.push(...flattenForm(v, prefix ? `${prefix}[${k}]` : k));
		}
	} else if (prefix) {
		out.push([prefix, String(value)]);
	}
	return out;
}

export function encodeUrlencoded(value: unknown): EncodedBody {
	const body = flattenForm(value)
		.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
		.join('&');
	return { contentType: 'application/x-www-form-urlencoded', body };
}

export function encodeMultipart(
	value: unknown,
	boundary = `----e2eBoundary${randomBytes(8).toString('hex')}`,
): EncodedBody {
	const parts: string[] = [];
	for (const [k, v] of flattenForm(value)) {
		parts.push(
			`--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/"/g, '%22')}"\r\n\r\n${v}\r\n`,
		);
	}
	parts.push(`--${boundary}--\r\n`);
	return {
		contentType: `multipart/form-data; boundary=${boundary}`,
		body: Buffer.from(parts.join(''), 'utf8'),
	};
}

export function encodeBody(value: unknown, encoding: BodyEncoding): EncodedBody {
	if (typeof encoding === 'object') {
		return {
			contentType: encoding.contentType,
			body: typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value),
		};
	}
	switch (encoding) {
		case 'json':
			return { contentType: 'application/json', body: JSON.stringify(value) };
		case 'form':
			return encodeUrlencoded(value);
		case 'multipart':
			return encodeMultipart(value);
	}
}
