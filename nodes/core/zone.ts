/**
 * A luxon time zone that remembers its UTC offsets. Luxon asks Intl for an IANA zone's offset every time it makes
 * or re-zones a DateTime (Intl.DateTimeFormat#formatToParts, tens of microseconds each); Release formats and reads
 * three or four times per contact, and at a few hundred contacts a tick that was three quarters of its run. The offsets
 * are luxon's own: this zone only keeps them, an hour at a time (test/unit/zone.test.ts).
 */
import { IANAZone, Zone } from 'luxon';

const HOUR_MS = 3_600_000;
/** Hours remembered before the memo starts again (a year of hours is ~9,000; each entry is two numbers). */
const MAX_HOURS = 20_000;

export class MemoizedZone extends Zone {
	private readonly hours = new Map<number, number | null>();
	/** Offsets asked of luxon's IANA zone (what the memo saves; read by tests). */
	lookups = 0;

	constructor(private readonly iana: IANAZone) {
		super();
	}

	get type(): string {
		return 'iana';
	}

	get name(): string {
		return this.iana.name;
	}

	get ianaName(): string {
		return this.iana.name;
	}

	get isUniversal(): boolean {
		return false;
	}

	get isValid(): boolean {
		return this.iana.isValid;
	}

	offsetName(ts: number, options: { format?: 'short' | 'long'; locale?: string }): string | null {
		return this.iana.offsetName(ts, options);
	}

	formatOffset(ts: number, format: 'narrow' | 'short' | 'techie'): string {
		return this.iana.formatOffset(ts, format);
	}

	/**
	 * The offset at `ts` in minutes. An hour whose first and last millisecond share an offset has it throughout: no
	 * zone changes its offset twice within an hour. An hour with a change in it is asked of luxon every time.
	 */
	offset(ts: number): number {
		const hour = Math.floor(ts / HOUR_MS);
		let known = this.hours.get(hour);
		if (known === undefined) {
			const first = this.ask(hour * HOUR_MS);
			known = first === this.ask(hour * HOUR_MS + HOUR_MS - 1) ? first : null;
			if (this.hours.size >= MAX_HOURS) this.hours.clear();
			this.hours.set(hour, known);
		}
		return known ?? this.ask(ts);
	}

	equals(other: Zone): boolean {
		return other.type === 'iana' && other.name === this.name;
	}

	private ask(ts: number): number {
		this.lookups++;
		return this.iana.offset(ts);
	}
}

const zones = new Map<string, MemoizedZone>();

/** The memoized zone for an IANA name (one per name, shared); an unknown name gives an invalid zone, as luxon's. */
export function memoizedZone(name: string): MemoizedZone {
	let zone = zones.get(name);
	if (!zone) {
		zone = new MemoizedZone(IANAZone.create(name));
		if (zone.isValid) zones.set(name, zone);
	}
	return zone;
}
