/**
 * The breaker sweep's jobs: our engine (default settings) on one seed, either with the outage circle made small
 * (a target call rate into it) and taken hard or silently down, or on a healthy campaign run to its end.
 *
 * A small circle is made by giving it a smaller share of the contact list (withSmallCircle): the engine shares each
 * tick in proportion to backlog (nodes/core/pacing/allocation.ts), so during the first pass a circle with share s
 * of the callable contacts gets about s x 198 calls/min. Outage runs stop OUTAGE_HORIZON_MIN after
 * the outage starts: detection is the point, and a circle not cut by then is reported as never detected.
 */
import { CIRCLE_CODES, type CircleCode } from '../../nodes/core/circles';
import { computeMetrics } from '../metrics';
import { OursPolicy } from '../policies/ours';
import type { StatusReport } from '../policies/types';
import { eligibleCount, makeContacts, type Contact } from '../sim/contacts';
import { runSimulation } from '../sim/loop';
import { buildScenarios, faultOffsetMinutes, OUTAGE_CIRCLE } from '../sim/scenarios';
import { MINUTE } from '../sim/time';

/** The engine's dial ceiling with a backlog (BENCHMARKS.md: 198/min). */
export const DIAL_RATE = 198;
export const OUTAGE_HORIZON_MIN = 12;

export interface SweepJob {
	seed: number;
	contacts: number;
	/** 'healthy' runs the whole campaign with no fault; the others stop OUTAGE_HORIZON_MIN into the outage. */
	kind: 'healthy' | 'hard' | 'silent';
	/** Target calls/min into the outage circle (null = the simulator's uniform circle mix). */
	rate: number | null;
	/** settings.verifyCallsPerMinute, when not the default (bench:sweep --verify). */
	verifyCallsPerMinute?: number;
}

export interface SweepResult {
	job: SweepJob;
	/** Calls/min into the outage circle in the 5 min before the outage (healthy: before the same moment). */
	rateBefore: number;
	detectionS: number | null;
	callsBeforeCut: number;
	/** Breaker openings not explained by the outage, with their circle and reason. */
	falseTrips: string[];
	/** Open-window hours simulated (the whole campaign for healthy runs). */
	hours: number;
	/** Highest run statistic any circle reached, as a share of its threshold [hard, silent] (1 = a trip). */
	peakRun: [number, number];
	wallMs: number;
}

/**
 * The list with OUTAGE_CIRCLE holding exactly the share of callable contacts that gives it about `rate` calls/min
 * of DIAL_RATE: every k-th callable contact (spread evenly over the list, so the rate holds all through the first
 * pass) goes to it; its other contacts go round the remaining circles. Drawing the share from circle weights
 * instead would miss the rate by +-20% from seed to seed.
 */
export function withSmallCircle(contacts: readonly Contact[], rate: number): Contact[] {
	const others = CIRCLE_CODES.filter((c) => c !== OUTAGE_CIRCLE);
	const callable = contacts.filter((c) => !c.dnd).length;
	const step = callable / Math.max(1, Math.round((rate / DIAL_RATE) * callable));
	let j = 0;
	return contacts.map((c, i) => {
		const k = c.dnd ? -1 : j++;
		let circle: CircleCode = c.circle;
		if (k >= 0 && Math.floor((k + 1) / step) > Math.floor(k / step)) circle = OUTAGE_CIRCLE;
		else if (circle === OUTAGE_CIRCLE) circle = others[i % others.length];
		return { ...c, circle };
	});
}

function contactsOf(job: SweepJob): Contact[] {
	const list = makeContacts(job.contacts, job.seed);
	return job.rate === null ? list : withSmallCircle(list, job.rate);
}

/** Our engine, also noting the highest run statistics (how close a healthy circle came to a trip). */
class PeakPolicy extends OursPolicy {
	readonly peak: [number, number] = [0, 0];
	tick(now: number): void {
		super.tick(now);
		this.sample();
	}
	onStatus(now: number, r: StatusReport): void {
		super.onStatus(now, r);
		this.sample();
	}
	private sample(): void {
		const s = this.settings;
		for (const c of Object.values(this.state.circles)) {
			this.peak[0] = Math.max(this.peak[0], c.cusum[0] / s.failedRunThreshold);
			this.peak[1] = Math.max(this.peak[1], c.cusum[1] / s.silentRunThreshold);
		}
	}
}

export function runSweepJob(job: SweepJob): SweepResult {
	const contacts = contactsOf(job);
	const eligible = eligibleCount(contacts);
	const all = buildScenarios(eligible);
	const id = job.kind === 'healthy' ? 'healthy' : `${job.kind}-outage`;
	const base = all.find((s) => s.id === id)!;
	const from = base.start + faultOffsetMinutes(eligible) * MINUTE;
	const scenario =
		job.kind === 'healthy'
			? base
			: { ...base, horizonMs: from + OUTAGE_HORIZON_MIN * MINUTE - base.start };
	const policy = new PeakPolicy(
		job.verifyCallsPerMinute === undefined
			? {}
			: { verifyCallsPerMinute: job.verifyCallsPerMinute },
	);
	const run = runSimulation({ scenario, contacts, seed: job.seed, policy });
	const m = computeMetrics(run, { from, to: from + 20 * MINUTE });
	let ahead = 0;
	for (const c of run.ledger.calls)
		if (c.circle === OUTAGE_CIRCLE && c.placedAt >= from - 5 * MINUTE && c.placedAt < from) ahead++;
	return {
		job,
		rateBefore: ahead / 5,
		detectionS: m.outage?.detectionS ?? null,
		callsBeforeCut: m.outage?.callsBeforeCut ?? 0,
		falseTrips: m.falseTripDetails,
		hours: m.campaignHours,
		peakRun: policy.peak,
		wallMs: run.wallMs,
	};
}
