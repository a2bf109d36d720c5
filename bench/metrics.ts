/**
 * Figures of one run (policy x scenario), computed from the ground-truth ledger (and, for our engine, its
 * breaker transitions and state sizes). Definitions are printed in BENCHMARKS.md; keep them in sync.
 */
import type { RunRecord } from './sim/loop';
import type { Compliance } from './sim/ledger';
import { eligibleCount } from './sim/contacts';
import { HOUR, MINUTE, isWindowOpen, openTimeBetween } from './sim/time';
import { overLimitWindows } from './sim/ratelimit';
import type { BreakerEvent } from './policies/types';

export const LIMIT_PER_MINUTE = 200;

export interface OutageFigures {
	circle: string;
	kind: 'hard' | 'silent';
	/** Calls placed into the circle while it was down. */
	callsDuring: number;
	/** ... of which before the breaker opened (all of them when it never opened). */
	callsBeforeCut: number;
	/** ... of which probes. */
	probes: number;
	/** Outage start -> breaker open (s); null = never opened. */
	detectionS: number | null;
	/** Outage end -> circle closed again (s); null = never opened or never closed. */
	recoveryS: number | null;
	/** Calls/min into the circle in the 10 min before the outage. */
	ratePerMinBefore: number;
	/** Completed/busy outcomes of calls placed BEFORE the outage that ended between its start and the breaker opening. */
	preOutageSuccessesDuringDetection: number;
	/** Most calls placed into the circle in any minute of the 15 min after the breaker closed again (null = never closed). */
	peakPerMinAfterClose: number | null;
}

export interface RunMetrics {
	scenario: string;
	policy: string;
	label: string;
	finished: boolean;
	/** Open-window hours from the start to the end of the last call. */
	campaignHours: number;
	calls: number;
	completed: number;
	/** completed / resolved calls, %. */
	completionPct: number;
	/** completed / resolved calls placed during the fault window (outage or storm; the same window in other scenarios), %. */
	completionFaultWindowPct: number | null;
	reached: number;
	reachedPerHour: number;
	/** Mean accepted requests per backlog minute / 200, %. */
	budgetUsePct: number | null;
	backlogMinutes: number;
	overLimitWindows: number;
	maxInWindow: number;
	http429: number;
	http429Storm: number;
	detailsRequests: number;
	/** Minutes until every eligible contact had its first call; null = never. */
	firstPassMin: number | null;
	floorMin: number;
	firstPassRatio: number | null;
	eligible: number;
	neverCalled: number;
	compliance: Compliance;
	complianceExamples: string[];
	outage: OutageFigures | null;
	/** Breaker openings not explained by the injected outage. */
	falseTrips: number;
	falseTripDetails: string[];
	callbacksLost: number;
	callbacksDuplicated: number;
	/** Mean call duration, placement to end (s). */
	meanCallSeconds: number;
	/** Calls that were retries (not a contact's first call) placed before the first pass ended. */
	retriesDuringFirstPass: number;
	/** Policy-specific counters (our engine: ticks by what limited the release). */
	counters: Record<string, number>;
	stateBytesMax: number | null;
	stateBytesMedian: number | null;
	releaseMsMedian: number | null;
	notes: string[];
	wallMs: number;
}

export function quantile(sorted: readonly number[], q: number): number {
	if (!sorted.length) return NaN;
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
	return sorted[i];
}

export function median(values: readonly number[]): number {
	const s = values.slice().sort((a, b) => a - b);
	if (!s.length) return NaN;
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The breaker state of `circle` at time t from a transition log. */
export function breakerAt(
	log: readonly BreakerEvent[],
	circle: string,
	t: number,
): 'closed' | 'open' | 'half-open' {
	let s: 'closed' | 'open' | 'half-open' = 'closed';
	for (const e of log) {
		if (e.circle !== circle || e.at > t) continue;
		s = e.to;
	}
	return s;
}

export function computeMetrics(
	run: RunRecord,
	faultWindow: { from: number; to: number },
): RunMetrics {
	const { ledger: l, scenario, policy } = run;
	const contacts = l.contacts;
	const eligible = eligibleCount(contacts);
	const start = scenario.start;
	const calls = l.calls;
	let completed = 0;
	let lastEnd = start;
	let fwN = 0;
	let fwC = 0;
	for (const c of calls) {
		if (c.status === 'completed') completed++;
		if (c.endAt > lastEnd) lastEnd = c.endAt;
		if (c.placedAt >= faultWindow.from && c.placedAt < faultWindow.to) {
			fwN++;
			if (c.status === 'completed') fwC++;
		}
	}
	const campaignHours = openTimeBetween(start, lastEnd) / HOUR;
	let reached = 0;
	for (let i = 0; i < contacts.length; i++) if (l.completedAt[i] !== Infinity) reached++;

	// first pass
	const firstDials: number[] = [];
	let neverCalled = 0;
	for (let i = 0; i < contacts.length; i++) {
		if (contacts[i].dnd) continue;
		const t = l.firstDialAt[i];
		if (Number.isNaN(t)) neverCalled++;
		else firstDials.push(t);
	}
	firstDials.sort((a, b) => a - b);
	const floorMin = eligible / LIMIT_PER_MINUTE;
	// in minutes of OPEN window, so a campaign that pauses overnight is not charged for the night
	const firstPassMin =
		neverCalled === 0 && firstDials.length
			? openTimeBetween(start, firstDials[firstDials.length - 1]) / MINUTE
			: null;

	// budget use over backlog minutes: the window open all minute and >= 200 eligible contacts never called yet
	// at the start of the minute
	let used = 0;
	let backlogMinutes = 0;
	let k = 0;
	for (let m = 0; ; m++) {
		const t0 = start + m * MINUTE;
		while (k < firstDials.length && firstDials[k] < t0) k++;
		const pendingFirst = eligible - k;
		if (pendingFirst < LIMIT_PER_MINUTE) break;
		if (!isWindowOpen(t0) || !isWindowOpen(t0 + MINUTE - 1)) {
			if (t0 > lastEnd) break;
			continue;
		}
		backlogMinutes++;
		used += l.acceptedPerMinute[m] ?? 0;
	}

	const ol = overLimitWindows(l.sent, LIMIT_PER_MINUTE);

	// outage
	const log = policy.breakerLog ?? [];
	let outage: OutageFigures | null = null;
	const o = scenario.outages[0];
	if (o) {
		let openAt: number | null = breakerAt(log, o.circle, o.from) === 'open' ? o.from : null;
		if (openAt === null) {
			const e = log.find((x) => x.circle === o.circle && x.to === 'open' && x.at >= o.from);
			if (e) openAt = e.at;
		}
		let closedAt: number | null = null;
		if (openAt !== null) {
			const e = log.find(
				(x) => x.circle === o.circle && x.to === 'closed' && x.at >= Math.max(o.to, openAt!),
			);
			if (e) closedAt = e.at;
		}
		const cut = openAt ?? o.to;
		let peak: number | null = null;
		if (closedAt !== null) {
			const perMin = new Map<number, number>();
			for (const c of calls) {
				if (c.circle !== o.circle || c.placedAt < closedAt || c.placedAt >= closedAt + 15 * MINUTE)
					continue;
				const m = Math.floor((c.placedAt - closedAt) / MINUTE);
				perMin.set(m, (perMin.get(m) ?? 0) + 1);
			}
			peak = Math.max(0, ...perMin.values());
		}
		let during = 0;
		let before = 0;
		let probes = 0;
		let ahead = 0;
		let preSuccess = 0;
		for (const c of calls) {
			if (c.circle !== o.circle) continue;
			if (c.placedAt >= o.from - 10 * MINUTE && c.placedAt < o.from) ahead++;
			if (
				c.placedAt < o.from &&
				c.endAt >= o.from &&
				c.endAt < cut &&
				(c.status === 'completed' || c.status === 'busy')
			)
				preSuccess++;
			if (c.placedAt < o.from || c.placedAt >= o.to) continue;
			during++;
			if (c.placedAt < cut) before++;
			if (c.probe) probes++;
		}
		outage = {
			circle: o.circle,
			kind: o.kind,
			callsDuring: during,
			callsBeforeCut: before,
			probes,
			detectionS: openAt === null ? null : (openAt - o.from) / 1000,
			recoveryS: closedAt === null ? null : (closedAt - o.to) / 1000,
			ratePerMinBefore: ahead / 10,
			preOutageSuccessesDuringDetection: preSuccess,
			peakPerMinAfterClose: peak,
		};
	}
	const falseTripDetails: string[] = [];
	for (const e of log) {
		if (e.to !== 'open') continue;
		const explained = o && e.circle === o.circle && e.at >= o.from && e.at <= o.to + 10 * MINUTE;
		if (!explained)
			falseTripDetails.push(
				`${e.circle} opened at +${((e.at - start) / MINUTE).toFixed(1)} min (${e.reason})`,
			);
	}

	let durSum = 0;
	let retries = 0;
	const fpEnd = firstPassMin === null ? Infinity : start + firstPassMin * MINUTE;
	for (const c of calls) {
		durSum += c.endAt - c.placedAt;
		if (c.ordinal > 1 && c.placedAt <= fpEnd) retries++;
	}
	const sb = policy.stateBytes ?? [];
	const rm = policy.releaseMs ?? [];
	return {
		scenario: scenario.id,
		policy: policy.id,
		label: policy.label,
		finished: run.finished,
		campaignHours,
		calls: calls.length,
		completed,
		completionPct: calls.length ? (100 * completed) / calls.length : 0,
		completionFaultWindowPct: fwN ? (100 * fwC) / fwN : null,
		reached,
		reachedPerHour: campaignHours > 0 ? reached / campaignHours : 0,
		budgetUsePct: backlogMinutes ? (100 * used) / (backlogMinutes * LIMIT_PER_MINUTE) : null,
		backlogMinutes,
		overLimitWindows: ol.windows,
		maxInWindow: ol.maxInWindow,
		http429: l.refusedRateLimit,
		http429Storm: l.refusedStorm,
		detailsRequests: l.detailsSent,
		firstPassMin,
		floorMin,
		firstPassRatio: firstPassMin === null ? null : firstPassMin / floorMin,
		eligible,
		neverCalled,
		compliance: { ...l.compliance },
		complianceExamples: l.examples.slice(),
		outage,
		falseTrips: falseTripDetails.length,
		falseTripDetails,
		callbacksLost: l.callbacksLost,
		callbacksDuplicated: l.callbacksDuplicated,
		meanCallSeconds: calls.length ? durSum / calls.length / 1000 : 0,
		retriesDuringFirstPass: retries,
		counters: policy.counters ? policy.counters() : {},
		stateBytesMax: sb.length ? Math.max(...sb) : null,
		stateBytesMedian: sb.length ? median(sb) : null,
		releaseMsMedian: rm.length ? median(rm) : null,
		notes: policy.notes ? policy.notes() : [],
		wallMs: run.wallMs,
	};
}

/** Per-minute time series for the charts. */
export interface Series {
	scenario: string;
	policy: string;
	label: string;
	start: number;
	/** Dials per minute per circle (index = CIRCLE_CODES order). */
	dialsPerMinute: Int32Array[];
	completionsPerMinute: number[];
	breakerLog: BreakerEvent[];
	outages: Array<{ circle: string; from: number; to: number; kind: string }>;
	storms: Array<{ from: number; to: number }>;
}

export function seriesOf(run: RunRecord): Series {
	return {
		scenario: run.scenario.id,
		policy: run.policy.id,
		label: run.policy.label,
		start: run.scenario.start,
		dialsPerMinute: run.ledger.dialsPerMinute,
		completionsPerMinute: run.ledger.completionsPerMinute,
		breakerLog: run.policy.breakerLog ?? [],
		outages: run.scenario.outages.map((o) => ({
			circle: o.circle,
			from: o.from,
			to: o.to,
			kind: o.kind,
		})),
		storms: run.scenario.storms,
	};
}
