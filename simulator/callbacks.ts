/**
 * Status callbacks: what Exotel POSTs to StatusCallback, when, and how it goes wrong.
 * Events are scheduled on the virtual clock (answered when a leg picks up, terminal when the call ends). Drop,
 * duplicate and extra delay are decided per (seed, call, event) so runs repeat. Non-2xx answers and connection
 * errors are retried up to `retries` times. Every attempt lands in the ledger.
 */
import http from 'node:http';
import https from 'node:https';
import type { CallRecord } from './calls';
import { formatExotel, formatIso, type SimClock } from './clock';
import type { SimConfig } from './config';
import { buildMultipart, flattenForm } from './form';
import type { CallbackAttempt, Ledger } from './ledger';
import { deriveRng } from './rng';

export type CallbackEventSpec = { type: 'answered'; leg: number } | { type: 'terminal' };

/** The callback body (JSON shape; Legs is an array) for one event of a call. */
export function callbackPayload(
	call: CallRecord,
	event: CallbackEventSpec,
	extended: boolean,
): Record<string, unknown> {
	const o = call.outcome;
	if (event.type === 'answered') {
		const answeredAt = call.createdAt + o.answeredAt[event.leg - 1] * 1000;
		return {
			CallSid: call.sid,
			Status: 'in-progress',
			EventType: 'answered',
			DateCreated: formatExotel(call.createdAt),
			DateUpdated: formatExotel(answeredAt),
			To: call.to,
			From: call.from,
			PhoneNumberSid: call.callerId,
			StartTime: formatExotel(call.createdAt),
			EndTime: null,
			ConversationDuration: 0,
			Direction: 'outbound-api',
			RecordingUrl: null,
			Legs: o.legs.map((leg) => ({
				Status: leg.id <= event.leg ? 'in-progress' : null,
				OnCallDuration: 0,
				AnsweredBy: leg.id <= event.leg ? leg.answeredBy : null,
			})),
		};
	}
	const base: Record<string, unknown> = {
		CallSid: call.sid,
		Status: o.status,
		DateUpdated: formatExotel(call.endAt),
		RecordingUrl: call.recordingUrl,
	};
	if (!extended) return base;
	return {
		CallSid: call.sid,
		Status: o.status,
		EventType: 'terminal',
		DateCreated: formatExotel(call.createdAt),
		DateUpdated: formatExotel(call.endAt),
		To: call.to,
		From: call.from,
		PhoneNumberSid: call.callerId,
		StartTime: formatExotel(call.createdAt),
		EndTime: formatExotel(call.endAt),
		ConversationDuration: o.talkSeconds,
		Direction: 'outbound-api',
		CustomField: call.customField,
		RecordingUrl: call.recordingUrl,
		Legs: o.legs.map((leg) => ({
			Status: leg.status,
			OnCallDuration: leg.onCallDuration,
			AnsweredBy: leg.answeredBy,
		})),
	};
}

/** Encodes a payload as Exotel does: JSON, or multipart with bracket keys and RecordingUrl "null". */
export function encodeCallback(
	payload: Record<string, unknown>,
	contentType: CallRecord['contentType'],
	boundary: string,
): { body: Buffer; contentType: string } {
	if (contentType === 'application/json')
		return { body: Buffer.from(JSON.stringify(payload)), contentType: 'application/json' };
	return buildMultipart(
		flattenForm(payload, (key) => (key === 'RecordingUrl' ? 'null' : '')),
		boundary,
	);
}

export interface CallbackDeps {
	clock: SimClock;
	ledger: Ledger;
	config: () => SimConfig;
	log: (line: string) => void;
}

export class CallbackDispatcher {
	private readonly inflight = new Set<http.ClientRequest>();
	private stopped = false;
	/** Bumped by reset(); answers to requests of an earlier generation are ignored. */
	private generation = 0;

	constructor(private readonly deps: CallbackDeps) {}

	/** Plans every callback of a freshly created call. */
	plan(call: CallRecord): void {
		if (!call.statusCallback) return;
		const { clock, config } = this.deps;
		const cfg = config().callbacks;
		const extended = call.events.length > 0 || !cfg.minimalWhenNoEvents;
		const events: Array<{ key: string; spec: CallbackEventSpec; at: number }> = [];
		if (call.events.includes('answered')) {
			call.outcome.answeredAt.forEach((offset, i) =>
				events.push({
					key: `answered-${i + 1}`,
					spec: { type: 'answered', leg: i + 1 },
					at: call.createdAt + offset * 1000,
				}),
			);
		}
		events.push({ key: 'terminal', spec: { type: 'terminal' }, at: call.endAt });

		for (const event of events) {
			const rng = deriveRng(config().seed, 'callback', call.sid, event.key);
			const dropped = rng.chance(cfg.dropRate);
			const duplicate = rng.chance(cfg.duplicateRate);
			const extra = rng.int(cfg.extraDelayMs.min, cfg.extraDelayMs.max);
			const payload = callbackPayload(call, event.spec, extended);
			if (
				event.spec.type === 'terminal' &&
				!(call.events.includes('terminal') || call.events.length === 0)
			) {
				delete payload.CustomField; // CustomField travels only with a subscribed terminal event
			}
			const eventType = event.spec.type;
			if (dropped) {
				clock.schedule(event.at + extra, () =>
					this.record(call, {
						eventType,
						attempt: 0,
						url: call.statusCallback as string,
						sentAt: formatIso(clock.now()),
						sentAtMs: clock.now(),
						deliveredAt: null,
						deliveredAtMs: null,
						duplicate: false,
						dropped: true,
						contentType: call.contentType,
					}),
				);
				continue;
			}
			clock.schedule(event.at + extra, () => this.send(call, eventType, payload, 1, false));
			if (duplicate)
				clock.schedule(event.at + extra + cfg.duplicateDelayMs, () =>
					this.send(call, eventType, payload, 1, true),
				);
		}
	}

	/** Aborts requests in flight (timers live on the clock and are cleared there). */
	stop(): void {
		this.stopped = true;
		this.abortAll();
	}

	/** Forgets requests in flight (used by /_sim/reset); their answers are ignored. */
	reset(): void {
		this.generation++;
		this.abortAll();
	}

	private abortAll(): void {
		for (const req of this.inflight) req.destroy(new Error('simulator stopped'));
		this.inflight.clear();
	}

	private record(call: CallRecord, attempt: CallbackAttempt): void {
		this.deps.ledger.addCallback(call.sid, attempt);
	}

	private send(
		call: CallRecord,
		eventType: 'answered' | 'terminal',
		payload: Record<string, unknown>,
		attempt: number,
		duplicate: boolean,
	): void {
		if (this.stopped) return;
		const url = call.statusCallback as string;
		const { body, contentType } = encodeCallback(
			payload,
			call.contentType,
			`----ExotelSimBoundary${call.sid.slice(0, 16)}`,
		);
		const cfg = this.deps.config().callbacks;
		const generation = this.generation;
		const sentAtMs = this.deps.clock.now();
		const finish = (result: { httpStatus?: number; error?: string }) => {
			if (this.stopped || generation !== this.generation) return;
			const at = this.deps.clock.now();
			this.record(call, {
				eventType,
				attempt,
				url,
				sentAt: formatIso(sentAtMs),
				sentAtMs,
				deliveredAt: formatIso(at),
				deliveredAtMs: at,
				...result,
				duplicate,
				dropped: false,
				contentType: call.contentType,
			});
			const ok =
				result.httpStatus !== undefined && result.httpStatus >= 200 && result.httpStatus < 300;
			this.deps.log(
				`callback ${eventType} ${call.sid} attempt ${attempt}${duplicate ? ' (duplicate)' : ''} -> ${result.httpStatus ?? result.error}`,
			);
			if (!ok && attempt <= cfg.retries) {
				this.deps.clock.after(cfg.retryDelayMs, () =>
					this.send(call, eventType, payload, attempt + 1, duplicate),
				);
			}
		};
		let target: URL;
		try {
			target = new URL(url);
		} catch {
			finish({ error: 'invalid callback URL' });
			return;
		}
		const transport = target.protocol === 'https:' ? https : http;
		let settled = false;
		const settle = (result: { httpStatus?: number; error?: string }) => {
			if (settled) return;
			settled = true;
			this.inflight.delete(req);
			finish(result);
		};
		const req = transport.request(
			target,
			{
				method: 'POST',
				agent: false,
				headers: {
					'Content-Type': contentType,
					'Content-Length': body.length,
					'User-Agent': 'Exotel-Simulator/1.0',
				},
			},
			(res) => {
				res.resume();
				res.on('end', () => settle({ httpStatus: res.statusCode }));
				res.on('error', (error) => settle({ error: error.message }));
			},
		);
		this.inflight.add(req);
		req.setTimeout(cfg.timeoutMs, () =>
			req.destroy(new Error(`no answer within ${cfg.timeoutMs} ms`)),
		);
		req.on('error', (error) => settle({ error: error.message }));
		req.end(body);
	}
}
