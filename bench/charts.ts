/**
 * Hand-written SVG charts (no dependencies): calls/min per circle, breaker states, cumulative completions.
 * The x axis is minutes of OPEN calling window since the start, so a campaign that pauses overnight is drawn
 * without the night.
 */
import { CIRCLE_CODES } from '../nodes/core/circles';
import type { Series } from './metrics';
import { MINUTE, isWindowOpen, openTimeBetween } from './sim/time';

export const POLICY_COLOURS: Record<string, string> = {
	ours: '#1b7f5f',
	'ours-uncapped': '#5fc4a0',
	naive: '#d95f02',
	'exotel-60': '#7570b3',
	'exotel-200': '#e7298a',
	'seed-rule': '#8a6d00',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (x: number) => (Math.round(x * 10) / 10).toString();
/** Whole pixels for polyline points (keeps the files small). */
const px = (x: number) => Math.round(x).toString();

/** Drops points that add nothing: repeated pixels and the inside of flat runs. Points are "x,y" strings. */
function simplify(points: string[]): string[] {
	const out: string[] = [];
	const yOf = (p: string) => p.slice(p.indexOf(',') + 1);
	for (let i = 0; i < points.length; i++) {
		const p = points[i];
		if (out.length && out[out.length - 1] === p) continue;
		const flatBefore = i > 0 && yOf(points[i - 1]) === yOf(p);
		const flatAfter = i + 1 < points.length && yOf(points[i + 1]) === yOf(p);
		if (flatBefore && flatAfter) continue;
		out.push(p);
	}
	return out;
}

function doc(w: number, h: number, body: string[]): string {
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
		`<rect width="${w}" height="${h}" fill="#ffffff"/>`,
		...body,
		'</svg>',
		'',
	].join('\n');
}

function niceStep(max: number, ticks: number): number {
	const raw = max / Math.max(1, ticks);
	const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
	for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
	return 10 * p;
}

interface Frame {
	x: number;
	y: number;
	w: number;
	h: number;
	xMax: number;
	yMax: number;
}

function axes(fr: Frame, title: string, yLabel: string, xLabel: boolean): string[] {
	const out: string[] = [];
	out.push(`<text x="${fr.x}" y="${fr.y - 6}" font-weight="bold">${esc(title)}</text>`);
	out.push(
		`<rect x="${fr.x}" y="${fr.y}" width="${fr.w}" height="${fr.h}" fill="none" stroke="#999" stroke-width="0.6"/>`,
	);
	const ys = niceStep(fr.yMax, 4);
	for (let v = 0; v <= fr.yMax + 1e-9; v += ys) {
		const yy = fr.y + fr.h - (v / fr.yMax) * fr.h;
		out.push(
			`<line x1="${fr.x}" x2="${fr.x + fr.w}" y1="${f(yy)}" y2="${f(yy)}" stroke="#eee" stroke-width="0.6"/>`,
		);
		out.push(`<text x="${fr.x - 4}" y="${f(yy + 3)}" text-anchor="end" fill="#555">${v}</text>`);
	}
	const xs = niceStep(fr.xMax, 8);
	for (let v = 0; v <= fr.xMax + 1e-9; v += xs) {
		const xx = fr.x + (v / fr.xMax) * fr.w;
		out.push(
			`<line x1="${f(xx)}" x2="${f(xx)}" y1="${fr.y + fr.h}" y2="${fr.y + fr.h + 3}" stroke="#999"/>`,
		);
		out.push(
			`<text x="${f(xx)}" y="${fr.y + fr.h + 14}" text-anchor="middle" fill="#555">${v}</text>`,
		);
	}
	out.push(
		`<text transform="translate(${fr.x - 34},${fr.y + fr.h / 2}) rotate(-90)" text-anchor="middle" fill="#555">${esc(yLabel)}</text>`,
	);
	if (xLabel) {
		out.push(
			`<text x="${fr.x + fr.w / 2}" y="${fr.y + fr.h + 28}" text-anchor="middle" fill="#555">minutes of open calling window since the start</text>`,
		);
	}
	return out;
}

/** Open-window minutes since start of the minute index m (null when that minute is outside the window). */
function xOfMinute(start: number, m: number): number | null {
	const t = start + m * MINUTE;
	if (!isWindowOpen(t)) return null;
	return openTimeBetween(start, t) / MINUTE;
}

function band(
	fr: Frame,
	start: number,
	from: number,
	to: number,
	fill: string,
	label: string,
): string[] {
	const a = openTimeBetween(start, from) / MINUTE;
	const b = openTimeBetween(start, to) / MINUTE;
	const x0 = fr.x + (Math.min(a, fr.xMax) / fr.xMax) * fr.w;
	const x1 = fr.x + (Math.min(b, fr.xMax) / fr.xMax) * fr.w;
	return [
		`<rect x="${f(x0)}" y="${fr.y}" width="${f(Math.max(1, x1 - x0))}" height="${fr.h}" fill="${fill}" opacity="0.35"/>`,
		`<text x="${f(x0 + 3)}" y="${fr.y + 11}" fill="#a33">${esc(label)}</text>`,
	];
}

function lastMinute(s: Series): number {
	let last = 0;
	s.dialsPerMinute.forEach((row, m) => {
		if (row.some((v) => v > 0)) last = m;
	});
	return Math.max(last + 1, s.completionsPerMinute.length);
}

/** One panel per policy: calls placed per minute into each circle; the outage circle in red. */
export function callsPerCircleChart(all: Series[], title: string): string {
	const W = 920;
	const panelH = 130;
	const gap = 48;
	const top = 40;
	const left = 60;
	const highlight = all[0]?.outages[0]?.circle;
	let xMax = 0;
	let yMax = 1;
	for (const s of all) {
		const lm = lastMinute(s);
		xMax = Math.max(
			xMax,
			xOfMinute(s.start, lm) ?? openTimeBetween(s.start, s.start + lm * MINUTE) / MINUTE,
		);
		for (const row of s.dialsPerMinute) for (const v of row) yMax = Math.max(yMax, v);
	}
	xMax = Math.max(10, Math.ceil(xMax / 10) * 10);
	yMax = Math.ceil(yMax / 5) * 5;
	const body: string[] = [
		`<text x="${left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
	];
	body.push(
		`<text x="${W - 20}" y="18" text-anchor="end" fill="#555">grey: each other circle${highlight ? ` · red: ${highlight} (the circle that goes down)` : ''}</text>`,
	);
	all.forEach((s, i) => {
		const fr: Frame = {
			x: left,
			y: top + i * (panelH + gap),
			w: W - left - 20,
			h: panelH,
			xMax,
			yMax,
		};
		body.push(...axes(fr, s.label, 'calls/min', i === all.length - 1));
		for (const o of s.outages)
			body.push(...band(fr, s.start, o.from, o.to, '#f4a6a6', `${o.circle} ${o.kind}-down`));
		for (const st of s.storms)
			body.push(...band(fr, s.start, st.from, st.to, '#f6d28b', '429 storm'));
		const order = CIRCLE_CODES.map((c, ci) => ({ c, ci })).sort(
			(a, b) => (a.c === highlight ? 1 : 0) - (b.c === highlight ? 1 : 0),
		);
		for (const { c, ci } of order) {
			const pts: string[] = [];
			s.dialsPerMinute.forEach((row, m) => {
				const x = xOfMinute(s.start, m);
				if (x === null) return;
				pts.push(`${px(fr.x + (x / xMax) * fr.w)},${px(fr.y + fr.h - (row[ci] / yMax) * fr.h)}`);
			});
			if (!pts.length) continue;
			const hot = c === highlight;
			body.push(
				`<polyline fill="none" stroke="${hot ? '#d62728' : '#9a9a9a'}" stroke-width="${hot ? 1.8 : 0.7}" opacity="${hot ? 1 : 0.7}" points="${simplify(pts).join(' ')}"/>`,
			);
		}
	});
	return doc(W, top + all.length * (panelH + gap) + 10, body);
}

const BREAKER_FILL = { closed: '#cfe8cf', open: '#d73027', 'half-open': '#f9a825' } as const;

/** Breaker state over time of our engine: one row per circle that ever left "closed" (plus the outage circle). */
export function breakerChart(all: Series[], title: string): string {
	const W = 920;
	const left = 190;
	const rowH = 16;
	const body: string[] = [
		`<text x="20" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
	];
	const legendX = W - 330;
	(['closed', 'half-open', 'open'] as const).forEach((k, i) => {
		body.push(
			`<rect x="${legendX + i * 100}" y="8" width="12" height="12" fill="${BREAKER_FILL[k]}"/>`,
		);
		body.push(`<text x="${legendX + i * 100 + 16}" y="18">${k}</text>`);
	});
	let y = 40;
	for (const s of all) {
		const end = s.start + lastMinute(s) * MINUTE;
		const xMax = Math.max(10, openTimeBetween(s.start, end) / MINUTE);
		const circles = new Set<string>(s.breakerLog.map((e) => e.circle));
		for (const o of s.outages) circles.add(o.circle);
		body.push(`<text x="20" y="${y + 11}" font-weight="bold">${esc(s.scenario)}</text>`);
		body.push(
			`<text x="${W - 20}" y="${y + 11}" text-anchor="end" fill="#555">0 … ${Math.round(xMax)} open-window minutes</text>`,
		);
		y += 16;
		const w = W - left - 20;
		const xOf = (t: number) =>
			left + (Math.min(openTimeBetween(s.start, Math.max(s.start, t)) / MINUTE, xMax) / xMax) * w;
		if (!circles.size) {
			body.push(
				`<rect x="${left}" y="${y}" width="${w}" height="${rowH - 3}" fill="${BREAKER_FILL.closed}"/>`,
			);
			body.push(
				`<text x="${left - 6}" y="${y + 10}" text-anchor="end">all 23 circles (no trip)</text>`,
			);
			y += rowH;
		}
		for (const c of [...circles].sort()) {
			body.push(`<text x="${left - 6}" y="${y + 10}" text-anchor="end">${c}</text>`);
			let state: keyof typeof BREAKER_FILL = 'closed';
			let since = s.start;
			const events = s.breakerLog.filter((e) => e.circle === c).sort((a, b) => a.at - b.at);
			const seg = (from: number, to: number, st: keyof typeof BREAKER_FILL) => {
				const x0 = xOf(from);
				const x1 = xOf(to);
				body.push(
					`<rect x="${f(x0)}" y="${y}" width="${f(Math.max(0.8, x1 - x0))}" height="${rowH - 3}" fill="${BREAKER_FILL[st]}"/>`,
				);
			};
			for (const e of events) {
				seg(since, e.at, state);
				state = e.to;
				since = e.at;
			}
			seg(since, end, state);
			for (const o of s.outages.filter((x) => x.circle === c)) {
				const x0 = xOf(o.from);
				const x1 = xOf(o.to);
				body.push(
					`<rect x="${f(x0)}" y="${y - 1}" width="${f(x1 - x0)}" height="${rowH - 1}" fill="none" stroke="#000" stroke-dasharray="3,2"/>`,
				);
			}
			y += rowH;
		}
		y += 10;
	}
	body.push(
		`<text x="20" y="${y + 8}" fill="#555">dashed box: when the circle was really down (ground truth)</text>`,
	);
	return doc(W, y + 20, body);
}

/** Cumulative completed calls per policy, one panel per scenario (2 columns). */
export function cumulativeChart(
	byScenario: Array<{ title: string; series: Series[] }>,
	title: string,
): string {
	const W = 920;
	const cols = 2;
	const panelW = (W - 80) / cols - 30;
	const panelH = 170;
	const gapY = 60;
	const top = 76;
	const body: string[] = [
		`<text x="20" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
	];
	const policies = byScenario[0]?.series ?? [];
	let lx = 20;
	let ly = 36;
	for (const s of policies) {
		const w = 30 + s.label.length * 6.2;
		if (lx + w > W - 10) {
			lx = 20;
			ly += 16;
		}
		const dash = s.policy === 'ours-uncapped' ? ' stroke-dasharray="4,3"' : '';
		body.push(
			`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${POLICY_COLOURS[s.policy] ?? '#333'}" stroke-width="2.5"${dash}/>`,
		);
		body.push(`<text x="${lx + 22}" y="${ly + 4}">${esc(s.label)}</text>`);
		lx += w;
	}
	byScenario.forEach((sc, i) => {
		const col = i % cols;
		const row = Math.floor(i / cols);
		let xMax = 10;
		let yMax = 1;
		const curves = sc.series.map((s) => {
			let acc = 0;
			const pts: Array<[number, number]> = [[0, 0]];
			s.completionsPerMinute.forEach((v, m) => {
				acc += v;
				const x = openTimeBetween(s.start, s.start + (m + 1) * MINUTE) / MINUTE;
				pts.push([x, acc]);
			});
			xMax = Math.max(xMax, pts[pts.length - 1][0]);
			yMax = Math.max(yMax, acc);
			return { s, pts };
		});
		xMax = Math.ceil(xMax / 30) * 30;
		yMax = Math.ceil(yMax / 1000) * 1000;
		const fr: Frame = {
			x: 70 + col * (panelW + 70),
			y: top + 20 + row * (panelH + gapY),
			w: panelW,
			h: panelH,
			xMax,
			yMax,
		};
		body.push(...axes(fr, sc.title, 'completed calls', true));
		for (const { s, pts } of curves) {
			const dash = s.policy === 'ours-uncapped' ? ' stroke-dasharray="4,3"' : '';
			const wide = s.policy === 'ours' ? 2.2 : 1.4;
			body.push(
				`<polyline fill="none" stroke="${POLICY_COLOURS[s.policy] ?? '#333'}" stroke-width="${wide}"${dash} points="${simplify(
					pts.map(
						([x, y]) => `${px(fr.x + (x / xMax) * fr.w)},${px(fr.y + fr.h - (y / yMax) * fr.h)}`,
					),
				).join(' ')}"/>`,
			);
		}
	});
	const rows = Math.ceil(byScenario.length / cols);
	return doc(W, top + 20 + rows * (panelH + gapY), body);
}
