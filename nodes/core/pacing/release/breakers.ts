/** Release, breakers: advance every circle's breaker to `now` before anything is released. */
import type { PacingSettings } from '../settings';
import type { CampaignState } from '../state';
import { healthPicture } from '../health';
import {
	advanceBreaker,
	evaluateTrip,
	openBreaker,
	settleVanishedProbes,
	type BreakerTransition,
} from '../breaker';
import { matureRuns } from '../runs';

/**
 * Open breakers whose cooldown is over turn half-open, probes that vanished from the in-flight list are settled,
 * and a closed circle may trip on time alone: calls placed long enough ago have matured (runs.ts).
 */
export function advanceBreakers(
	s: CampaignState,
	now: number,
	settings: PacingSettings,
): BreakerTransition[] {
	const transitions: BreakerTransition[] = [];
	const probesInFlight = new Map<string, number>();
	for (const f of s.inFlight)
		if (f.probe) probesInFlight.set(f.circle, (probesInFlight.get(f.circle) ?? 0) + 1);
	// Computed first: turning half-open or settling probes changes no closed circle, so the picture stays true.
	const health = healthPicture(s, now, settings);
	for (const [name, c] of Object.entries(s.circles)) {
		const t = advanceBreaker(name, c, now);
		if (t) transitions.push(t);
		const inFlight = probesInFlight.get(name) ?? 0;
		const exp = health.circles.get(name)?.exp;
		const v = settleVanishedProbes(name, c, inFlight, now, settings, exp);
		if (v) transitions.push(v);
	}
	for (const [name, c] of Object.entries(s.circles)) {
		if (c.breaker.mode !== 'closed') continue;
		if (!matureRuns(c, now, health.circles.get(name)!.exp, settings)) continue;
		const reason = evaluateTrip(health.circles.get(name), c, settings);
		if (reason) transitions.push(openBreaker(name, c, now, reason, settings));
	}
	return transitions;
}
