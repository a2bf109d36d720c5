/**
 * A scripted chat model at OpenAI's Chat Completions wire protocol (`POST /v1/chat/completions`, `GET /v1/models`),
 * so n8n's own OpenAI Chat Model node drives its own AI Agent against it unchanged (the credential's Base URL points
 * here). It does what a cooperative model does when a user asks to call someone: it calls the phone-call tool once
 * with the number from the user's message, then answers with what the tool returned. Node built-ins only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json } from '../harness/json';

export interface ChatRequestSeen {
	tools: Array<{ name: string; description: string; parameters: Json }>;
	lastRole: string;
	body: Json;
}

export interface RunningChatModel {
	/** Base URL for n8n's OpenAI credential (`…/v1`). */
	baseUrl: string;
	requests: ChatRequestSeen[];
	stop: () => Promise<void>;
}

const PHONE = /\+?\d[\d\s-]{8,}\d/;

async function readJson(req: IncomingMessage): Promise<Json> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
}

function textOf(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content))
		return content.map((p: Json) => (typeof p?.text === 'string' ? p.text : '')).join(' ');
	return '';
}

/** The phone-call tool's arguments: the number from the user's message for every string parameter that wants one. */
function callArguments(parameters: Json, userText: string): Json {
	const number = PHONE.exec(userText)?.[0].replace(/[\s-]/g, '') ?? '';
	const args: Json = {};
	for (const [name, schema] of Object.entries(
		(parameters?.properties ?? {}) as Record<string, Json>,
	)) {
		if (schema?.type === 'string' || schema?.type === undefined) args[name] = number;
	}
	return args;
}

function completion(body: Json, message: Json, finishReason: string): Json {
	return {
		id: `chatcmpl-${Date.now()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: body.model ?? 'scripted',
		choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
		usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
	};
}

/** The answer to one Chat Completions request. */
export function answer(body: Json): { reply: Json; seen: ChatRequestSeen } {
	const messages = (body.messages ?? []) as Json[];
	const tools = ((body.tools ?? []) as Json[]).map((t) => ({
		name: String(t.function?.name ?? ''),
		description: String(t.function?.description ?? ''),
		parameters: (t.function?.parameters ?? {}) as Json,
	}));
	const last = messages[messages.length - 1] ?? {};
	const seen = { tools, lastRole: String(last.role ?? ''), body };
	if (last.role === 'tool') {
		return {
			reply: completion(
				body,
				{ role: 'assistant', content: `The tool answered: ${textOf(last.content)}` },
				'stop',
			),
			seen,
		};
	}
	const userText = textOf([...messages].reverse().find((m) => m.role === 'user')?.content);
	const tool = tools.find((t) => /phone call/i.test(t.description));
	if (!tool || !PHONE.test(userText)) {
		return {
			reply: completion(
				body,
				{ role: 'assistant', content: 'No phone-call tool or no number: nothing to do.' },
				'stop',
			),
			seen,
		};
	}
	const toolCall = {
		id: `call_${Date.now()}`,
		type: 'function',
		function: {
			name: tool.name,
			arguments: JSON.stringify(callArguments(tool.parameters, userText)),
		},
	};
	return {
		reply: completion(
			body,
			{ role: 'assistant', content: null, tool_calls: [toolCall] },
			'tool_calls',
		),
		seen,
	};
}

function send(res: ServerResponse, status: number, body: Json): void {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

/** Streams a completion as OpenAI's server-sent chunks (when the client asks for `stream: true`). */
function sendStream(res: ServerResponse, reply: Json): void {
	const choice = reply.choices[0];
	const chunk = (delta: Json, finish: string | null): string =>
		`data: ${JSON.stringify({ id: reply.id, object: 'chat.completion.chunk', created: reply.created, model: reply.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
	res.writeHead(200, { 'content-type': 'text/event-stream' });
	const delta: Json = { role: 'assistant', content: choice.message.content ?? '' };
	if (choice.message.tool_calls)
		delta.tool_calls = choice.message.tool_calls.map((c: Json, index: number) => ({ index, ...c }));
	res.write(chunk(delta, null));
	res.write(chunk({}, choice.finish_reason));
	res.end('data: [DONE]\n\n');
}

export async function startChatModel(): Promise<RunningChatModel> {
	const requests: ChatRequestSeen[] = [];
	const server: Server = createServer((req, res) => {
		void (async () => {
			const path = (req.url ?? '').split('?')[0];
			if (req.method === 'GET' && path.endsWith('/models')) {
				send(res, 200, {
					object: 'list',
					data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'scripted' }],
				});
				return;
			}
			if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
				send(res, 404, {
					error: {
						message: `Unknown request ${req.method} ${path}`,
						type: 'invalid_request_error',
					},
				});
				return;
			}
			const body = await readJson(req);
			const { reply, seen } = answer(body);
			requests.push(seen);
			if (body.stream) sendStream(res, reply);
			else send(res, 200, reply);
		})().catch((error: Error) =>
			send(res, 500, { error: { message: error.message, type: 'server_error' } }),
		);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		stop: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
