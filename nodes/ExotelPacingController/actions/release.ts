/** Release: reconcile overdue calls, then decide which contacts to dial now (output 1), hold (output 2). */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CampaignState, ContactInput, Orphan, OutcomeInput } from '../../core/pacing';
import {
	baseRatePerMinute,
	ROW_WRITE_LEASE_MS,
	ADOPTED_WRITE_GRACE_MS,
	callsToReconcile,
	queueRowWrite,
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
import { groupByCampaign, itemParameterReader } from '../params';
import type { LoadedCampaign } from '../store';
import { loadCampaign, resolveNow, saveCampaigns } from '../store';

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

export async function executeRelease(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const dial: INodeExecutionData[] = [];
	const hold: INodeExecutionData[] = [];
	const rowUpdates: INodeExecutionData[] = [];
	const read = itemParameterReader(ctx, items, CONTACT_FIELDS);
	const changes: Array<[LoadedCampaign, CampaignState]> = [];
	const hints: string[] = [];

	for (const [name, indexes] of groupByCampaign(ctx, items)) {
		const first = indexes[0];
		if (!name)
			throw new NodeOperationError(ctx.getNode(), 'Campaign is empty', { itemIndex: first });
		const now = resolveNow(ctx, first);
		const partial = settingsFromParameters(
			ctx.getNodeParameter('settings', first, {}) as IDataObject,
		);
		const campaign = loadCampaign(ctx, name, now, partial, first);
		let state = campaign.state;
		const warnings = [...campaign.warnings];

		const contacts: ContactInput[] = indexes.map((i) => {
			const raw: Record<string, unknown> = {};
			for (const field of CONTACT_FIELDS) raw[field] = read(field, i);
			return contactInput(raw);
		});
		let lookingUp: Set<string> | undefined;
		if (ctx.getNodeParameter('reconcile', first, true) as boolean) {
			try {
				state = await reconcile(ctx, campaign, state, now, first);
			} catch (error) {
				// A failed lookup must not stop dialling: the calls stay in flight and are asked about again.
				warnings.push(`Reconciliation with Exotel failed: ${(error as Error).message}`);
			}
			const orphans = findOrphans(state, contacts, now, campaign.settings);
			if (orphans.length) {
				// held until looked up, also when this run cannot (reserve used up, Exotel failing)
				lookingUp = new Set(orphans.map((o) => o.contact));
				state = await lookUpOrphans(ctx, campaign, state, orphans, now, indexes, warnings);
			}
		}
		// A campaign's first run releases nothing, so its settings are saved first (core/pacing/firstRun.ts).
		const initialising = campaign.isNew;
		// Around Release: confirm the row writes the rows show, hold rows with a write still to show, mark the
		// released rows' Mark Dialling as sent, hand out the rest (core/pacing/rowWrites.ts).
		const result = releaseTick(state, contacts, now, campaign.settings, {
			rowNow: Date.now(),
			...(campaign.adoptedFrom ? { adoptedAt: campaign.adoptedFrom.at } : {}),
			includeHeld: true,
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
		const nextState = result.state;
		const rowOf = new Map(contacts.map((c, k) => [c.key, indexes[k]]));
		for (const wb of result.rowWrites) {
			const itemIndex = rowOf.get(wb.contact);
			rowUpdates.push({
				json: {
					...(itemIndex === undefined ? {} : items[itemIndex].json),
					...writeBackFields(wb),
					pacing: { campaign: name, decision: 'write', final: wb.final },
				},
				pairedItem: { item: itemIndex ?? first },
			});
		}
		if (initialising) warnings.push(firstRunWarning(name));

		const callsPerMinuteCap = Math.max(1, Math.floor(baseRatePerMinute(campaign.settings)));
		for (const r of result.released) {
			const itemIndex = indexes[r.index];
			dial.push({
				json: {
					...items[itemIndex].json,
					// Written to the row BEFORE dialling, so a crash between dial and write-back cannot cause a re-dial.
					attempts: r.attempt,
					lastStatus: 'in-progress',
					lastAttemptAt: isoOrEmpty(r.placedAt),
					nextRetryAt: '',
					lastCallSid: '',
					pacing: {
						campaign: name,
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
						maxCallsPerMinute: callsPerMinuteCap,
					},
				},
				pairedItem: { item: itemIndex },
			});
		}
		for (const h of result.holds) {
			const itemIndex = indexes[h.index];
			hold.push({
				json: {
					...items[itemIndex].json,
					pacing: {
						campaign: name,
						decision: 'hold',
						reason: h.reason,
						message: runHoldMessage(h, initialising),
						retryAt: isoOrEmpty(h.retryAt),
						final: isFinalHold(h.reason),
					},
				},
				pairedItem: { item: itemIndex },
			});
		}
		changes.push([campaign, nextState]);
		hints.push(...warnings);
	}
	saveCampaigns(ctx, changes);
	for (const message of hints)
		ctx.addExecutionHints({ message, type: 'warning', location: 'outputPane' });
	return [dial, hold, rowUpdates];
}
