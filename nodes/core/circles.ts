/**
 * Indian telecom circles (licensed service areas) as Exotel codes them.
 * Source: Exotel's InRegion filter values (docs/exotel-api.md §2.1); CH is the historic Chennai circle.
 */
export const CIRCLES = {
	AP: 'Andhra Pradesh Telecom Circle',
	AS: 'Assam Telecom Circle',
	BR: 'Bihar & Jharkhand Telecom Circle',
	CH: 'Chennai Telecom Circle',
	DL: 'Delhi Metro Telecom Circle (includes NCR)',
	GJ: 'Gujarat Telecom Circle (includes Daman & Diu, Dadra & Nagar Haveli)',
	HP: 'Himachal Pradesh Telecom Circle',
	HR: 'Haryana Telecom Circle',
	JK: 'Jammu & Kashmir Telecom Circle',
	KA: 'Karnataka Telecom Circle',
	KL: 'Kerala Telecom Circle (includes Lakshadweep)',
	KO: 'Kolkata Metro Telecom Circle',
	MH: 'Maharashtra Telecom Circle (excludes Mumbai)',
	MP: 'Madhya Pradesh & Chhattisgarh Telecom Circle',
	MU: 'Mumbai Metro Telecom Circle',
	NE: 'North East Telecom Circle',
	OR: 'Odisha Telecom Circle',
	PB: 'Punjab Telecom Circle',
	RJ: 'Rajasthan Telecom Circle',
	TN: 'Tamil Nadu Telecom Circle (includes Chennai)',
	UE: 'Uttar Pradesh (East) Telecom Circle',
	UW: 'Uttar Pradesh (West) Telecom Circle',
	WB: 'West Bengal Telecom Circle',
} as const;

export type CircleCode = keyof typeof CIRCLES;

export const CIRCLE_CODES = Object.keys(CIRCLES).sort() as CircleCode[];

export function isCircleCode(value: unknown): value is CircleCode {
	return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CIRCLES, value);
}

/** Upper-cases and validates a circle code; returns undefined for anything Exotel would not send. */
export function toCircleCode(value: unknown): CircleCode | undefined {
	if (typeof value !== 'string') return undefined;
	const code = value.trim().toUpperCase();
	return isCircleCode(code) ? code : undefined;
}

/**
 * Neighbouring circles, tried in order when no ExoPhone of the callee's own circle exists.
 * Metro circles pair with the state around them, UP East with UP West, and Chennai now lives in Tamil Nadu.
 */
export const NEIGHBOURS: Record<CircleCode, CircleCode[]> = {
	AP: ['KA', 'TN', 'OR'],
	AS: ['NE', 'WB'],
	BR: ['UE', 'WB', 'OR'],
	CH: ['TN', 'AP', 'KA'],
	DL: ['HR', 'UW', 'PB'],
	GJ: ['RJ', 'MH', 'MP'],
	HP: ['PB', 'JK', 'HR'],
	HR: ['DL', 'PB', 'UW'],
	JK: ['HP', 'PB'],
	KA: ['AP', 'TN', 'KL', 'MH'],
	KL: ['TN', 'KA'],
	KO: ['WB', 'OR', 'BR'],
	MH: ['MU', 'GJ', 'KA', 'MP'],
	MP: ['RJ', 'GJ', 'MH', 'UW'],
	MU: ['MH', 'GJ'],
	NE: ['AS', 'WB'],
	OR: ['WB', 'AP', 'BR'],
	PB: ['HR', 'HP', 'DL'],
	RJ: ['GJ', 'MP', 'HR'],
	TN: ['CH', 'KL', 'KA', 'AP'],
	UE: ['UW', 'BR'],
	UW: ['UE', 'DL', 'HR'],
	WB: ['KO', 'OR', 'AS'],
};

/**
 * The one circle name under which the pacing engine keeps every contact whose circle is not a known code (free
 * text in a sheet, a forged callback): per-circle state stays bounded by CIRCLE_CODES plus this bucket.
 */
export const UNKNOWN_CIRCLE = 'unknown';

/** A known code, UNKNOWN_CIRCLE for any other non-empty text, '' for none (not a string, or blank). */
export function circleBucket(value: unknown): string {
	if (typeof value !== 'string') return '';
	const code = value.trim().toUpperCase();
	if (code === '') return '';
	return isCircleCode(code) ? code : UNKNOWN_CIRCLE;
}
