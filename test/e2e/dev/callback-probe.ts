/**
 * Dev probe: callbacks/s of a bare Webhook → No Op against the Exotel Status Trigger → No Op (and variants) in one
 * n8n, same bodies, same load, interleaved. Env: N (callbacks per burst, 300), INFLIGHT (20), ROUNDS (2),
 * PROF=1 (n8n runs with --cpu-prof; profiles stay in the kept user folder).
 */
import { fireConcurrent, withN8n } from '../harness';
import type { Json } from '../harness/json';

const SECRET = 'a-very-long-test-secret-123';

function body(i: number): Json {
	return {
		CallSid: `probe${Date.now()}${i}`,
		EventType: 'terminal',
		Status: 'completed',
		DateCreated: '2026-12-06 10:00:00',
		DateUpdated: '2026-12-06 10:01:00',
		From: '09876543210',
		To: '08012345678',
		PhoneNumberSid: '08033334444',
		Direction: 'outbound-api',
		StartTime: '2026-12-06 10:00:01',
		EndTime: '2026-12-06 10:01:00',
		ConversationDuration: '40',
		RecordingUrl: '',
		CustomField: 'x',
		Legs: [{ Status: 'completed', OnCallDuration: 40 }],
	};
}

function wf(name: string, trigger: Json, settings: Json): Json {
	return {
		name,
		nodes: [
			trigger,
			{
				parameters: {},
				name: 'No Op',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [220, 0],
			},
		],
		connections: { [trigger.name]: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
		settings,
	};
}

async function main(): Promise<void> {
	const N = Number(process.env.N ?? 300);
	const IN_FLIGHT = Number(process.env.INFLIGHT ?? 20);
	const ROUNDS = Number(process.env.ROUNDS ?? 2);
	const exampleSettings = { executionOrder: 'v1', timezone: 'Asia/Kolkata', executionTimeout: 240 };
	const plain = { executionOrder: 'v1' };
	await withN8n(
		{
			keepUserFolder: !!process.env.PROF,
			env: {
				...(process.env.PROF ? { NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/n8nprof' } : {}),
				...Object.fromEntries(
					(process.env.N8N_ENV ?? '')
						.split(',')
						.filter(Boolean)
						.map((kv) => kv.split('=')),
				),
			},
		},
		async (n8n) => {
			const variants: Array<{ label: string; path: string; wf: Json; query?: Json }> = [];
			const webhook = (label: string, settings: Json): void => {
				const path = `probe-${label}`;
				const node = {
					parameters: { httpMethod: 'POST', path, options: {} },
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: path,
				};
				variants.push({ label, path, wf: wf(label, node, settings) });
			};
			const trigger = (label: string, settings: Json): void => {
				const id = `1111${label.length}aaa-bbbb-4ccc-8ddd-${String(variants.length).padStart(12, '0')}`;
				const node = {
					parameters: { secret: SECRET, events: 'terminal' },
					name: 'Exotel Status Trigger',
					type: 'n8n-nodes-exotel-campaigns.exotelStatusTrigger',
					typeVersion: Number(process.env.TV ?? 2),
					position: [0, 0],
					webhookId: id,
				};
				variants.push({
					label,
					path: `${id}/exotel-status`,
					wf: wf(label, node, settings),
					query: { secret: SECRET },
				});
			};
			webhook('webhook-plain', plain);
			trigger('trigger-plain', plain);
			webhook('webhook-example-settings', exampleSettings);
			trigger('trigger-example-settings', exampleSettings);
			const only = process.env.ONLY;
			if (only)
				variants.splice(0, variants.length, ...variants.filter((v) => v.label.startsWith(only)));
			for (const v of variants) {
				await n8n.client.importWorkflow(v.wf, { activate: true });
				await n8n.client.waitForWebhook(v.path, body(0), { waitMs: 10_000, query: v.query });
			}
			const rates = new Map<string, number[]>();
			for (let r = 0; r < ROUNDS; r++) {
				const order = r % 2 === 0 ? variants : [...variants].reverse();
				for (const v of order) {
					await new Promise((res) => setTimeout(res, 3000));
					const res = await fireConcurrent(N, IN_FLIGHT, async (i) => {
						const answer = await n8n.client.webhook(v.path, body(i), { query: v.query });
						if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
					});
					const perS = (N * 1000) / res.wallMs;
					rates.set(v.label, [...(rates.get(v.label) ?? []), perS]);
					console.log(
						`round ${r + 1} ${v.label}: ${perS.toFixed(1)}/s, errors ${res.errors.length}`,
					);
				}
			}
			for (const [label, list] of rates)
				console.log(`${label}: ${list.map((x) => x.toFixed(1)).join(', ')}`);
		},
	);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
