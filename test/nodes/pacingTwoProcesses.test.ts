/**
 * Pacing Controller in more than one n8n process (n8n queue mode with several workers, or two n8n instances on one
 * database). Each process keeps the campaign's newest state in its own memory (memory.ts), and static data is
 * loaded when an execution starts and saved when it ends, last writer wins. Two processes would each count into
 * their own state and release without seeing each other's reservations, so the campaign must stop dialling with a
 * message that says why, and must not stop in one process (restarts, test runs).
 *
 * A "process" here is a separate copy of the node's modules (jest.isolateModules: its own memory and process id);
 * the "database" is a JSON copy of static data that every execution loads at its start and saves at its end.
 */
import type { IDataObject, INodeExecutionData, INodeType } from 'n8n-workflow';

import { istIso } from '../../nodes/core/time';
import { executeNode, type ExecuteNodeResult } from '../helpers';

const START_MS = Date.parse('2025-01-06T10:00:00+05:30');
const MIN = 60_000;

function newProcess(): INodeType {
	let node: INodeType | undefined;
	jest.isolateModules(() => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const mod = require('../../nodes/ExotelPacingController/ExotelPacingController.node') as {
			ExotelPacingController: new () => INodeType;
		};
		node = new mod.ExotelPacingController();
	});
	return node!;
}

/** Static data as n8n's database holds it between executions. */
class Database {
	private saved = '{}';
	/** What an execution starting now would load. */
	snapshot(): string {
		return this.saved;
	}

	/**
	 * One production execution: load static data (now, or the snapshot taken when it started), run, save it (last
	 * writer wins).
	 */
	async execute(
		process: INodeType,
		operation: string,
		at: number,
		items: IDataObject[] = [{}],
		loadedAtStart = this.saved,
		parameters: IDataObject = {},
	): Promise<ExecuteNodeResult> {
		const staticData = JSON.parse(loadedAtStart) as IDataObject;
		const res = await executeNode(process, {
			mode: 'trigger',
			workflowId: 'campaign-workflow',
			items,
			staticData,
			parameters: {
				operation,
				campaign: 'diwali',
				options: { currentTime: istIso(at), reconcile: false },
				...parameters,
			},
		});
		this.saved = JSON.stringify(staticData);
		return res;
	}
}

const phone = (k: number) => `+9198100${String(k).padStart(5, '0')}`;
const row = (k: number): IDataObject => ({
	row_number: k + 2,
	phoneNumber: phone(k),
	circle: 'MH',
	dnd: 'FALSE',
	attempts: '',
	lastStatus: '',
	lastAttemptAt: '',
});
const rows = (from: number, to: number) =>
	Array.from({ length: to - from + 1 }, (_, i) => row(from + i));
const pacingOf = (item: INodeExecutionData) => item.json.pacing as IDataObject;

describe('Pacing Controller in two n8n processes', () => {
	it('keeps dialling in one process, across a restart (a new process with no memory)', async () => {
		const db = new Database();
		const first = newProcess();
		await db.execute(first, 'release', START_MS, rows(1, 2)); // first run: saves settings, dials nothing
		const dialled = await db.execute(first, 'release', START_MS + 10_000, rows(1, 2));
		expect(dialled.output[0]).toHaveLength(2);

		const restarted = newProcess();
		const after = await db.execute(restarted, 'release', START_MS + 20_000, rows(3, 4));
		expect(after.output[0].map((i) => i.json.phoneNumber)).toEqual([phone(3), phone(4)]);
		const again = await db.execute(restarted, 'release', START_MS + 30_000, rows(5, 5));
		expect(again.output[0]).toHaveLength(1);
		expect(again.hints.map((h) => h.message).join(' ')).not.toMatch(/two n8n processes/);
	});

	it('after a restart, re-sends a "dialling" row write the killed process never got into the sheet a minute later, not five', async () => {
		// the real clock (row-write leases run on it, rowWrites.ts), moved by the test
		let realMs = Date.parse('2026-12-06T10:00:00Z');
		const clock = jest.spyOn(Date, 'now').mockImplementation(() => realMs);
		try {
			const db = new Database();
			const first = newProcess();
			await db.execute(first, 'release', START_MS, rows(1, 1));
			const dialled = await db.execute(first, 'release', START_MS + 10_000, rows(1, 1));
			expect(dialled.output[0]).toHaveLength(1);
			// killed before its Mark Dialling reached the sheet: the row still reads as never called
			realMs += 15_000;
			const restarted = newProcess();
			const rowUpdates = async (at: number) =>
				(await db.execute(restarted, 'release', at, rows(1, 1))).output[2];
			expect(await rowUpdates(START_MS + 30_000)).toEqual([]);
			realMs += 55_000;
			expect(await rowUpdates(START_MS + 90_000)).toEqual([]);
			realMs += 10_000; // 65 s after the takeover
			const resent = await rowUpdates(START_MS + 100_000);
			expect(resent.map((i) => [i.json.phoneNumber, i.json.lastStatus])).toEqual([
				[phone(1), 'in-progress'],
			]);
		} finally {
			clock.mockRestore();
		}
	});

	it('keeps dialling after a restart when an execution loaded static data before the new process first saved', async () => {
		const db = new Database();
		const first = newProcess();
		await db.execute(first, 'release', START_MS, rows(1, 2));
		await db.execute(first, 'release', START_MS + 10_000, rows(1, 2));

		// n8n restarted: a callback and a tick start together, both load what the killed process saved
		const restarted = newProcess();
		const loadedByBoth = db.snapshot();
		const firstRun = await db.execute(restarted, 'release', START_MS + 20_000, rows(3, 4));
		expect(firstRun.output[0]).toHaveLength(2);
		const second = await db.execute(
			restarted,
			'release',
			START_MS + 30_000,
			rows(5, 5),
			loadedByBoth,
		);
		expect(second.output[0].map((i) => i.json.phoneNumber)).toEqual([phone(5)]);
		expect(second.hints.map((h) => h.message).join(' ')).not.toMatch(/two n8n processes/);

		// a later save by the killed process's id would be a second process (it cannot be the one restarted from)
		const third = await db.execute(restarted, 'release', START_MS + 40_000, rows(6, 6));
		expect(third.output[0]).toHaveLength(1);
	});

	it('pauses the campaign, with the reason in every hold, in stats and as a warning, when a second process changes it', async () => {
		const db = new Database();
		const workerA = newProcess();
		const workerB = newProcess();
		await db.execute(workerA, 'release', START_MS, rows(1, 2));
		expect(
			(await db.execute(workerA, 'release', START_MS + 10_000, rows(1, 2))).output[0],
		).toHaveLength(2);
		// worker B picks up the next tick: it has no memory of the campaign, so it starts from what A saved
		expect(
			(await db.execute(workerB, 'release', START_MS + 20_000, rows(3, 4))).output[0],
		).toHaveLength(2);

		// worker A runs again: B changed the campaign since A last did
		const held = await db.execute(workerA, 'release', START_MS + 30_000, rows(5, 8));
		expect(held.output[0]).toEqual([]);
		expect(held.output[1].map((i) => pacingOf(i).reason)).toEqual([
			'campaign_paused',
			'campaign_paused',
			'campaign_paused',
			'campaign_paused',
		]);
		expect(pacingOf(held.output[1][0]).message).toMatch(
			/^The campaign is paused: two n8n processes changed this campaign \(n8n queue mode with more than one worker/,
		);
		expect(held.hints.map((h) => h.message).join(' ')).toMatch(
			/Campaign "diwali" is paused: two n8n processes/,
		);

		// B, too, holds everything from now on
		expect((await db.execute(workerB, 'release', START_MS + 40_000, rows(5, 8))).output[0]).toEqual(
			[],
		);
		const stats = (await db.execute(workerB, 'getStats', START_MS + 41_000)).json[0];
		expect(stats).toMatchObject({
			paused: true,
			pausedBecause: expect.stringMatching(/^two n8n processes/),
		});
		expect((stats.totals as IDataObject).inFlight).toBeGreaterThanOrEqual(2);
	});

	it('dials again after Resume once one process is left', async () => {
		const db = new Database();
		const workerA = newProcess();
		const workerB = newProcess();
		await db.execute(workerA, 'release', START_MS, rows(1, 1));
		await db.execute(workerA, 'release', START_MS + 10_000, rows(1, 1));
		await db.execute(workerB, 'release', START_MS + 20_000, rows(2, 2));
		expect((await db.execute(workerA, 'release', START_MS + 30_000, rows(3, 3))).output[0]).toEqual(
			[],
		);

		// worker B is gone; the ops person resumes in the process that is left
		const resumed = await db.execute(workerA, 'resume', START_MS + 40_000);
		expect(resumed.json[0]).toMatchObject({ paused: false });
		const dialled = await db.execute(workerA, 'release', START_MS + 50_000, rows(3, 3));
		expect(dialled.output[0].map((i) => i.json.phoneNumber)).toEqual([phone(3)]);
		const stats = (await db.execute(workerA, 'getStats', START_MS + 51_000)).json[0];
		expect(stats).toMatchObject({ paused: false, pausedBecause: null });
	});

	it('a test run (manual mode) in another process does not pause the campaign', async () => {
		const db = new Database();
		const worker = newProcess();
		await db.execute(worker, 'release', START_MS, rows(1, 1));
		await db.execute(worker, 'release', START_MS + 10_000, rows(1, 1));
		const editor = newProcess();
		// n8n does not save a test run's static data
		await executeNode(editor, {
			mode: 'manual',
			workflowId: 'campaign-workflow',
			items: rows(2, 2),
			staticData: {},
			parameters: {
				operation: 'release',
				campaign: 'diwali',
				options: { currentTime: istIso(START_MS + 15_000), reconcile: false },
			},
		});
		const next = await db.execute(worker, 'release', START_MS + 20_000 + 2 * MIN, rows(2, 2));
		expect(next.output[0].map((i) => i.json.phoneNumber)).toEqual([phone(2)]);
	});

	describe('in queue mode (example 03): each run starts with empty static data, the campaign lives in a table row', () => {
		const queue = { settings: { queueMode: true } };
		/** n8n 2.41.1 in queue mode: a worker runs each execution with empty static data; the row is the only copy. */
		class QueueDatabase {
			row = '';
			/** One tick under the lock: Load State from the row, the node's operation, Save State into the row. */
			async tick(
				worker: INodeType,
				operation: string,
				at: number,
				items: IDataObject[],
				parameters: IDataObject = {},
			): Promise<ExecuteNodeResult> {
				const staticData: IDataObject = {};
				const run = async (op: string, input: IDataObject[], extra: IDataObject = {}) =>
					await executeNode(worker, {
						mode: 'trigger',
						workflowId: 'campaign-workflow',
						items: input,
						staticData,
						parameters: {
							operation: op,
							campaign: 'diwali',
							options: { currentTime: istIso(at), reconcile: false },
							...extra,
						},
					});
				await run('loadState', [{ state: this.row }]);
				const result = await run(operation, items, parameters);
				this.row = (await run('saveState', [{}])).json[0].state as string;
				return result;
			}
		}
		const phonesOf = (r: ExecuteNodeResult) => r.output[0].map((i) => i.json.phoneNumber as string);

		it('ticks on alternating workers never pause and never release a contact twice', async () => {
			const db = new QueueDatabase();
			const workerA = newProcess();
			const workerB = newProcess();
			const tick = (w: INodeType, at: number, from: number, to: number) =>
				db.tick(w, 'release', at, rows(from, to), queue);
			await tick(workerA, START_MS, 1, 2); // first run: saves the settings
			const t1 = await tick(workerA, START_MS + 10_000, 1, 2);
			const t2 = await tick(workerB, START_MS + 20_000, 1, 4);
			// A has its own state from t1 in memory; B's (t2, from the row) is newer and must be what A starts from
			const t3 = await tick(workerA, START_MS + 30_000, 1, 6);
			expect([phonesOf(t1), phonesOf(t2), phonesOf(t3)]).toEqual([
				[phone(1), phone(2)],
				[phone(3), phone(4)],
				[phone(5), phone(6)],
			]);
			for (const t of [t1, t2, t3])
				expect(t.hints.map((h) => h.message).join(' ')).not.toMatch(/two n8n processes/);
		});

		it('counts an outcome once whichever worker records it, a duplicate on the other worker included', async () => {
			const db = new QueueDatabase();
			const workerA = newProcess();
			const workerB = newProcess();
			await db.tick(workerA, 'release', START_MS, rows(1, 1), queue);
			const placed = await db.tick(workerA, 'release', START_MS + 10_000, rows(1, 1), queue);
			const custom = pacingOf(placed.output[0][0]).customField as string;
			const outcome = {
				callSid: 'sid-queue-1',
				status: 'completed',
				customField: custom,
				eventType: 'terminal',
			};
			// the callback (taken from the callback table by a tick) on worker B, its duplicate on worker A
			await db.tick(workerB, 'recordOutcome', START_MS + 40_000, [outcome]);
			await db.tick(workerA, 'recordOutcome', START_MS + 41_000, [outcome]);
			const stats = (await db.tick(workerB, 'getStats', START_MS + 42_000, [{}])).json[0];
			expect(stats).toMatchObject({ paused: false });
			expect(stats.totals).toMatchObject({ inFlight: 0, completed: 1 });
		});

		it('Load State refuses a row that is not a saved campaign, with a message saying what to give it', async () => {
			await expect(
				executeNode(newProcess(), {
					mode: 'trigger',
					workflowId: 'campaign-workflow',
					items: [{ state: '{"not":"a campaign"' }],
					staticData: {},
					parameters: { operation: 'loadState', campaign: 'diwali' },
				}),
			).rejects.toThrow(/The saved campaign in "state" cannot be read/);
		});
	});
});
