/**
 * POST /v1/Accounts/:sid/Calls/connect — parameter validation as Exotel does it, and call creation
 * (sid, outcome from the model, ledger entry, callback plan).
 */
import type { CallbackEvent, CallRecord } from './calls';
import { formatIso } from './clock';
import type { SimAccount } from './config';
import { field, type FormPairs } from './form';
import { decideCall, type CallVariant } from './model';
import { isWhitelisted, numberMetadata } from './numbers';
import { findByNumber, parseIndianNumber, type ParsedNumber } from './phone';
import { HttpError } from './respond';
import { deriveRng } from './rng';
import { exoPhoneOverrides, type SimState } from './state';

export const MAX_TIME_LIMIT = 14_400;
export const MAX_CUSTOM_FIELD = 128;
export const FLOW_URL_PATTERN =
	/^https?:\/\/(?:my\.exotel\.com|my\.in\.exotel\.com|my\.exotel\.in)\/(?:[A-Za-z0-9_-]+\/exoml\/start_voice|exoml\/start)\/[A-Za-z0-9_-]+\/?$/;

export interface ConnectParams {
	variant: CallVariant;
	from: ParsedNumber;
	to: ParsedNumber | null;
	callerId: ParsedNumber;
	url: string | null;
	timeLimit?: number;
	timeOut?: number;
	statusCallback: string | null;
	events: CallbackEvent[];
	contentType: 'multipart/form-data' | 'application/json';
	customField: string | null;
	record: boolean;
}

const invalid = (message: string) => new HttpError(400, message, `validation: ${message}`);

function nonEmpty(pairs: FormPairs, name: string): string | undefined {
	const value = field(pairs, name);
	return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function wholeNumber(
	value: string | undefined,
	name: string,
	min: number,
	max?: number,
): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
		throw invalid(
			`${name} must be a whole number of seconds${max !== undefined ? ` between ${min} and ${max}` : ` of at least ${min}`}; got "${value}"`,
		);
	}
	return n;
}

/** StatusCallbackEvents[0]=terminal, StatusCallbackEvents[]=answered, repeated keys, or a comma list. */
export function parseEvents(pairs: FormPairs): CallbackEvent[] {
	const events: CallbackEvent[] = [];
	for (const [key, raw] of pairs) {
		if (!/^StatusCallbackEvents(\[\d*\])?$/.test(key)) continue;
		for (const value of raw.split(',').map((v) => v.trim())) {
			if (value === '') continue;
			if (value !== 'terminal' && value !== 'answered')
				throw invalid(
					`StatusCallbackEvents values must be "terminal" or "answered"; got "${value}"`,
				);
			if (!events.includes(value)) events.push(value);
		}
	}
	return events;
}

export function validateConnect(pairs: FormPairs, account: SimAccount): ConnectParams {
	const fromRaw = nonEmpty(pairs, 'From');
	if (fromRaw === undefined)
		throw invalid(
			'From is required: the number Exotel dials first (e.g. +919XXXXXXXXX or 09XXXXXXXXX)',
		);
	const from = parseIndianNumber(fromRaw);
	if (!from) throw invalid(`From "${fromRaw}" is not a valid Indian phone number`);

	const callerIdRaw = nonEmpty(pairs, 'CallerId');
	if (callerIdRaw === undefined)
		throw invalid('CallerId is required: one of your ExoPhones (virtual numbers)');
	const callerId = parseIndianNumber(callerIdRaw);
	if (
		!callerId ||
		!account.exoPhones.some((p) => parseIndianNumber(p.number)?.national === callerId.national)
	) {
		throw invalid(`CallerId "${callerIdRaw}" is not an ExoPhone of account ${account.sid}`);
	}

	const toRaw = nonEmpty(pairs, 'To');
	const url = nonEmpty(pairs, 'Url');
	if ((toRaw === undefined) === (url === undefined)) {
		throw invalid(
			'Give exactly one of To (connect two numbers) or Url (connect a number to a call flow)',
		);
	}
	let to: ParsedNumber | null = null;
	if (toRaw !== undefined) {
		to = parseIndianNumber(toRaw);
		if (!to) throw invalid(`To "${toRaw}" is not a valid Indian phone number`);
	}
	if (url !== undefined && !FLOW_URL_PATTERN.test(url)) {
		throw invalid(
			`Url "${url}" is not an Exotel flow URL; use http://my.exotel.com/<account_sid>/exoml/start_voice/<app_id>`,
		);
	}

	const callType = nonEmpty(pairs, 'CallType');
	if (callType !== undefined && callType !== 'trans') {
		throw invalid(
			`CallType "${callType}" is not supported; only "trans" (transactional) calls are allowed`,
		);
	}

	const timeLimit = wholeNumber(nonEmpty(pairs, 'TimeLimit'), 'TimeLimit', 1, MAX_TIME_LIMIT);
	const timeOut = wholeNumber(nonEmpty(pairs, 'TimeOut'), 'TimeOut', 1);

	const statusCallback = nonEmpty(pairs, 'StatusCallback') ?? null;
	if (statusCallback !== null) {
		let ok = false;
		try {
			ok = ['http:', 'https:'].includes(new URL(statusCallback).protocol);
		} catch {
			ok = false;
		}
		if (!ok) throw invalid(`StatusCallback "${statusCallback}" is not an http(s) URL`);
	}
	const events = parseEvents(pairs);

	const contentTypeRaw = nonEmpty(pairs, 'StatusCallbackContentType') ?? 'multipart/form-data';
	if (contentTypeRaw !== 'multipart/form-data' && contentTypeRaw !== 'application/json') {
		throw invalid(
			`StatusCallbackContentType must be "multipart/form-data" or "application/json"; got "${contentTypeRaw}"`,
		);
	}

	const customField = field(pairs, 'CustomField') ?? null;
	if (customField !== null && customField.length > MAX_CUSTOM_FIELD) {
		throw invalid(
			`CustomField is ${customField.length} characters; the maximum is ${MAX_CUSTOM_FIELD}`,
		);
	}

	const recordRaw = nonEmpty(pairs, 'Record');
	if (recordRaw !== undefined && recordRaw !== 'true' && recordRaw !== 'false') {
		throw invalid(`Record must be "true" or "false"; got "${recordRaw}"`);
	}

	return {
		variant: to ? 'number' : 'flow',
		from,
		to,
		callerId,
		url: url ?? null,
		timeLimit,
		timeOut,
		statusCallback,
		events,
		contentType: contentTypeRaw,
		customField: customField === '' ? null : customField,
		record: recordRaw === 'true',
	};
}

function fixtureFor<T>(fixtures: Record<string, T>, national: string): Record<string, T> {
	const fixture = findByNumber(fixtures, national);
	return fixture === undefined ? {} : { [national]: fixture };
}

function nextSid(state: SimState): string {
	for (let salt = 0; ; salt++) {
		const sid = deriveRng(state.config.seed, 'sid', state.counters.calls, salt).hex(32);
		if (!state.callsBySid.has(sid)) return sid;
	}
}

/** Creates the call at virtual time `at` and plans its callbacks. Throws HttpError(403) for DND under dndPolicy=reject. */
export function createCall(
	state: SimState,
	account: SimAccount,
	params: ConnectParams,
	at: number,
): CallRecord {
	const { config } = state;
	const customer = params.variant === 'number' ? (params.to as ParsedNumber) : params.from;
	const meta = numberMetadata(
		customer.national,
		config.seed,
		config.numbers,
		exoPhoneOverrides(config),
	);
	const dndBlocked =
		meta.dnd &&
		config.calls.dndPolicy !== 'allow' &&
		!isWhitelisted(customer.national, config.numbers.whitelist);
	if (dndBlocked && config.calls.dndPolicy === 'reject') {
		throw new HttpError(
			403,
			`${customer.zeroPrefixed} is registered on the DND (NCPR) list and is not whitelisted for your account`,
			'dnd',
		);
	}

	state.counters.calls++;
	const sid = nextSid(state);
	const outcome = decideCall(
		deriveRng(config.seed, 'outcome', sid),
		{
			circle: meta.circle,
			number: customer.national,
			at,
			variant: params.variant,
			dndBlocked,
			timeOutSeconds: params.timeOut,
			timeLimitSeconds: params.timeLimit,
		},
		// The model looks fixtures up by national number; hand it just this customer's (keys may be written any way).
		{ ...config.model, fixtures: fixtureFor(config.model.fixtures, customer.national) },
	);
	// A call always shows in-progress in the connect response, so it lasts at least a second.
	const endAt = at + Math.max(1, outcome.durationSeconds) * 1000;
	const call: CallRecord = {
		seq: state.counters.calls,
		sid,
		accountSid: account.sid,
		variant: params.variant,
		from: params.from.zeroPrefixed,
		to: (params.to ?? params.callerId).zeroPrefixed,
		callerId: params.callerId.zeroPrefixed,
		customer: customer.national,
		circle: meta.circle,
		dnd: meta.dnd,
		customField: params.customField,
		statusCallback: params.statusCallback,
		events: params.events,
		contentType: params.contentType,
		record: params.record,
		createdAt: at,
		endAt,
		outcome,
		recordingUrl:
			params.record && outcome.status === 'completed'
				? `${state.url}/_sim/recordings/${sid}.mp3`
				: null,
	};
	state.calls.push(call);
	state.callsBySid.set(sid, call);
	state.ledger.addCall({
		sid,
		accountSid: account.sid,
		variant: call.variant,
		from: call.from,
		to: params.to ? params.to.zeroPrefixed : null,
		callerId: call.callerId,
		customerNumber: customer.zeroPrefixed,
		circle: meta.circle,
		dnd: meta.dnd,
		customField: call.customField,
		statusCallback: call.statusCallback,
		createdAt: formatIso(at),
		createdAtMs: at,
		realCreatedAt: new Date().toISOString(),
		status: outcome.status,
		reason: outcome.reason,
		endedAt: formatIso(endAt),
		endedAtMs: endAt,
		durations: {
			ring: outcome.ringSeconds,
			talk: outcome.talkSeconds,
			total: outcome.durationSeconds,
		},
		legs: outcome.legs,
		price: outcome.price,
		callbacks: [],
	});
	state.dispatcher.plan(call);
	return call;
}
