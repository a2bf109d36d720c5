/**
 * One job = one policy on one scenario. Jobs are independent and deterministic, so they can run in worker
 * processes in any order and give the same figures.
 */
import { CIRCLE_CODES } from '../nodes/core/circles';
import { computeMetrics, seriesOf, type RunMetrics, type Series } from './metrics';
import { FixedThrottlePolicy } from './policies/fixedThrottle';
import { NaivePolicy } from './policies/naive';
import { OursPolicy } from './policies/ours';
import { SeedRulePolicy } from './policies/seedRule';
import type { Policy } from './policies/types';
import { makeContacts, eligibleCount, type Contact } from './sim/contacts';
import { runSimulation } from './sim/loop';
import {
	buildScenarios,
	faultOffsetMinutes,
	OUTAGE_MINUTES,
	type ScenarioId,
} from './sim/scenarios';
import { MINUTE } from './sim/time';

/** maxInFlight of the diagnostic variant: high enough never to bind at 190 calls/min. */
export const UNCAPPED_IN_FLIGHT = 400;

export const POLICY_IDS = [
	'naive',
	'exotel-60',
	'exotel-200',
	'seed-rule',
	'ours',
	'ours-uncapped',
] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

export function makePolicy(id: PolicyId, seed: number | string): Policy {
	switch (id) {
		case 'naive':
			return new NaivePolicy(seed);
		case 'exotel-60':
			return new FixedThrottlePolicy(60);
		case 'exotel-200':
			return new FixedThrottlePolicy(200);
		case 'seed-rule':
			return new SeedRulePolicy(seed);
		case 'ours':
			return new OursPolicy();
		case 'ours-uncapped':
			return new OursPolicy(
				{ maxInFlight: UNCAPPED_IN_FLIGHT },
				'ours-uncapped',
				`Ours, maxInFlight ${UNCAPPED_IN_FLIGHT} (diagnostic)`,
			);
	}
}

export interface Job {
	seed: number | string;
	contacts: number;
	scenario: ScenarioId;
	policy: PolicyId;
}

/** Series with plain arrays (to cross a process boundary as JSON). */
export interface PlainSeries extends Omit<Series, 'dialsPerMinute'> {
	dialsPerMinute: number[][];
}

export interface JobResult {
	job: Job;
	metrics: RunMetrics;
	series: PlainSeries;
}

const contactCache = new Map<string, Contact[]>();

export function contactsFor(n: number, seed: number | string): Contact[] {
	const k = `${seed}:${n}`;
	let c = contactCache.get(k);
	if (!c) {
		c = makeContacts(n, seed);
		contactCache.set(k, c);
	}
	return c;
}

export function runJob(job: Job): JobResult {
	const contacts = contactsFor(job.contacts, job.seed);
	const eligible = eligibleCount(contacts);
	const scenario = buildScenarios(eligible).find((s) => s.id === job.scenario);
	if (!scenario) throw new Error(`Unknown scenario ${job.scenario}`);
	const policy = makePolicy(job.policy, job.seed);
	const run = runSimulation({ scenario, contacts, seed: job.seed, policy });
	const from = scenario.start + faultOffsetMinutes(eligible) * MINUTE;
	const metrics = computeMetrics(run, { from, to: from + OUTAGE_MINUTES * MINUTE });
	const s = seriesOf(run);
	const series: PlainSeries = {
		...s,
		dialsPerMinute: s.dialsPerMinute.map((row) => Array.from(row)),
	};
	if (series.dialsPerMinute.some((r) => r.length !== CIRCLE_CODES.length))
		throw new Error('bad series');
	return { job, metrics, series };
}

export function toSeries(p: PlainSeries): Series {
	return { ...p, dialsPerMinute: p.dialsPerMinute.map((r) => Int32Array.from(r)) };
}
