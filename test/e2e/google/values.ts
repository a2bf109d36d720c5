/**
 * Cell values the way Google Sheets stores and renders them.
 *
 * Input (valueInputOption):
 *   RAW           strings stay strings exactly (`+91…`, `=1+1`, `'x`, `TRUE`), JSON numbers/booleans stay typed.
 *   USER_ENTERED  as if typed into the UI (en_US locale): `'…` → text without the apostrophe; `=…` → formula;
 *                 `true`/`TRUE`/`True` → boolean; numbers incl. a leading `+`, leading zeros (`0987` → 987),
 *                 thousands separators (`1,234`), percentages (`12%` → 0.12), dollars (`$5`); dates
 *                 `2024-01-15`, `2024/01/15`, `1/15/2024`, optionally with ` 10:30[:00]` → date serial numbers.
 *                 Anything else stays text (e.g. `+91 98765 43210`, ISO timestamps with `T`).
 *   In both, JSON null = leave the cell as it is, "" = clear it.
 * Output (valueRenderOption):
 *   FORMATTED_VALUE    every value as the string the UI shows (numbers formatted, booleans TRUE/FALSE)
 *   UNFORMATTED_VALUE  numbers as numbers, booleans as booleans, dates per dateTimeRenderOption
 *                      (SERIAL_NUMBER default → serial number; FORMATTED_STRING → as shown)
 *   FORMULA            like UNFORMATTED_VALUE, but formulas as their text
 * Formulas are stored, not evaluated: every render option returns the formula text (a documented deviation).
 */
export type Cell =
	| { t: 's'; v: string }
	| { t: 'n'; v: number; fmt?: string }
	| { t: 'b'; v: boolean }
	| { t: 'd'; v: number; fmt: string }
	| { t: 'f'; v: string };

export type ValueInputOption = 'RAW' | 'USER_ENTERED';
export type ValueRenderOption = 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE' | 'FORMULA';
export type DateTimeRenderOption = 'SERIAL_NUMBER' | 'FORMATTED_STRING';
export type JsonCell = string | number | boolean;

export class ValueError extends Error {}

/** Parse one value of a write request. undefined = skip (JSON null), null = clear the cell. */
export function parseInput(
	value: unknown,
	option: ValueInputOption,
	where: string,
): Cell | null | undefined {
	if (value === null || value === undefined) return undefined;
	if (typeof value === 'object') {
		throw new ValueError(`Invalid values${where}: struct_value ${JSON.stringify(value)}`);
	}
	if (typeof value === 'boolean') return { t: 'b', v: value };
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new ValueError(`Invalid values${where}: ${value}`);
		return { t: 'n', v: value };
	}
	const s = String(value);
	if (s === '') return null;
	if (option === 'RAW') return { t: 's', v: s };
	return parseUserEntered(s);
}

const DAY_MS = 86400000;
const EPOCH_OFFSET = 25569; // days from 1899-12-30 to 1970-01-01

function serial(y: number, mo: number, d: number, h = 0, mi = 0, se = 0): number | null {
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return null;
	const ms = Date.UTC(y, mo - 1, d, h, mi, se);
	const dt = new Date(ms);
	if (dt.getUTCDate() !== d) return null; // 2024-02-31
	return ms / DAY_MS + EPOCH_OFFSET;
}

export function parseUserEntered(s: string): Cell {
	if (s.startsWith("'")) return { t: 's', v: s.slice(1) };
	if (s.startsWith('=') && s.length > 1) return { t: 'f', v: s };
	const x = s.trim();
	if (/^(true|false)$/i.test(x)) return { t: 'b', v: x.toLowerCase() === 'true' };
	let m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?$/.exec(x);
	if (m) {
		const n = Number(`${m[1] === '-' ? '-' : ''}${m[2]}${m[3] !== undefined ? `e${m[3]}` : ''}`);
		return m[3] !== undefined ? { t: 'n', v: n, fmt: 'sci' } : { t: 'n', v: n };
	}
	m = /^([+-]?)(\d{1,3}(?:,\d{3})+)(\.\d+)?$/.exec(x);
	if (m) {
		const n = Number(`${m[1] === '-' ? '-' : ''}${m[2].replace(/,/g, '')}${m[3] ?? ''}`);
		return { t: 'n', v: n, fmt: `#,##0${m[3] ? `.${'0'.repeat(m[3].length - 1)}` : ''}` };
	}
	m = /^([+-]?)(\d+(?:\.\d+)?)%$/.exec(x);
	if (m) {
		const dec = (m[2].split('.')[1] ?? '').length;
		return { t: 'n', v: Number(`${m[1] === '-' ? '-' : ''}${m[2]}`) / 100, fmt: `pct${dec}` };
	}
	m = /^([+-]?)\$(\d+(?:,\d{3})*(?:\.\d+)?)$/.exec(x);
	if (m)
		return { t: 'n', v: Number(`${m[1] === '-' ? '-' : ''}${m[2].replace(/,/g, '')}`), fmt: 'usd' };
	// dates (en_US): yyyy-mm-dd, yyyy/mm/dd, m/d/yyyy, optional time
	m = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(x);
	if (m) {
		const v = serial(+m[1], +m[3], +m[4], +(m[5] ?? 0), +(m[6] ?? 0), +(m[7] ?? 0));
		if (v !== null) {
			const sep = m[2];
			const fmt = `yyyy${sep}mm${sep}dd${m[5] !== undefined ? ' hh:mm:ss' : ''}`;
			return { t: 'd', v, fmt };
		}
	}
	m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(x);
	if (m) {
		const v = serial(+m[3], +m[1], +m[2], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
		if (v !== null) return { t: 'd', v, fmt: `m/d/yyyy${m[4] !== undefined ? ' h:mm:ss' : ''}` };
	}
	return { t: 's', v: s };
}

/** The "Automatic" number format: integers in full below 1e15, otherwise up to 10 significant digits / E notation. */
export function generalNumber(n: number): string {
	if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
	const a = Math.abs(n);
	if (a >= 1e15 || (a !== 0 && a < 1e-9)) return sci(n);
	return String(parseFloat(n.toPrecision(10)));
}

function sci(n: number): string {
	const [mant, exp] = n.toExponential(2).split('e');
	const e = Number(exp);
	return `${mant}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function pad(n: number, w = 2): string {
	return String(n).padStart(w, '0');
}

export function formatDate(v: number, fmt: string): string {
	const ms = Math.round(((v - EPOCH_OFFSET) * DAY_MS) / 1000) * 1000;
	const d = new Date(ms);
	const [Y, M, D, h, mi, se] = [
		d.getUTCFullYear(),
		d.getUTCMonth() + 1,
		d.getUTCDate(),
		d.getUTCHours(),
		d.getUTCMinutes(),
		d.getUTCSeconds(),
	];
	if (fmt.startsWith('yyyy')) {
		const sep = fmt[4];
		return `${Y}${sep}${pad(M)}${sep}${pad(D)}${fmt.includes('hh') ? ` ${pad(h)}:${pad(mi)}:${pad(se)}` : ''}`;
	}
	return `${M}/${D}/${Y}${fmt.includes('h:') ? ` ${h}:${pad(mi)}:${pad(se)}` : ''}`;
}

export function formatted(c: Cell): string {
	switch (c.t) {
		case 's':
		case 'f':
			return c.v;
		case 'b':
			return c.v ? 'TRUE' : 'FALSE';
		case 'd':
			return formatDate(c.v, c.fmt);
		case 'n': {
			if (!c.fmt) return generalNumber(c.v);
			if (c.fmt === 'sci') return sci(c.v);
			if (c.fmt === 'usd') {
				const s = Math.abs(c.v).toLocaleString('en-US', {
					minimumFractionDigits: 2,
					maximumFractionDigits: 2,
				});
				return `${c.v < 0 ? '-' : ''}$${s}`;
			}
			if (c.fmt.startsWith('pct')) return `${(c.v * 100).toFixed(Number(c.fmt.slice(3)))}%`;
			const dec = (c.fmt.split('.')[1] ?? '').length;
			return c.v.toLocaleString('en-US', {
				minimumFractionDigits: dec,
				maximumFractionDigits: dec,
			});
		}
	}
}

export function render(c: Cell, opt: ValueRenderOption, dt: DateTimeRenderOption): JsonCell {
	if (opt === 'FORMATTED_VALUE') return formatted(c);
	switch (c.t) {
		case 'd':
			return dt === 'FORMATTED_STRING' ? formatted(c) : c.v;
		default:
			return c.v;
	}
}
