/**
 * Reading an Exotel status callback's body in whichever shape n8n delivered it (multipart fields, urlencoded or
 * JSON, or unparsed bytes), with limits so that no body can make the trigger slow or large.
 */
import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

export function isRecord(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the node needs of n8n's request object (an Express request, i.e. a readable stream). */
type RequestLike = NodeJS.ReadableStream & {
	rawBody?: unknown;
	readable?: boolean;
	readableEnded?: boolean;
};

/**
 * The body as text, for content types n8n did not turn into fields. Node version 1: n8n keeps the raw bytes of
 * every non-multipart body (`rawBody`). Version 2: as for n8n's Webhook node v2, n8n reads only JSON, text,
 * urlencoded and XML bodies (n8n's webhook-helpers `parseRequestBody`), so any other body is still unread and is
 * read here, at most MAX_CALLBACK_BYTES + 1 bytes (anything longer is refused as too large anyway).
 */
export async function unparsedBodyText(context: IWebhookFunctions): Promise<string | undefined> {
	let request: RequestLike | undefined;
	try {
		request = context.getRequestObject() as unknown as RequestLike | undefined;
	} catch {
		return undefined; // no request object (should not happen in a webhook call)
	}
	const raw = request?.rawBody;
	if (Buffer.isBuffer(raw)) return raw.toString('utf8');
	if (typeof raw === 'string') return raw;
	if (
		!request ||
		typeof request.on !== 'function' ||
		request.readableEnded ||
		request.readable === false
	) {
		return undefined;
	}
	return await readAtMost(request, MAX_CALLBACK_BYTES + 1);
}

/**
 * Up to `limit` bytes of a stream as UTF-8. No timer: a client that stalls is cut off by Node's own request timeout,
 * which ends the stream ('close'/'error'), and the partial body is then refused as not being a callback.
 */
async function readAtMost(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
	return await new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const finish = (): void => {
			stream.removeListener('data', onData);
			resolve(Buffer.concat(chunks).toString('utf8'));
		};
		const onData = (chunk: Buffer | string): void => {
			const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
			chunks.push(bytes);
			size += bytes.length;
			if (size >= limit) {
				stream.pause();
				finish();
			}
		};
		stream.on('data', onData);
		stream.once('end', finish);
		stream.once('close', finish);
		stream.once('error', finish);
	});
}

/** An Exotel callback has about 20 fields and well under 4 KB; anything far bigger is not one. */
export const MAX_CALLBACK_BYTES = 64 * 1024;
export const MAX_CALLBACK_FIELDS = 200;

/** What the body holds: the callback's fields, or why it is too large to be a callback (413, no execution). */
export interface CallbackRead {
	fields?: IDataObject;
	tooLarge?: string;
}

const TOO_MANY_FIELDS = `more than ${MAX_CALLBACK_FIELDS} fields`;

/** A record as the callback, unless it has more than MAX_CALLBACK_FIELDS fields. */
function fromRecord(value: IDataObject): CallbackRead {
	return Object.keys(value).length > MAX_CALLBACK_FIELDS
		? { tooLarge: TOO_MANY_FIELDS }
		: { fields: value };
}

/**
 * urlencoded text -> fields; repeated keys become arrays (appended in place: linear, see test/nodes/statusTrigger.test.ts).
 * Collected in a Map: on a plain object a key such as `toString` or `__proto__` read the inherited member as a
 * previous value (test/nodes/fuzzTrigger.test.ts).
 */
function parseForm(text: string): CallbackRead {
	const form = new Map<string, string | string[]>();
	let count = 0;
	for (const [key, value] of new URLSearchParams(text)) {
		if (++count > MAX_CALLBACK_FIELDS) return { tooLarge: TOO_MANY_FIELDS };
		const previous = form.get(key);
		if (previous === undefined) form.set(key, value);
		else if (Array.isArray(previous)) previous.push(value);
		else form.set(key, [previous, value]);
	}
	return form.has('CallSid') ? { fields: Object.fromEntries(form) } : {};
}

function parseJson(text: string): CallbackRead {
	try {
		const parsed: unknown = JSON.parse(text);
		return isRecord(parsed) && parsed.CallSid !== undefined ? fromRecord(parsed) : {};
	} catch {
		return {};
	}
}

/**
 * The callback's fields as a flat-ish object, from whatever n8n 1.123 put in the body:
 * - multipart/form-data (Exotel's default): `{ data: { CallSid, 'Legs[0][Status]', … }, files }` (formidable);
 * - application/x-www-form-urlencoded: `{ CallSid, 'Legs[0][Status]', … }` (querystring, flat keys);
 * - application/json: `{ CallSid, Legs: [{ Status, OnCallDuration }] }`;
 * - any other content type: n8n leaves the body unparsed, so the raw bytes are read as JSON or urlencoded.
 * Bodies over MAX_CALLBACK_BYTES or MAX_CALLBACK_FIELDS come back as `tooLarge`.
 */
export function readCallback(body: unknown, rawBody?: string): CallbackRead {
	if (isRecord(body)) {
		if (body.CallSid !== undefined) return fromRecord(body);
		if (isRecord(body.data) && body.data.CallSid !== undefined) return fromRecord(body.data);
	}
	const text = typeof body === 'string' ? body : rawBody;
	if (text === undefined || text.trim() === '') return {};
	if (text.length > MAX_CALLBACK_BYTES)
		return { tooLarge: `more than ${MAX_CALLBACK_BYTES} bytes` };
	const trimmed = text.trim();
	return trimmed.startsWith('{') ? parseJson(trimmed) : parseForm(trimmed);
}

/** readCallback's fields (undefined when there are none, or the body is too large). */
export function callbackFields(body: unknown, rawBody?: string): IDataObject | undefined {
	return readCallback(body, rawBody).fields;
}

/** The callback in the request: the fields n8n parsed, else the unparsed body read as JSON or urlencoded. */
export async function readRequestCallback(context: IWebhookFunctions): Promise<CallbackRead> {
	const body = context.getBodyData();
	const parsed = readCallback(body);
	if (parsed.fields || parsed.tooLarge) return parsed;
	return readCallback(body, await unparsedBodyText(context));
}
