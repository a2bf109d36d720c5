/** Calls a webhook trigger's webhook() with a minimal fake n8n context; what a test needs of n8n's webhook phase. */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

export interface FakeRequest {
	body: unknown;
	query: IDataObject;
	headers: IDataObject;
	rawBody?: Buffer;
}

/** The trigger's answer, and the status code it set on the response (undefined when it set none). */
export async function callWebhook(
	trigger: { webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> },
	req: FakeRequest,
	params: IDataObject,
): Promise<{ out: IWebhookResponseData; code: number | undefined }> {
	let code: number | undefined;
	const res = {
		status(c: number) {
			code = c;
			return res;
		},
		send: () => res,
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
	return { out, code };
}
