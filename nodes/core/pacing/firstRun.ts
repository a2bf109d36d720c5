/**
 * The first run of a campaign releases nothing: it saves the campaign's settings, and dialling starts at the next
 * run. n8n saves static data only when an execution ends, and the first tick runs for its whole interval while it
 * dials; status callbacks of its calls would otherwise be recorded with the default settings (retry gaps, max
 * attempts) and write those into the rows.
 */
import type { HoldReason } from './eligibility';
import type { ReleaseOptions } from './release/types';

/** What a held contact of a first run is told instead of "the budget went to other contacts". */
export const FIRST_RUN_HOLD_MESSAGE =
	'First run of this campaign: its settings are being saved; calls start with the next run.';

/** Release's options for a run: on a campaign's first run, a budget of nothing. */
export function firstRunOptions(firstRun: boolean): Pick<ReleaseOptions, 'maxRelease'> {
	return firstRun ? { maxRelease: 0 } : {};
}

/** The warning a campaign's first run shows. */
export function firstRunWarning(campaign: string): string {
	return `Campaign "${campaign}" started: its settings are saved by this run; calls start with the next run.`;
}

/** A held contact's message: on a first run the budget holds (every eligible contact) say why. */
export function runHoldMessage(
	hold: { reason: HoldReason; message: string },
	firstRun: boolean,
): string {
	return firstRun && hold.reason === 'budget_used' ? FIRST_RUN_HOLD_MESSAGE : hold.message;
}
