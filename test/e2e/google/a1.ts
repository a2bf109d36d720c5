/**
 * A1 notation as the Sheets API v4 reads and writes it: `Sheet1`, `'My Sheet'!A1:C`, `'It''s'!2:5`, `A1:B2`
 * (first sheet), `Sheet1!A:A`, `Sheet1!A5:C`, single cells. Rows/columns are 0-based inside, open ends undefined.
 */
export interface A1Ref {
	/** Sheet title, or undefined when the range names no sheet (→ first sheet). */
	sheet?: string;
	startRow?: number;
	startCol?: number;
	endRow?: number;
	endCol?: number;
	/** The range named only a sheet (whole sheet). */
	whole: boolean;
}

export function colToIndex(col: string): number {
	let n = 0;
	for (const ch of col.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
	return n - 1;
}

export function indexToCol(i: number): string {
	let s = '';
	let n = i + 1;
	while (n > 0) {
		const r = (n - 1) % 26;
		s = String.fromCharCode(65 + r) + s;
		n = Math.floor((n - 1) / 26);
	}
	return s;
}

const CELL = /^(?:([A-Za-z]{1,3})?(\d+)?)$/;

function parseCell(s: string): { row?: number; col?: number } | null {
	const m = CELL.exec(s);
	if (!m || (!m[1] && !m[2])) return null;
	const row = m[2] !== undefined ? Number(m[2]) - 1 : undefined;
	if (row !== undefined && row < 0) return null;
	return { col: m[1] ? colToIndex(m[1]) : undefined, row };
}

/** Parse the cell part (`A1:B2`, `A:C`, `2:5`, `A5:C`, `B3`); null if it is not A1 notation. */
export function parseCells(s: string): Omit<A1Ref, 'sheet' | 'whole'> | null {
	const parts = s.split(':');
	if (parts.length > 2) return null;
	const a = parseCell(parts[0]);
	if (!a) return null;
	if (parts.length === 1) {
		// a single cell must have both; `A` or `5` alone is not a range
		if (a.row === undefined || a.col === undefined) return null;
		return { startRow: a.row, startCol: a.col, endRow: a.row, endCol: a.col };
	}
	const b = parseCell(parts[1]);
	if (!b) return null;
	// `A:5` mixes a column-only start with a row-only end: invalid
	if (a.col === undefined && b.col !== undefined && a.row === undefined) return null;
	if (a.row === undefined && a.col !== undefined && b.col === undefined) return null;
	const r: Omit<A1Ref, 'sheet' | 'whole'> = {
		startRow: a.row,
		startCol: a.col,
		endRow: b.row,
		endCol: b.col,
	};
	// `A5:C` / `A:C5`: Sheets reads an end without a row as open-ended
	if (r.startRow !== undefined && r.endRow !== undefined && r.endRow < r.startRow)
		[r.startRow, r.endRow] = [r.endRow, r.startRow];
	if (r.startCol !== undefined && r.endCol !== undefined && r.endCol < r.startCol)
		[r.startCol, r.endCol] = [r.endCol, r.startCol];
	return r;
}

/**
 * Split `sheet!cells`. Returns null when the text cannot be parsed. `isSheet(name)` says whether a bare word is a
 * sheet title (the API prefers the sheet when a name is both a title and a cell reference).
 */
export function parseA1(text: string, isSheet: (name: string) => boolean): A1Ref | null {
	let sheet: string | undefined;
	let rest: string | undefined;
	if (text.startsWith("'")) {
		let i = 1;
		let name = '';
		for (;;) {
			if (i >= text.length) return null;
			if (text[i] === "'") {
				if (text[i + 1] === "'") {
					name += "'";
					i += 2;
					continue;
				}
				i++;
				break;
			}
			name += text[i++];
		}
		sheet = name;
		if (i === text.length) rest = undefined;
		else if (text[i] === '!') rest = text.slice(i + 1);
		else return null;
	} else {
		const bang = text.lastIndexOf('!');
		if (bang >= 0) {
			sheet = text.slice(0, bang);
			rest = text.slice(bang + 1);
		} else if (isSheet(text)) {
			sheet = text;
		} else {
			rest = text;
		}
	}
	if (rest === '') return null; // `Sheet1!`
	if (rest === undefined) return sheet === undefined ? null : { sheet, whole: true };
	const cells = parseCells(rest);
	if (!cells) return null;
	return { sheet, whole: false, ...cells };
}

/** Sheet title as the API writes it in ranges: quoted when not a plain identifier or when it looks like a cell. */
export function quoteSheet(title: string): string {
	if (
		/^[A-Za-z_][A-Za-z0-9_]*$/.test(title) &&
		!/^[A-Za-z]{1,3}\d+$/.test(title) &&
		!/^R\d*C\d*$/i.test(title)
	)
		return title;
	return `'${title.replace(/'/g, "''")}'`;
}

export function formatRange(title: string, r0: number, c0: number, r1: number, c1: number): string {
	const a = `${indexToCol(c0)}${r0 + 1}`;
	const b = `${indexToCol(c1)}${r1 + 1}`;
	return `${quoteSheet(title)}!${a === b ? a : `${a}:${b}`}`;
}
