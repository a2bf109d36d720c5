/**
 * The pacing engine of the Exotel Pacing Controller — n8n-free, pure and deterministic.
 *
 * Every function takes the campaign state, its inputs, the current time `now` (epoch ms) and the resolved
 * settings, and returns a new state (the argument is never mutated). See docs/pacing-design.md.
 *
 *   const settings = resolveSettings({ maxInFlight: 50 });
 *   let { state } = migrateState(stored, 'diwali-2025', now);
 *   const r = release(state, contacts, now, settings);              // -> r.released (dial these at r.released[i].sendAt)
 *   state = recordOutcomes(r.state, connectAnswers, now, settings).state;   // registers CallSids
 *   state = recordOutcomes(state, statusCallbacks, now, settings).state;    // counts outcomes
 *   const plan = callsToReconcile(state, now, settings);            // -> bulk Call Details for plan.callSids
 *   state = markReconcileRequested(state, plan.callSids, now, settings);
 *   getStats(state, now, settings);
 */
export {
	defaultSettings,
	resolveSettings,
	checkSettings,
	validateSettings,
	PacingSettingsError,
	dialLimitPerMinute,
	baseRatePerMinute,
	leaseMs,
	reconcileAfterMs,
	type PacingSettings,
	type PartialSettings,
	type RetryGapMinutes,
} from './settings';
export {
	STATE_VERSION,
	createState,
	migrateState,
	pruneState,
	cloneState,
	type CampaignState,
	type CircleState,
	type BreakerState,
	type BreakerMode,
	type InFlightCall,
	type Totals,
	type CircleCounters,
	type HealthBucket,
} from './state';
export { storedState } from './storage';
export type { ContactInput, OutcomeInput, WriteBack } from './types';
export { windowAt, nextWindowOpening, type WindowInfo } from './window';
export {
	classify,
	buildEligibilityContext,
	HOLD_REASONS,
	type HoldReason,
	type EligibilityContext,
} from './eligibility';
export { explainHold, holdMessage, holdRetryAt, isFinalHold } from './holds';
export {
	FIRST_RUN_HOLD_MESSAGE,
	firstRunOptions,
	firstRunWarning,
	runHoldMessage,
} from './firstRun';
export {
	release,
	type ReleaseOptions,
	type ReleaseResult,
	type ReleasedCall,
	type HeldContact,
	type ReleaseBudget,
	type LimitedBy,
} from './release';
export {
	recordOutcomes,
	outcomeRecorder,
	type OutcomeRecorder,
	type RecordResult,
	type OutcomeResult,
	type OutcomeAction,
} from './outcomes';
export {
	callsToReconcile,
	markReconcileRequested,
	lookupRequestsAvailable,
	type ReconcilePlan,
	type ReconcileItem,
} from './reconcile';
export {
	findOrphans,
	planOrphanLookups,
	matchOrphanCall,
	orphanOutcome,
	orphanWriteBack,
	orphanMessage,
	type Orphan,
	type OrphanLookup,
} from './orphans';
export {
	getStats,
	recentActivity,
	type PacingStats,
	type CircleStatsRow,
	type RecentActivity,
} from './stats';
export {
	lastHour,
	historyBuckets,
	HISTORY_MINUTES,
	type LastHour,
	type MinuteBucket,
	type StoredHistory,
} from './history';
export { pauseCampaign, resumeCampaign, resetCampaign } from './controls';
export { TRIP_WORDS, type TripReason, type BreakerTransition } from './breaker';
export { maxInAnyWindow } from './guards';
export { normaliseStatus, categoryOf, type Category } from './statuses';
export {
	ROW_WRITE_LEASE_MS,
	ADOPTED_WRITE_GRACE_MS,
	rowWriteLeaseEnd,
	queueRowWrite,
	markRowWriteSent,
	confirmRowWrites,
	contactsWithPendingWrites,
	takeRowWrites,
	type PendingRow,
} from './rowWrites';
export {
	CHECK_NEVER,
	CHECK_NEXT_RUN,
	checkAtForHold,
	checkAtForWrite,
	rowsBeingWritten,
} from './checkAt';
export { releaseTick, type TickRelease } from './tick';
