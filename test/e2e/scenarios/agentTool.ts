/**
 * Connect Call as an AI Agent tool in a real n8n (README "AI agents"): n8n's own AI Agent and OpenAI Chat Model
 * nodes, the model being a scripted one at OpenAI's wire protocol (test/e2e/openai/chatModel.ts) that calls the
 * phone-call tool with the number the user typed. The package's Connect Call Tool (the variant n8n makes of every
 * `usableAsTool` node) must refuse while "Allow the AI Agent to Place Calls" is off and place exactly one call,
 * to that number, once it is on. The Exotel side is the simulator (ledger = ground truth).
 */
import { startSimulator } from '../../../simulator';
import { normalizeIndianPhone } from '../../../nodes/core/phone';
import { startChatModel } from '../openai/chatModel';
import type { Checks } from '../lib/runner';
import type { E2eContext } from '../lib/context';
import type { Json } from '../harness/json';

const PKG = 'n8n-nodes-exotel-campaigns';
const NUMBER = '+919810000010';

function agentWorkflow(
	path: string,
	allow: boolean,
	exotelCredentialId: string,
	openAiCredentialId: string,
): Json {
	return {
		name: `E2E agent tool (allow ${allow})`,
		nodes: [
			{
				parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: path,
			},
			{
				parameters: { promptType: 'define', text: '={{ $json.body.prompt }}', options: {} },
				name: 'AI Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: 3,
				position: [220, 0],
			},
			{
				parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, options: {} },
				name: 'OpenAI Chat Model',
				type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
				typeVersion: 1.2,
				position: [160, 220],
				credentials: { openAiApi: { id: openAiCredentialId, name: 'OpenAI (scripted)' } },
			},
			{
				parameters: {
					allowAgentCalls: allow,
					variant: 'flow',
					flow: '234567',
					from: "={{ $fromAI('phoneNumber', 'The phone number the user asked to call', 'string') }}",
					callerId: '02040000001',
				},
				name: 'Exotel Connect Call',
				type: `${PKG}.exotelConnectCallTool`,
				typeVersion: 1,
				position: [380, 220],
				credentials: { exotelApi: { id: exotelCredentialId, name: 'Exotel (simulator)' } },
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			'OpenAI Chat Model': {
				ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
			},
			'Exotel Connect Call': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

export async function agentTool(ctx: E2eContext, checks: Checks): Promise<void> {
	const { n8n, log } = ctx;
	const sim = await startSimulator({ seed: 31 });
	ctx.shared.simulators.push(sim);
	const model = await startChatModel();
	try {
		const exotel = await n8n.client.createCredential({
			name: 'Exotel (simulator)',
			type: 'exotelApi',
			data: {
				apiKey: 'sim-key',
				apiToken: 'sim-token',
				accountSid: 'simaccount',
				cluster: 'custom',
				baseUrl: sim.url,
				allowUnencryptedHttp: false,
				allowedHttpRequestDomains: 'all',
			},
		});
		const openAi = await n8n.client.createCredential({
			name: 'OpenAI (scripted)',
			type: 'openAiApi',
			data: { apiKey: 'sk-scripted-model', url: model.baseUrl, header: false },
		});
		const expected = normalizeIndianPhone(NUMBER);
		for (const allow of [false, true]) {
			const path = `e2e-agent-${allow ? 'allowed' : 'refused'}`;
			const wf = await n8n.client.importWorkflow(agentWorkflow(path, allow, exotel.id, openAi.id), {
				activate: true,
			});
			const callsBefore = sim.ledger.calls.length;
			const asked = model.requests.length;
			const res = await n8n.client.webhook(
				path,
				{ prompt: `Please call ${NUMBER} now about the delivery.` },
				{ timeoutMs: 60_000 },
			);
			const output = String((res.data as Json)?.output ?? JSON.stringify(res.data));
			const placed = sim.ledger.calls.slice(callsBefore);
			const seen = model.requests.slice(asked);
			const tool = seen[0]?.tools.find((t) => /phone call/i.test(t.description));
			log(
				`  agent (allow ${allow}): HTTP ${res.status}, ${seen.length} model requests, tools offered: ${seen[0]?.tools.map((t) => t.name).join(', ')}; calls placed ${placed.length}; answer: ${output.slice(0, 200)}`,
			);
			if (!allow) {
				checks.check(
					'AI agent: with "Allow the AI Agent to Place Calls" off, the Connect Call tool refuses and no call is placed',
					res.status === 200 &&
						placed.length === 0 &&
						/may not place calls/i.test(output) &&
						seen.some((s) => s.lastRole === 'tool'),
					`HTTP ${res.status}, calls ${placed.length}, model requests ${seen.length}, answer: ${output.slice(0, 300)}`,
				);
				checks.check(
					'AI agent: the model is told that each use of the tool places one real, billed call',
					!!tool &&
						/Places ONE real phone call/.test(tool.description) &&
						/billed/.test(tool.description),
					`tool offered: ${JSON.stringify(seen[0]?.tools.map((t) => ({ name: t.name, description: t.description.slice(0, 120) })))}`,
				);
			} else {
				const to = placed[0] ? normalizeIndianPhone(placed[0].from) : undefined;
				const sameNumber = !!to?.ok && expected.ok && to.e164 === expected.e164;
				checks.check(
					'AI agent: once allowed, one tool use places exactly one call, to the number the user gave; the model gets the call, not the request',
					res.status === 200 &&
						placed.length === 1 &&
						sameNumber &&
						output.includes(String(placed[0]?.sid)) &&
						!/user-agent/i.test(output),
					`HTTP ${res.status}, calls ${placed.length} (${placed.map((c) => c.from).join(', ')}), answer: ${output.slice(0, 300)}`,
					{ callSid: placed[0]?.sid },
				);
			}
			await n8n.client.deactivateWorkflow(wf.id).catch(() => undefined);
		}
	} finally {
		await model.stop();
	}
}
