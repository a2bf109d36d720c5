/** Calls a webhook trigger's webhook() with a minimal fake n8n context; what a test needs of n8n's webhook phase. */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

export interface FakeRequest {
	body: unknown;
	query: IDataObject;
	headers: IDataObject;
	rawBody?: Buffer;
}

/** The trigger's answer, and the status code and body it sent (undefined when it sent none). */
export async function callWebhook(
	trigger: { webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> },
	req: FakeRequest,
	params: IDataObject,
): Promise<{ out: IWebhookResponseData; code: number | undefined; sent: unknown }> {
	let code: number | undefined;
	let sent: unknown;
	const res = {
		status(c: number) {
			code = c;
			return res;
		},
		send(body: unknown) {
			sent = body;
			return res;
		},
		end: () => res,
	};
	const context = {
		getNodeParameter: (name: string, fallback?: unknown) =>
			name in params ? params[name] : fallback,
		getBodyData: () => req.body,
		getQueryData: () => req.query,
		getHeaderData: () => req.headers,
		getRequestObject: () => ({ ...req }),
		getResponseObject: () => res,
		getNode: () => ({
			id: 'n1',
			name: 'Exotel Status Trigger',
			type: 'exotelStatusTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: params,
		}),
		getMode: () => 'webhook',
		getWorkflowStaticData: () => ({}),
		helpers: {},
	} as unknown as IWebhookFunctions;
	const out = await trigger.webhook.call(context);
	return { out, code, sent };
}
