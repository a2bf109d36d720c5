/** Counting one resolved call into the campaign totals and its circle's counters (owned state). */
import type { Category } from './statuses';
import type { CampaignState, CircleState } from './state';

export function countCategory(s: CampaignState, cs: CircleState | undefined, cat: Category): void {
	switch (cat) {
		case 'completed':
			s.totals.completed++;
			if (cs) cs.counters.completed++;
			break;
		case 'busy':
			s.totals.busy++;
			if (cs) cs.counters.busy++;
			break;
		case 'noAnswer':
			s.totals.noAnswer++;
			if (cs) cs.counters.noAnswer++;
			break;
		case 'failed':
			s.totals.failed++;
			if (cs) cs.counters.failed++;
			break;
		default:
			s.totals.other++;
			if (cs) cs.counters.other++;
	}
}
