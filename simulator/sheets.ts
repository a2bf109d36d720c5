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

export class Sheets {
	private readonly sheets = new Map<string, SheetRow[]>();

	rows(name: string): SheetRow[] {
		return (this.sheets.get(name) ?? []).map((row) => ({ ...row }));
	}

	/** Replaces all rows; `row_number` in the input is ignored and reassigned 2, 3, … */
	replace(name: string, rows: unknown): SheetRow[] {
		if (!Array.isArray(rows) || !rows.every(isObject)) throw new SheetError('Body must be a JSON array of row objects');
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
		if (!list.every(isObject)) throw new SheetError('Body must be a row object or an array of row objects');
		const current = this.sheets.get(name) ?? [];
		const added = list.map((row, i) => {
			const { row_number: _ignored, ...columns } = row;
			void _ignored;
			return { ...columns, row_number: current.length + i + 2 } as SheetRow;
		});
		this.sheets.set(name, [...current, ...added]);
		return added.map((row) => ({ ...row }));
	}

	/** Merges the given columns into rows picked by `row_number`; returns the updated rows. */
	update(name: string, patch: unknown): SheetRow[] {
		const list = Array.isArray(patch) ? patch : [patch];
		if (!list.every(isObject)) throw new SheetError('Body must be an object with row_number, or an array of them');
		const current = this.sheets.get(name);
		if (!current) throw new SheetError(`Sheet "${name}" does not exist`, 404);
		// Check every row first so that a bad row_number changes nothing.
		const targets = list.map((item) => {
			const row = current.find((r) => r.row_number === Number(item.row_number));
			if (!row) throw new SheetError(`Sheet "${name}" has no row_number ${String(item.row_number)}`, 404);
			return { row, item };
		});
		const updated: SheetRow[] = [];
		for (const { row, item } of targets) {
			const { row_number: _ignored, ...columns } = item;
			void _ignored;
			Object.assign(row, columns);
			updated.push({ ...row });
		}
		return updated;
	}

	names(): string[] {
		return [...this.sheets.keys()];
	}

	clear(): void {
		this.sheets.clear();
	}
}
