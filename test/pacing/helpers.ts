/**
 * Test helpers for the pacing engine: a seeded RNG, IST times, and a small deterministic "world" (contact sheet,
 * Exotel calls with a seeded outcome model, outages) that drives the engine on a virtual clock.
 */
import { DateTime } from 'luxon';
import {
	callsToReconcile,
	createState,
	markReconcileRequested,
	recordOutcomes,
	release,
	resolveSettings,
	type CampaignState,
	type ContactInput,
	type OutcomeInput,
	type PacingSettings,
	type PartialSettings,
	type ReleasedCall,
	type WriteBack,
	storedState,
} from '../../nodes/core/pacing';
import { correlationTag, decodeCorrelation, type Correlation } from '../../nodes/core/correlation';
import { seededRandom } from '../../nodes/core/callerId';

/** The seeded PRNG the nodes and the simulator use. */
export const mulberry32 = seededRandom;

/** Epoch ms of a wall-clock time in Asia/Kolkata. */
export function ist(iso: string): number {
	return DateTime.fromISO(iso, { zone: 'Asia/Kolkata' }).toMillis();
}

/** A Monday, 10:00 IST. */
export const MON_10 = ist('2025-03-03T10:00:00');

/**
 * A correlation as Release issues it for `state`'s campaign: signed with the campaign key. Reports of calls the state
 * does not know are counted only with this signature (nodes/core/correlation.ts).
 */
export function signed<C extends Correlation>(state: CampaignState, c: C): C {
	return { ...c, tag: correlationTag(state.key, c) };
}

export function settingsWith(p: PartialSettings = {}): PacingSettings {
	return resolveSettings(p);
}

export const CIRCLE_LIST = [
	'AP',
	'BR',
	'DL',
	'GJ',
	'KA',
	'KL',
	'MH',
	'MP',
	'MU',
	'RJ',
	'TN',
	'UE',
	'UW',
	'WB',
];

export interface Mix {
	completed: number;
	busy: number;
	noAnswer: number;
	failed: number;
}

/** A healthy mix with completion p. */
export function mix(p: number, failed = 0.04, busy = 0.08): Mix {
	return { completed: p, busy, failed, noAnswer: Math.max(0, 1 - p - busy - failed) };
}

export interface Outage {
	circle: string;
	from: number;
	to: number;
	kind: 'hard' | 'silent';
}

export interface TruthCall {
	sid: string;
	contact: string;
	circle: string;
	attempt: number;
	placedAt: number;
	sendAt: number;
	endAt: number;
	status: 'completed' | 'busy' | 'no-answer' | 'failed';
	customField: string;
}

/** Binary min-heap on (t, seq). */
export class EventQueue<T> {
	private h: Array<{ t: number; seq: number; v: T }> = [];
	private seq = 0;
	get size(): number {
		return this.h.length;
	}
	push(t: number, v: T): void {
		const h = this.h;
		h.push({ t, seq: this.seq++, v });
		let i = h.length - 1;
		while (i > 0) {
			const p = (i - 1) >> 1;
			if (this.less(h[i], h[p])) {
				[h[i], h[p]] = [h[p], h[i]];
				i = p;
			} else break;
		}
	}
	peekTime(): number {
		return this.h.length ? this.h[0].t : Infinity;
	}
	pop(): { t: number; v: T } | undefined {
		const h = this.h;
		if (!h.length) return undefined;
		const top = h[0];
		const last = h.pop()!;
		if (h.length) {
			h[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let m = i;
				if (l < h.length && this.less(h[l], h[m])) m = l;
				if (r < h.length && this.less(h[r], h[m])) m = r;
				if (m === i) break;
				[h[i], h[m]] = [h[m], h[i]];
				i = m;
			}
		}
		return { t: top.t, v: top.v };
	}
	private less(a: { t: number; seq: number }, b: { t: number; seq: number }): boolean {
		return a.t < b.t || (a.t === b.t && a.seq < b.seq);
	}
}

export interface WorldOptions {
	seed: number;
	contacts: number;
	circles?: string[];
	/** Completion share per circle (default: spread 0.25..0.6). */
	mixes?: Record<string, Mix>;
	outages?: Outage[];
	settings?: PartialSettings;
	start?: number;
	/** Share of status callbacks that never arrive. */
	lostCallbacks?: number;
	/** Share of callbacks delivered twice. */
	duplicateCallbacks?: number;
	/** Only this many not-final contacts are passed to Release (a hopper), to keep long simulations fast. */
	hopper?: number;
	/** Relative circle sizes, parallel to `circles` (default: 1 + index % 5). */
	circleWeights?: number[];
}

/**
 * A deterministic world: contact rows (the "sheet"), a truth table of calls, and an outcome model. The engine
 * is driven by `runSerial` (one execution at a time) — the concurrency test has its own driver.
 */
export class World {
	readonly rng: () => number;
	readonly settings: PacingSettings;
	readonly rows: Array<ContactInput & { final?: boolean }>;
	readonly byKey = new Map<string, ContactInput & { final?: boolean }>();
	readonly truth = new Map<string, TruthCall>();
	readonly sendTimes: number[] = [];
	/** Call Details requests (they count against the same account limit). */
	readonly detailsTimes: number[] = [];
	readonly violations: string[] = [];
	readonly mixes: Record<string, Mix>;
	readonly outages: Outage[];
	state: CampaignState;
	now: number;
	private sidSeq = 0;
	private liveUntil = new Map<string, number>();
	private hopperStart = 0;
	private ready: Array<ContactInput & { final?: boolean }> = [];
	private inReady = new Set<string>();
	private retryQueue = new EventQueue<ContactInput & { final?: boolean }>();

	constructor(readonly opts: WorldOptions) {
		this.rng = mulberry32(opts.seed);
		this.settings = resolveSettings(opts.settings ?? {});
		this.now = opts.start ?? MON_10;
		this.state = createState('camp', this.now);
		const circles = opts.circles ?? CIRCLE_LIST;
		this.mixes =
			opts.mixes ??
			Object.fromEntries(
				circles.map((c, i) => [c, mix(0.25 + (0.35 * i) / Math.max(1, circles.length - 1))]),
			);
		this.outages = opts.outages ?? [];
		this.rows = [];
		for (let i = 0; i < opts.contacts; i++) {
			// uneven circle sizes: weight ~ 1 + index
			const r = this.rng();
			const w = opts.circleWeights ?? circles.map((_, j) => 1 + (j % 5));
			const total = w.reduce((a, b) => a + b, 0);
			let x = r * total;
			let k = 0;
			while (x >= w[k]) x -= w[k++];
			const row: ContactInput = {
				key: `+9190000${String(i).padStart(5, '0')}`,
				circle: circles[k],
			};
			this.rows.push(row);
			this.byKey.set(row.key, row);
		}
	}

	/**
	 * The contacts Release sees this tick. Without `hopper`: the whole sheet. With it: a ready list like a filtered
	 * sheet view — contacts whose retry is due plus fresh ones, topped up to `hopper` entries (not counting contacts
	 * of open circles); released contacts leave it, and come back through the retry queue after their outcome.
	 */
	contactsForRelease(): ContactInput[] {
		const cap = this.opts.hopper;
		if (!cap) return this.rows;
		while (this.retryQueue.peekTime() <= this.now) {
			const row = this.retryQueue.pop()!.v;
			if (!row.final && !this.inReady.has(row.key)) {
				this.ready.push(row);
				this.inReady.add(row.key);
			}
		}
		this.ready = this.ready.filter((r) => {
			if (r.final) this.inReady.delete(r.key);
			return !r.final;
		});
		const open = (r: ContactInput) => this.state.circles[r.circle ?? '']?.breaker.mode === 'open';
		let active = this.ready.reduce((a, r) => a + (open(r) ? 0 : 1), 0);
		while (active < cap && this.hopperStart < this.rows.length) {
			const row = this.rows[this.hopperStart++];
			if (row.final || this.inReady.has(row.key) || row.lastStatus !== undefined) continue;
			this.ready.push(row);
			this.inReady.add(row.key);
			if (!open(row)) active++;
		}
		return this.ready;
	}

	/** Released contacts leave the ready list. */
	released(calls: readonly ReleasedCall[]): void {
		if (!this.opts.hopper || !calls.length) return;
		const gone = new Set(calls.map((c) => c.contact));
		for (const k of gone) this.inReady.delete(k);
		this.ready = this.ready.filter((r) => !gone.has(r.key));
	}

	outageAt(circle: string, t: number): Outage | undefined {
		return this.outages.find((o) => o.circle === circle && t >= o.from && t < o.to);
	}

	/** Exotel places the call at sendAt; its outcome is drawn from the model. */
	place(rc: ReleasedCall): TruthCall {
		const sid = `sid${(++this.sidSeq).toString(16).padStart(8, '0')}${rc.contact.slice(-4)}`;
		const o = this.outageAt(rc.circle, rc.sendAt);
		const ring = this.settings.ringTimeoutSeconds * 1000;
		let status: TruthCall['status'];
		let dur: number;
		if (o?.kind === 'hard') {
			status = 'failed';
			dur = 1000 + this.rng() * 4000;
		} else if (o?.kind === 'silent') {
			status = 'no-answer';
			dur = ring;
		} else {
			const m = this.mixes[rc.circle];
			const x = this.rng();
			if (x < m.completed) {
				status = 'completed';
				dur = 5000 + this.rng() * 15000 + 20000 + this.rng() * 70000;
			} else if (x < m.completed + m.busy) {
				status = 'busy';
				dur = 2000 + this.rng() * 6000;
			} else if (x < m.completed + m.busy + m.failed) {
				status = 'failed';
				dur = 1000 + this.rng() * 4000;
			} else {
				status = 'no-answer';
				dur = ring;
			}
		}
		const call: TruthCall = {
			sid,
			contact: rc.contact,
			circle: rc.circle,
			attempt: rc.attempt,
			placedAt: rc.placedAt,
			sendAt: rc.sendAt,
			endAt: rc.sendAt + Math.round(dur),
			status,
			customField: rc.customField,
		};
		const prevEnd = this.liveUntil.get(rc.contact);
		if (prevEnd !== undefined && prevEnd > rc.sendAt) {
			this.violations.push(
				`second live call to ${rc.contact} at ${rc.sendAt} (previous ends ${prevEnd})`,
			);
		}
		this.liveUntil.set(rc.contact, call.endAt);
		this.truth.set(sid, call);
		this.sendTimes.push(rc.sendAt);
		return call;
	}

	/** Applies write-backs to the sheet (row-level, durable). */
	writeRows(wbs: readonly WriteBack[]): void {
		for (const wb of wbs) {
			const row = this.byKey.get(wb.contact);
			if (!row) continue;
			row.attempts = wb.attemptsToWrite;
			row.lastStatus = wb.lastStatus;
			if (wb.lastCallSid !== undefined) row.lastCallSid = wb.lastCallSid;
			row.lastAttemptAt = wb.lastAttemptAt;
			row.nextRetryAt = wb.nextRetryAt;
			row.refunded = wb.refunded;
			row.final = wb.final;
			if (this.opts.hopper && !wb.final && wb.lastStatus !== 'in-progress')
				this.retryQueue.push(wb.nextRetryAt ?? this.now, row);
		}
	}

	callbackFor(call: TruthCall, source = 'callback'): OutcomeInput {
		return {
			callSid: call.sid,
			status: call.status,
			at: call.endAt,
			correlation: decodeCorrelation(call.customField),
			source,
		};
	}

	/** Truth counts by status of all calls placed. */
	truthCounts(): Record<string, number> {
		const c: Record<string, number> = {
			attempted: 0,
			completed: 0,
			busy: 0,
			'no-answer': 0,
			failed: 0,
		};
		for (const call of this.truth.values()) {
			c.attempted++;
			c[call.status]++;
		}
		return c;
	}
}

type Ev = { kind: 'connect'; rc: ReleasedCall } | { kind: 'callback'; call: TruthCall };

export interface SerialRunResult {
	ticks: number;
	releaseMs: number[];
	maxStateBytes: number;
	transitions: Array<{ circle: string; to: string; at: number; reason: string }>;
}

/**
 * Runs the engine one execution at a time: Release every tick; Connect Call at each sendAt (registers the call and
 * writes the row); callbacks at the end of each call (+ a small delay), recorded in slices of `sliceMs`.
 * Reconciliation runs every tick.
 */
export function runSerial(
	w: World,
	until: number,
	opts: {
		sliceMs?: number;
		measureSize?: boolean;
		onTick?: (w: World, released: readonly ReleasedCall[]) => void;
		stopReleasingAt?: number;
		/** Time to the next tick (default tickSeconds); lets a test make ticks irregular. */
		tickInterval?: (w: World) => number;
	} = {},
): SerialRunResult {
	const tickMs = w.settings.tickSeconds * 1000;
	const slice = opts.sliceMs ?? 5000;
	const q = new EventQueue<Ev>();
	const res: SerialRunResult = { ticks: 0, releaseMs: [], maxStateBytes: 0, transitions: [] };
	let nextTick = w.now;
	const lost = w.opts.lostCallbacks ?? 0;
	const dup = w.opts.duplicateCallbacks ?? 0;
	while (w.now < until) {
		// events of the current slice, in time order, as batches per kind
		const sliceEnd = nextTick > w.now ? Math.min(w.now + slice, nextTick) : w.now + slice;
		const connects: ReleasedCall[] = [];
		const callbacks: OutcomeInput[] = [];
		while (q.peekTime() < sliceEnd) {
			const e = q.pop()!;
			if (e.v.kind === 'connect') {
				const call = w.place(e.v.rc);
				connects.push(e.v.rc);
				const delay = 200 + w.rng() * 3000;
				if (w.rng() >= lost) q.push(call.endAt + delay, { kind: 'callback', call });
				if (w.rng() < dup)
					q.push(call.endAt + delay + 5000 + w.rng() * 60000, { kind: 'callback', call });
				(e.v.rc as ReleasedCall & { sid?: string }).sid = call.sid;
			} else {
				callbacks.push(w.callbackFor(e.v.call));
			}
		}
		w.now = sliceEnd;
		if (connects.length) {
			const reg = recordOutcomes(
				w.state,
				connects.map((rc) => ({
					callSid: (rc as ReleasedCall & { sid?: string }).sid,
					status: 'in-progress',
					correlation: rc.correlation,
					source: 'connect',
				})),
				w.now,
				w.settings,
			);
			w.state = reg.state;
			w.writeRows(reg.writeBacks);
		}
		if (callbacks.length) {
			const r = recordOutcomes(w.state, callbacks, w.now, w.settings);
			w.state = r.state;
			w.writeRows(r.writeBacks);
			for (const t of r.transitions)
				res.transitions.push({ circle: t.circle, to: t.to, at: t.at, reason: t.reason });
		}
		if (w.now >= nextTick) {
			nextTick = w.now + (opts.tickInterval ? opts.tickInterval(w) : tickMs);
			res.ticks++;
			// reconciliation lane
			const plan = callsToReconcile(w.state, w.now, w.settings);
			if (plan.callSids.length) {
				w.state = markReconcileRequested(w.state, plan.callSids, w.now, w.settings);
				w.detailsTimes.push(w.now);
				const answers: OutcomeInput[] = plan.callSids.map((sid) => {
					const call = w.truth.get(sid);
					if (!call) return { callSid: sid, status: 'not-found', source: 'reconcile' };
					return call.endAt <= w.now
						? { callSid: sid, status: call.status, at: call.endAt, source: 'reconcile' }
						: { callSid: sid, status: 'in-progress', source: 'reconcile' };
				});
				const r = recordOutcomes(w.state, answers, w.now, w.settings);
				w.state = r.state;
				w.writeRows(r.writeBacks);
			}
			let released: readonly ReleasedCall[] = [];
			if (opts.stopReleasingAt === undefined || w.now < opts.stopReleasingAt) {
				const contacts = w.contactsForRelease();
				const t0 = performance.now();
				const rel = release(w.state, contacts, w.now, w.settings);
				res.releaseMs.push(performance.now() - t0);
				w.state = rel.state;
				for (const t of rel.transitions)
					res.transitions.push({ circle: t.circle, to: t.to, at: t.at, reason: t.reason });
				for (const rc of rel.released) q.push(rc.sendAt, { kind: 'connect', rc });
				released = rel.released;
				w.released(rel.released);
			}
			opts.onTick?.(w, released);
			if (opts.measureSize)
				res.maxStateBytes = Math.max(
					res.maxStateBytes,
					JSON.stringify(storedState(w.state)).length,
				);
		}
	}
	return res;
}

/**
 * 60 contacts released at MON_10 (circle of contact i: `circles[i % circles.length]`), every released call
 * registered live at +2 s, and the first 20 finished at `finishedAt` (seen at `now`) as completed / busy /
 * no-answer / failed in turn. Shared by the stats and dashboard tests.
 */
export function campaignWithFinishedCalls(
	name: string,
	circles: string[],
	finishedAt: number,
	now: number,
	settings: PacingSettings,
): CampaignState {
	const contacts = [...Array(60)].map((_, i) => ({
		key: `+9198${String(i).padStart(8, '0')}`,
		circle: circles[i % circles.length],
	}));
	const r = release(createState(name, MON_10), contacts, MON_10, settings);
	const reg = recordOutcomes(
		r.state,
		r.released.map((c, i) => ({
			callSid: `S${i}`,
			status: 'in-progress',
			correlation: c.correlation,
		})),
		MON_10 + 2000,
		settings,
	);
	const statuses = ['completed', 'busy', 'no-answer', 'failed'];
	return recordOutcomes(
		reg.state,
		r.released
			.slice(0, 20)
			.map((c, i) => ({ callSid: `S${i}`, status: statuses[i % 4], at: finishedAt })),
		now,
		settings,
	).state;
}
