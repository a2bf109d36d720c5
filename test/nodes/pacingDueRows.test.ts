/**
 * Release with "Rows Read Each Run: Only Rows Due" (core/pacing/checkAt.ts), as examples/04 runs it over an n8n
 * Data table: each run reads a page of rows written last run (checkAt = 1), of new rows (checkAt empty) and of due
 * rows (1 < checkAt <= now, oldest first), and writes back every row it read or wrote with its pacing.checkAt. The table here is a small in-memory
 * one with the Data table node's query semantics (conditions, order, limit); the writes land in a random order
 * each run, as n8n's parallel branches and overlapping ticks may land them.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { CHECK_NEVER, CHECK_NEXT_RUN, migrateState } from '../../nodes/core/pacing';
import { istIso } from '../../nodes/core/time';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { executeNode, type ExecuteNodeResult } from '../helpers';

const node = new ExotelPacingController();
/** Monday 6 January 2025, 10:00 India time. */
const START_MS = Date.parse('2025-01-06T10:00:00+05:30');
const TICK_MS = 30_000;
const MIN = 60_000;
const SETTINGS = {
	tickSeconds: 30,
	accountLimitPerMinute: 60,
	reserveForReconciliation: 4,
	retryBusyMinutes: 2,
	retryNoAnswerMinutes: 3,
	retryFailedMinutes: 2,
};

const phone = (k: number) => `+9198100${String(k).padStart(5, '0')}`;
const pacingOf = (item: INodeExecutionData) => item.json.pacing as IDataObject;

type Row = IDataObject & { id: number; checkAt: number | null };

/** The contact table: what the Data table node's Get (conditions, order, limit) and Update (by a column) do. */
class ContactTable {
	readonly rows: Row[];
	constructor(size: number, cells: (k: number) => IDataObject = () => ({})) {
		this.rows = Array.from({ length: size }, (_, k) => ({
			id: k + 1,
			phoneNumber: phone(k),
			circle: 'MH',
			dnd: false,
			attempts: null,
			lastStatus: null,
			lastAttemptAt: null,
			nextRetryAt: null,
			lastCallSid: null,
			refunded: null,
			final: null,
			holdReason: null,
			checkAt: null,
			...cells(k),
		}));
	}
	/** Get rows, checkAt is empty, limit. */
	fresh(limit: number): Row[] {
		return this.rows.filter((r) => r.checkAt === null).slice(0, limit);
	}
	/** Get rows, checkAt = 1 (written last run), limit. */
	written(limit: number): Row[] {
		return this.rows.filter((r) => r.checkAt === CHECK_NEXT_RUN).slice(0, limit);
	}
	/** Get rows, checkAt > 1 and <= now (all conditions), ordered by checkAt ascending, limit. */
	due(now: number, limit: number): Row[] {
		return this.rows
			.filter((r) => r.checkAt !== null && r.checkAt > CHECK_NEXT_RUN && r.checkAt <= now)
			.sort((a, b) => a.checkAt! - b.checkAt! || a.id - b.id)
			.slice(0, limit);
	}
	update(column: 'id' | 'phoneNumber', value: unknown, fields: IDataObject): void {
		const row = this.rows.find((r) => r[column] === value);
		if (!row) throw new Error(`no row with ${column} ${String(value)}`);
		Object.assign(row, fields);
	}
}

/** What the example's write nodes send for Release's three outputs (examples/04). */
function writesOf(table: ContactTable, out: INodeExecutionData[][]): Array<() => void> {
	const [dial, notNow, rowUpdates] = out;
	const writes: Array<() => void> = [];
	for (const { json } of dial) {
		const p = json.pacing as IDataObject;
		const fields = {
			attempts: json.attempts,
			lastStatus: json.lastStatus,
			lastAttemptAt: json.lastAttemptAt,
			nextRetryAt: null,
			lastCallSid: null,
			...(p.checkAt === undefined ? {} : { checkAt: p.checkAt }),
		};
		writes.push(() => table.update('id', json.id, fields));
	}
	for (const { json } of notNow) {
		const p = json.pacing as IDataObject;
		// Every Row: only final holds are written (examples/01's Save Final Holds)
		if (p.checkAt === undefined && p.final !== true) continue;
		const fields: IDataObject = { holdReason: p.reason };
		if (p.checkAt !== undefined) fields.checkAt = p.checkAt;
		if (p.final === true) fields.final = true;
		writes.push(() => table.update('id', json.id, fields));
	}
	for (const { json } of rowUpdates) {
		const p = json.pacing as IDataObject;
		const fields = {
			attempts: json.attempts,
			lastStatus: json.lastStatus,
			lastAttemptAt: json.lastAttemptAt,
			nextRetryAt: json.nextRetryAt === '' ? null : json.nextRetryAt,
			final: json.final,
			refunded: json.refunded,
			...(p.checkAt === undefined ? {} : { checkAt: p.checkAt }),
			...(json.lastCallSid === undefined ? {} : { lastCallSid: json.lastCallSid }),
		};
		writes.push(() => table.update('phoneNumber', json.phoneNumber, fields));
	}
	return writes;
}

/** A seeded shuffle, so the writes of a run land in some order n8n might produce. */
function shuffled<T>(list: T[], seed: { n: number }): T[] {
	const out = list.slice();
	for (let i = out.length - 1; i > 0; i--) {
		seed.n = (seed.n * 1103515245 + 12345) % 2 ** 31;
		const j = seed.n % (i + 1);
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

async function release(
	items: IDataObject[],
	staticData: Record<string, unknown>,
	now: number,
	parameters: IDataObject = {},
): Promise<ExecuteNodeResult> {
	return await executeNode(node, {
		mode: 'trigger',
		staticData,
		items,
		parameters: {
			operation: 'release',
			campaign: 'long-list',
			reconcile: false,
			rowsRead: 'dueRows',
			settings: SETTINGS,
			options: { currentTime: istIso(now) },
			...parameters,
		},
	});
}

async function recordOutcomes(
	events: IDataObject[],
	staticData: Record<string, unknown>,
	now: number,
): Promise<void> {
	await executeNode(node, {
		mode: 'trigger',
		staticData,
		items: events,
		parameters: {
			operation: 'recordOutcome',
			campaign: 'long-list',
			options: { currentTime: istIso(now) },
		},
	});
}

function pendingRowWrites(staticData: Record<string, unknown>): number {
	const blob = staticData.exotelPacing as { campaigns: Record<string, { state: IDataObject }> };
	const state = migrateState(blob.campaigns['long-list'].state, 'long-list', Date.now()).state;
	return Object.keys(state.rows ?? {}).length;
}

/** Rows a run reads with Only Rows Due (examples/04): rows just written, new rows, rows due, a page of each. */
const PAGE = { written: 60, fresh: 25, due: 30 };

interface CampaignRun {
	table: ContactTable;
	calls: Map<string, number>;
	callCount: number;
	ticks: number;
	maxRead: number;
	maxPending: number;
	maxDialled: number;
	/** Row updates the workflow made (Mark Dialling, Not Now, row updates), as Data table updates. */
	writes: number;
}

/**
 * A campaign over 240 contacts (every 40th DND), 30-s runs: calls end 1-3 runs after they were placed, one in three
 * answered; each run's writes land in a seeded random order. Asserts on the way that no number is dialled while a
 * call to it is live.
 */
async function runCampaign(mode: 'dueRows' | 'everyRow', seedValue: number): Promise<CampaignRun> {
	const table = new ContactTable(240, (k) => (k % 40 === 7 ? { dnd: true } : {}));
	const staticData: Record<string, unknown> = {};
	const seed = { n: seedValue };
	let live: Array<{ phone: string; customField: string; sid: string; endsAt: number }> = [];
	const calls = new Map<string, number>();
	const run = {
		table,
		calls,
		callCount: 0,
		ticks: 0,
		maxRead: 0,
		maxPending: 0,
		maxDialled: 0,
		writes: 0,
	};
	let now = START_MS;
	for (let tick = 0; tick < 400; tick++, now += TICK_MS) {
		const ended = live.filter((c) => c.endsAt <= now);
		live = live.filter((c) => c.endsAt > now);
		if (ended.length)
			await recordOutcomes(
				ended.map((c, i) => ({
					callSid: c.sid,
					eventType: 'terminal',
					status: (i + tick) % 3 === 0 ? 'completed' : 'no-answer',
					customField: c.customField,
					dateUpdated: istIso(now - 1000),
				})),
				staticData,
				now,
			);
		const read =
			mode === 'dueRows'
				? [...table.written(PAGE.written), ...table.fresh(PAGE.fresh), ...table.due(now, PAGE.due)]
				: table.rows;
		run.maxRead = Math.max(run.maxRead, read.length);
		// the example's reads Always Output Data: one empty item when no row is due (Release must still hand out
		// queued writes, else a campaign's last outcomes wait for some row to come due)
		const res = await release(read.length ? read.map((r) => ({ ...r })) : [{}], staticData, now, {
			rowsRead: mode,
		});
		run.maxDialled = Math.max(run.maxDialled, res.output[0].length);
		for (const item of res.output[0]) {
			const key = String(item.json.phoneNumber);
			expect(live.some((c) => c.phone === key)).toBe(false); // never two live calls to one number
			calls.set(key, (calls.get(key) ?? 0) + 1);
			run.callCount++;
			live.push({
				phone: key,
				customField: String(pacingOf(item).customField),
				sid: `CA${run.callCount}`,
				endsAt: now + TICK_MS * (1 + (run.callCount % 3)),
			});
		}
		const writes = writesOf(table, res.output);
		run.writes += writes.length;
		for (const write of shuffled(writes, seed)) write();
		if (tick > 0) run.maxPending = Math.max(run.maxPending, pendingRowWrites(staticData));
		run.ticks = tick + 1;
		if (live.length === 0 && table.rows.every((r) => r.final === true)) break;
	}
	return run;
}

describe('Release, Rows Read Each Run: Only Rows Due', () => {
	it('gives every item the time its row must be read again, Not Now every held row to write, an empty item nothing', async () => {
		const now = START_MS;
		const items = [
			{ id: 1, phoneNumber: phone(1), circle: 'MH' }, // fresh: dialled
			{ id: 2, phoneNumber: phone(2), circle: 'MH' }, // fresh: held for the budget
			{ id: 3, phoneNumber: phone(3), circle: 'MH', dnd: true }, // final hold
			{
				id: 4,
				phoneNumber: phone(4),
				circle: 'MH',
				attempts: 1,
				lastStatus: 'busy',
				lastAttemptAt: istIso(now - MIN),
				nextRetryAt: istIso(now + 29 * MIN),
			}, // retry not due
			{}, // no contact: a read that found nothing (Always Output Data)
		];
		const staticData = {};
		await release(items, staticData, now - TICK_MS); // the campaign's first run saves its settings
		// "Only Contacts Newly Finished" is ignored: every held row must get its time
		const res = await release(items, staticData, now, {
			settings: { ...SETTINGS, accountLimitPerMinute: 6 },
			notNowOutput: 'newlyFinal',
		});
		const [dial, notNow, rowUpdates] = res.output;
		expect(dial.map((i) => [i.json.phoneNumber, pacingOf(i).checkAt])).toEqual([
			[phone(1), CHECK_NEXT_RUN],
		]);
		const held = Object.fromEntries(
			notNow.map((i) => [i.json.phoneNumber, [pacingOf(i).reason, pacingOf(i).checkAt]]),
		);
		// phone(2): new, the run's budget spent: keeps its place (first in line next run), nothing to write, left out
		expect(held).toEqual({
			[phone(3)]: ['dnd', CHECK_NEVER],
			[phone(4)]: ['retry_not_due', now + 29 * MIN],
		});
		expect(rowUpdates).toEqual([]);
	});

	it('leaves alone the checkAt of a row whose write has not shown yet, and reads a written row next run', async () => {
		const now = START_MS;
		const fresh = [{ id: 1, phoneNumber: phone(1), circle: 'MH' }];
		const staticData = {};
		await release(fresh, staticData, now - TICK_MS);
		const first = await release(fresh, staticData, now);
		expect(first.output[0]).toHaveLength(1);
		// next run reads the row before its Mark Dialling landed: held, and its checkAt is Mark Dialling's to set, so
		// Not Now has nothing to write for it
		const stale = await release(fresh, staticData, now + TICK_MS);
		expect(stale.output[0]).toEqual([]);
		expect(stale.output[1]).toEqual([]);
		// once the row shows it, the row is read again when the call's lease ends
		const shown = [{ ...fresh[0], ...first.output[0][0].json, checkAt: CHECK_NEXT_RUN }];
		const later = await release(shown, staticData, now + 2 * TICK_MS);
		const p = pacingOf(later.output[1][0]);
		expect(p.reason).toBe('already_in_flight');
		expect(p.checkAt).toBeGreaterThan(now + 2 * TICK_MS);
	});

	it('reads a few rows per run, writes in any order, and finishes the list as fast as reading every row', async () => {
		const due = await runCampaign('dueRows', 7);
		const every = await runCampaign('everyRow', 7);
		for (const run of [due, every]) {
			// every contact finished: answered, DND, or every attempt used, and its row says so
			expect(run.table.rows.filter((r) => r.final !== true).map((r) => r.phoneNumber)).toEqual([]);
			for (const r of run.table.rows) {
				const placed = run.calls.get(String(r.phoneNumber)) ?? 0;
				if (r.dnd === true) expect(placed).toBe(0);
				else {
					expect(Number(r.attempts)).toBe(placed); // each call on its row, none lost, none twice
					expect(placed).toBeGreaterThanOrEqual(1);
					expect(placed).toBeLessThanOrEqual(3);
				}
			}
		}
		// only rows due were read, a page of each kind; a finished row is never read again
		expect(due.maxRead).toBeLessThanOrEqual(PAGE.written + PAGE.fresh + PAGE.due);
		for (const r of due.table.rows) expect(r.checkAt).toBe(CHECK_NEVER);
		// a write waits one run for its row to be read: pending writes stay at about one run of calls and outcomes
		expect(due.maxPending).toBeLessThanOrEqual(2 * due.maxDialled + 10);
		console.log(
			`Only Rows Due: ${due.ticks} runs, ${due.callCount} calls, at most ${due.maxRead} rows read, ` +
				`${due.maxPending} writes pending, ${(due.writes / due.callCount).toFixed(2)} row updates per call; ` +
				`Every Row: ${every.ticks} runs, ${every.callCount} calls`,
		);
		// and the campaign is not slower for it
		expect(due.ticks).toBeLessThanOrEqual(Math.ceil(every.ticks * 1.1));
		// nor does it skip retries (the outcomes differ a little with the order calls end in)
		expect(due.callCount).toBeGreaterThanOrEqual(Math.floor(every.callCount * 0.97));
	});
});
