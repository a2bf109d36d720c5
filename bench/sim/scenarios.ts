/**
 * The scenarios of the benchmark. Every scenario runs the same contact list; the outcome model is the
 * simulator's (per-circle answer shares 0.38-0.66, lunch-dip time-of-day curve), and the faults are injected
 * on the virtual clock.
 */
import type { CircleCode } from '../../nodes/core/circles';
import type { Range } from '../../simulator/model';
import { MINUTE, HOUR, ist } from './time';

export type ScenarioId =
	| 'healthy'
	| 'hard-outage'
	| 'silent-outage'
	| 'storm-429'
	| 'lost-callbacks'
	| 'dup-callbacks'
	| 'window-edge';

export interface BenchOutage {
	circle: CircleCode;
	kind: 'hard' | 'silent';
	from: number;
	to: number;
}

export interface CallbackFaults {
	/** Share of terminal status callbacks never delivered. */
	dropRate: number;
	/** Share delivered twice. */
	duplicateRate: number;
	/** Delay of the duplicate after the original (ms). */
	duplicateDelayMs: Range;
	/** Delivery delay after the call ends (ms). */
	delayMs: Range;
}

export interface Scenario {
	id: ScenarioId;
	title: string;
	description: string;
	start: number;
	outages: BenchOutage[];
	/** Windows in which Exotel answers every connect request 429 (Call Details still work). */
	storms: Array<{ from: number; to: number }>;
	callbacks: CallbackFaults;
	/** The run stops here even if contacts remain (virtual ms after start). */
	horizonMs: number;
}

export const OUTAGE_CIRCLE: CircleCode = 'MH';
export const OUTAGE_MINUTES = 20;
export const STORM_MINUTES = 5;
/** A Monday. */
export const CAMPAIGN_START = '2025-01-06T10:00:00';
export const EDGE_START = '2025-01-06T20:15:00';

const CLEAN_CALLBACKS: CallbackFaults = {
	dropRate: 0,
	duplicateRate: 0,
	duplicateDelayMs: { min: 2_000, max: 120_000 },
	delayMs: { min: 300, max: 3_000 },
};

/**
 * Outages and the storm start while the first pass is still running: at 40% of the physical floor of the
 * first pass, at least 5 and at most 20 minutes after the start.
 */
export function faultOffsetMinutes(eligible: number): number {
	return Math.max(5, Math.min(20, Math.floor((0.4 * eligible) / 200)));
}

export function buildScenarios(eligible: number): Scenario[] {
	const start = ist(CAMPAIGN_START);
	const offset = faultOffsetMinutes(eligible) * MINUTE;
	const from = start + offset;
	const to = from + OUTAGE_MINUTES * MINUTE;
	const base = { start, outages: [], storms: [], callbacks: CLEAN_CALLBACKS, horizonMs: 36 * HOUR };
	const at = `+${offset / MINUTE} min`;
	return [
		{
			...base,
			id: 'healthy',
			title: 'Healthy',
			description: 'All circles healthy, realistic answer rates, callbacks all delivered.',
		},
		{
			...base,
			id: 'hard-outage',
			title: `${OUTAGE_CIRCLE} hard-down`,
			description: `Circle ${OUTAGE_CIRCLE} hard-down (every call failed within seconds) for ${OUTAGE_MINUTES} min from ${at}.`,
			outages: [{ circle: OUTAGE_CIRCLE, kind: 'hard', from, to }],
		},
		{
			...base,
			id: 'silent-outage',
			title: `${OUTAGE_CIRCLE} silent-down`,
			description: `Circle ${OUTAGE_CIRCLE} silently down (every call rings out to no-answer) for ${OUTAGE_MINUTES} min from ${at}.`,
			outages: [{ circle: OUTAGE_CIRCLE, kind: 'silent', from, to }],
		},
		{
			...base,
			id: 'storm-429',
			title: '429 storm',
			description: `Exotel answers every connect request 429 for ${STORM_MINUTES} min from ${at}.`,
			storms: [{ from, to: from + STORM_MINUTES * MINUTE }],
		},
		{
			...base,
			id: 'lost-callbacks',
			title: '2% callbacks lost',
			description: '2% of terminal status callbacks never arrive.',
			callbacks: { ...CLEAN_CALLBACKS, dropRate: 0.02 },
		},
		{
			...base,
			id: 'dup-callbacks',
			title: '5% callbacks duplicated',
			description: '5% of terminal status callbacks arrive twice (the copy 2 s to 2 min later).',
			callbacks: { ...CLEAN_CALLBACKS, duplicateRate: 0.05 },
		},
		{
			...base,
			id: 'window-edge',
			title: 'Crosses 21:00',
			description:
				'Starts 20:15 IST: the 09:00-21:00 window closes mid-campaign; the rest runs the next morning.',
			start: ist(EDGE_START),
		},
	];
}
