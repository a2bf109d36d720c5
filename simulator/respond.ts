/** HTTP plumbing: reading bodies and answering in Exotel's JSON or XML. */
import type http from 'node:http';
import { toTwilioXml } from './xml';

export type Format = 'json' | 'xml';

export class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly reason?: string,
	) {
		super(message);
	}
}

export function readBody(req: http.IncomingMessage, limit = 1_000_000): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > limit) {
				reject(new HttpError(413, `Request body larger than ${limit} bytes`));
				req.destroy();
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(text),
	});
	res.end(text);
}

export function sendExotel(
	res: http.ServerResponse,
	status: number,
	body: Record<string, unknown>,
	format: Format,
): void {
	if (format === 'json') return sendJson(res, status, body);
	const text = toTwilioXml(body);
	res.writeHead(status, {
		'Content-Type': 'application/xml; charset=utf-8',
		'Content-Length': Buffer.byteLength(text),
	});
	res.end(text);
}

export function restException(status: number, message: string): Record<string, unknown> {
	return { RestException: { Status: status, Message: message } };
}

export function sendError(
	res: http.ServerResponse,
	status: number,
	message: string,
	format: Format,
): void {
	sendExotel(res, status, restException(status, message), format);
}
