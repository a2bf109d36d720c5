/**
 * The call outcome model (pure: no I/O, no clock, no globals). The HTTP simulator and the benchmark both call
 * decideCall(); everything random comes from the Rng passed in.
 *
 * Variants: 'number' (From = agent dialled first = leg 1, To = customer = leg 2) and 'flow' (From = customer = the
 * only leg, then the flow runs). The customer's circle decides the outcome mix; circle outages override it:
 * hard = every call `failed` within a few seconds, silent = every call rings out to `no-answer`.
 */
import { DateTime } from 'luxon';
import type { CircleCode } from '../nodes/core/circles';
import { parseTime, EXOTEL_ZONE } from './clock';
import type { Rng } from './rng';

export type TerminalStatus = 'completed' | 'busy' | 'no-answer' | 'failed';
export type LegStatus = TerminalStatus | 'canceled' | null;
export type AnsweredBy = 'Human' | 'Machine' | 'NotSure' | 'NA';
export type CallVariant = 'number' | 'flow';

export interface Range {
	min: number;
	max: number;
}

/** Shares of the four outcomes for a customer leg; normalised before use, so they need not sum to 1. */
export interface OutcomeMix {
	answer: number;
	busy: number;
	noAnswer: number;
	failed: number;
}

export interface CircleOutage {
	circle: CircleCode;
	kind: 'hard' | 'silent';
	/** Virtual time: ISO (no offset = Asia/Kolkata), epoch ms or "YYYY-MM-DD HH:mm:ss" IST. */
	from: string | number;
	to: string | number;
}

export interface OutcomeFixture {
	status: TerminalStatus;
	ringSeconds?: number;
	talkSeconds?: number;
	answeredBy?: AnsweredBy;
}

export interface ModelConfig {
	/** Mix for circles without their own entry. */
	defaultMix: OutcomeMix;
	/** Per-circle mix overrides (partial: e.g. only `answer`; the other shares are scaled to fill the rest). */
	circles: Partial<Record<CircleCode, Partial<OutcomeMix>>>;
	/** 24 multipliers (index = hour in IST) applied to the answer share; the difference goes to no-answer. */
	answerByHourIST: number[] | null;
	/** Ring time before the customer answers. */
	ringSeconds: Range;
	/** Ring-out time for no-answer when the request has no TimeOut. */
	noAnswerSeconds: Range;
	busySeconds: Range;
	failedSeconds: Range;
	/** Conversation (or IVR) time once answered. */
	talkSeconds: Range;
	/** The agent leg (leg 1) of number-to-number calls. */
	agent: { answer: number; ringSeconds: Range };
	answeredBy: Record<Exclude<AnsweredBy, 'NA'>, number>;
	/** Rupees per started minute of an answered call. */
	pricePerMinute: number;
	outages: CircleOutage[];
	/** Scripted outcomes per customer number (10-digit national keys; the server normalises). */
	fixtures: Record<string, OutcomeFixture>;
}

/** Per-circle answer shares between 0.38 and 0.66 so that circles differ; other shares keep the default ratio. */
export const DEFAULT_CIRCLE_ANSWER: Record<CircleCode, number> = {
	AP: 0.55,
	AS: 0.42,
	BR: 0.4,
	CH: 0.6,
	DL: 0.52,
	GJ: 0.6,
	HP: 0.5,
	HR: 0.48,
	JK: 0.38,
	KA: 0.62,
	KL: 0.66,
	KO: 0.5,
	MH: 0.58,
	MP: 0.44,
	MU: 0.54,
	NE: 0.39,
	OR: 0.45,
	PB: 0.56,
	RJ: 0.47,
	TN: 0.63,
	UE: 0.41,
	UW: 0.43,
	WB: 0.46,
};

/** A time-of-day curve with a lunch dip (13-15 h) and quiet early/late hours, for the benchmark. */
export const LUNCH_DIP_CURVE: number[] = [
	0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.4, 0.6, 0.8, 0.95, 1, 1, 0.95, 0.75, 0.75, 0.9, 1, 1, 0.95, 0.9,
	0.85, 0.7, 0.5, 0.4,
];

export function defaultModelConfig(): ModelConfig {
	const circles: Partial<Record<CircleCode, Partial<OutcomeMix>>> = {};
	for (const [code, answer] of Object.entries(DEFAULT_CIRCLE_ANSWER))
		circles[code as CircleCode] = { answer };
	return {
		defaultMix: { answer: 0.55, busy: 0.1, noAnswer: 0.3, failed: 0.05 },
		circles,
		answerByHourIST: null,
		ringSeconds: { min: 4, max: 20 },
		noAnswerSeconds: { min: 30, max: 45 },
		busySeconds: { min: 3, max: 10 },
		failedSeconds: { min: 1, max: 5 },
		talkSeconds: { min: 15, max: 120 },
		agent: { answer: 1, ringSeconds: { min: 2, max: 6 } },
		answeredBy: { Human: 0.9, Machine: 0.08, NotSure: 0.02 },
		pricePerMinute: 1.5,
		outages: [],
		fixtures: {},
	};
}

export interface LegOutcome {
	id: number;
	status: LegStatus;
	/** Seconds this leg spent connected (0 when never answered). */
	onCallDuration: number;
	answeredBy: AnsweredBy;
}

export type OutcomeReason = 'model' | 'fixture' | 'outage-hard' | 'outage-silent' | 'dnd' | 'agent';

export interface CallOutcome {
	status: TerminalStatus;
	reason: OutcomeReason;
	/** Ring time of the customer leg (seconds). */
	ringSeconds: number;
	/** Conversation duration (seconds both parties were connected; IVR time for flows). */
	talkSeconds: number;
	/** Start to end of the whole call (seconds). */
	durationSeconds: number;
	legs: LegOutcome[];
	leg1Status: LegStatus;
	leg2Status: LegStatus;
	answeredBy: AnsweredBy;
	/** Seconds after start at which each answered leg picked up, in leg order (drives `answered` callbacks). */
	answeredAt: number[];
	/** Rupees. */
	price: number;
}

export interface CallInput {
	circle: CircleCode;
	/** Customer number (10-digit national) - used for fixtures. */
	number: string;
	/** Virtual epoch ms when the call starts. */
	at: number;
	variant?: CallVariant;
	/** Callee is DND and not whitelisted, and the server is set to fail such calls. */
	dndBlocked?: boolean;
	/** TimeOut request parameter (ring seconds per leg). */
	timeOutSeconds?: number;
	/** TimeLimit request parameter (max call seconds). */
	timeLimitSeconds?: number;
}

/** The outage active for a circle at a virtual instant, if any (first match wins). */
export function activeOutage(
	circle: CircleCode,
	at: number,
	outages: readonly CircleOutage[],
): CircleOutage | undefined {
	return outages.find(
		(o) => o.circle === circle && parseTime(o.from) <= at && at < parseTime(o.to),
	);
}

/** The normalised outcome mix for a circle at a virtual instant (time-of-day curve applied). */
export function mixFor(circle: CircleCode, at: number, config: ModelConfig): OutcomeMix {
	const base = config.defaultMix;
	const override = config.circles[circle] ?? {};
	let mix: OutcomeMix = { ...base, ...override };
	if (override.answer !== undefined && Object.keys(override).length === 1) {
		// Only the answer share was given: scale the other shares of the default mix to fill the rest.
		const rest = base.busy + base.noAnswer + base.failed;
		const scale = rest > 0 ? (1 - override.answer) / rest : 0;
		mix = {
			answer: override.answer,
			busy: base.busy * scale,
			noAnswer: base.noAnswer * scale,
			failed: base.failed * scale,
		};
	}
	const total = mix.answer + mix.busy + mix.noAnswer + mix.failed;
	if (!(total > 0)) throw new Error(`Outcome mix for ${circle} sums to ${total}`);
	mix = {
		answer: mix.answer / total,
		busy: mix.busy / total,
		noAnswer: mix.noAnswer / total,
		failed: mix.failed / total,
	};
	if (config.answerByHourIST && config.answerByHourIST.length === 24) {
		const hour = DateTime.fromMillis(at, { zone: EXOTEL_ZONE }).hour;
		const answer = Math.min(1, mix.answer * config.answerByHourIST[hour]);
		const moved = mix.answer - answer;
		const noAnswer = Math.max(0, mix.noAnswer + moved);
		const sum = answer + mix.busy + noAnswer + mix.failed;
		mix = {
			answer: answer / sum,
			busy: mix.busy / sum,
			noAnswer: noAnswer / sum,
			failed: mix.failed / sum,
		};
	}
	return mix;
}

function within(rng: Rng, range: Range): number {
	return rng.int(range.min, range.max);
}

interface CustomerLeg {
	status: TerminalStatus;
	reason: OutcomeReason;
	/** Seconds until answered / busy / failed / ring-out. */
	ring: number;
	talk: number;
	answeredBy: AnsweredBy;
}

function customerLeg(rng: Rng, input: CallInput, config: ModelConfig): CustomerLeg {
	const timeOut =
		input.timeOutSeconds !== undefined && input.timeOutSeconds > 0
			? input.timeOutSeconds
			: undefined;
	const ringOut = () => timeOut ?? within(rng, config.noAnswerSeconds);
	const talkFor = (seconds: number) =>
		input.timeLimitSeconds !== undefined && input.timeLimitSeconds > 0
			? Math.min(seconds, input.timeLimitSeconds)
			: seconds;

	if (input.dndBlocked)
		return {
			status: 'failed',
			reason: 'dnd',
			ring: within(rng, { min: 0, max: 2 }),
			talk: 0,
			answeredBy: 'NA',
		};

	const outage = activeOutage(input.circle, input.at, config.outages);
	if (outage?.kind === 'hard')
		return {
			status: 'failed',
			reason: 'outage-hard',
			ring: within(rng, config.failedSeconds),
			talk: 0,
			answeredBy: 'NA',
		};
	if (outage?.kind === 'silent')
		return {
			status: 'no-answer',
			reason: 'outage-silent',
			ring: ringOut(),
			talk: 0,
			answeredBy: 'NA',
		};

	const fixture = config.fixtures[input.number];
	const answeredBy = () => rng.weighted(config.answeredBy);
	if (fixture) {
		const ring =
			fixture.ringSeconds ??
			(fixture.status === 'completed'
				? within(rng, config.ringSeconds)
				: fixture.status === 'busy'
					? within(rng, config.busySeconds)
					: fixture.status === 'failed'
						? within(rng, config.failedSeconds)
						: ringOut());
		const completed = fixture.status === 'completed';
		return {
			status: fixture.status,
			reason: 'fixture',
			ring,
			talk: completed ? talkFor(fixture.talkSeconds ?? within(rng, config.talkSeconds)) : 0,
			answeredBy: completed ? (fixture.answeredBy ?? answeredBy()) : 'NA',
		};
	}

	const mix = mixFor(input.circle, input.at, config);
	const kind = rng.weighted([
		['answer', mix.answer],
		['busy', mix.busy],
		['noAnswer', mix.noAnswer],
		['failed', mix.failed],
	] as const);
	if (kind === 'busy')
		return {
			status: 'busy',
			reason: 'model',
			ring: within(rng, config.busySeconds),
			talk: 0,
			answeredBy: 'NA',
		};
	if (kind === 'failed')
		return {
			status: 'failed',
			reason: 'model',
			ring: within(rng, config.failedSeconds),
			talk: 0,
			answeredBy: 'NA',
		};
	if (kind === 'noAnswer')
		return { status: 'no-answer', reason: 'model', ring: ringOut(), talk: 0, answeredBy: 'NA' };
	const ring = within(rng, config.ringSeconds);
	if (timeOut !== undefined && ring > timeOut)
		return { status: 'no-answer', reason: 'model', ring: timeOut, talk: 0, answeredBy: 'NA' };
	return {
		status: 'completed',
		reason: 'model',
		ring,
		talk: talkFor(within(rng, config.talkSeconds)),
		answeredBy: answeredBy(),
	};
}

function priceFor(durationSeconds: number, anyLegAnswered: boolean, config: ModelConfig): number {
	if (!anyLegAnswered || durationSeconds <= 0) return 0;
	return Math.round(Math.ceil(durationSeconds / 60) * config.pricePerMinute * 1000) / 1000;
}

/** Decides how a call ends. Pure: the same rng state, input and config always give the same outcome. */
export function decideCall(rng: Rng, input: CallInput, config: ModelConfig): CallOutcome {
	const variant = input.variant ?? 'number';
	const customer = customerLeg(rng, input, config);
	const answered = customer.status === 'completed';

	if (variant === 'flow' || customer.reason === 'dnd') {
		// Flow: the customer is the only leg. DND: Exotel refuses before dialling anybody.
		const duration = customer.ring + customer.talk;
		const legs: LegOutcome[] = [
			{
				id: 1,
				status: customer.status,
				onCallDuration: customer.talk,
				answeredBy: customer.answeredBy,
			},
		];
		if (variant === 'number')
			legs.push({ id: 2, status: null, onCallDuration: 0, answeredBy: 'NA' });
		return {
			status: customer.status,
			reason: customer.reason,
			ringSeconds: customer.ring,
			talkSeconds: customer.talk,
			durationSeconds: duration,
			legs,
			leg1Status: legs[0].status,
			leg2Status: legs[1]?.status ?? null,
			answeredBy: customer.answeredBy,
			answeredAt: answered ? [customer.ring] : [],
			price: priceFor(duration, answered, config),
		};
	}

	// Number to number: the agent (From) is dialled first; the customer only if the agent picks up.
	const agentRing = within(rng, config.agent.ringSeconds);
	if (!rng.chance(config.agent.answer)) {
		const ringOut =
			input.timeOutSeconds && input.timeOutSeconds > 0
				? input.timeOutSeconds
				: within(rng, config.noAnswerSeconds);
		return {
			status: 'no-answer',
			reason: 'agent',
			ringSeconds: 0,
			talkSeconds: 0,
			durationSeconds: ringOut,
			legs: [
				{ id: 1, status: 'no-answer', onCallDuration: 0, answeredBy: 'NA' },
				{ id: 2, status: null, onCallDuration: 0, answeredBy: 'NA' },
			],
			leg1Status: 'no-answer',
			leg2Status: null,
			answeredBy: 'NA',
			answeredAt: [],
			price: 0,
		};
	}
	const duration = agentRing + customer.ring + customer.talk;
	const legs: LegOutcome[] = [
		{
			id: 1,
			status: 'completed',
			onCallDuration: customer.ring + customer.talk,
			answeredBy: 'Human',
		},
		{
			id: 2,
			status: customer.status,
			onCallDuration: customer.talk,
			answeredBy: customer.answeredBy,
		},
	];
	return {
		status: customer.status,
		reason: customer.reason,
		ringSeconds: customer.ring,
		talkSeconds: customer.talk,
		durationSeconds: duration,
		legs,
		leg1Status: 'completed',
		leg2Status: customer.status,
		answeredBy: customer.answeredBy,
		answeredAt: answered ? [agentRing, agentRing + customer.ring] : [agentRing],
		price: priceFor(duration, true, config),
	};
}
