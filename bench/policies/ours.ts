/**
 * Ours: the Pacing Controller's engine (nodes/core/pacing), wrapped the way the n8n workflow drives it:
 *   - a Schedule trigger every tickSeconds runs Release (with includeHeld, as the node does) over the whole
 *     contact sheet (rows carry the fields the engine reads and writes: key, circle, dnd, attempts, lastStatus,
 *     lastAttemptAt, nextRetryAt, lastCallSid, refunded) and first asks callsToReconcile for overdue calls (one
 *     bulk Call Details request, logged with markReconcileRequested); like the node, each released row is written
 *     back BEFORE dialling (attempts, lastStatus in-progress, lastAttemptAt, empty nextRetryAt / lastCallSid);
 *   - Connect Call sends each released call at its sendAt with the correlation id as CustomField; its answer is
 *     fed to recordOutcomes (CallSid registered, or not-placed + rateLimited on 429);
 *   - the Status Trigger feeds each status callback (decoded CustomField) to recordOutcomes; Call Details answers
 *     are fed with source 'reconcile' (live calls as in-progress, unknown CallSids as not-found);
 *   - as in the node, rows are written only by the tick: Release (releaseTick) hands out the queued row writes,
 *     which land before the next tick reads the rows.
 * Connect Call runs with its in-run 429 retries off here: a refused request is reported to the engine at once.
 * The node calls release() with includeHeld (a hold item per contact not released). That option only adds the
 * per-contact hold explanations and never changes a decision, so the simulation leaves it off by default for
 * speed (test/bench checks that both give the same run); bench/cpu.ts measures the CPU cost of both.
 */
import { performance } from 'node:perf_hooks';
import { decodeCorrelation } from '../../nodes/core/correlation';
import {
	callsToReconcile,
	createState,
	markReconcileRequested,
	recordOutcomes,
	releaseTick,
	resolveSettings,
	storedState,
	type BreakerTransition,
	type CampaignState,
	type ContactInput,
	type OutcomeInput,
	type PacingSettings,
	type PartialSettings,
	type RecordResult,
	type ReleaseResult,
} from '../../nodes/core/pacing';
import type { ConnectAnswer, DetailsAnswer } from '../sim/exotel';
import type { BreakerEvent, Policy, PolicyHost, SentConnect, StatusReport } from './types';

export const CAMPAIGN = 'bench';
/** Release's signing key in the bench (22 base64url characters, like newCampaignKey's). */
const BENCH_SIGNING_KEY = 'bench-signing-key-0000';

const PENDING_HOLDS = [
	'window_closed',
	'retry_not_due',
	'circle_paused',
	'budget_used',
	'already_in_flight',
	'campaign_paused',
] as const;

export class OursPolicy implements Policy {
	readonly id: string;
	readonly label: string;
	readonly tickMs: number;
	readonly outcomes = 'callbacks' as const;
	readonly settings: PacingSettings;
	readonly breakerLog: BreakerEvent[] = [];
	readonly stateBytes: number[] = [];
	readonly releaseMs: number[] = [];
	state!: CampaignState;
	rows: ContactInput[] = [];
	private host!: PolicyHost;
	private rowByKey = new Map<string, number>();
	private last: ReleaseResult | null = null;
	private warnings = new Map<string, number>();
	detailsRequests = 0;
	/** Ticks by what limited the release (the engine's budget.limitedBy), and calls released under each. */
	readonly limitedBy: Record<string, number> = {};

	constructor(
		overrides: PartialSettings = {},
		id = 'ours',
		label = 'Ours (engine defaults)',
		private readonly includeHeld = false,
	) {
		this.settings = resolveSettings(overrides);
		this.id = id;
		this.label = label;
		this.tickMs = this.settings.tickSeconds * 1000;
	}

	init(host: PolicyHost, now: number): void {
		this.host = host;
		this.rows = host.contacts.map((c) => ({ key: c.key, circle: c.circle, dnd: c.dnd }));
		this.rowByKey = new Map(host.contacts.map((c) => [c.key, c.idx]));
		// a fixed signing key: a run is then the same run every time, down to its correlation ids
		this.state = { ...createState(CAMPAIGN, now), key: BENCH_SIGNING_KEY };
	}

	tick(now: number): void {
		const plan = callsToReconcile(this.state, now, this.settings);
		if (plan.callSids.length) {
			this.state = markReconcileRequested(this.state, plan.callSids, now, this.settings);
			this.host.details(now, plan.callSids);
			this.detailsRequests++;
		}
		const t0 = performance.now();
		const r = releaseTick(this.state, this.rows, now, this.settings, {
			includeHeld: this.includeHeld,
		});
		this.releaseMs.push(performance.now() - t0);
		this.state = r.state;
		this.last = r;
		if (r.budget.eligible > 0)
			this.limitedBy[r.budget.limitedBy] = (this.limitedBy[r.budget.limitedBy] ?? 0) + 1;
		this.logTransitions(r.transitions);
		this.note(r.warnings);
		for (const call of r.released) {
			const row = this.rows[call.index];
			row.attempts = call.attempt;
			row.lastStatus = 'in-progress';
			row.lastAttemptAt = call.placedAt;
			row.nextRetryAt = null;
			row.lastCallSid = undefined;
			this.host.connect(call.sendAt, call.index, {
				attempt: call.attempt,
				customField: call.customField,
				probe: call.probe,
			});
		}
		// the tick's one Row Updates request
		for (const wb of r.rowWrites) {
			const i = this.rowByKey.get(wb.contact);
			if (i === undefined) continue;
			const row = this.rows[i];
			row.attempts = wb.attemptsToWrite;
			row.lastStatus = wb.lastStatus;
			if (wb.lastCallSid !== undefined) row.lastCallSid = wb.lastCallSid;
			row.lastAttemptAt = wb.lastAttemptAt;
			row.nextRetryAt = wb.nextRetryAt;
			row.refunded = wb.refunded;
		}
		this.stateBytes.push(Buffer.byteLength(JSON.stringify(storedState(this.state)), 'utf8'));
	}

	onConnect(now: number, req: SentConnect, answer: ConnectAnswer): void {
		const correlation = decodeCorrelation(req.tag.customField);
		const o: OutcomeInput =
			answer.accepted && answer.callSid
				? { callSid: answer.callSid, status: 'in-progress', correlation, source: 'connect' }
				: { status: 'not-placed', rateLimited: true, correlation, source: 'connect' };
		this.apply(recordOutcomes(this.state, [o], now, this.settings));
	}

	onStatus(now: number, r: StatusReport): void {
		const o: OutcomeInput = {
			callSid: r.callSid,
			status: r.status,
			eventType: 'terminal',
			at: r.endAt,
			correlation: decodeCorrelation(r.customField),
			source: 'callback',
		};
		this.apply(recordOutcomes(this.state, [o], now, this.settings));
	}

	onDetails(now: number, _sids: readonly string[], answer: DetailsAnswer): void {
		if (!answer.accepted) return; // refused (429): the calls' next check was already pushed back
		const outcomes: OutcomeInput[] = answer.entries.map((e) =>
			e.status === 'in-progress' || e.status === 'not-found'
				? { callSid: e.callSid, status: 'not-found', source: 'reconcile' }
				: { callSid: e.callSid, status: e.status, at: e.endAt, source: 'reconcile' },
		);
		if (outcomes.length) this.apply(recordOutcomes(this.state, outcomes, now, this.settings));
	}

	finished(): boolean {
		const r = this.last;
		if (
			!r ||
			this.state.inFlight.length > 0 ||
			r.released.length > 0 ||
			Object.keys(this.state.rows ?? {}).length > 0
		)
			return false;
		return PENDING_HOLDS.every((h) => r.held[h] === 0);
	}

	counters(): Record<string, number> {
		const t = this.state.totals;
		const out: Record<string, number> = {
			refunded: t.refunded,
			reconciled: t.reconciled,
			duplicatesIgnored: t.duplicatesIgnored,
			abandoned: t.abandoned,
			notPlaced: t.notPlaced,
			detailsRequests: this.detailsRequests,
		};
		for (const [k, v] of Object.entries(this.limitedBy)) out[`limitedBy.${k}`] = v;
		return out;
	}

	notes(): string[] {
		const t = this.state.totals;
		const out = [
			`engine totals: attempted ${t.attempted}, completed ${t.completed}, refunded ${t.refunded}, duplicates ignored ${t.duplicatesIgnored}, late ignored ${t.lateIgnored}, reconciled ${t.reconciled}, abandoned ${t.abandoned}, not placed ${t.notPlaced}, expired reservations ${t.expiredReservations}, unmatched ${t.unmatched}; Call Details requests ${this.detailsRequests}`,
		];
		for (const [w, n] of this.warnings) out.push(`warning x${n}: ${w}`);
		return out;
	}

	private apply(res: RecordResult): void {
		// rows are written by the next tick (the state queues the write-backs)
		this.state = res.state;
		this.logTransitions(res.transitions);
		this.note(res.warnings);
	}

	private logTransitions(ts: readonly BreakerTransition[]): void {
		for (const t of ts)
			this.breakerLog.push({ circle: t.circle, to: t.to, at: t.at, reason: t.reason });
	}

	private note(ws: readonly string[]): void {
		for (const w of ws) {
			const key = w.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>').replace(/^\d+ /, 'N ');
			this.warnings.set(key, (this.warnings.get(key) ?? 0) + 1);
		}
	}
}
