/**
 * recordOutcomes: every status report about a call goes through here — Connect Call's answer (registers the
 * CallSid of a released call), Exotel's status callbacks ("answered" and terminal) and Call Details lookups
 * (reconciliation). Idempotent per CallSid. Each kind of report has its handler under outcomes/, all sharing one
 * batch (outcomes/batch.ts):
 *
 *   a correlation id whose signature is not this campaign's (forged, altered, another copy's)
 *                                            -> ignored, whatever call it names       outcomes/ignored.ts
 *   live status (queued / ringing / in-progress, or an "answered" event)           outcomes/live.ts
 *     reserved by Release for that contact  -> the reservation gets its CallSid ("registered", counted attempted)
 *     already in flight                     -> lease extended (reconciliation) or nothing new
 *     unknown, with our signed correlation  -> registered as in flight (the reservation was erased by a lost write)
 *   terminal status (completed / busy / no-answer / failed / canceled)             outcomes/terminal.ts
 *     in flight (or reserved)               -> counted once, removed from flight, remembered as finished
 *     finished within the dedupe horizon    -> duplicate, ignored
 *     placed before the watermark           -> late duplicate of a pruned call, ignored
 *     unknown, with our signed correlation  -> counted once (registration lost) and remembered
 *   unknown, correlation unsigned (x1)       -> ignored: not counted on its word (the row brings a real one back)
 *   not-placed (Connect Call failed)         -> reservation dropped; a 429 pauses releasing for a while
 *                                                                                  outcomes/notPlaced.ts
 *   not-found (reconciliation miss)          -> asked again later; abandoned after repeated misses past the lease
 *                                                                                  outcomes/notFound.ts
 *   malformed, another campaign's, no CallSid, unknown status, release time in the future
 *                                            -> ignored                            outcomes/ignored.ts
 *
 * Each counted outcome (outcomes/count.ts) feeds its circle's health (if the circle is closed and the call was placed
 * after it last closed), the breaker (trip rules, probe verdicts), and returns the fields to write back to the
 * contact's row. The batch ends in outcomes/close.ts.
 */
import { categoryOf, isLiveStatus, normaliseStatus } from './statuses';
import type { OutcomeInput } from './types';
import type { PacingSettings } from './settings';
import type { CampaignState } from './state';
import { openBatch, type OutcomeBatch } from './outcomes/batch';
import { closeBatch } from './outcomes/close';
import {
	ignoreForged,
	ignoreFutureRelease,
	ignoreInvalid,
	ignoreUnknownStatus,
	ignoreUnmatched,
} from './outcomes/ignored';
import { verifyCorrelation } from '../correlation';
import { recordLive } from './outcomes/live';
import { recordNotFound } from './outcomes/notFound';
import { recordNotPlaced } from './outcomes/notPlaced';
import { invalidReport, readReport } from './outcomes/report';
import { recordTerminal } from './outcomes/terminal';
import type { OutcomeResult, RecordResult } from './outcomes/types';

export type { OutcomeAction, OutcomeResult, RecordResult } from './outcomes/types';
export { FUTURE_SKEW_MS } from './outcomes/report';
export { outcomeWriteBack } from './outcomes/writeBacks';

export function recordOutcomes(
	state: CampaignState,
	outcomes: readonly OutcomeInput[],
	now: number,
	settings: PacingSettings,
): RecordResult {
	const recorder = outcomeRecorder(state, now, settings);
	for (const o of outcomes) recorder.record(o);
	return recorder.close();
}

/** recordOutcomes one report at a time: `record` each, in order, then `close` once. */
export interface OutcomeRecorder {
	record(outcome: OutcomeInput): void;
	close(): RecordResult;
}

/**
 * The same batch as recordOutcomes, fed a report at a time, so that a caller with many reports (the Record Outcome
 * node, nodes/ExotelPacingController/actions/recordOutcome.ts) can give the event loop turns in between (an HMAC per
 * report). Nothing else may change the state between open and close.
 */
export function outcomeRecorder(
	state: CampaignState,
	now: number,
	settings: PacingSettings,
): OutcomeRecorder {
	const batch = openBatch(state, now, settings);
	const results: OutcomeResult[] = [];
	return {
		record: (outcome) => {
			results.push(recordReport(batch, outcome, results.length));
		},
		close: () => closeBatch(batch, results),
	};
}

/** Screens one report, then hands it to the handler of its kind. */
function recordReport(b: OutcomeBatch, o: OutcomeInput, index: number): OutcomeResult {
	const status = normaliseStatus(o?.status);
	const sid = typeof o?.callSid === 'string' ? o.callSid.trim() : '';
	const base = { index, callSid: sid || null, status };
	const problem = invalidReport(o);
	if (problem) return ignoreInvalid(b, base, problem);
	const signature = verifyCorrelation(b.state.key, o.correlation);
	const r = readReport(o, base, sid, b.now, signature === 'valid');
	if (r.campaign !== undefined && r.campaign !== b.state.campaign) {
		return ignoreUnmatched(
			b,
			base,
			`Belongs to campaign "${r.campaign}", not "${b.state.campaign}".`,
		);
	}
	// before anything else: a report with a wrong signature changes no call, known or not
	if (signature === 'invalid') return ignoreForged(b, base);
	if (r.placedAt !== undefined && r.placedAt > b.now + b.futureSkewMs)
		return ignoreFutureRelease(b, base);
	if (status === 'not-placed') return recordNotPlaced(b, r);
	if (!sid) return ignoreUnmatched(b, base, 'No CallSid in the report.');
	if (status === 'not-found') return recordNotFound(b, r);
	const category = categoryOf(status);
	if (category) return recordTerminal(b, r, category);
	if (isLiveStatus(status) || o.eventType === 'answered') return recordLive(b, r);
	return ignoreUnknownStatus(base, o.status);
}
