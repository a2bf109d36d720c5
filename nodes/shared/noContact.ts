/**
 * An item without any field: what a read that found nothing emits with Always Output Data (examples/04). It is no
 * contact; Number Lookup passes it on and Release runs without it. Checked per row of a list of up to 100,000 items,
 * so it stops at the first field instead of listing them all.
 */
export function isFieldless(json: object): boolean {
	for (const key in json) if (Object.prototype.hasOwnProperty.call(json, key)) return false;
	return true;
}
