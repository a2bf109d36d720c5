/**
 * The end of a batch: calls that left flight are dropped, every closed circle is judged once more, outcomes whose
 * circle tripped later in the batch are refunded, and the rows to write are queued (../rowWrites.ts).
 */
import { healthPicture } from '../health';
import { matureRuns } from '../runs';
import { evaluateTrip, openBreaker } from '../breaker';
import { trippedAfter } from '../eligibility';
import { queueRowWrite } from '../rowWrites';
import type { OutcomeBatch } from './batch';
import type { OutcomeResult, RecordResult } from './types';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { max } = Math;

export function closeBatch(b: OutcomeBatch, results: OutcomeResult[]): RecordResult {
	const s = b.state;
	if (b.removed.size) s.inFlight = s.inFlight.filter((f) => !b.removed.has(f));
	judgeClosedCircles(b);
	if (b.settings.refundOutageAttempts) refundTrippedLater(b);
	warnIgnored(b);
	const writeBacks = results.filter((r) => r.writeBack).map((r) => r.writeBack!);
	// The rows are written by the next tick (Release's row updates), one write at a time per row. A registration
	// only adds the CallSid to a row that Mark Dialling already shows as live; the outcome write carries it, so it
	// is not written on its own (one row write per call, and no state kept per live call).
	const pending = { n: s.rows ? Object.keys(s.rows).length : 0 };
	for (const r of results)
		if (r.writeBack && r.action !== 'registered') queueRowWrite(s, r.writeBack, pending);
	return { state: s, results, writeBacks, transitions: b.transitions, warnings: b.warnings };
}

/** The baseline moved for everyone, and time matured more calls: judge every closed circle once more. */
function judgeClosedCircles(b: OutcomeBatch): void {
	const { state: s, now, settings } = b;
	b.health = healthPicture(s, now, settings);
	for (const [name, cs] of Object.entries(s.circles)) {
		if (cs.breaker.mode !== 'closed') continue;
		matureRuns(cs, now, b.health.circles.get(name)!.exp, settings);
		const reason = evaluateTrip(b.health.circles.get(name), cs, settings);
		if (reason) b.transitions.push(openBreaker(name, cs, now, reason, settings));
	}
}

/** Outcomes counted earlier in this batch whose circle tripped since: refund them now. */
function refundTrippedLater(b: OutcomeBatch): void {
	for (const { result, circle, placedAt } of b.refundCandidates) {
		const cs = b.state.circles[circle];
		if (
			!cs ||
			!trippedAfter(cs.trips, placedAt, b.windowMs, b.now, cs.tripLookback, b.releasedAheadMs) ||
			!result.writeBack
		)
			continue;
		const wb = result.writeBack;
		result.refunded = true;
		result.message = `Counted ${result.status} (refunded: the circle was down).`;
		result.writeBack = {
			...wb,
			attemptsToWrite: max(0, wb.attemptsToWrite - 1),
			refunded: true,
			final: false,
			nextRetryAt: null,
		};
		b.state.totals.refunded++;
		cs.counters.refunded++;
	}
}

/** One warning per kind of report ignored in bulk (ignored.ts). */
function warnIgnored(b: OutcomeBatch): void {
	const { invalid, firstProblem, future, overflow, forged, replayed, unsigned } = b.ignored;
	if (forged) {
		b.warnings.push(
			`Ignored ${forged} status report(s) whose correlation id does not carry this campaign's signature: forged or altered, or from another copy of the campaign (another workflow, or calls placed before a Reset). Nothing was counted or written; counted in totals.ignoredForged. If you did not expect this, rotate the callback secret (README, Security).`,
		);
	}
	if (replayed) {
		b.warnings.push(
			`Ignored ${replayed} status report(s) carrying the correlation id of a call still in flight under another CallSid (a copied correlation id); counted in totals.ignoredForged.`,
		);
	}
	if (unsigned) {
		b.warnings.push(
			`Did not count ${unsigned} report(s) of calls this campaign does not know whose correlation id is unsigned (an older version's, Connect Call's own, or invented). A real call among them is re-registered from its row's lastCallSid and counted through Call Details; counted in totals.ignoredUnsigned.`,
		);
	}
	if (overflow) {
		b.warnings.push(
			`Ignored ${overflow} live report(s) of calls this state does not know: ${b.settings.maxInFlight} calls (Max In Flight) are already in flight; counted in totals.ignoredUnknown.`,
		);
	}
	if (future) {
		b.warnings.push(
			`Ignored ${future} status report(s) whose correlation id gives a release time in the future; counted in totals.ignoredInvalid.`,
		);
	}
	if (invalid) {
		b.warnings.push(
			`Ignored ${invalid} status report(s) with invalid fields (first: ${firstProblem}); counted in totals.ignoredInvalid.`,
		);
	}
}
