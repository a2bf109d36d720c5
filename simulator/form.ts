/**
 * Form bodies without dependencies: parse application/x-www-form-urlencoded and multipart/form-data into ordered
 * key/value pairs, and build multipart bodies (status callbacks). Tests reuse parseForm to read callbacks.
 */

export type FormPairs = Array<[string, string]>;

export class FormError extends Error {}

export function parseUrlEncoded(body: string): FormPairs {
	return Array.from(new URLSearchParams(body).entries());
}

function boundaryOf(contentType: string): string | undefined {
	const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
	return match ? (match[1] ?? match[2]).trim() : undefined;
}

export function parseMultipart(body: Buffer, contentType: string): FormPairs {
	const boundary = boundaryOf(contentType);
	if (!boundary) throw new FormError('multipart/form-data body without a boundary');
	const delimiter = Buffer.from(`--${boundary}`);
	const pairs: FormPairs = [];
	let pos = body.indexOf(delimiter);
	if (pos < 0) throw new FormError('multipart/form-data body does not contain its boundary');
	for (;;) {
		pos += delimiter.length;
		if (body.subarray(pos, pos + 2).toString() === '--') break; // closing delimiter
		if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
		const next = body.indexOf(delimiter, pos);
		if (next < 0) throw new FormError('multipart/form-data body is not terminated');
		let part = body.subarray(pos, next);
		if (part.subarray(part.length - 2).toString() === '\r\n')
			part = part.subarray(0, part.length - 2);
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd < 0) throw new FormError('multipart/form-data part without headers');
		const headers = part.subarray(0, headerEnd).toString('utf8');
		const value = part.subarray(headerEnd + 4).toString('utf8');
		const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
		if (name !== undefined) pairs.push([name, value]);
		pos = next;
	}
	return pairs;
}

/** Parses a request body by its content type. JSON is refused (Exotel v1 takes form data only). */
export function parseForm(body: Buffer, contentType: string | undefined): FormPairs {
	const type = (contentType ?? '').toLowerCase();
	if (type.startsWith('multipart/form-data')) return parseMultipart(body, contentType as string);
	if (type.startsWith('application/json'))
		throw new FormError(
			'Exotel v1 APIs take form data (application/x-www-form-urlencoded or multipart/form-data), not JSON',
		);
	return parseUrlEncoded(body.toString('utf8'));
}

/** Builds a multipart/form-data body; returns the body and its Content-Type header. */
export function buildMultipart(
	fields: FormPairs,
	boundary: string,
): { body: Buffer; contentType: string } {
	const chunks: string[] = [];
	for (const [name, value] of fields) {
		chunks.push(
			`--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, '%22')}"\r\n\r\n${value}\r\n`,
		);
	}
	chunks.push(`--${boundary}--\r\n`);
	return {
		body: Buffer.from(chunks.join(''), 'utf8'),
		contentType: `multipart/form-data; boundary=${boundary}`,
	};
}

/** Flattens nested objects/arrays to bracket keys: {Legs:[{Status:'x'}]} -> [['Legs[0][Status]','x']]. null -> ''. */
export function flattenForm(
	value: Record<string, unknown>,
	nullAs: (key: string) => string = () => '',
): FormPairs {
	const out: FormPairs = [];
	const walk = (prefix: string, v: unknown) => {
		if (Array.isArray(v)) v.forEach((item, i) => walk(`${prefix}[${i}]`, item));
		else if (v !== null && typeof v === 'object')
			for (const [k, item] of Object.entries(v as Record<string, unknown>))
				walk(`${prefix}[${k}]`, item);
		else out.push([prefix, v === null || v === undefined ? nullAs(prefix) : String(v)]);
	};
	for (const [k, v] of Object.entries(value)) walk(k, v);
	return out;
}

/** First value for a key. */
export function field(pairs: FormPairs, name: string): string | undefined {
	return pairs.find(([k]) => k === name)?.[1];
}
