/**
 * Reading an Exotel status callback's body in whichever shape n8n delivered it (multipart fields, urlencoded or
 * JSON, or unparsed bytes), with limits so that no body can make the trigger slow or large. What is not about n8n's
 * request object (limits, parsing) lives in core/exotel/callback.ts, shared with Record Outcome.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { MAX_CALLBACK_BYTES, readCallback, type CallbackRead } from '../core/exotel/callback';

export {
	callbackFields,
	isRecord,
	MAX_CALLBACK_BYTES,
	MAX_CALLBACK_FIELDS,
	readCallback,
	type CallbackRead,
} from '../core/exotel/callback';

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

/** The callback in the request: the fields n8n parsed, else the unparsed body read as JSON or urlencoded. */
export async function readRequestCallback(context: IWebhookFunctions): Promise<CallbackRead> {
	const body = context.getBodyData();
	const parsed = readCallback(body);
	if (parsed.fields || parsed.tooLarge) return parsed;
	return readCallback(body, await unparsedBodyText(context));
}
