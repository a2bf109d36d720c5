/**
 * CPU time of one Release tick (with includeHeld, as the node calls it: a hold decision for every contact not
 * released) with 10k and 100k pending contacts (none DND, none called yet), on an engine
 * state warmed up like a running campaign (calls in flight, health windows and send log filled). Each measured
 * tick calls release() on the same warmed state at successive tick times (release is pure, so every sample does
 * the same work). Shared machines are noisy: medians and p95 are quoted, together with a reference measured in
 * the same loop, interleaved with the engine's samples — a trivial pass over the same rows (the cheapest
 * possible "who is eligible" check) — and the ratio between the two.
 */
import { performance } from 'node:perf_hooks';
import {
	createState,
	recordOutcomes,
	release,
	resolveSettings,
	storedState,
	type CampaignState,
	type ContactInput,
	type OutcomeInput,
} from '../nodes/core/pacing';
import { decodeCorrelation } from '../nodes/core/correlation';
import { DEFAULT_NUMBERS_CONFIG } from '../simulator/numbers';
import { deriveRng, type Seed } from '../simulator/rng';
import { makeContacts } from './sim/contacts';
import { ist } from './sim/time';
import { CAMPAIGN_START } from './sim/scenarios';
import { median, quantile } from './metrics';

export interface CpuFigures {
	contacts: number;
	samples: number;
	/** release() as the node calls it (includeHeld: a hold item with its reason for every contact not released). */
	releaseMedianMs: number;
	releaseP95Ms: number;
	/** release() as the examples' Release calls it (Not Now Output = only contacts newly finished). */
	finalOnlyMedianMs: number;
	finalOnlyP95Ms: number;
	finalOnlyRatio: number;
	/** release() deciding only (no per-contact hold items). */
	decisionMedianMs: number;
	decisionP95Ms: number;
	referenceMedianMs: number;
	ratio: number;
	inFlight: number;
	stateBytes: number;
	releasedPerTick: number;
}

function trivialPass(rows: readonly ContactInput[], now: number): number {
	let n = 0;
	for (let i = 0; i < rows.length; i++) {
		const r = rows[i];
		if (r.dnd === true || (r.attempts ?? 0) >= 3 || r.lastStatus === 'completed') continue;
		if (r.nextRetryAt !== undefined && r.nextRetryAt !== null && r.nextRetryAt > now) continue;
		n++;
	}
	return n;
}

/** Runs the engine for `warmTicks` ticks with synthetic outcomes so the state looks like a live campaign. */
function warmUp(
	rows: ContactInput[],
	seed: Seed,
	start: number,
	warmTicks: number,
): { state: CampaignState; now: number } {
	const settings = resolveSettings({});
	const rng = deriveRng(seed, 'cpu-warmup');
	let state = createState('cpu', start);
	const live: Array<{ sid: string; cf: string; endAt: number }> = [];
	const byKey = new Map(rows.map((r) => [r.key, r]));
	let now = start;
	let sidN = 0;
	for (let k = 0; k < warmTicks; k++) {
		now = start + k * settings.tickSeconds * 1000;
		const r = release(state, rows, now, settings);
		state = r.state;
		const regs: OutcomeInput[] = [];
		for (const c of r.released) {
			const sid = `cpu${(sidN++).toString(16).padStart(12, '0')}`;
			regs.push({
				callSid: sid,
				status: 'in-progress',
				correlation: c.correlation,
				source: 'connect',
			});
			live.push({ sid, cf: c.customField, endAt: c.sendAt + rng.int(5, 120) * 1000 });
		}
		const ended = live.filter((x) => x.endAt <= now);
		const outs: OutcomeInput[] = ended.map((x) => ({
			callSid: x.sid,
			status: rng.weighted([
				['completed', 0.52],
				['busy', 0.1],
				['no-answer', 0.33],
				['failed', 0.05],
			] as const),
			correlation: decodeCorrelation(x.cf),
			source: 'callback',
			at: x.endAt,
		}));
		for (const x of ended) live.splice(live.indexOf(x), 1);
		const res = recordOutcomes(state, [...regs, ...outs], now, settings);
		state = res.state;
		for (const wb of res.writeBacks) {
			const row = byKey.get(wb.contact);
			if (!row) continue;
			row.attempts = wb.attemptsToWrite;
			row.lastStatus = wb.lastStatus;
			if (wb.lastCallSid !== undefined) row.lastCallSid = wb.lastCallSid;
			row.lastAttemptAt = wb.lastAttemptAt;
			row.nextRetryAt = wb.nextRetryAt;
			row.refunded = wb.refunded;
		}
	}
	return { state, now };
}

export function measureCpu(n: number, seed: Seed, samples: number): CpuFigures {
	const settings = resolveSettings({});
	const contacts = makeContacts(n, seed, { ...DEFAULT_NUMBERS_CONFIG, dndShare: 0 });
	const rows: ContactInput[] = contacts.map((c) => ({ key: c.key, circle: c.circle, dnd: c.dnd }));
	const start = ist(CAMPAIGN_START);
	const { state, now } = warmUp(rows, seed, start, 12);
	const tickMs = settings.tickSeconds * 1000;
	// warm the JIT
	for (let i = 0; i < 5; i++) {
		release(state, rows, now + tickMs, settings, { includeHeld: true });
		release(state, rows, now + tickMs, settings, { includeHeld: true, finalHoldsOnly: true });
		release(state, rows, now + tickMs, settings);
		trivialPass(rows, now);
	}
	const rel: number[] = [];
	const fin: number[] = [];
	const dec: number[] = [];
	const ref: number[] = [];
	let released = 0;
	let sink = 0;
	for (let i = 0; i < samples; i++) {
		const t = now + (i + 1) * tickMs;
		const a = performance.now();
		const r = release(state, rows, t, settings, { includeHeld: true });
		const b = performance.now();
		sink += trivialPass(rows, t);
		const c = performance.now();
		sink += release(state, rows, t, settings).released.length;
		const d = performance.now();
		sink += release(state, rows, t, settings, { includeHeld: true, finalHoldsOnly: true }).holds
			.length;
		const e = performance.now();
		rel.push(b - a);
		ref.push(c - b);
		dec.push(d - c);
		fin.push(e - d);
		released += r.released.length;
	}
	if (sink < 0) throw new Error('unreachable');
	rel.sort((x, y) => x - y);
	dec.sort((x, y) => x - y);
	ref.sort((x, y) => x - y);
	fin.sort((x, y) => x - y);
	return {
		contacts: n,
		samples,
		releaseMedianMs: median(rel),
		releaseP95Ms: quantile(rel, 0.95),
		finalOnlyMedianMs: median(fin),
		finalOnlyP95Ms: quantile(fin, 0.95),
		finalOnlyRatio: median(fin) / Math.max(1e-6, median(ref)),
		decisionMedianMs: median(dec),
		decisionP95Ms: quantile(dec, 0.95),
		referenceMedianMs: median(ref),
		ratio: median(rel) / Math.max(1e-6, median(ref)),
		inFlight: state.inFlight.length,
		stateBytes: Buffer.byteLength(JSON.stringify(storedState(state)), 'utf8'),
		releasedPerTick: released / samples,
	};
}
