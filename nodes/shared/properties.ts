import type { INodeProperties } from 'n8n-workflow';

/** How long one Exotel request may take unless Options → Timeout says otherwise (transport/exotelApi.ts bounds it). */
export const DEFAULT_TIMEOUT_MS = 30000;

/** The "Options" collection a node's parameters end with: what a user rarely needs to change. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	};
}

/**
 * Options → Timeout (Ms), read as `options.timeout` and passed to exotelApiRequest for each request. A new object per
 * call, so no two node descriptions share one (n8n may adjust a description it loads).
 */
export function timeoutOption(): INodeProperties {
	return {
		displayName: 'Timeout (Ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: DEFAULT_TIMEOUT_MS,
		description: 'How long to wait for Exotel per request before giving up or retrying',
	};
}
