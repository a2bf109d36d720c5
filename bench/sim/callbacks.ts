/**
 * Status-callback delivery: for each call, when (if at all) its terminal callback reaches the workflow, and
 * whether a duplicate follows. Seeded per (seed, contact, call ordinal), so every policy sees the same faults for
 * "the k-th call to this number", whatever else happened in its run.
 */
import { deriveRng, type Seed } from '../../simulator/rng';
import type { CallbackFaults } from './scenarios';

/** Delays (ms after the call ends) of each delivery; [] = lost. */
export function callbackDeliveries(
	seed: Seed,
	national: string,
	ordinal: number,
	faults: CallbackFaults,
): number[] {
	const rng = deriveRng(seed, 'callback', national, ordinal);
	// Always draw all four numbers so the streams stay aligned whatever the rates.
	const lost = rng.next() < faults.dropRate;
	const delay = rng.int(faults.delayMs.min, faults.delayMs.max);
	const duplicated = rng.next() < faults.duplicateRate;
	const dupDelay = rng.int(faults.duplicateDelayMs.min, faults.duplicateDelayMs.max);
	if (lost) return [];
	return duplicated ? [delay, delay + dupDelay] : [delay];
}
