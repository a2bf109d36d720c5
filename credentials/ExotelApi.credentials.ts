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

	icon = 'file:../icons/exotel.svg' as const;

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
			description:
				'Your Exotel account SID, shown on the same API Settings page. Every API path contains it.',
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
			description:
				'Scheme, host and port of the API, without a path (the nodes add /v1/Accounts/…)',
			displayOptions: { show: { cluster: ['custom'] } },
		},
		{
			displayName: 'Allow Unencrypted HTTP (Testing Only)',
			name: 'allowUnencryptedHttp',
			type: 'boolean',
			default: false,
			description:
				'Whether to allow an http:// Base URL on another machine. The API token then crosses the network in clear text. http:// to this machine (localhost, 127.x.x.x, [::1]) is always allowed.',
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
	// The base URL is resolved as resolveBaseUrl in nodes/core/exotel/requests.ts does (test/nodes/credentials.test.ts
	// checks both agree); a refused URL becomes an unresolvable `.invalid` host that names the problem.
	test: ICredentialTestRequest = {
		request: {
			baseURL: String.raw`={{(() => { const c = $credentials; if (c.cluster === "mumbai") return "https://api.in.exotel.com"; if (c.cluster !== "custom") return "https://api.exotel.com"; const raw = String(c.baseUrl == null ? "" : c.baseUrl).trim(); if (!raw) return "https://custom-base-url-missing.invalid"; const u = (/^https?:\/\//i.test(raw) ? raw : "https://" + raw).replace(/\/+$/, ""); if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u)) return "https://remove-user-and-password-from-base-url.invalid"; if (/^http:/i.test(u) && c.allowUnencryptedHttp !== true && !/^http:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d*)?([/?#]|$)/i.test(u)) return "https://use-https-or-allow-unencrypted-http.invalid"; return u; })()}}`,
			url: '=/v1/Accounts/{{$credentials.accountSid}}/Numbers/09876543210.json',
			method: 'GET',
		},
	};
}
