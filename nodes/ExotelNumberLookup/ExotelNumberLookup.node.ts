import {
	NodeConnectionTypes,
	NodeOperationError,
	deepCopy,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { mapNumberMetadata } from '../core/exotel/mapping';
import { numberMetadataRequest } from '../core/exotel/requests';
import { normalizeIndianPhone } from '../core/phone';
import { exotelApiRequest, getExotelAccount } from '../transport/exotelApi';
import { itemFailed } from '../shared/errors';
import { itemParameterReader } from '../shared/itemParameters';
import { DEFAULT_TIMEOUT_MS, optionsCollection, timeoutOption } from '../shared/properties';
import { isFieldless } from '../shared/noContact';

const TWO_OUTPUTS = [
	{ type: 'main', displayName: 'All Items' },
	{ type: 'main', displayName: 'Looked Up Now' },
];

export class ExotelNumberLookup implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Exotel Number Lookup',
		name: 'exotelNumberLookup',
		icon: { light: 'file:../../icons/exotel.svg', dark: 'file:../../icons/exotel.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: 'Circle, operator and DND',
		description:
			'Look up the telecom circle, operator, number type and DND status of Indian phone numbers',
		defaults: { name: 'Exotel Number Lookup' },
		inputs: [NodeConnectionTypes.Main],
		// A second output on request: the items looked up with Exotel in this run (e.g. to write them back), so no
		// Filter node has to evaluate an expression for every row of a long sheet.
		outputs: `={{ $parameter.lookedUpOutput === true ? ${JSON.stringify(TWO_OUTPUTS)} : ["main"] }}`,
		usableAsTool: true,
		credentials: [{ name: 'exotelApi', required: true }],
		properties: [
			{
				displayName: 'Phone Number',
				name: 'phoneNumber',
				type: 'string',
				default: '={{ $json.phone }}',
				required: true,
				placeholder: '+919876543210',
				description:
					'The Indian number to look up, in any usual form (+91 98765 43210, 09876543210, 9876543210). It is output as +91XXXXXXXXXX in the phoneNumber field.',
			},
			{
				displayName: 'Skip Items That Already Have a Circle',
				name: 'skipIfCircle',
				type: 'boolean',
				default: true,
				description:
					'Whether to skip the Exotel lookup for items whose circle field is already filled (only the phone number is normalised). Saves API calls when a sheet is processed again.',
			},
			{
				displayName: 'Add Output for Items Looked Up Now',
				name: 'lookedUpOutput',
				type: 'boolean',
				default: false,
				description:
					'Whether to add a second output, Looked Up Now, with only the items this run looked up with Exotel (e.g. to write them back to the sheet). The first output keeps every item.',
			},
			optionsCollection([timeoutOption()]),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		const lookedUpNow: INodeExecutionData[] = [];
		const withLookedUpOutput = this.getNodeParameter('lookedUpOutput', 0, false) === true;
		const account = await getExotelAccount.call(this);
		// The same number often appears more than once in a sheet: ask Exotel once per execution.
		const cache = new Map<string, Promise<IDataObject>>();

		// A sheet's rows pass here every tick, most with their circle already known: no expression per row for them.
		const read = itemParameterReader(this, items, [
			'phoneNumber',
			'skipIfCircle',
			'options.timeout',
		]);

		for (let i = 0; i < items.length; i++) {
			if (isFieldless(items[i].json)) {
				// No contact: what a read that found no row emits with Always Output Data (examples/04). It goes on as
				// it came, so the tick still reaches Release (which runs with no rows).
				returnData.push({ json: items[i].json, pairedItem: { item: i } });
				continue;
			}
			try {
				const input = read('phoneNumber', i);
				const skipIfCircle = read('skipIfCircle', i, true) as boolean;
				const timeout = read('options.timeout', i, DEFAULT_TIMEOUT_MS) as number;
				const json = items[i].json;

				const phone = normalizeIndianPhone(input);
				if (!phone.ok) {
					throw new NodeOperationError(this.getNode(), phone.message, {
						itemIndex: i,
						description:
							'Fix the number at its source (e.g. the sheet row), or filter such rows out before this node.',
					});
				}

				const existingCircle = json.circle;
				if (
					skipIfCircle &&
					existingCircle !== undefined &&
					existingCircle !== null &&
					String(existingCircle).trim() !== ''
				) {
					// A row that already holds this output (a sheet after its first pass) goes on as it came, like a
					// No Op: n8n then keeps one copy of it in memory and in the execution data, not two.
					returnData.push({
						json:
							json.phoneNumber === phone.e164
								? json
								: { ...deepCopy(json), phoneNumber: phone.e164 },
						pairedItem: { item: i },
					});
					continue;
				}

				let pending = cache.get(phone.digits10);
				if (pending === undefined) {
					pending = exotelApiRequest.call(
						this,
						numberMetadataRequest(account.accountSid, phone.national),
						{
							account,
							itemIndex: i,
							timeout,
						},
					);
					cache.set(phone.digits10, pending);
				}
				const body = await pending;
				const fields = mapNumberMetadata(body, { phoneNumber: phone.e164 });
				returnData.push({ json: { ...deepCopy(json), ...fields }, pairedItem: { item: i } });
				if (withLookedUpOutput)
					lookedUpNow.push({ json: { ...deepCopy(json), ...fields }, pairedItem: { item: i } });
			} catch (error) {
				// Thrown with the index of *this* item even when the failed request was shared with an earlier one.
				returnData.push(itemFailed(this, items[i].json, i, error));
			}
		}
		return withLookedUpOutput ? [returnData, lookedUpNow] : [returnData];
	}
}
