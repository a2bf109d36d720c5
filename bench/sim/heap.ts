/**
 * A binary min-heap of timed events, ordered by time then by insertion sequence, so events at the same virtual
 * instant run in the order they were scheduled (deterministic).
 */
export interface Timed {
	t: number;
	seq: number;
}

export class EventQueue<E extends Timed> {
	private readonly items: E[] = [];

	get size(): number {
		return this.items.length;
	}

	push(e: E): void {
		const a = this.items;
		a.push(e);
		let i = a.length - 1;
		while (i > 0) {
			const p = (i - 1) >> 1;
			if (!before(a[i], a[p])) break;
			[a[i], a[p]] = [a[p], a[i]];
			i = p;
		}
	}

	peek(): E | undefined {
		return this.items[0];
	}

	pop(): E | undefined {
		const a = this.items;
		if (a.length === 0) return undefined;
		const top = a[0];
		const last = a.pop()!;
		if (a.length) {
			a[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let m = i;
				if (l < a.length && before(a[l], a[m])) m = l;
				if (r < a.length && before(a[r], a[m])) m = r;
				if (m === i) break;
				[a[i], a[m]] = [a[m], a[i]];
				i = m;
			}
		}
		return top;
	}
}

function before(a: Timed, b: Timed): boolean {
	return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
