/**
 * Reading order of an example workflow's canvas, from node and sticky note positions (issue 14): no note's text
 * under a node, no node half on a note, no node on another, numbered groups ("### 1." …) left to right, and no edge
 * across much of the canvas or through another node. Sizes are n8n's canvas defaults (a node is 100 × 100 with a
 * two-line label below it); a note's text height is estimated from its content (14 px text, 21 px lines), so the
 * rules keep a margin. Used by test/unit/exampleLayout.test.ts.
 */
import type { Json } from '../../test/e2e/harness/json';

export interface Box {
	left: number;
	top: number;
	right: number;
	bottom: number;
}

const STICKY = 'n8n-nodes-base.stickyNote';
const NODE_SIZE = 100;
/** The label is centred under the node and may be wider than it. */
const LABEL = { overhang: 30, height: 44 };
const TEXT = { padding: 20, charWidth: 7.2, lineHeight: 21, headingHeight: 34, blankHeight: 10 };
/** Longest horizontal run of an edge, in px (about three node columns). */
export const MAX_EDGE_SPAN = 800;

export function nodeBox(node: Json): Box {
	const [x, y] = node.position as [number, number];
	return {
		left: x - LABEL.overhang,
		top: y,
		right: x + NODE_SIZE + LABEL.overhang,
		bottom: y + NODE_SIZE + LABEL.height,
	};
}

export function noteBox(note: Json): Box {
	const [x, y] = note.position as [number, number];
	return {
		left: x,
		top: y,
		right: x + Number(note.parameters.width),
		bottom: y + Number(note.parameters.height),
	};
}

/** The part of a note its text covers (estimated: lines wrap at the note's width). */
export function noteTextBox(note: Json): Box {
	const box = noteBox(note);
	const perLine = Math.max(
		1,
		Math.floor((box.right - box.left - 2 * TEXT.padding) / TEXT.charWidth),
	);
	let height = TEXT.padding;
	for (const line of String(note.parameters.content ?? '').split('\n')) {
		if (line.trim() === '') height += TEXT.blankHeight;
		else if (line.startsWith('#'))
			height += TEXT.headingHeight * Math.ceil(line.length / (perLine * 0.6));
		else height += TEXT.lineHeight * Math.ceil(line.replace(/\*|`/g, '').length / perLine);
	}
	return { ...box, bottom: box.top + height };
}

const overlaps = (a: Box, b: Box): boolean =>
	a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const inside = (a: Box, b: Box): boolean =>
	a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom;

/** Whether the segment from p to q crosses the box (Liang–Barsky clipping). */
function segmentCrosses(p: [number, number], q: [number, number], b: Box): boolean {
	let t0 = 0;
	let t1 = 1;
	const d = [q[0] - p[0], q[1] - p[1]];
	const edges: Array<[number, number]> = [
		[-d[0], p[0] - b.left],
		[d[0], b.right - p[0]],
		[-d[1], p[1] - b.top],
		[d[1], b.bottom - p[1]],
	];
	for (const [pk, qk] of edges) {
		if (pk === 0) {
			if (qk < 0) return false;
		} else {
			const t = qk / pk;
			if (pk < 0) t0 = Math.max(t0, t);
			else t1 = Math.min(t1, t);
		}
	}
	return t0 < t1;
}

/** Every way the canvas breaks the reading rules, as sentences (empty = fine). */
export function layoutProblems(workflow: Json): string[] {
	const notes = (workflow.nodes as Json[]).filter((n) => n.type === STICKY);
	const nodes = (workflow.nodes as Json[]).filter((n) => n.type !== STICKY);
	const problems: string[] = [];
	for (const node of nodes) {
		const box = nodeBox(node);
		for (const note of notes) {
			if (overlaps(box, noteTextBox(note)))
				problems.push(`"${node.name}" covers the text of "${note.name}"`);
			else if (overlaps(box, noteBox(note)) && !inside(box, noteBox(note)))
				problems.push(`"${node.name}" lies half on "${note.name}"`);
		}
		for (const other of nodes) {
			if (other !== node && node.name < other.name && overlaps(box, nodeBox(other)))
				problems.push(`"${node.name}" overlaps "${other.name}"`);
		}
	}
	const numbered = notes
		.map((n) => ({ n, k: Number(/^#+\s*(\d+)\./.exec(String(n.parameters.content))?.[1]) }))
		.filter((g) => Number.isInteger(g.k) && g.k <= 5)
		.sort((a, b) => a.k - b.k);
	for (let i = 1; i < numbered.length; i++) {
		if (noteBox(numbered[i].n).left <= noteBox(numbered[i - 1].n).left) {
			problems.push(
				`group ${numbered[i].k} ("${numbered[i].n.name}") is not right of group ${numbered[i - 1].k}`,
			);
		}
	}
	const byName = new Map(nodes.map((n) => [n.name as string, n]));
	for (const [from, outputs] of Object.entries(
		(workflow.connections ?? {}) as Record<string, Json>,
	)) {
		for (const list of (outputs.main ?? []) as Json[][]) {
			for (const link of list ?? []) {
				const a = byName.get(from);
				const b = byName.get(link.node);
				if (!a || !b) continue;
				const p: [number, number] = [a.position[0] + NODE_SIZE, a.position[1] + NODE_SIZE / 2];
				const q: [number, number] = [b.position[0], b.position[1] + NODE_SIZE / 2];
				if (Math.abs(q[0] - p[0]) > MAX_EDGE_SPAN)
					problems.push(`the edge ${from} → ${link.node} runs ${Math.abs(q[0] - p[0])} px across`);
				if (q[0] < p[0]) problems.push(`the edge ${from} → ${link.node} runs backwards`);
				for (const other of nodes) {
					if (other === a || other === b) continue;
					const box = nodeBox(other);
					const body = {
						left: box.left + LABEL.overhang,
						top: box.top,
						right: box.right - LABEL.overhang,
						bottom: box.top + NODE_SIZE,
					};
					if (segmentCrosses(p, q, body))
						problems.push(`the edge ${from} → ${link.node} runs through "${other.name}"`);
				}
			}
		}
	}
	return problems;
}
