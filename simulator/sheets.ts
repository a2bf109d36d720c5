/**
 * A demo contact sheet standing in for Google Sheets (in memory). Rows carry `row_number` starting at 2, as the
 * n8n Google Sheets node reports them (row 1 is the header).
 */

export type SheetRow = Record<string, unknown> & { row_number: number };

export class SheetError extends Error {
	constructor(
		message: string,
		readonly status = 400,
	) {
		super(message);
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One row update, as received (for diagnosing write races in tests). */
export interface SheetWrite {
	/** Host time (ms). */
	at: number;
	sheet: string;
	columns: Record<string, unknown>;
}

export class Sheets {
	private readonly sheets = new Map<string, SheetRow[]>();
	/** Every update since the last clear(), oldest first. */
	readonly journal: SheetWrite[] = [];

	rows(name: string): SheetRow[] {
		return (this.sheets.get(name) ?? []).map((row) => ({ ...row }));
	}

	/** Replaces all rows; `row_number` in the input is ignored and reassigned 2, 3, … */
	replace(name: string, rows: unknown): SheetRow[] {
		if (!Array.isArray(rows) || !rows.every(isObject))
			throw new SheetError('Body must be a JSON array of row objects');
		const next = rows.map((row, i) => {
			const { row_number: _ignored, ...columns } = row;
			void _ignored;
			return { ...columns, row_number: i + 2 } as SheetRow;
		});
		this.sheets.set(name, next);
		return this.rows(name);
	}

	/** Appends rows (one object or an array); returns the appended rows. */
	append(name: string, rows: unknown): SheetRow[] {
		const list = Array.isArray(rows) ? rows : [rows];
		if (!list.every(isObject))
			throw new SheetError('Body must be a row object or an array of row objects');
		const current = this.sheets.get(name) ?? [];
		const added = list.map((row, i) => {
			const { row_number: _ignored, ...columns } = row;
			void _ignored;
			return { ...columns, row_number: current.length + i + 2 } as SheetRow;
		});
		this.sheets.set(name, [...current, ...added]);
		return added.map((row) => ({ ...row }));
	}

	/**
	 * Merges the given columns into rows picked by `row_number` (default) or by another column (`matchOn`, e.g.
	 * `phoneNumber`: every row whose value equals the item's, compared as strings). Returns the updated rows.
	 * Every item must match at least one row, or nothing is changed (404).
	 */
	update(name: string, patch: unknown, matchOn = 'row_number'): SheetRow[] {
		const list = Array.isArray(patch) ? patch : [patch];
		const byRowNumber = matchOn === 'row_number';
		if (!list.every(isObject)) {
			throw new SheetError(`Body must be an object with ${matchOn}, or an array of them`);
		}
		const current = this.sheets.get(name);
		if (!current) throw new SheetError(`Sheet "${name}" does not exist`, 404);
		// Check every row first so that a bad key changes nothing.
		const targets = list.map((item) => {
			const key = item[matchOn];
			if (!byRowNumber && (key === undefined || key === null || String(key) === '')) {
				throw new SheetError(`An item has no value in the column "${matchOn}" to match on`);
			}
			const rows = byRowNumber
				? current.filter((r) => r.row_number === Number(key))
				: current.filter(
						(r) =>
							r[matchOn] !== undefined && r[matchOn] !== null && String(r[matchOn]) === String(key),
					);
			if (rows.length === 0)
				throw new SheetError(`Sheet "${name}" has no row with ${matchOn} ${String(key)}`, 404);
			return { rows, item };
		});
		const updated: SheetRow[] = [];
		for (const { rows, item } of targets) {
			const { row_number: _ignored, ...columns } = item;
			void _ignored;
			this.journal.push({ at: Date.now(), sheet: name, columns: { ...item } });
			for (const row of rows) {
				Object.assign(row, columns);
				updated.push({ ...row });
			}
		}
		return updated;
	}

	names(): string[] {
		return [...this.sheets.keys()];
	}

	clear(): void {
		this.sheets.clear();
		this.journal.length = 0;
	}
}
