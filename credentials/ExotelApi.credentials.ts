import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Exotel API key + token (HTTP basic auth), the account SID that appears in every path, and the cluster
 * (data centre) the account lives in. "Custom" points the nodes at another base URL, e.g. the local simulator.
 */
export class ExotelApi implements ICredentialType {
	name = 'exotelApi';

	displayName = 'Exotel API';

	documentationUrl = 'https://developer.exotel.com/api/';

	icon = 'file:exotel.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The API key from the Exotel dashboard: Settings → API Settings (my.exotel.com or my.in.exotel.com). Used as the basic-auth username.',
		},
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API token shown next to the API key. Used as the basic-auth password.',
		},
		{
			displayName: 'Account SID',
			name: 'accountSid',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'yourcompany1',
			description: 'Your Exotel account SID, shown on the same API Settings page. Every API path contains it.',
		},
		{
			displayName: 'Cluster',
			name: 'cluster',
			type: 'options',
			options: [
				{
					name: 'Singapore (api.exotel.com)',
					value: 'singapore',
					description: 'Accounts whose dashboard is my.exotel.com',
				},
				{
					name: 'Mumbai (api.in.exotel.com)',
					value: 'mumbai',
					description: 'Accounts whose dashboard is my.in.exotel.com',
				},
				{
					name: 'Custom Base URL',
					value: 'custom',
					description: 'Another API host, e.g. a local Exotel simulator for testing',
				},
			],
			default: 'singapore',
			description:
				'The Exotel data centre your account lives in. Check the address of your Exotel dashboard: my.in.exotel.com means Mumbai.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4010',
			description: 'Scheme, host and port of the API, without a path (the nodes add /v1/Accounts/…)',
			displayOptions: { show: { cluster: ['custom'] } },
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: {
				username: '={{$credentials.apiKey}}',
				password: '={{$credentials.apiToken}}',
			},
		},
	};

	// A number lookup is cheap, authenticated and available on every account; it fails with 401/403 on bad keys/SID.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.cluster === "custom" ? String($credentials.baseUrl).trim().replace(/\\/+$/, "") : ($credentials.cluster === "mumbai" ? "https://api.in.exotel.com" : "https://api.exotel.com")}}',
			url: '=/v1/Accounts/{{$credentials.accountSid}}/Numbers/09876543210.json',
			method: 'GET',
		},
	};
}
