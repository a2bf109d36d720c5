import {
	NodeConnectionTypes,
	NodeOperationError,
	deepCopy,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodePropertyOptions,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import {
	buildPool,
	selectCallerId,
	type CallerIdPool,
	type CallerIdStrategy,
	type DiscoveredExoPhone,
	type RoundRobinCursors,
	type TableRow,
} from '../core/callerId';
import { CIRCLES, CIRCLE_CODES } from '../core/circles';
import { mapExophones } from '../core/exotel/mapping';
import { incomingPhoneNumbersRequest, nextIncomingPhoneNumbersPage } from '../core/exotel/requests';
import { exotelApiRequest, getExotelAccount } from '../transport/exotelApi';
import { itemFailed } from '../shared/errors';
import { checkOption } from '../shared/options';

/** Safety stop for a misbehaving pager: 50 pages of 100 ExoPhones is far beyond any real account. */
const MAX_EXOPHONE_PAGES = 50;

const CIRCLE_OPTIONS: INodePropertyOptions[] = CIRCLE_CODES.map((code) => ({
	name: `${code} – ${CIRCLES[code]}`,
	value: code,
}));

/** Static-data key (per node) holding the round-robin cursors: { [circle]: next index }. */
const CURSOR_KEY = 'roundRobinCursors';

const SOURCES = ['discover', 'table', 'both'] as const;
const WHEN_NO_MATCH = ['fallback', 'secondOutput'] as const;
const STRATEGIES: readonly CallerIdStrategy[] = ['roundRobin', 'random', 'first'];

export class ExotelCallerIdSelector implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Exotel Caller ID Selector',
		name: 'exotelCallerIdSelector',
		icon: { light: 'file:../../icons/exotel.svg', dark: 'file:../../icons/exotel.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ ($parameter["source"] === "table" ? "Table" : $parameter["source"] === "both" ? "Exotel + table" : "Exotel ExoPhones") + ", " + ($parameter["strategy"] === "first" ? "first number" : $parameter["strategy"] === "random" ? "random" : "round-robin") }}',
		description:
			"Pick an ExoPhone from the callee's own telecom circle as the caller ID (local numbers get answered more often)",
		defaults: { name: 'Exotel Caller ID Selector' },
		inputs: [NodeConnectionTypes.Main],
		// Two outputs only when unmatched items should go to their own branch.
		outputs: `={{ $parameter["whenNoMatch"] === "secondOutput" ? [{ "type": "main", "displayName": "Caller ID" }, { "type": "main", "displayName": "No Caller ID" }] : ["main"] }}`,
		usableAsTool: true,
		credentials: [
			{
				name: 'exotelApi',
				required: true,
				displayOptions: { show: { source: ['discover', 'both'] } },
			},
		],
		properties: [
			{
				displayName: 'Circle',
				name: 'circle',
				type: 'string',
				default: '={{ $json.circle }}',
				required: true,
				placeholder: 'MH',
				description:
					'The telecom circle of the number being called, as a two-letter code such as MH, DL or KA (the Exotel Number Lookup node puts it in the circle field). Full circle names also work.',
			},
			{
				displayName: 'ExoPhones From',
				name: 'source',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Exotel Account',
						value: 'discover',
						description:
							'Ask Exotel which ExoPhones the account has and which circle each belongs to (needs the Exotel credential)',
					},
					{
						name: 'Exotel Account, Table Overrides Per Circle',
						value: 'both',
						description:
							"Use the account's ExoPhones, but for each circle listed in the table use only the table's numbers",
					},
					{
						name: 'Table Below',
						value: 'table',
						description:
							'Use only the numbers typed into the table below; no Exotel credential needed',
					},
				],
				default: 'discover',
				description:
					'Where the list of ExoPhones per circle comes from. The account list is fetched once per run.',
			},
			{
				displayName: 'ExoPhones per Circle',
				name: 'circleNumbers',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true, sortable: true },
				placeholder: 'Add Circle',
				default: {},
				displayOptions: { show: { source: ['table', 'both'] } },
				description: 'Which ExoPhones to use for which circle',
				options: [
					{
						displayName: 'Circle',
						name: 'rows',
						values: [
							{
								displayName: 'Circle',
								name: 'circle',
								type: 'options',
								options: CIRCLE_OPTIONS,
								default: 'MH',
								description: 'The telecom circle these ExoPhones are used for',
							},
							{
								displayName: 'ExoPhones',
								name: 'numbers',
								type: 'string',
								default: '',
								placeholder: '02071171234, 02071175678',
								description:
									'One or more ExoPhones of your account, separated by commas, written the way Exotel shows them (e.g. 02071171234)',
							},
						],
					},
				],
			},
			{
				displayName: 'Pick Strategy',
				name: 'strategy',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'First Number',
						value: 'first',
						description: 'Always use the first ExoPhone of the circle',
					},
					{
						name: 'Random',
						value: 'random',
						description: 'Pick one of the circle’s ExoPhones at random for each item',
					},
					{
						name: 'Round-Robin',
						value: 'roundRobin',
						description:
							'Take the circle’s ExoPhones in turn, continuing where the previous run stopped (in active workflows)',
					},
				],
				default: 'roundRobin',
				description: 'Which ExoPhone to use when a circle has more than one',
			},
			{
				displayName: 'Use Neighbouring Circles',
				name: 'neighbourFallback',
				type: 'boolean',
				default: true,
				description:
					'Whether to use an ExoPhone from a neighbouring circle (e.g. UP East for UP West, Maharashtra for Mumbai) when the callee’s circle has none',
			},
			{
				displayName: 'When No ExoPhone Matches',
				name: 'whenNoMatch',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Send to "No Caller ID" Output',
						value: 'secondOutput',
						description: 'Route the item to a second output so you can handle it separately',
					},
					{
						name: 'Use a Fallback Caller ID',
						value: 'fallback',
						description: 'Use one fixed ExoPhone for every item without a match',
					},
				],
				default: 'secondOutput',
				description:
					'What to do with items whose circle (and its neighbours) has no ExoPhone, or whose circle is missing',
			},
			{
				displayName: 'Fallback Caller ID',
				name: 'fallbackCallerId',
				type: 'string',
				default: '',
				required: true,
				placeholder: '08047112233',
				displayOptions: { show: { whenNoMatch: ['fallback'] } },
				description: 'The ExoPhone to use when no circle-matched ExoPhone is found',
			},
			{
				displayName:
					'Round-robin continues across runs only in active (production) executions; manual test runs start from the first number each time',
				name: 'roundRobinNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { strategy: ['roundRobin'] } },
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const matched: INodeExecutionData[] = [];
		const unmatched: INodeExecutionData[] = [];

		const source = checkOption(
			this.getNode(),
			'ExoPhones From',
			this.getNodeParameter('source', 0, 'discover'),
			SOURCES,
			0,
		);
		const whenNoMatch = checkOption(
			this.getNode(),
			'When No ExoPhone Matches',
			this.getNodeParameter('whenNoMatch', 0, 'secondOutput'),
			WHEN_NO_MATCH,
			0,
		);
		const twoOutputs = whenNoMatch === 'secondOutput';

		// Round-robin cursors persist in this node's static data; work on a plain copy and write it back once.
		const staticData = this.getWorkflowStaticData('node');
		const stored = staticData[CURSOR_KEY];
		const cursors: RoundRobinCursors =
			stored && typeof stored === 'object' && !Array.isArray(stored)
				? { ...(stored as RoundRobinCursors) }
				: {};
		const cursorsBefore = JSON.stringify(cursors);

		// The account's ExoPhones are fetched at most once per execution, on first need.
		let discovery: Promise<DiscoveredExoPhone[]> | undefined;
		const discover = (itemIndex: number): Promise<DiscoveredExoPhone[]> => {
			discovery ??= fetchExoPhones(this, itemIndex);
			return discovery;
		};

		for (let i = 0; i < items.length; i++) {
			try {
				const rawCircle = this.getNodeParameter('circle', i, '') as unknown;
				const strategy = checkOption(
					this.getNode(),
					'Pick Strategy',
					this.getNodeParameter('strategy', i, 'roundRobin'),
					STRATEGIES,
					i,
				);
				const neighbourFallback = this.getNodeParameter('neighbourFallback', i, true) as boolean;
				const fallbackCallerId =
					whenNoMatch === 'fallback'
						? String(this.getNodeParameter('fallbackCallerId', i, '') ?? '').trim()
						: '';
				if (whenNoMatch === 'fallback' && !fallbackCallerId) {
					throw new NodeOperationError(this.getNode(), 'The Fallback Caller ID is empty', {
						itemIndex: i,
						description:
							'Enter an ExoPhone of your account in "Fallback Caller ID", or choose "Send to No Caller ID Output".',
					});
				}

				const table: TableRow[] =
					source === 'discover'
						? []
						: (((this.getNodeParameter('circleNumbers.rows', i, []) as IDataObject[]) ?? []).map(
								(row) => ({
									circle: String(row.circle ?? ''),
									numbers: String(row.numbers ?? ''),
								}),
							) as TableRow[]);
				const discovered = source === 'table' ? [] : await discover(i);
				const { pool } = buildPool(table, discovered);
				if (source === 'table' && isEmpty(pool)) {
					throw new NodeOperationError(this.getNode(), 'The ExoPhones per Circle table is empty', {
						itemIndex: i,
						description:
							'Add at least one circle with its ExoPhones, or take the ExoPhones from the Exotel account.',
					});
				}

				const selection = selectCallerId(
					rawCircle,
					pool,
					{ strategy, neighbourFallback, fallbackCallerId },
					cursors,
				);
				const json: IDataObject = {
					...deepCopy(items[i].json),
					callerId: selection.callerId,
					callerIdCircle: selection.callerIdCircle,
					callerIdReason: selection.callerIdReason,
				};
				const out: INodeExecutionData = { json, pairedItem: { item: i } };
				if (selection.callerId === null && twoOutputs) unmatched.push(out);
				else matched.push(out);
			} catch (error) {
				matched.push(itemFailed(this, items[i].json, i, error));
			}
		}

		if (JSON.stringify(cursors) !== cursorsBefore) staticData[CURSOR_KEY] = cursors;
		return twoOutputs ? [matched, unmatched] : [matched];
	}
}

function isEmpty(pool: CallerIdPool): boolean {
	return Object.values(pool).every((numbers) => !numbers || numbers.length === 0);
}

/** All pages of the account's ExoPhones (v2_beta IncomingPhoneNumbers), as number + circle. */
async function fetchExoPhones(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<DiscoveredExoPhone[]> {
	const account = await getExotelAccount.call(ctx, itemIndex);
	const found: DiscoveredExoPhone[] = [];
	let page: number | undefined = 0;
	for (let fetched = 0; page !== undefined && fetched < MAX_EXOPHONE_PAGES; fetched++) {
		const body: IDataObject = await exotelApiRequest.call(
			ctx,
			incomingPhoneNumbersRequest(account.accountSid, { page, pageSize: 100 }),
			{ account, itemIndex },
		);
		for (const phone of mapExophones(body))
			found.push({ number: phone.number, region: phone.region });
		page = nextIncomingPhoneNumbersPage(body as Parameters<typeof nextIncomingPhoneNumbersPage>[0]);
	}
	if (found.length === 0) {
		throw new NodeOperationError(ctx.getNode(), 'Exotel lists no ExoPhones for this account', {
			itemIndex,
			description:
				'Check the Account SID in the Exotel credential, or type the ExoPhones per circle into the table and choose "Table Below".',
		});
	}
	return found;
}
