import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { normalizeCall } from '../core/exotel/mapping';
import { collectBulkCalls } from '../core/exotel/paging';
import { callDetailsRequest, parseSidList, type ExotelRequest } from '../core/exotel/requests';
import { exotelApiRequest, getExotelAccount } from '../transport/exotelApi';
import { asNodeError, itemFailed } from '../shared/errors';
import { checkOption, checkOptions } from '../shared/options';
import { DEFAULT_TIMEOUT_MS, optionsCollection, timeoutOption } from '../shared/properties';

const OPERATIONS = ['get', 'getAll'] as const;
/** The Status filter's values (Exotel's terminal statuses). */
const CALL_STATUSES = ['busy', 'canceled', 'completed', 'failed', 'no-answer'] as const;

export class ExotelCallDetails implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Exotel Call Details',
		name: 'exotelCallDetails',
		icon: { light: 'file:../../icons/exotel.svg', dark: 'file:../../icons/exotel.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] === "getAll" ? "Get many calls" : "Get a call"}}',
		description: 'Get the status, durations, legs and price of Exotel calls',
		defaults: { name: 'Exotel Call Details' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'exotelApi', required: true }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Get',
						value: 'get',
						action: 'Get a call',
						description: 'Get one call by its Call SID, with conversation time and per-leg details',
					},
					{
						name: 'Get Many',
						value: 'getAll',
						action: 'Get many calls',
						description:
							'Get finished calls by Call SIDs, date range and status (ongoing calls are not listed by Exotel)',
					},
				],
				default: 'get',
			},
			{
				displayName: 'Call SID',
				name: 'callSid',
				type: 'string',
				required: true,
				default: '={{ $json.callSid }}',
				placeholder: 'c5797dcbaaeed7678c4062a4a3ed2f8a',
				description:
					'The Sid Exotel returned when the call was placed (Connect Call outputs it as callSid)',
				displayOptions: { show: { operation: ['get'] } },
			},
			{
				displayName: 'Call SIDs',
				name: 'callSids',
				type: 'string',
				default: '',
				placeholder: 'sid1, sid2, sid3',
				description:
					'Comma-separated Call SIDs, or an expression returning an array. Any number is fine: they are fetched 100 at a time. Leave empty to list by date and status only. Without a date range Exotel searches the last 31 days.',
				displayOptions: { show: { operation: ['getAll'] } },
			},
			{
				displayName: 'Return All',
				name: 'returnAll',
				type: 'boolean',
				default: false,
				description: 'Whether to return all results or only up to a given limit',
				displayOptions: { show: { operation: ['getAll'] } },
			},
			{
				displayName: 'Limit',
				name: 'limit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				description: 'Max number of results to return',
				displayOptions: { show: { operation: ['getAll'], returnAll: [false] } },
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				displayOptions: { show: { operation: ['getAll'] } },
				options: [
					{
						displayName: 'Created After',
						name: 'dateFrom',
						type: 'dateTime',
						default: '',
						description:
							'Only calls created at or after this time (India time). Exotel keeps 6 months and allows at most a 1-month range.',
					},
					{
						displayName: 'Created Before',
						name: 'dateTo',
						type: 'dateTime',
						default: '',
						description:
							'Only calls created at or before this time (India time); a bare date includes the whole day',
					},
					{
						displayName: 'Status',
						name: 'status',
						type: 'multiOptions',
						options: [
							{ name: 'Busy', value: 'busy' },
							{ name: 'Canceled', value: 'canceled' },
							{ name: 'Completed', value: 'completed' },
							{ name: 'Failed', value: 'failed' },
							{ name: 'No Answer', value: 'no-answer' },
						],
						default: [],
						description: 'Only calls that ended with one of these statuses',
					},
				],
			},
			optionsCollection([timeoutOption()]),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		const account = await getExotelAccount.call(this);

		for (let i = 0; i < items.length; i++) {
			try {
				const operation = checkOption(
					this.getNode(),
					'Operation',
					this.getNodeParameter('operation', i),
					OPERATIONS,
					i,
				);
				const timeout = this.getNodeParameter('options.timeout', i, DEFAULT_TIMEOUT_MS) as number;
				const fetch = async (request: ExotelRequest) =>
					await exotelApiRequest.call(this, request, { account, itemIndex: i, timeout });

				if (operation === 'get') {
					const callSid = String(this.getNodeParameter('callSid', i) ?? '').trim();
					let request: ExotelRequest;
					try {
						request = callDetailsRequest(account.accountSid, callSid);
					} catch (e) {
						throw new NodeOperationError(this.getNode(), (e as Error).message, { itemIndex: i });
					}
					const body = await fetch(request);
					const raw = (body.Call ?? body) as IDataObject;
					const call = normalizeCall(raw);
					// Reconciliation counts what this returns for the CallSid it asked about: another call's details
					// (a proxy's cache, a garbled answer) must not be counted as this call's outcome.
					if (call.callSid.toLowerCase() !== callSid.toLowerCase()) {
						throw new NodeOperationError(
							this.getNode(),
							`Exotel answered with the details of another call (asked for ${callSid}, got ${JSON.stringify(call.callSid.slice(0, 40))})`,
							{
								description:
									'Nothing was taken from this answer. Check any proxy or cache between n8n and Exotel, then run it again.',
								itemIndex: i,
							},
						);
					}
					returnData.push({
						json: { ...call, exotelResponse: raw } as unknown as IDataObject,
						pairedItem: { item: i },
					});
					continue;
				}

				const returnAll = this.getNodeParameter('returnAll', i, false) as boolean;
				const limit = returnAll ? Infinity : (this.getNodeParameter('limit', i, 50) as number);
				const filters = this.getNodeParameter('filters', i, {}) as IDataObject;
				const sids = parseSidList(this.getNodeParameter('callSids', i, ''));
				const status =
					filters.status === undefined || filters.status === ''
						? []
						: checkOptions(this.getNode(), 'Status', filters.status, CALL_STATUSES, i);
				let results;
				try {
					results = await collectBulkCalls(
						fetch,
						account.accountSid,
						{
							sids,
							status,
							dateCreated: { from: filters.dateFrom as string, to: filters.dateTo as string },
						},
						{ limit },
					);
				} catch (e) {
					throw asNodeError(this.getNode(), e, i);
				}
				for (const r of results) {
					returnData.push({
						json: { ...r.call, exotelResponse: r.raw } as unknown as IDataObject,
						pairedItem: { item: i },
					});
				}
			} catch (error) {
				returnData.push(itemFailed(this, items[i].json, i, error));
			}
		}
		return [returnData];
	}
}
