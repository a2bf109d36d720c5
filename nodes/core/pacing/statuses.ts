/**
 * Exotel call statuses as the pacing engine sees them.
 *
 * Terminal (the call is over): completed, busy, no-answer, failed, canceled.
 * Live (the call exists and has no outcome yet): queued, ringing, in-progress (also what Connect Call returns and
 * what an "answered" callback carries).
 * Ours: not-placed (the Connect Call request failed, no call exists), not-found (reconciliation: Exotel does not
 * know the CallSid, or did not return it).
 */
export type Category = 'completed' | 'busy' | 'noAnswer' | 'failed' | 'other';

export const CATEGORIES: readonly Category[] = ['completed', 'busy', 'noAnswer', 'failed', 'other'];

const TERMINAL: Record<string, Category> = {
	completed: 'completed',
	busy: 'busy',
	'no-answer': 'noAnswer',
	failed: 'failed',
	canceled: 'other',
	cancelled: 'other',
};

const LIVE = new Set(['queued', 'ringing', 'in-progress', 'initiated', 'dialing', 'answered']);

/** Lower case, spaces and underscores to hyphens: "No Answer" -> "no-answer". */
export function normaliseStatus(raw: unknown): string {
	if (typeof raw !== 'string') return '';
	const s = raw.trim().toLowerCase();
	if (
		s === 'completed' ||
		s === 'busy' ||
		s === 'failed' ||
		s === 'no-answer' ||
		s === 'in-progress'
	)
		return s;
	return s.replace(/[\s_]+/g, '-');
}

export function categoryOf(status: string): Category | undefined {
	return TERMINAL[status];
}

export function isTerminalStatus(status: string): boolean {
	return TERMINAL[status] !== undefined;
}

export function isLiveStatus(status: string): boolean {
	return LIVE.has(status);
}

/** Statuses that can be refunded when the circle turns out to be down: the network, not the callee, failed. */
export function isRefundable(category: Category | undefined): boolean {
	return category === 'failed' || category === 'noAnswer';
}
