/**
 * Hold explanations: why a contact was not released this tick, in plain words, and when it may go again.
 *
 * classify (eligibility.ts) answers the reason cheaply for every contact; the words and the retry time are built
 * here only when asked (Release's includeHeld, the node's per-contact output). Release's last two steps are here
 * too: counting the eligible contacts the budget left behind, and building the per-contact hold decisions.
 */
import type { ContactInput } from './types';
import { retryGapMs } from './settings';
import { localFormatter } from './window';
import { categoryOf } from './statuses';
import {
	classify,
	HOLD_REASONS,
	normaliseCircle,
	REASON_CODE,
	type Classification,
	type EligibilityContext,
	type HoldReason,
} from './eligibility';
import type { HeldContact } from './release/types';

/** What the explanation of a hold needs from classify's answer for the contact. */
export type HoldFacts = Pick<Classification, 'circle' | 'status' | 'unsettled'>;

const isFiniteNumber = Number.isFinite;
const toTime = (v: unknown): number | null =>
	typeof v === 'number' && isFiniteNumber(v) ? v : null;

function formatTime(ctx: EligibilityContext, t: number): string {
	if (ctx.fmt === null) ctx.fmt = localFormatter(ctx.settings, ctx.now);
	return ctx.fmt(t);
}

/** When the contact may become eligible again, where known (facts: classify's answer for the same contact). */
export function holdRetryAt(
	ctx: EligibilityContext,
	c: ContactInput,
	reason: HoldReason,
	facts: HoldFacts,
): number | undefined {
	const s = ctx.settings;
	switch (reason) {
		case 'window_closed':
			return ctx.window.opensAt;
		case 'already_in_flight': {
			if (facts.unsettled) return ctx.now + s.tickSeconds * 1000;
			const inState = ctx.liveByContact.get(c.key);
			const at = toTime(c.lastAttemptAt);
			return inState ?? (at !== null ? at + ctx.leaseMs : undefined);
		}
		case 'retry_not_due': {
			const next = toTime(c.nextRetryAt);
			if (next !== null) return next;
			const at = toTime(c.lastAttemptAt);
			const gap = retryGapMs(
				s,
				facts.status === 'not-placed' ? 'notPlaced' : (categoryOf(facts.status) ?? 'other'),
			);
			return at !== null && gap !== null ? at + gap : undefined;
		}
		case 'circle_paused': {
			const g = ctx.gates.get(facts.circle);
			return g && g.gate === 'open' ? g.openUntil : undefined;
		}
		case 'budget_used':
			return ctx.now + s.tickSeconds * 1000;
		default:
			return undefined;
	}
}

/**
 * Plain words for a hold, the same for every contact with the same reason, circle and last status (the
 * per-contact time is in holdRetryAt). facts: classify's answer for the same contact.
 */
export function holdMessage(
	ctx: EligibilityContext,
	c: ContactInput,
	reason: HoldReason,
	facts: HoldFacts,
): string {
	const s = ctx.settings;
	switch (reason) {
		case 'invalid':
			return typeof c.key !== 'string' || !c.key
				? 'No contact key (phone number).'
				: 'No circle for this number; look it up first.';
		case 'campaign_paused':
			return ctx.pausedBecause
				? `The campaign is paused: ${ctx.pausedBecause}`
				: 'The campaign is paused.';
		case 'window_closed':
			return `Outside the calling window (${s.callingStart}-${s.callingEnd} ${s.timezone}); next opening ${formatTime(ctx, ctx.window.opensAt)}.`;
		case 'dnd':
			return 'The number is on the DND list and calling DND numbers is not allowed.';
		case 'dnd_unknown':
			return 'Exotel could not say whether the number is on the DND list (DND "Unavailable", or a DND cell that is neither yes nor no); it is held like a DND number unless "Call Numbers With Unknown DND" or "Allow DND Numbers" is on.';
		case 'already_in_flight':
			return facts.unsettled
				? 'The outcome of the last call is still being recorded (it must be counted before the row is overwritten).'
				: 'A call to this number is still in progress (no outcome yet).';
		case 'done':
			return 'The last call completed; nothing more to do.';
		case 'attempts_used':
			return `All ${s.maxAttempts} attempts used.`;
		case 'retry_not_due':
			return `Waiting for the re-call gap after "${facts.status || 'the last call'}".`;
		case 'circle_paused': {
			const g = ctx.gates.get(facts.circle);
			return g && g.gate === 'open'
				? `Circle ${facts.circle} is paused (looks down); it will be probed at ${formatTime(ctx, g.openUntil)}.`
				: `Circle ${facts.circle} is being probed after an outage; only a few test calls go out.`;
		}
		case 'budget_used':
			return "Eligible, but this tick's call budget went to other contacts.";
	}
}

/** Plain words and the retry time for a hold (facts: classify's answer for the same contact). */
export function explainHold(
	ctx: EligibilityContext,
	c: ContactInput,
	reason: HoldReason,
	facts: HoldFacts,
): { message: string; retryAt?: number } {
	const retryAt = holdRetryAt(ctx, c, reason, facts);
	let message = holdMessage(ctx, c, reason, facts);
	if (reason === 'retry_not_due' && retryAt !== undefined)
		message = message.slice(0, -1) + ` until ${formatTime(ctx, retryAt)}.`;
	return retryAt === undefined ? { message } : { message, retryAt };
}

/** What every contact of one circle held for the budget (or a probing circle) shares. */
interface BulkInfo {
	contacts: readonly ContactInput[];
	circle: string;
	reason: HoldReason;
	message: string;
	retryAt: number | undefined;
}

/**
 * A hold shared by a whole circle: two own fields per contact, the rest read from the circle's shared info (most
 * held contacts on a large list are these; allocating a full object for each one per tick was the main cost).
 */
class BulkHold implements HeldContact {
	constructor(
		readonly index: number,
		private readonly b: BulkInfo,
	) {}
	get contact(): string {
		return this.b.contacts[this.index].key;
	}
	get decision(): 'hold' {
		return 'hold';
	}
	get circle(): string {
		return this.b.circle;
	}
	get reason(): HoldReason {
		return this.b.reason;
	}
	get message(): string {
		return this.b.message;
	}
	get retryAt(): number | undefined {
		return this.b.retryAt;
	}
	toJSON(): HeldContact {
		const h: HeldContact = {
			index: this.index,
			contact: this.contact,
			circle: this.circle,
			decision: 'hold',
			reason: this.reason,
			message: this.message,
		};
		if (this.retryAt !== undefined) h.retryAt = this.retryAt;
		return h;
	}
}

/** The contacts a release looked at, and what it decided per contact. */
export interface HoldInput {
	contacts: readonly ContactInput[];
	/** Circles with an eligible contact; per circle its breaker mode after the release. */
	names: readonly string[];
	pausedCircle: readonly boolean[];
	/** Eligible contacts per circle. */
	backlog: readonly number[];
	/** Per contact: its circle's index in names if eligible and not released, else -1. */
	mark: Int32Array;
	/** Per contact: REASON_CODE of its hold (0 = released), when decisions are asked for. */
	reasons: Uint8Array | null;
	/** Per circle: contacts skipped as duplicate keys of a contact taken this tick. */
	skipped: readonly (readonly number[])[];
	/** Per circle: calls released (or dropped as invalid while reserving). */
	releasedBy: ReadonlyMap<string, number>;
}

/**
 * Eligible but not released: the same reason for the whole circle, circle_paused while it is probing (or just
 * tripped), else budget_used; skipped duplicates are already_in_flight (their key has a call this tick).
 */
export function holdUnreleased(h: HoldInput, held: Record<HoldReason, number>): void {
	h.names.forEach((name, k) => {
		const r: HoldReason = h.pausedCircle[k] ? 'circle_paused' : 'budget_used';
		held[r] += h.backlog[k] - (h.releasedBy.get(name) ?? 0) - h.skipped[k].length;
		held.already_in_flight += h.skipped[k].length;
	});
	const reasons = h.reasons;
	if (!reasons) return;
	const codeOfK = h.pausedCircle.map((paused) =>
		paused ? REASON_CODE.circle_paused : REASON_CODE.budget_used,
	);
	for (let i = 0; i < h.contacts.length; i++) {
		const k = h.mark[i];
		if (k < 0) continue;
		reasons[i] = codeOfK[k];
	}
	for (const list of h.skipped) for (const i of list) reasons[i] = REASON_CODE.already_in_flight;
}

/**
 * A hold decision for every held contact (with `finalOnly`, every final hold), in list order, at most `limit`. Messages are shared by every contact
 * with the same reason (and circle / last status); only the retry time is per contact.
 */
export function explainHolds(
	ctx: EligibilityContext,
	h: HoldInput,
	released: number,
	limit: number,
	finalOnly = false,
): HeldContact[] {
	const reasons = h.reasons;
	if (!reasons) return [];
	const contacts = h.contacts;
	const messages = HOLD_REASONS.map(() => new Map<string, string>());
	const bulk: Array<BulkInfo | undefined> = h.names.map(() => undefined);
	// one backing store of the final size (no regrowth garbage on a 100k list); final holds are few
	const expected = finalOnly ? 0 : Math.min(limit, Math.max(0, contacts.length - released));
	const holds = expected > 0 ? new Array<HeldContact>(expected) : [];
	let nHolds = 0;
	for (let i = 0; i < contacts.length && nHolds < limit; i++) {
		const code = reasons[i];
		if (!code || (finalOnly && !FINAL_HOLD_CODES[code])) continue;
		const k = h.mark[i];
		if (k >= 0 && (code === REASON_CODE.budget_used || code === REASON_CODE.circle_paused)) {
			// held for the budget (or a probing circle): everything is known per circle (the bulk of a large list)
			let info = bulk[k];
			if (info === undefined)
				bulk[k] = info = circleHoldInfo(ctx, contacts, i, h.names[k], HOLD_REASONS[code - 1]);
			holds[nHolds++] = new BulkHold(i, info);
		} else
			holds[nHolds++] = contactHold(
				ctx,
				contacts[i],
				i,
				HOLD_REASONS[code - 1],
				messages[code - 1],
			);
	}
	holds.length = nHolds;
	return holds;
}

function circleHoldInfo(
	ctx: EligibilityContext,
	contacts: readonly ContactInput[],
	i: number,
	circle: string,
	reason: HoldReason,
): BulkInfo {
	const facts: HoldFacts = { circle, status: '', unsettled: false };
	const c = contacts[i];
	return {
		contacts,
		circle,
		reason,
		message: holdMessage(ctx, c, reason, facts),
		retryAt: holdRetryAt(ctx, c, reason, facts),
	};
}

/** The hold of one contact; `messages` caches this reason's messages by what they depend on. */
function contactHold(
	ctx: EligibilityContext,
	c: ContactInput,
	index: number,
	reason: HoldReason,
	messages: Map<string, string>,
): HeldContact {
	// Only these reasons' words depend on more than the circle: classify the contact again for them (cheap; the
	// pass kept nothing per held contact).
	const facts: HoldFacts =
		reason === 'retry_not_due' || reason === 'already_in_flight' || reason === 'invalid'
			? classify(ctx, c)
			: { circle: normaliseCircle(ctx, c.circle), status: '', unsettled: false };
	const key =
		reason === 'retry_not_due'
			? facts.status
			: reason === 'already_in_flight'
				? facts.unsettled
					? 'u'
					: ''
				: reason === 'invalid'
					? typeof c.key === 'string' && c.key !== ''
						? 'circle'
						: 'key'
					: facts.circle;
	let message = messages.get(key);
	if (message === undefined) {
		message = holdMessage(ctx, c, reason, facts);
		messages.set(key, message);
	}
	return {
		index,
		contact: typeof c.key === 'string' ? c.key : '',
		circle: facts.circle,
		decision: 'hold',
		reason,
		message,
		retryAt: holdRetryAt(ctx, c, reason, facts),
	};
}

/**
 * Holds that no later tick lifts by itself: the row is finished for this campaign (no usable number or circle, DND,
 * the last call completed, every attempt used) until someone changes the row. Release reports them as final.
 */
const FINAL_HOLDS: ReadonlySet<HoldReason> = new Set<HoldReason>([
	'invalid',
	'dnd',
	'dnd_unknown',
	'done',
	'attempts_used',
]);

/** FINAL_HOLDS by reason code (eligibility.ts REASON_CODE), for the pass over a whole list. */
const FINAL_HOLD_CODES: readonly boolean[] = [
	false,
	...HOLD_REASONS.map((r) => FINAL_HOLDS.has(r)),
];

/** Whether a hold is final (FINAL_HOLDS): the contact will not be released again as its row stands. */
export function isFinalHold(reason: HoldReason): boolean {
	return FINAL_HOLDS.has(reason);
}
