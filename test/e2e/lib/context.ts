import { randomUUID } from 'node:crypto';

import type { Logger, N8nInstance } from '../harness';
import { decodeCorrelation } from '../../../nodes/core/correlation';
import type { RunningSimulator } from '../../../simulator';
import type { Deployed, Progress } from '../../../scripts/demo/run';
import { campaignBusy, readProgress, startClockGovernor } from '../../../scripts/demo/run';
import type { Json } from '../harness/json';

export interface E2eContext {
	n8n: N8nInstance;
	log: Logger;
	/** Scenario results shared with later scenarios (e.g. the security checks use the full campaign's workflow). */
	shared: Json;
}

export const SECRET = 'e2e-status-secret-0123456789';

export function ids() {
	return { statusWebhookId: randomUUID(), statsWebhookId: randomUUID() };
}

export function pad(n: number, w = 4): string {
	return String(n).padStart(w);
}

/** One progress line every `everyMs`. */
export function progressLogger(
	log: Logger,
	label: string,
	everyMs = 15_000,
): (p: Progress) => void {
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

/** A call sent later than this (virtual) after Release released it means n8n lags behind the simulator's clock. */
const MAX_SEND_DELAY_MS = 60_000;
/** A progress read taking longer than this (real) means n8n is overloaded. */
const SLOW_READ_MS = 6_000;
/** How long the clock stays at its minimum factor after n8n was seen lagging (real ms). */
const LAG_HOLD_MS = 60_000;

/** The longest Release-to-connect delay (virtual ms) among the calls placed in the last virtual minute. */
export function recentSendDelayMs(sim: RunningSimulator): number {
	const now = sim.clock.now();
	let max = 0;
	for (const c of sim.ledger.calls) {
		if (c.createdAtMs < now - 60_000) continue;
		const releasedAt = decodeCorrelation(c.customField)?.releasedAt;
		if (releasedAt !== undefined) max = Math.max(max, c.createdAtMs - releasedAt);
	}
	return max;
}

/**
 * Runs the clock governor off the latest progress read. It also keeps the minimum factor while n8n lags (its
 * calls leave long after their release, or progress reads are slow or fail): a fast virtual clock over a slow n8n
 * turns a 40-second tick into many virtual minutes, past the calls' leases, which no real campaign sees (a tick
 * is cut off at the workflow's 240-s timeout, far inside a lease of ring timeout + call length).
 */
/** `hold()`: keep the clock at `min` while it answers true (queueFull.ts, while a killed worker holds the lock). */
export function governed(
	sim: RunningSimulator,
	min: number,
	max: number,
	d: Deployed,
	hold: () => boolean = () => false,
) {
	let latest: Progress | undefined;
	let lastRead = Date.now();
	let laggingUntil = 0;
	const lagging = () => {
		if (recentSendDelayMs(sim) > MAX_SEND_DELAY_MS) laggingUntil = Date.now() + LAG_HOLD_MS;
		return Date.now() < laggingUntil;
	};
	const gov = startClockGovernor(sim, {
		min,
		max,
		targetCallbacksPerSecond: 3.2 * min,
		busy: () => hold() || lagging() || campaignBusy(latest, d.settings),
	});
	return {
		observe: (p: Progress) => {
			const now = Date.now();
			// the gap between reads = poll interval + read time; a failed read has no stats
			if (!p.stats || now - lastRead > SLOW_READ_MS) laggingUntil = now + LAG_HOLD_MS;
			lastRead = now;
			latest = p;
		},
		stop: () => gov.stop(),
		factor: () => gov.factor(),
	};
}

/** Reads progress until two reads `gapMs` apart agree on the stats (n8n may still be saving a late execution). */
export async function settledProgress(
	n8n: N8nInstance,
	sim: RunningSimulator,
	d: Deployed,
	gapMs = 4000,
): Promise<Progress> {
	let prev = await readProgress(n8n, sim, d);
	for (let i = 0; i < 10; i++) {
		await new Promise((r) => setTimeout(r, gapMs));
		const next = await readProgress(n8n, sim, d);
		if (JSON.stringify(next.stats?.totals) === JSON.stringify(prev.stats?.totals)) return next;
		prev = next;
	}
	return prev;
}
