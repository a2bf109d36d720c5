/** Dev probe: a whole campaign with progress lines. Env: N, F, S (schedule s), INFLIGHT, MAXMIN */
import { withN8n } from '../harness';
import {
	startCampaignSimulator,
	deployCampaign,
	waitForCampaign,
	checkInvariants,
	compareWithGroundTruth,
	startClockGovernor,
	campaignBusy,
	type Progress,
} from '../../../scripts/demo/run';
import type { Json } from '../harness/json';

async function main() {
	const N = Number(process.env.N ?? 300);
	const F = Number(process.env.F ?? 2);
	const S = Number(process.env.S ?? 5);
	const start = '2025-01-06T08:59:30+05:30';
	const sim = await startCampaignSimulator({
		factor: F,
		virtualStart: start,
		circles: { MH: 3, DL: 3, KA: 2, TN: 2, UE: 1, WB: 1 },
		outage: { circle: 'KA', fromMinute: 4, toMinute: 9 },
		dropRate: Number(process.env.DROP ?? 0),
		duplicateRate: Number(process.env.DUP ?? 0),
	});
	const t0 = Date.now();
	try {
		await withN8n(
			{
				keepUserFolder: true,
				env: process.env.LIMIT ? { N8N_CONCURRENCY_PRODUCTION_LIMIT: process.env.LIMIT } : {},
			},
			async (n8n) => {
				const d = await deployCampaign(n8n, sim, {
					campaign: 'dev',
					secret: 'a-very-long-test-secret-123',
					scheduleSeconds: S,
					factor: F,
					contacts: N,
					...(process.env.SAVE
						? { workflowSettings: { saveDataSuccessExecution: process.env.SAVE } }
						: {}),
					...(process.env.SPREAD ? { spreadOverSeconds: Number(process.env.SPREAD) } : {}),
					settings: process.env.RESERVE
						? { reserveForReconciliation: Number(process.env.RESERVE) }
						: {},
				});
				let lastP: Progress | undefined;
				const fs = await import('node:fs');
				const cpu = () => {
					try {
						const f = fs.readFileSync(`/proc/${n8n.pid}/stat`, 'utf8').split(') ')[1].split(' ');
						return (Number(f[11]) + Number(f[12])) / 100;
					} catch {
						return 0;
					}
				};
				let cpuPrev = cpu();
				let cpuAt = Date.now();
				const gov = process.env.FMAX
					? startClockGovernor(sim, {
							min: F,
							max: Number(process.env.FMAX),
							targetCallbacksPerSecond: 6,
							busy: () => campaignBusy(lastP, d.settings),
						})
					: (sim.clock.setFactor(F), null);
				const t1 = Date.now();
				let lastPrint = 0;
				const p = await waitForCampaign(n8n, sim, d, {
					timeoutMs: Number(process.env.MAXMIN ?? 10) * 60000,
					pollMs: 2000,
					onProgress: (p) => {
						lastP = p;
						if (Date.now() - lastPrint < 5000) return;
						lastPrint = Date.now();
						const c = cpu();
						const pct = Math.round((100 * (c - cpuPrev)) / ((Date.now() - cpuAt) / 1000));
						cpuPrev = c;
						cpuAt = Date.now();
						const s = p.stats;
						const br = s ? s.circles.map((c) => `${c.circle}:${c.breaker[0]}`).join(' ') : '';
						console.log(
							`${((Date.now() - t1) / 1000).toFixed(0)}s cpu ${pct}% F=${gov?.factor() ?? F} v=${new Date(p.virtualNow).toISOString().slice(11, 19)} final ${p.finalRows}/${p.contacts} calls ${p.calls} live ${p.live} | st att ${s?.totals.attempted} res ${s?.totals.resolved} inF ${s?.totals.inFlight} rec ${s?.totals.reconciled} recov ${s?.totals.recovered} dup ${s?.totals.duplicatesIgnored} ${br}`,
						);
					},
				});
				console.log(
					'done in',
					((Date.now() - t1) / 1000).toFixed(0),
					's; total',
					((Date.now() - t0) / 1000).toFixed(0),
				);
				console.log(
					'invariants',
					JSON.stringify({
						...checkInvariants(sim, d.settings),
						overlaps: checkInvariants(sim, d.settings).overlaps.length,
					}),
				);
				{
					const { decodeCorrelation } = await import('../../../nodes/core/correlation');
					const shifts = sim.ledger.calls
						.map(
							(c) =>
								c.createdAtMs -
								(decodeCorrelation(c.customField ?? '')?.releasedAt ?? c.createdAtMs),
						)
						.sort((a, b) => a - b);
					const q = (x: number) =>
						shifts[Math.min(shifts.length - 1, Math.floor(shifts.length * x))];
					console.log(
						'send shift vs plan (virtual ms): p0',
						q(0),
						'p5',
						q(0.05),
						'p50',
						q(0.5),
						'p95',
						q(0.95),
						'p100',
						q(1),
					);
				}
				if (p.stats) console.log('diffs', compareWithGroundTruth(p.stats, sim.ledger.calls));
				console.log('totals', JSON.stringify(p.stats?.totals));
				const ex = await n8n.client.countExecutions(d.workflowId);
				console.log('executions', JSON.stringify(ex));
				const list = await n8n.client.listExecutions({
					workflowId: d.workflowId,
					max: 5000,
				});
				const dur = (mode: string) =>
					list
						.filter((e: Json) => e.mode === mode)
						.map((e: Json) => new Date(e.stoppedAt).getTime() - new Date(e.startedAt).getTime())
						.sort((a: number, b: number) => a - b);
				for (const m of ['trigger', 'webhook']) {
					const x = dur(m);
					console.log(
						m,
						x.length,
						'p50',
						x[Math.floor(x.length / 2)],
						'p90',
						x[Math.floor(x.length * 0.9)],
						'max',
						x[x.length - 1],
					);
				}
			},
		);
	} finally {
		await sim.stop();
	}
}
main().catch((e) => {
	console.error(e);
	process.exit(1);
});
