/**
 * When to read a contact's row again, for lists that are read by due time instead of whole (Release's "Rows Read:
 * Only Rows Due"; examples/04, an n8n Data table with a `checkAt` column). Each run reads the new rows (checkAt
 * empty) and the rows with checkAt <= now, oldest first, a page of each; every row that run read gets a new checkAt:
 *
 *   - a row written this run (Mark Dialling, a row update) is read first next run (CHECK_NEXT_RUN), so the write is
 *     confirmed there as with a sheet (rowWrites.ts); a final row update is never confirmed, so never read again;
 *   - a held row is read again when its hold can end: its retry time, the call's lease end (so a call n8n lost is
 *     found as an orphan, orphans.ts), the window's opening, the circle's cooldown; held for the budget (or with no
 *     time): next run, behind every row already due, so a long backlog is read in turn;
 *   - a final hold: never;
 *   - a row with a write this run or still to show in it keeps its checkAt: that write sets it (both written could
 *     land in either order). A final write is no longer pending once handed out, so the run's writes count too.
 * A late or lost checkAt write only moves when a row is read (the rows keep the truth); docs/pacing-design.md.
 */
import type { HeldContact } from './release';
import { isFinalHold } from './holds';
import { contactsWithPendingWrites } from './rowWrites';
import type { TickRelease } from './tick';
import type { WriteBack } from './types';

/** Read first next run (below any time a run can have). */
export const CHECK_NEXT_RUN = 1;
/** Never read again (a final row): year 2286, far beyond any campaign, still an exact integer in every database. */
export const CHECK_NEVER = 9_999_999_999_999;

/**
 * The held row's next read, or undefined to leave its checkAt alone (a write to it is queued or not yet shown).
 * `tickMs`: the schedule's interval (settings.tickSeconds).
 */
export function checkAtForHold(
	h: HeldContact,
	writePending: boolean,
	now: number,
	tickMs: number,
): number | undefined {
	if (writePending) return undefined;
	if (isFinalHold(h.reason)) return CHECK_NEVER;
	if (h.retryAt !== undefined && Number.isFinite(h.retryAt) && h.retryAt > now)
		return Math.ceil(h.retryAt);
	return now + tickMs;
}

/** The written row's next read: next run, where the write is confirmed; never for a final write (not confirmed). */
export function checkAtForWrite(wb: Pick<WriteBack, 'final'>): number {
	return wb.final ? CHECK_NEVER : CHECK_NEXT_RUN;
}

/** Contacts whose row this run writes, or whose earlier write has not shown yet: their holds set no checkAt. */
export function rowsBeingWritten(tick: TickRelease): Set<string> {
	const out = contactsWithPendingWrites(tick.state);
	for (const wb of tick.rowWrites) out.add(wb.contact);
	return out;
}
