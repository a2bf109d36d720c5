/**
 * Pause / Resume / Reset of one campaign state.
 *
 * Pause stops releasing (every contact is held 'campaign_paused'); calls already placed finish, and their outcomes
 * are still recorded and reconciled. Resume lets Release continue at the next tick. Reset returns a fresh state
 * (counters, breakers and health start over; the contacts' own history stays in the source) — calls still in
 * flight are forgotten, but their contact rows keep blocking a re-dial until their lease ends.
 */
import type { CampaignState } from './state';
import { cloneState, createState, MAX_PAUSE_REASON } from './state';

/** `because`: why the package itself paused the campaign (a user's Pause gives none). */
export function pauseCampaign(state: CampaignState, now: number, because?: string): CampaignState {
	const reason = because === undefined ? null : because.slice(0, MAX_PAUSE_REASON);
	if (state.paused && (reason === null || state.pausedBecause === reason)) return state;
	const s = cloneState(state);
	if (!s.paused) s.pausedAt = now;
	s.paused = true;
	if (reason !== null) s.pausedBecause = reason;
	s.updatedAt = now;
	return s;
}

export function resumeCampaign(state: CampaignState, now: number): CampaignState {
	if (!state.paused) return state;
	const s = cloneState(state);
	s.paused = false;
	s.pausedAt = null;
	s.pausedBecause = null;
	s.updatedAt = now;
	return s;
}

export function resetCampaign(
	state: CampaignState | null | undefined,
	campaign: string,
	now: number,
): CampaignState {
	return createState(state?.campaign ?? campaign, now);
}
