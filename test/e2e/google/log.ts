/** Request log and quota windows of the Google emulator. */
export type RequestKind = 'token' | 'read' | 'write' | 'metadata' | 'other';

export interface LogEntry {
	/** Emulator clock (ms since epoch) when the request arrived. */
	t: number;
	kind: RequestKind;
	method: string;
	host: string;
	/** Path without the query string, URL-decoded. */
	path: string;
	query: string;
	status: number;
	/** Principal (service account e-mail / OAuth user) when known. */
	user?: string;
	/** Short API name, e.g. values.get, values.batchUpdate, spreadsheets.get, token.jwt-bearer. */
	api?: string;
	/** For errors: Google's message. */
	error?: string;
	ms?: number;
	/** Request body (only with the emulator's logBodies option). */
	body?: string;
}

export interface LogSummary {
	total: number;
	byKind: Record<RequestKind, number>;
	byApi: Record<string, number>;
	byStatus: Record<string, number>;
	/** Requests per clock minute (minute = floor(t / 60 000) relative to the first request). */
	perMinute: Array<{ minute: number; start: string } & Record<RequestKind, number>>;
	/** Max Sheets read requests (read + metadata; as Google counts them) in any 60 s window, all attempts / accepted only. */
	maxReadsIn60s: number;
	maxWritesIn60s: number;
	maxAcceptedReadsIn60s: number;
	maxAcceptedWritesIn60s: number;
	count429: number;
	first?: string;
	last?: string;
}

/** Max number of timestamps in any window [t, t + windowMs). */
export function maxInWindow(times: number[], windowMs = 60000): number {
	const ts = [...times].sort((a, b) => a - b);
	let best = 0;
	let j = 0;
	for (let i = 0; i < ts.length; i++) {
		while (ts[i] - ts[j] >= windowMs) j++;
		best = Math.max(best, i - j + 1);
	}
	return best;
}

export const isReadKind = (k: RequestKind) => k === 'read' || k === 'metadata';

export class RequestLog {
	readonly entries: LogEntry[] = [];

	add(e: LogEntry): void {
		this.entries.push(e);
	}

	clear(): void {
		this.entries.length = 0;
	}

	since(t: number): LogEntry[] {
		return this.entries.filter((e) => e.t >= t);
	}

	summary(entries: LogEntry[] = this.entries): LogSummary {
		const kinds: RequestKind[] = ['token', 'read', 'write', 'metadata', 'other'];
		const zero = () => Object.fromEntries(kinds.map((k) => [k, 0])) as Record<RequestKind, number>;
		const byKind = zero();
		const byApi: Record<string, number> = {};
		const byStatus: Record<string, number> = {};
		const minutes = new Map<number, Record<RequestKind, number>>();
		const t0 = entries.length ? Math.min(...entries.map((e) => e.t)) : 0;
		for (const e of entries) {
			byKind[e.kind]++;
			if (e.api) byApi[e.api] = (byApi[e.api] ?? 0) + 1;
			byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
			const m = Math.floor((e.t - t0) / 60000);
			if (!minutes.has(m)) minutes.set(m, zero());
			minutes.get(m)![e.kind]++;
		}
		const reads = entries.filter((e) => isReadKind(e.kind));
		const writes = entries.filter((e) => e.kind === 'write');
		const ok = (e: LogEntry) => e.status !== 429;
		return {
			total: entries.length,
			byKind,
			byApi,
			byStatus,
			perMinute: [...minutes.entries()]
				.sort((a, b) => a[0] - b[0])
				.map(([minute, c]) => ({
					minute,
					start: new Date(t0 + minute * 60000).toISOString(),
					...c,
				})),
			maxReadsIn60s: maxInWindow(reads.map((e) => e.t)),
			maxWritesIn60s: maxInWindow(writes.map((e) => e.t)),
			maxAcceptedReadsIn60s: maxInWindow(reads.filter(ok).map((e) => e.t)),
			maxAcceptedWritesIn60s: maxInWindow(writes.filter(ok).map((e) => e.t)),
			count429: entries.filter((e) => e.status === 429).length,
			first: entries.length ? new Date(t0).toISOString() : undefined,
			last: entries.length
				? new Date(Math.max(...entries.map((e) => e.t))).toISOString()
				: undefined,
		};
	}

	/** Human-readable table: one line per request, then the summary. */
	format(entries: LogEntry[] = this.entries): string {
		const t0 = entries.length ? entries[0].t : 0;
		const lines = entries.map(
			(e) =>
				`${((e.t - t0) / 1000).toFixed(3).padStart(9)}s ${String(e.status).padEnd(4)} ${e.kind.padEnd(8)} ${e.method.padEnd(5)} ${e.host}${e.path}${e.query ? `?${e.query}` : ''}${e.error ? `  ! ${e.error}` : ''}`,
		);
		const s = this.summary(entries);
		lines.push(
			`total ${s.total}: ${Object.entries(s.byKind)
				.filter(([, n]) => n)
				.map(([k, n]) => `${k} ${n}`)
				.join(', ')}; ` +
				`max reads/60s ${s.maxReadsIn60s}, max writes/60s ${s.maxWritesIn60s}, 429s ${s.count429}`,
		);
		return lines.join('\n');
	}
}

export interface QuotaLimits {
	/** Sheets "Read requests per minute per user" (Google default 60). */
	readPerUser: number;
	/** Sheets "Write requests per minute per user" (default 60). */
	writePerUser: number;
	/** "Read requests per minute" per project (default 300). */
	readPerProject: number;
	/** "Write requests per minute" per project (default 300). */
	writePerProject: number;
	/** Window length in ms (default 60 000). */
	windowMs: number;
}

export const GOOGLE_DEFAULT_LIMITS: QuotaLimits = {
	readPerUser: 60,
	writePerUser: 60,
	readPerProject: 300,
	writePerProject: 300,
	windowMs: 60000,
};

export interface QuotaViolation {
	metric: 'read' | 'write';
	scope: 'user' | 'project';
	limit: number;
}

/**
 * Sliding-window quota: a request is refused when the accepted requests of its metric in the last windowMs already
 * reached the limit (per user, then per project). Refused requests are not counted. Google documents the quotas
 * as "per minute, refilled every minute"; a sliding window is the stricter reading (anything it accepts also
 * passes fixed minutes), so a workflow that stays under it here stays under it at Google.
 */
export class QuotaTracker {
	private accepted: Array<{ t: number; metric: 'read' | 'write'; user: string }> = [];

	constructor(public limits: QuotaLimits) {}

	check(now: number, metric: 'read' | 'write', user: string): QuotaViolation | null {
		const from = now - this.limits.windowMs;
		while (this.accepted.length && this.accepted[0].t <= from) this.accepted.shift();
		let mine = 0;
		let all = 0;
		for (const a of this.accepted) {
			if (a.metric !== metric) continue;
			all++;
			if (a.user === user) mine++;
		}
		const perUser = metric === 'read' ? this.limits.readPerUser : this.limits.writePerUser;
		const perProject = metric === 'read' ? this.limits.readPerProject : this.limits.writePerProject;
		if (mine >= perUser) return { metric, scope: 'user', limit: perUser };
		if (all >= perProject) return { metric, scope: 'project', limit: perProject };
		this.accepted.push({ t: now, metric, user });
		return null;
	}

	reset(): void {
		this.accepted = [];
	}
}

/** Google's 429 body for a Sheets per-minute quota (shape as returned by sheets.googleapis.com). */
export function quotaErrorBody(v: QuotaViolation, projectNumber: string): object {
	const Metric = v.metric === 'read' ? 'Read' : 'Write';
	const limitName =
		v.scope === 'user' ? `${Metric} requests per minute per user` : `${Metric} requests per minute`;
	return {
		error: {
			code: 429,
			message: `Quota exceeded for quota metric '${Metric} requests' and limit '${limitName}' of service 'sheets.googleapis.com' for consumer 'project_number:${projectNumber}'.`,
			status: 'RESOURCE_EXHAUSTED',
			details: [
				{
					'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
					reason: 'RATE_LIMIT_EXCEEDED',
					domain: 'googleapis.com',
					metadata: {
						quota_location: 'global',
						quota_metric: `sheets.googleapis.com/${v.metric}_requests`,
						quota_limit: `${Metric}RequestsPerMinutePer${v.scope === 'user' ? 'User' : 'Project'}`,
						quota_limit_value: String(v.limit),
						consumer: `projects/${projectNumber}`,
						service: 'sheets.googleapis.com',
						quota_unit: v.scope === 'user' ? '1/min/{project}/{user}' : '1/min/{project}',
					},
				},
				{
					'@type': 'type.googleapis.com/google.rpc.Help',
					links: [
						{
							description: 'Request a higher quota limit.',
							url: 'https://cloud.google.com/docs/quotas/help/request_increase',
						},
					],
				},
			],
		},
	};
}
