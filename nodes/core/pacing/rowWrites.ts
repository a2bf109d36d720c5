/**
 * Contact-row writes, one at a time per row, so a write can never land after a newer one.
 *
 * Only the tick writes rows: "Mark Dialling" (Release's Dial Now output, before the call) and the row updates
 * Release emits (registrations, outcomes, lookups; output 3). Status callbacks only count outcomes in the state;
 * what the row should say is queued here. Per contact there is at most ONE write that was handed to the workflow
 * and not yet seen in the sheet ("sent"); a newer one ("wanted") waits until the sent one shows in the rows
 * Release reads, or until the sent one's lease ends (ROW_WRITE_LEASE_MS: longer than any tick may run; the
 * examples set the workflow's timeout below it). A contact with a queued or unconfirmed write is not dialled.
 * So when a new call's "Mark Dialling" goes out, every earlier write to that row has landed: a late outcome write
 * cannot overwrite it, whatever the timing of overlapping or slow ticks (docs/pacing-design.md).
 */
import type { CampaignState } from './state';
import type { ContactInput, WriteBack } from './types';
import { fromStored, ROW_KEYS } from './storage';

/** How long a write handed to the workflow may take to show in the rows before it counts as lost and is re-sent. */
export const ROW_WRITE_LEASE_MS = 5 * 60_000;
/**
 * How long after this process took a campaign over from another process's save (a restart: the process that
 * handed out those writes is gone) its unconfirmed writes are kept waiting. A dead process sends nothing more; what
 * it had already sent reaches Google within seconds, so the full lease would only keep those contacts idle.
 */
export const ADOPTED_WRITE_GRACE_MS = 60_000;
/** Rows with queued writes kept at most (a bound for hostile input; real campaigns stay far below). */
export const MAX_PENDING_ROWS = 20_000;

/** A row write in storage form: [attempts, lastStatus, lastCallSid ('' = leave), lastAttemptAt s, nextRetryAt s or 0, flags]. */
export type StoredRowWrite = [number, string, string, number, number, number];

/** One contact's pending row writes: `wanted` (not handed out yet), `sent` at `sentAt` (not yet seen in the rows). */
export interface PendingRow {
	wanted?: StoredRowWrite;
	sent?: StoredRowWrite;
	sentAt?: number;
}

const FINAL = 1;
const REFUNDED = 2;

export function packRowWrite(wb: WriteBack): StoredRowWrite {
	return [
		wb.attemptsToWrite,
		wb.lastStatus,
		wb.lastCallSid ?? '',
		Math.floor(wb.lastAttemptAt / 1000),
		wb.nextRetryAt === null ? 0 : Math.round(wb.nextRetryAt / 1000),
		(wb.final ? FINAL : 0) | (wb.refunded ? REFUNDED : 0),
	];
}

export function unpackRowWrite(contact: string, p: StoredRowWrite): WriteBack {
	const wb: WriteBack = {
		contact,
		attemptsToWrite: p[0],
		lastStatus: p[1],
		lastAttemptAt: p[3] * 1000,
		nextRetryAt: p[4] === 0 ? null : p[4] * 1000,
		final: (p[5] & FINAL) !== 0,
		refunded: (p[5] & REFUNDED) !== 0,
	};
	if (p[2] !== '') wb.lastCallSid = p[2];
	return wb;
}

/** Contact keys are phone numbers; a key such as "__proto__" (hostile input) must not reach an object's prototype. */
function usableKey(key: string): boolean {
	return key !== '' && key !== '__proto__' && key !== 'constructor' && key !== 'prototype';
}

function pendingRows(s: CampaignState): Record<string, PendingRow> {
	if (!s.rows) s.rows = {};
	return s.rows;
}

/**
 * Queues what the contact's row should say now (replaces a queued, not yet sent write). Mutates the owned state.
 * `size` carries the number of pending rows across a batch (counting the keys on every call is quadratic).
 */
export function queueRowWrite(s: CampaignState, wb: WriteBack, size?: { n: number }): void {
	if (!usableKey(wb.contact)) return;
	const rows = pendingRows(s);
	const entry = rows[wb.contact];
	if (entry) entry.wanted = packRowWrite(wb);
	else {
		const n = size ? size.n : Object.keys(rows).length;
		if (n >= MAX_PENDING_ROWS) return;
		rows[wb.contact] = { wanted: packRowWrite(wb) };
		if (size) size.n = n + 1;
	}
}

/** Records a write handed to the workflow outside the queue ("Mark Dialling"): it is the row's sent write now. */
export function markRowWriteSent(s: CampaignState, wb: WriteBack, now: number): void {
	if (!usableKey(wb.contact)) return;
	const rows = pendingRows(s);
	const entry = rows[wb.contact] ?? (rows[wb.contact] = {});
	entry.sent = packRowWrite(wb);
	entry.sentAt = now;
}

/** Does the row show this write? Status, attempts and the attempt time (to the second); the CallSid when set. */
export function rowShows(c: ContactInput, p: StoredRowWrite): boolean {
	if (String(c.lastStatus ?? '').toLowerCase() !== p[1]) return false;
	if (Number(c.attempts ?? 0) !== p[0]) return false;
	if (typeof c.lastAttemptAt !== 'number' || Math.floor(c.lastAttemptAt / 1000) !== p[3])
		return false;
	return p[2] === '' || c.lastCallSid === p[2];
}

/**
 * When a sent write's lease ends: ROW_WRITE_LEASE_MS after it was handed out, or, for a write handed out before
 * this process adopted the campaign from another process's save (`adoptedAt`, real time), ADOPTED_WRITE_GRACE_MS
 * after the adoption if that is sooner.
 */
export function rowWriteLeaseEnd(sentAt: number, adoptedAt?: number): number {
	const end = sentAt + ROW_WRITE_LEASE_MS;
	if (adoptedAt === undefined || sentAt >= adoptedAt) return end;
	return Math.min(end, adoptedAt + ADOPTED_WRITE_GRACE_MS);
}

/**
 * Clears sent writes that the rows now show, and those whose lease ended (rowWriteLeaseEnd): a row that was read
 * and does not show its write gets it again (unless a newer one is queued); a row not passed to Release (e.g.
 * filtered out as final) cannot be checked and its write is dropped. Returns the number of leases that ended.
 * Mutates the owned state.
 */
export function confirmRowWrites(
	s: CampaignState,
	contacts: readonly ContactInput[],
	now: number,
	adoptedAt?: number,
): number {
	const rows = s.rows;
	if (!rows) return 0;
	let expired = 0;
	const seen = new Set<string>();
	for (const c of contacts) {
		const entry = typeof c.key === 'string' ? rows[c.key] : undefined;
		if (!entry) continue;
		seen.add(c.key);
		if (entry.wanted && rowShows(c, entry.wanted)) {
			// the row already says what is queued (written by someone else, or a registration it already shows)
			delete entry.wanted;
			delete entry.sent;
			delete entry.sentAt;
		} else if (entry.sent && rowShows(c, entry.sent)) {
			delete entry.sent;
			delete entry.sentAt;
		}
	}
	for (const [key, entry] of Object.entries(rows)) {
		if (entry.sent && now > rowWriteLeaseEnd(entry.sentAt ?? 0, adoptedAt)) {
			expired++;
			if (!entry.wanted && seen.has(key)) entry.wanted = entry.sent;
			delete entry.sent;
			delete entry.sentAt;
		}
		if (!entry.sent && !entry.wanted) delete rows[key];
	}
	return expired;
}

/** Contacts whose row has a queued or unconfirmed write: not dialled until it shows. */
export function contactsWithPendingWrites(s: CampaignState): Set<string> {
	return new Set(s.rows ? Object.keys(s.rows) : []);
}

/**
 * Hands out every queued write whose row has no unconfirmed one; they become the rows' sent writes. A final write
 * is forgotten once handed out: no later call (and so no later write) can follow it, and rows that are final are
 * often no longer passed to Release, so it could not be confirmed anyway.
 */
export function takeRowWrites(s: CampaignState, now: number): WriteBack[] {
	const out: WriteBack[] = [];
	if (!s.rows) return out;
	for (const [key, entry] of Object.entries(s.rows)) {
		if (!entry.wanted || entry.sent) continue;
		const wb = unpackRowWrite(key, entry.wanted);
		out.push(wb);
		delete entry.wanted;
		if (wb.final) {
			delete s.rows[key];
			continue;
		}
		entry.sent = packRowWrite(wb);
		entry.sentAt = now;
	}
	return out;
}

/** Keeps only well-formed entries of a stored state. */
export function migrateRows(raw: unknown): Record<string, PendingRow> {
	const out: Record<string, PendingRow> = {};
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
	const ok = (p: unknown): p is StoredRowWrite =>
		Array.isArray(p) &&
		p.length === 6 &&
		typeof p[1] === 'string' &&
		typeof p[2] === 'string' &&
		[p[0], p[3], p[4], p[5]].every((n) => typeof n === 'number' && Number.isFinite(n));
	let n = 0;
	for (const [key, entry] of Object.entries(raw as Record<string, unknown>)) {
		if (n >= MAX_PENDING_ROWS || !usableKey(key) || typeof entry !== 'object' || entry === null)
			continue;
		const e = fromStored(entry as Record<string, unknown>, ROW_KEYS);
		const row: PendingRow = {};
		if (ok(e.wanted)) row.wanted = e.wanted;
		if (ok(e.sent) && typeof e.sentAt === 'number') {
			row.sent = e.sent;
			row.sentAt = e.sentAt;
		}
		if (row.wanted || row.sent) {
			out[key] = row;
			n++;
		}
	}
	return out;
}

export function cloneRows(
	rows: Record<string, PendingRow> | undefined,
): Record<string, PendingRow> | undefined {
	if (!rows) return undefined;
	const out: Record<string, PendingRow> = {};
	for (const [k, e] of Object.entries(rows)) {
		const c: PendingRow = {};
		if (e.wanted) c.wanted = e.wanted.slice() as StoredRowWrite;
		if (e.sent) {
			c.sent = e.sent.slice() as StoredRowWrite;
			c.sentAt = e.sentAt;
		}
		out[k] = c;
	}
	return out;
}
