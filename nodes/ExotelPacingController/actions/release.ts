/** Release: reconcile overdue calls, then decide which contacts to dial now (output 1), hold (output 2). */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type {
	CampaignState,
	ContactInput,
	HeldContact,
	Orphan,
	OutcomeInput,
	ReleasedCall,
	WriteBack,
} from '../../core/pacing';
import {
	baseRatePerMinute,
	ROW_WRITE_LEASE_MS,
	ADOPTED_WRITE_GRACE_MS,
	callsToReconcile,
	CHECK_NEXT_RUN,
	checkAtForHold,
	checkAtForWrite,
	queueRowWrite,
	rowsBeingWritten,
	releaseTick,
	findOrphans,
	firstRunOptions,
	firstRunWarning,
	isFinalHold,
	lookupRequestsAvailable,
	markReconcileRequested,
	matchOrphanCall,
	orphanMessage,
	orphanOutcome,
	orphanWriteBack,
	planOrphanLookups,
	recordOutcomes,
	runHoldMessage,
} from '../../core/pacing';
import type { NormalizedCall } from '../../core/exotel/mapping';
import { bulkCallDetailsRequest } from '../../core/exotel/requests';
import { mapBulkCalls } from '../../core/exotel/mapping';
import { toEpochMs } from '../../core/time';
import { exotelApiRequest, getExotelAccount } from '../../transport/exotelApi';
import { contactInput, isoOrEmpty, settingsFromParameters, writeBackFields } from '../fields';
import { itemParameterReader } from '../../shared/itemParameters';
import { checkOption } from '../../shared/options';
import { isFieldless } from '../../shared/noContact';
import type { LoadedCampaign } from '../store';
import { forEachCampaign } from './eachCampaign';

/** The Not Now output's values (description.ts). */
const NOT_NOW_OUTPUTS = ['everyContact', 'newlyFinal'] as const;
/** The Rows Read Each Run values (description.ts): the whole list, or only rows due (core/pacing/checkAt.ts). */
const ROWS_READ = ['everyRow', 'dueRows'] as const;

const CONTACT_FIELDS = [
	'phoneNumber',
	'circle',
	'dnd',
	'attempts',
	'lastStatus',
	'lastAttemptAt',
	'nextRetryAt',
	'lastCallSid',
	'refunded',
];

/** One bulk Call Details request for calls whose outcome is overdue; their row writes are queued. */
async function reconcile(
	ctx: IExecuteFunctions,
	campaign: LoadedCampaign,
	state: CampaignState,
	now: number,
	itemIndex: number,
): Promise<CampaignState> {
	const plan = callsToReconcile(state, now, campaign.settings);
	if (plan.callSids.length === 0) return state;
	const account = await getExotelAccount.call(ctx, itemIndex);
	const body = await exotelApiRequest.call(
		ctx,
		bulkCallDetailsRequest(account.accountSid, {
			sids: plan.callSids,
			pageSize: 100,
			details: true,
		}),
		{ account, itemIndex },
	);
	const found = new Map(mapBulkCalls(body).calls.map((c) => [c.callSid, c]));
	// Bulk Call Details leaves out calls still in progress, so a missing call is "not found (yet)".
	const outcomes: OutcomeInput[] = plan.callSids.map((sid) => {
		const call = found.get(sid);
		if (!call) return { callSid: sid, status: 'not-found', source: 'reconcile' };
		return {
			callSid: sid,
			status: call.status,
			at: toEpochMs(call.endTime ?? call.dateUpdated) ?? undefined,
			source: 'reconcile',
			conversationDuration: call.conversationDuration,
		};
	});
	const marked = markReconcileRequested(state, plan.callSids, now, campaign.settings);
	return recordOutcomes(marked, outcomes, now, campaign.settings).state;
}

/**
 * Rows whose call was placed as n8n stopped (no CallSid, lease over): asks Exotel for calls from or to their
 * numbers since then, as far as the reconciliation reserve allows, and writes what it finds (core/pacing/orphans.ts).
 */
async function lookUpOrphans(
	ctx: IExecuteFunctions,
	campaign: LoadedCampaign,
	state: CampaignState,
	orphans: Orphan[],
	now: number,
	itemIndexes: number[],
	warnings: string[],
): Promise<CampaignState> {
	const settings = campaign.settings;
	const itemIndex = itemIndexes[0];
	let account: Awaited<ReturnType<typeof getExotelAccount>>;
	try {
		account = await getExotelAccount.call(ctx, itemIndex);
	} catch (error) {
		warnings.push(`Looking up calls placed as n8n stopped failed: ${(error as Error).message}`);
		return state;
	}
	let available = lookupRequestsAvailable(state, now, settings);
	for (const group of planOrphanLookups(orphans, settings)) {
		if (available < group.requests) break;
		available -= group.requests;
		const calls: NormalizedCall[] = [];
		const dateCreated = { from: group.createdFrom, to: group.createdTo };
		// By CallSid; or by number, where the contact is From for calls connected to a flow, and may be To for calls
		// connecting two numbers.
		const filters = group.callSids
			? [{ sids: group.callSids }]
			: [
					{ from: group.numbers, dateCreated },
					{ to: group.numbers, dateCreated },
				];
		try {
			for (const filter of filters) {
				state = markReconcileRequested(state, [], now, settings);
				const request = bulkCallDetailsRequest(account.accountSid, {
					...filter,
					pageSize: 100,
					details: true,
				});
				calls.push(
					...mapBulkCalls(await exotelApiRequest.call(ctx, request, { account, itemIndex })).calls,
				);
			}
		} catch (error) {
			// the rows stay held and are looked up again next run
			warnings.push(`Looking up calls placed as n8n stopped failed: ${(error as Error).message}`);
			break;
		}
		const looked: Array<[Orphan, OutcomeInput]> = [];
		for (const orphan of group.orphans) {
			const outcome = orphanOutcome(orphan, matchOrphanCall(orphan, calls, settings));
			if (outcome) looked.push([orphan, outcome]);
		}
		const recorded = recordOutcomes(
			state,
			looked.map(([, o]) => o),
			now,
			settings,
		);
		state = recorded.state;
		recorded.results.forEach((r, i) => {
			const [orphan, outcome] = looked[i];
			queueRowWrite(state, orphanWriteBack(orphan, outcome, r, now, settings));
			warnings.push(`${orphan.contact}: ${orphanMessage(orphan, outcome, r)}`);
		});
	}
	return state;
}

/**
 * Before deciding: one bulk request for calls whose outcome is overdue, then the rows whose call was placed as n8n
 * stopped. Returns the state and the contacts held until they are looked up.
 */
async function catchUp(
	ctx: IExecuteFunctions,
	campaign: LoadedCampaign,
	contacts: ContactInput[],
	now: number,
	indexes: number[],
	warnings: string[],
): Promise<{ state: CampaignState; lookingUp?: Set<string> }> {
	let state = campaign.state;
	try {
		state = await reconcile(ctx, campaign, state, now, indexes[0]);
	} catch (error) {
		// A failed lookup must not stop dialling: the calls stay in flight and are asked about again.
		warnings.push(`Reconciliation with Exotel failed: ${(error as Error).message}`);
	}
	const orphans = findOrphans(state, contacts, now, campaign.settings);
	if (orphans.length === 0) return { state };
	// held until looked up, also when this run cannot (reserve used up, Exotel failing)
	const lookingUp = new Set(orphans.map((o) => o.contact));
	state = await lookUpOrphans(ctx, campaign, state, orphans, now, indexes, warnings);
	return { state, lookingUp };
}

/** Output 1: the contact's item, its row fields as written before dialling, and what Connect Call needs. */
function dialItem(
	item: INodeExecutionData,
	itemIndex: number,
	r: ReleasedCall,
	campaign: string,
	maxCallsPerMinute: number,
	dueRows: boolean,
): INodeExecutionData {
	return {
		json: {
			...item.json,
			// Written to the row BEFORE dialling, so a crash between dial and write-back cannot cause a re-dial.
			attempts: r.attempt,
			lastStatus: 'in-progress',
			lastAttemptAt: isoOrEmpty(r.placedAt),
			nextRetryAt: '',
			lastCallSid: '',
			pacing: {
				campaign,
				decision: 'dial',
				reason: r.reason,
				message: r.message,
				contact: r.contact,
				circle: r.circle,
				attempt: r.attempt,
				releasedAt: isoOrEmpty(r.releasedAt),
				sendAt: isoOrEmpty(r.sendAt),
				leaseUntil: isoOrEmpty(r.leaseUntil),
				customField: r.customField,
				// Connect Call keeps this per-minute cap across its runs (ExotelConnectCall/sendLogs.ts).
				maxCallsPerMinute,
				...(dueRows ? { checkAt: CHECK_NEXT_RUN } : {}),
			},
		},
		pairedItem: { item: itemIndex },
	};
}

/** Output 2: the contact's item and why it waits. */
function holdItem(
	item: INodeExecutionData,
	itemIndex: number,
	h: HeldContact,
	campaign: string,
	initialising: boolean,
	checkAt: number | undefined,
): INodeExecutionData {
	return {
		json: {
			...item.json,
			pacing: {
				campaign,
				decision: 'hold',
				reason: h.reason,
				message: runHoldMessage(h, initialising),
				retryAt: isoOrEmpty(h.retryAt),
				final: isFinalHold(h.reason),
				...(checkAt === undefined ? {} : { checkAt }),
			},
		},
		pairedItem: { item: itemIndex },
	};
}

/** Whether the row's Final column already says the contact is finished ("true", TRUE, true). */
function rowSaysFinal(value: unknown): boolean {
	return (
		String(value ?? '')
			.trim()
			.toLowerCase() === 'true'
	);
}

/** Output 3: a row write; the row's item when this run read the row, else the write alone. */
function rowUpdateItem(
	item: INodeExecutionData | undefined,
	itemIndex: number,
	wb: WriteBack,
	campaign: string,
	dueRows: boolean,
): INodeExecutionData {
	return {
		json: {
			...(item === undefined ? {} : item.json),
			...writeBackFields(wb),
			pacing: {
				campaign,
				decision: 'write',
				final: wb.final,
				...(dueRows ? { checkAt: checkAtForWrite(wb) } : {}),
			},
		},
		pairedItem: { item: itemIndex },
	};
}

export async function executeRelease(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const dial: INodeExecutionData[] = [];
	const hold: INodeExecutionData[] = [];
	const rowUpdates: INodeExecutionData[] = [];
	const read = itemParameterReader(ctx, items, [...CONTACT_FIELDS, 'rowFinal']);
	const options = {
		requireName: true,
		settings: (itemIndex: number) =>
			settingsFromParameters(ctx.getNodeParameter('settings', itemIndex, {}) as IDataObject),
		queueMode: (itemIndex: number) =>
			ctx.getNodeParameter('settings.queueMode', itemIndex, false) === true,
	};

	await forEachCampaign(ctx, items, options, async ({ campaign, indexes, now, turns }) => {
		const name = campaign.name;
		const first = indexes[0];
		// checked before anything is read or sent (shared/options.ts)
		const dueRows =
			checkOption(
				ctx.getNode(),
				'Rows Read Each Run',
				ctx.getNodeParameter('rowsRead', first, 'everyRow'),
				ROWS_READ,
				first,
			) === 'dueRows';
		const newlyFinalOnly =
			!dueRows &&
			checkOption(
				ctx.getNode(),
				'Not Now Output',
				ctx.getNodeParameter('notNowOutput', first, 'everyContact'),
				NOT_NOW_OUTPUTS,
				first,
			) === 'newlyFinal';
		const warnings = [...campaign.warnings];
		// Rows are read, and their items written, a slice at a time with the event loop's turns in between; the
		// decision is one synchronous step of the core (core/pacing/tick.ts).
		// An item without any field is no contact: what a read that found nothing emits with Always Output Data, so
		// Release still runs (hands out queued row writes, moves the breakers) when no row is due.
		const rows = indexes.filter((i) => !isFieldless(items[i].json));
		const contacts: ContactInput[] = await turns.map(rows, (i) => {
			const raw: Record<string, unknown> = {};
			for (const field of CONTACT_FIELDS) raw[field] = read(field, i);
			return contactInput(raw);
		});
		const { state, lookingUp } = (ctx.getNodeParameter('reconcile', first, true) as boolean)
			? await catchUp(ctx, campaign, contacts, now, indexes, warnings)
			: { state: campaign.state, lookingUp: undefined };
		// A campaign's first run releases nothing, so its settings are saved first (core/pacing/firstRun.ts).
		const initialising = campaign.isNew;
		await turns.pause();
		// Around Release: confirm the row writes the rows show, hold rows with a write still to show, mark the
		// released rows' Mark Dialling as sent, hand out the rest (core/pacing/rowWrites.ts).
		const result = releaseTick(state, contacts, now, campaign.settings, {
			rowNow: Date.now(),
			...(campaign.adoptedFrom ? { adoptedAt: campaign.adoptedFrom.at } : {}),
			includeHeld: true,
			finalHoldsOnly: newlyFinalOnly,
			...firstRunOptions(initialising),
			...(lookingUp ? { lookingUp } : {}),
		});
		warnings.push(...result.warnings);
		if (result.lostWrites) {
			warnings.push(
				`${result.lostWrites} row update(s) did not show in the sheet within ${ROW_WRITE_LEASE_MS / 60000} minutes ` +
					`(${ADOPTED_WRITE_GRACE_MS / 60000} minute for updates sent before n8n restarted); sent again where the row was read.`,
			);
		}
		await turns.pause();
		const rowOf = new Map(contacts.map((c, k) => [c.key, rows[k]]));
		for (const wb of result.rowWrites) {
			const itemIndex = rowOf.get(wb.contact);
			const item = itemIndex === undefined ? undefined : items[itemIndex];
			rowUpdates.push(rowUpdateItem(item, itemIndex ?? first, wb, name, dueRows));
		}
		if (initialising) warnings.push(firstRunWarning(name));

		const callsPerMinuteCap = Math.max(1, Math.floor(baseRatePerMinute(campaign.settings)));
		for (const r of result.released) {
			const itemIndex = rows[r.index];
			dial.push(dialItem(items[itemIndex], itemIndex, r, name, callsPerMinuteCap, dueRows));
		}
		// Only Rows Due: a held row being written keeps its checkAt, the write sets it (core/pacing/checkAt.ts); a
		// row that keeps its checkAt has nothing to write and is left out of Not Now (at 100,000 rows such items were
		// most of a tick's execution data, README "Long contact lists").
		const writePending = dueRows ? rowsBeingWritten(result) : undefined;
		const tickMs = campaign.settings.tickSeconds * 1000;
		await turns.each(result.holds.length, (k) => {
			const h = result.holds[k];
			const itemIndex = rows[h.index];
			if (newlyFinalOnly && rowSaysFinal(read('rowFinal', itemIndex))) return;
			const checkAt = writePending
				? checkAtForHold(h, writePending.has(h.contact), now, tickMs, {
						checkAt: items[itemIndex].json.checkAt,
						circleDegraded: result.state.circles[h.circle]?.weight !== undefined,
					})
				: undefined;
			if (writePending && checkAt === undefined) return;
			hold.push(holdItem(items[itemIndex], itemIndex, h, name, initialising, checkAt));
		});
		return { state: result.state, warnings };
	});
	return [dial, hold, rowUpdates];
}
