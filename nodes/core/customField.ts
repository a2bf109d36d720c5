/**
 * Which CustomField Connect Call sends when the user leaves it empty: the Pacing Controller's correlation id
 * (pacing.customField of the released item), or an unsigned one built from the item (correlation.ts, x1).
 */
import { toCircleCode } from './circles';
import { encodeCorrelation } from './correlation';
import { normalizeIndianPhone } from './phone';

function digitsOf(value: string): string {
	const parsed = normalizeIndianPhone(value);
	return (parsed.ok ? parsed.e164 : value).replace(/\D/g, '');
}

/** The correlation id the Pacing Controller put on a released item (pacing.customField), trimmed. */
export function pacingCustomField(json: Record<string, unknown>): string | undefined {
	const pacing = json.pacing as Record<string, unknown> | undefined;
	if (
		pacing &&
		typeof pacing === 'object' &&
		typeof pacing.customField === 'string' &&
		pacing.customField.trim()
	) {
		return pacing.customField.trim();
	}
	return undefined;
}

/**
 * The automatic CustomField: the Pacing Controller's correlation id, or one built from the item. `customer` is the
 * number of the person being called: From for a call flow, To for number to number (there From is the agent, rung
 * first, and To is what Exotel's Connect API calls the customer's number), so a callback names the customer.
 */
export function automaticCustomField(json: Record<string, unknown>, customer: string): string {
	const pacing = pacingCustomField(json);
	if (pacing) return pacing;
	const previous = Number(json.attempts ?? 0);
	const circle = toCircleCode(json.circle);
	return encodeCorrelation({
		campaign: '',
		contact: digitsOf(customer),
		attempt: (Number.isFinite(previous) && previous > 0 ? Math.floor(previous) : 0) + 1,
		...(circle ? { circle } : {}),
	});
}
