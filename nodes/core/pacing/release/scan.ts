/**
 * Release, the contact pass: one pass over the list (no sorting) that repairs what rows show the state lost
 * (repair.ts), classifies each contact (eligibility.ts) and buckets the eligible ones by circle, in list order.
 */
import type { ContactInput } from '../types';
import type { PacingSettings } from '../settings';
import type { CampaignState } from '../state';
import {
	classify,
	HOLD_REASONS,
	REASON_CODE,
	type EligibilityContext,
	type HoldReason,
} from '../eligibility';
import { mayNeedRepair, repairFromRow, startRowRepairs, type RowRepairs } from './repair';

export interface ContactScan {
	/** Circles with an eligible contact, in order of first appearance; the per-circle arrays are parallel to it. */
	names: string[];
	/** Eligible contacts per circle, and how many of them are first calls. */
	backlog: number[];
	freshBacklog: number[];
	/** Per contact: its circle's index in names if eligible and not yet released, else -1. */
	mark: Int32Array;
	/** Per eligible contact: 1 = first call (no counted attempt), 0 = due retry. */
	fresh: Uint8Array;
	/** Per eligible contact: attempts used (a refunded one not included), and 1 if its last attempt is refunded. */
	used: Int32Array;
	refund: Uint8Array;
	/** Per contact: REASON_CODE of its hold, 0 while eligible (only when hold decisions are asked for). */
	reasons: Uint8Array | null;
	/** Held contacts per reason. */
	held: Record<HoldReason, number>;
	repairs: RowRepairs;
}

// Per-contact arrays reused across releases (a large list would otherwise allocate them every tick). Never
// observable: the pass writes every slot that is read later (the per-eligible ones for eligible contacts only).
let marks = new Int32Array(1024);
let freshMarks = new Uint8Array(1024);
let usedAttempts = new Int32Array(1024);
let refundMarks = new Uint8Array(1024);

function reserveScratch(n: number): void {
	if (marks.length >= n) return;
	const size = Math.max(n, marks.length * 2);
	marks = new Int32Array(size);
	freshMarks = new Uint8Array(size);
	usedAttempts = new Int32Array(size);
	refundMarks = new Uint8Array(size);
}

export function scanContacts(
	s: CampaignState,
	ctx: EligibilityContext,
	contacts: readonly ContactInput[],
	settings: PacingSettings,
	withReasons: boolean | undefined,
): ContactScan {
	reserveScratch(contacts.length);
	const mark = marks;
	const fresh = freshMarks;
	const used = usedAttempts;
	const refund = refundMarks;
	const reasons = withReasons ? new Uint8Array(contacts.length) : null;
	const passCounts = new Int32Array(HOLD_REASONS.length + 1);
	const names: string[] = [];
	const backlog: number[] = [];
	const freshBacklog: number[] = [];
	const repairs = startRowRepairs(s);
	const recentFrom = ctx.now - 60000;
	for (let i = 0; i < contacts.length; i++) {
		const c = contacts[i];
		if (mayNeedRepair(c, recentFrom)) repairFromRow(s, ctx, c, repairs, settings);
		const v = classify(ctx, c);
		if (v.reason !== null) {
			mark[i] = -1;
			const code = REASON_CODE[v.reason];
			passCounts[code]++;
			if (reasons) reasons[i] = code;
			continue;
		}
		const g = v.gate;
		if (g.k < 0) {
			g.k = names.length;
			names.push(g.name);
			backlog.push(0);
			freshBacklog.push(0);
		}
		mark[i] = g.k;
		backlog[g.k]++;
		used[i] = v.used;
		refund[i] = v.refund ? 1 : 0;
		if (v.fresh) {
			fresh[i] = 1;
			freshBacklog[g.k]++;
		} else fresh[i] = 0;
	}
	const held = Object.fromEntries(HOLD_REASONS.map((r, k) => [r, passCounts[k + 1]])) as Record<
		HoldReason,
		number
	>;
	return { names, backlog, freshBacklog, mark, fresh, used, refund, reasons, held, repairs };
}
