import { randomUUID } from 'node:crypto';

import type { Logger, N8nInstance } from '../harness';
import type { RunningSimulator } from '../../../simulator';
import type { Deployed, Progress } from '../../../scripts/demo/run';
import { campaignBusy, readProgress, startClockGovernor } from '../../../scripts/demo/run';

export interface E2eContext {
	n8n: N8nInstance;
	log: Logger;
	/** Scenario results shared with later scenarios (e.g. the security checks use the full campaign's workflow). */
	shared: Record<string, any>;
}

export const SECRET = 'e2e-status-secret-0123456789';

export function ids() {
	return { statusWebhookId: randomUUID(), statsWebhookId: randomUUID() };
}

export function pad(n: number, w = 4): string {
	return String(n).padStart(w);
}

/** One progress line every `everyMs`. */
export function progressLogger(log: Logger, label: string, everyMs = 15_000): (p: Progress) => void {
	let last = 0;
	const t0 = Date.now();
	return (p) => {
		if (Date.now() - last < everyMs) return;
		last = Date.now();
		const s = p.stats?.totals;
		log(
			`${label} ${pad(Math.round((Date.now() - t0) / 1000))} s  virtual ${new Date(p.virtualNow + 5.5 * 3600_000).toISOString().slice(11, 19)} IST  ` +
				`final ${p.finalRows}/${p.contacts}  calls ${p.calls} (live ${p.live})  ` +
				`stats: attempted ${s?.attempted ?? '-'} resolved ${s?.resolved ?? '-'} in flight ${s?.inFlight ?? '-'} reconciled ${s?.reconciled ?? '-'}`,
		);
	};
}

/** Runs the clock governor off the latest progress read. */
export function governed(sim: RunningSimulator, min: number, max: number, d: Deployed) {
	let latest: Progress | undefined;
	const gov = startClockGovernor(sim, { min, max, targetCallbacksPerSecond: 3.2 * min, busy: () => campaignBusy(latest, d.settings) });
	return {
		observe: (p: Progress) => {
			latest = p;
		},
		stop: () => gov.stop(),
		factor: () => gov.factor(),
	};
}

/** Reads progress until two reads `gapMs` apart agree on the stats (n8n may still be saving a late execution). */
export async function settledProgress(n8n: N8nInstance, sim: RunningSimulator, d: Deployed, gapMs = 4000): Promise<Progress> {
	let prev = await readProgress(n8n, sim, d);
	for (let i = 0; i < 10; i++) {
		await new Promise((r) => setTimeout(r, gapMs));
		const next = await readProgress(n8n, sim, d);
		if (JSON.stringify(next.stats?.totals) === JSON.stringify(prev.stats?.totals)) return next;
		prev = next;
	}
	return prev;
}
