/**
 * When to read a contact's row again, for lists that are read by due time instead of whole (Release's "Rows Read:
 * Only Rows Due"; examples/04, an n8n Data table with a `checkAt` column). Each run reads the new rows (checkAt
 * empty) and the rows with checkAt <= now, oldest first, a page of each; every row that run read gets a new checkAt:
 *
 *   - a row written this run (Mark Dialling, a row update) is read first next run (CHECK_NEXT_RUN), so the write is
 *     confirmed there as with a sheet (rowWrites.ts); a final row update is never confirmed, so never read again;
 *   - a held row is read again when its hold can end: its retry time, the call's lease end (so a call n8n lost is
 *     found as an orphan, orphans.ts), the window's opening, the circle's cooldown; with no time: next run, behind
 *     every row already due, so a long backlog is read in turn;
 *   - held for the budget (the run's whole budget went out: allocation.ts is work-conserving): a due or new row of a
 *     circle at full health keeps its checkAt, so it is first in line next run and costs no write (n8n's Data table
 *     spends tens of ms on each row update, README "Long contact lists"). A degraded circle's row goes behind the
 *     rows due, as with no time: kept in place, such rows would fill the page and undo the circle's lower weight;
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
 * The held row's next read, or undefined to leave its checkAt alone (a write to it is queued or not yet shown, or
 * it keeps its place for the budget). `tickMs`: the schedule's interval (settings.tickSeconds); `row`: the row's
 * checkAt as read, and whether its circle is degraded (a health weight below 1 at this release).
 */
export function checkAtForHold(
	h: HeldContact,
	writePending: boolean,
	now: number,
	tickMs: number,
	row: { checkAt?: unknown; circleDegraded?: boolean } = {},
): number | undefined {
	if (writePending) return undefined;
	if (isFinalHold(h.reason)) return CHECK_NEVER;
	if (h.reason === 'budget_used' && !row.circleDegraded && keepsItsPlace(row.checkAt))
		return undefined;
	if (h.retryAt !== undefined && Number.isFinite(h.retryAt) && h.retryAt > now)
		return Math.ceil(h.retryAt);
	return now + tickMs;
}

/** A new row (checkAt empty) or a due one keeps its place; a row read as written (CHECK_NEXT_RUN) does not. */
function keepsItsPlace(checkAt: unknown): boolean {
	if (checkAt === null || checkAt === undefined || checkAt === '') return true;
	const t = Number(checkAt);
	return Number.isFinite(t) && t > CHECK_NEXT_RUN && t < CHECK_NEVER;
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
