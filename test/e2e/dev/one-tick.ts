/** Dev probe: one campaign of a few contacts in real n8n with example 2; prints what happened. */
import { startSimulator } from '../../../simulator';
import { withN8n, sleep } from '../harness';
import { localWorkflow, makeContacts } from '../../../scripts/demo/campaign';
import type { Json } from '../harness/json';

async function main() {
	const N = Number(process.env.N ?? 10);
	const F = Number(process.env.F ?? 2);
	const WAIT = Number(process.env.WAIT ?? 25);
	const sim = await startSimulator({
		seed: 7,
		clock: { factor: 0, virtualStart: '2025-01-06T10:00:00+05:30' },
		numbers: { circleWeights: { MH: 1, DL: 1, KA: 1 } },
	});
	try {
		await withN8n({ keepUserFolder: true }, async (n8n) => {
			const cred = await n8n.client.createCredential({
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
			const wf = localWorkflow({
				simUrl: sim.url,
				n8nUrl: n8n.url.replace(/\/$/, ''),
				secret: 'a-very-long-test-secret-123',
				campaign: 'dev',
				credentialId: cred.id,
				scheduleSeconds: 5,
				factor: F,
				settings: { retryBusyMinutes: 2, retryNoAnswerMinutes: 2, retryFailedMinutes: 1 },
			});
			sim.sheets.replace('contacts', makeContacts(N, 3));
			const created = await n8n.client.importWorkflow(wf);
			console.log('workflow', created.id, 'active', created.active);
			sim.clock.setFactor(F);
			await sleep(WAIT * 1000);
			const execs = await n8n.client.listExecutions({
				workflowId: created.id,
				includeData: true,
				max: 50,
			});
			for (const e of execs.slice(0, 40)) {
				const rd = e.data?.resultData;
				const err = rd?.error ? `${rd.error.message} @${rd.lastNodeExecuted}` : '';
				const runData: Record<string, Json[]> = rd?.runData ?? {};
				const nodes = Object.entries(runData).map(([k, runs]) => {
					const sizes = runs
						.map((r) => (r.data?.main ?? []).map((o: Json[] | null) => o?.length ?? 0).join('/'))
						.join(',');
					const failed = runs.find((r) => r.error);
					return `${k}:${sizes}${failed ? '!' + failed.error.message : ''}`;
				});
				console.log(e.id, e.status, e.mode, err, '\n   ', nodes.join(' | '));
			}
			console.log('rows', JSON.stringify(sim.sheets.rows('contacts').slice(0, 4), null, 1));
			console.log('ledger', JSON.stringify(sim.ledger.counts()));
			const sd = await n8n.client.getStaticData(created.id);
			console.log('static', JSON.stringify(sd).slice(0, 1500));
		});
	} finally {
		await sim.stop();
	}
}
main().catch((e) => {
	console.error(e);
	process.exit(1);
});
