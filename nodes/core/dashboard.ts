/**
 * The live campaign dashboard: getStats (core/pacing/stats.ts) as one self-contained HTML page for ops staff.
 *
 * Pure and n8n-free: no clock (the caller passes `now`), nothing fetched while rendering, no external scripts, styles
 * or fonts. Every string that comes from the state (campaign and circle names, trip reasons) is escaped, because a
 * campaign name is whatever the workflow's author typed. The page never holds the workflow's secret: the Pause /
 * Resume form asks the person to type it, and POSTs it with the action to `actionUrl`.
 *
 * n8n serves HTML answers of Respond to Webhook inside a sandboxed `<iframe srcdoc>`, where reloading the page
 * reloads the same srcdoc. So the page refreshes by fetching its own URL (`document.baseURI`, which a srcdoc
 * document inherits from its parent) and swapping the live part in; the typed secret stays where it is.
 */
import { DateTime } from 'luxon';

import type { CircleStatsRow, LastHour, PacingStats } from './pacing';

export interface DashboardOptions {
	/** Time of rendering (epoch ms): the page says when its figures were taken. */
	now: number;
	/** Where Pause / Resume POST (the workflow's control webhook): absolute http(s) or relative. Empty = no buttons. */
	actionUrl?: string;
	/** Seconds between refreshes (default 5, at least 2). */
	refreshSeconds?: number;
	/** Calls finished per minute in the last hour (lastHour in core/pacing/history.ts) for the chart; absent = no chart. */
	history?: LastHour;
}

const ZONE = 'Asia/Kolkata';

const ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;',
	'`': '&#96;',
};

/** Text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
	return String(value ?? '').replace(/[&<>"'`]/g, (ch) => ESCAPES[ch]);
}

/** An action URL the form may use: http(s) or a path, never `javascript:` or `data:`. */
export function safeActionUrl(url: string | undefined): string {
	const u = (url ?? '').trim();
	if (!u) return '';
	if (/^https?:\/\//i.test(u)) return u;
	// a path (or ?query) of this origin; `//host` would be another origin without saying so
	if (/^[/?]/.test(u) && !u.startsWith('//')) return u;
	throw new Error(
		`The dashboard's action URL must start with http://, https:// or /, not "${u.slice(0, 40)}"`,
	);
}

const fmtInt = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const fmtPct = (p: number | null): string => (p === null ? '–' : `${p.toFixed(1)}%`);

/** `06 Jan, 10:05:00 IST` (India time, whatever the server's zone). */
export function istTime(ms: number | null | undefined): string {
	if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '–';
	return `${DateTime.fromMillis(ms, { zone: ZONE }).toFormat('dd LLL, HH:mm:ss')} IST`;
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main,form{max-width:1100px;margin:0 auto;padding:12px 16px}
h1{font-size:20px;margin:8px 0}h2{font-size:15px;margin:16px 0 6px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.run,.closed{background:#2e7d32}.paused,.open{background:#c62828}.half-open{background:#ef6c00}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{background:#fff;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:22px}.muted{color:#667085;font-size:12px}
table{border-collapse:collapse;background:#fff;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #e4e7ec;text-align:right}
th:first-child,td:first-child,td.l{text-align:left}
.bar{background:#e4e7ec;height:8px;border-radius:4px;width:160px}.bar i{display:block;height:8px;border-radius:4px;background:#1565c0}
svg{background:#fff;border-radius:6px}button{padding:4px 14px;margin-left:6px}`;

function card(label: string, value: string, note = ''): string {
	return `<div class="card"><span class="muted">${escapeHtml(label)}</span><b data-k="${escapeHtml(label)}">${escapeHtml(value)}</b>${note ? `<span class="muted">${escapeHtml(note)}</span>` : ''}</div>`;
}

function bar(used: number, limit: number): string {
	const pct = limit > 0 ? Math.min(100, Math.round((100 * used) / limit)) : 0;
	return `<div class="bar" title="${pct}%"><i style="width:${pct}%"></i></div>`;
}

function header(stats: PacingStats, now: number): string {
	const status = stats.paused
		? `<span class="badge paused">Paused</span> <span class="muted">since ${escapeHtml(istTime(stats.pausedAt))}</span>`
		: '<span class="badge run">Running</span>';
	const w = stats.callingWindow;
	const opening = w.open
		? `calling window open until ${istTime(w.closesAt)}`
		: `calling window closed, opens ${istTime(w.opensAt)}`;
	return `<h1>Campaign <span id="campaign">${escapeHtml(stats.campaign)}</span> ${status}</h1>
<div class="muted">Figures at ${escapeHtml(istTime(stats.at || now))} · ${escapeHtml(opening)}</div>`;
}

function callCards(stats: PacingStats): string {
	const t = stats.totals;
	const g = stats.guards;
	return `<h2>Calls</h2><div class="cards">
${card('Placed', fmtInt(t.attempted))}${card('Completed', fmtInt(t.completed), `${fmtPct(t.completionPct)} of ${fmtInt(t.resolved)} finished`)}
${card('In flight', fmtInt(t.inFlight), `${fmtInt(t.reserved)} released, not yet placed · max ${fmtInt(g.maxInFlight)}`)}
<div class="card"><span class="muted">Calls in the last minute</span><b data-k="Last minute">${fmtInt(g.requestsLast60s)} / ${fmtInt(g.windowLimit)}</b>${bar(g.requestsLast60s, g.windowLimit)}</div>
</div>`;
}

/** Finished calls by outcome: the campaign state counts calls, not contacts (those live in the user's sheet). */
function outcomeCards(stats: PacingStats): string {
	const t = stats.totals;
	return `<h2>Finished calls by outcome</h2><div class="cards">
${card('Completed', fmtInt(t.completed))}${card('Busy', fmtInt(t.busy))}${card('No answer', fmtInt(t.noAnswer))}${card('Failed', fmtInt(t.failed))}
${card('Other', fmtInt(t.other))}${card('Refunded (circle outage)', fmtInt(t.refunded))}${card('Abandoned', fmtInt(t.abandoned))}${card('Not placed', fmtInt(t.notPlaced))}
</div>`;
}

function circleRow(c: CircleStatsRow): string {
	const since =
		c.breaker === 'open'
			? `${istTime(c.breakerSince)}, probes ${istTime(c.probeAt)}`
			: istTime(c.breakerSince);
	const why = c.breaker !== 'closed' && c.tripReason ? ` (${c.tripReason})` : '';
	return `<tr data-circle="${escapeHtml(c.circle)}"><td class="l" title="${escapeHtml(c.circleName ?? '')}">${escapeHtml(c.circle)}</td>
<td class="l"><span class="badge ${escapeHtml(c.breaker)}">${escapeHtml(c.breaker)}</span>${escapeHtml(why)}</td><td class="l">${escapeHtml(since)}</td>
<td>${fmtPct(c.completionPct)}</td><td>${fmtPct(c.window.completionPct)}</td><td>${fmtInt(c.attempted)}</td><td>${fmtInt(c.completed)}</td><td>${fmtInt(c.inFlight)}</td></tr>`;
}

function circleTable(stats: PacingStats): string {
	if (stats.circles.length === 0) return '<h2>Circles</h2><p class="muted">No calls yet.</p>';
	return `<h2>Circles</h2><table><thead><tr><th>Circle</th><th>Breaker</th><th>Since</th><th>Completion</th><th>Recent (health window)</th><th>Placed</th><th>Completed</th><th>In flight</th></tr></thead>
<tbody>${stats.circles.map(circleRow).join('\n')}</tbody></table>`;
}

const CHART_W = 600;
const CHART_H = 150;
/** Height of the plot area: the bars stand on y = CHART_H - 16 and the tallest reaches y = 12. */
export const CHART_PLOT_H = CHART_H - 28;

/** `10:05` in India time. */
const istMinute = (ms: number): string => DateTime.fromMillis(ms, { zone: ZONE }).toFormat('HH:mm');

/**
 * Calls finished per minute over the last hour (core/pacing/history.ts), completed (green) under not completed
 * (grey), as an inline SVG: no script, no library. The tallest minute fills the plot; each bar carries its counts in
 * a <title> (hover) and in data-c / data-n (tests and the browser check read them).
 */
export function hourChart(hour: LastHour | undefined, campaign = ''): string {
	if (!hour || !hour.buckets.length) return '';
	const slots = hour.buckets;
	const top = Math.max(1, ...slots.map((b) => b.completed + b.notCompleted));
	const w = CHART_W / slots.length;
	const base = CHART_H - 16;
	const h = (v: number) => Math.round((CHART_PLOT_H * v) / top);
	const rect = (x: number, y: number, height: number, fill: string) =>
		height > 0
			? `<rect x="${x}" y="${y}" width="${Math.max(1, Math.round(w - 2))}" height="${height}" fill="${fill}"/>`
			: '';
	let completed = 0;
	let finished = 0;
	const bars = slots
		.map((b, i) => {
			const total = b.completed + b.notCompleted;
			completed += b.completed;
			finished += total;
			if (!total) return '';
			const x = Math.round(i * w + 1);
			const hc = h(b.completed);
			const ht = h(total);
			const label = `${istMinute(b.at)} IST: ${b.completed} completed, ${b.notCompleted} not completed`;
			return `<g data-m="${i}" data-c="${b.completed}" data-n="${b.notCompleted}"><title>${escapeHtml(label)}</title>${rect(x, base - hc, hc, '#2e7d32')}${rect(x, base - ht, ht - hc, '#b0bec5')}</g>`;
		})
		.join('');
	const first = slots[0].at;
	const grey = 'font-size="10" fill="#667085"';
	return `<h2>Last ${hour.minutes} minutes</h2><svg id="hour-chart" viewBox="0 0 ${CHART_W} ${CHART_H}" width="${CHART_W}" height="${CHART_H}" role="img" aria-label="${escapeHtml(`Calls finished per minute in the last ${hour.minutes} minutes, campaign ${campaign}`)}">
<line x1="0" y1="${base}" x2="${CHART_W}" y2="${base}" stroke="#e4e7ec"/>${bars}
<text x="2" y="${CHART_H - 3}" ${grey}>${escapeHtml(istMinute(first))}</text><text x="${CHART_W / 2 - 14}" y="${CHART_H - 3}" ${grey}>${escapeHtml(istMinute(first + (slots.length / 2) * 60000))}</text><text x="${CHART_W - 24}" y="${CHART_H - 3}" ${grey}>now</text>
<text x="2" y="10" ${grey}>calls finished per minute: completed (green) and not completed (grey), up to ${top}</text></svg>
<p class="muted">Last ${hour.minutes} minutes: <span data-k="Hour finished">${fmtInt(finished)}</span> calls finished, <span data-k="Hour completed">${fmtInt(completed)}</span> completed (India time).</p>`;
}

function controls(stats: PacingStats, actionUrl: string): string {
	if (!actionUrl) return '';
	return `<form id="controls" method="post" action="${escapeHtml(actionUrl)}" autocomplete="off">
<input type="hidden" name="campaign" value="${escapeHtml(stats.campaign)}">
<label>Workflow secret <input type="password" name="secret" required autocomplete="off"></label>
<button type="submit" name="action" value="pause">Pause</button><button type="submit" name="action" value="resume">Resume</button>
<span id="result" class="muted" role="status"></span></form>`;
}

/**
 * Refresh: fetch the page's own URL and swap <main> in (n8n may wrap the answer in an iframe's srcdoc; unwrap it).
 * Pause / Resume: POST the form with fetch and show the answer, so the page stays; without script the form posts.
 * The URL comes from the form's attribute: `form.action` is the buttons named "action" (DOM named access), and a
 * relative path resolves against the n8n page the dashboard came from (document.baseURI).
 */
function script(refreshMs: number): string {
	return `(function(){
var parse=function(t){var d=new DOMParser().parseFromString(t,'text/html');var f=d.querySelector('iframe[srcdoc]');return f?new DOMParser().parseFromString(f.getAttribute('srcdoc'),'text/html'):d;};
setInterval(function(){fetch(document.baseURI,{cache:'no-store'}).then(function(r){return r.text();}).then(function(t){var m=parse(t).querySelector('main');if(m)document.querySelector('main').innerHTML=m.innerHTML;}).catch(function(){var s=document.getElementById('stale');if(s)s.textContent='(refresh failed, retrying)';});},${refreshMs});
var f=document.getElementById('controls');if(!f)return;
f.addEventListener('submit',function(e){e.preventDefault();var b=new URLSearchParams(new FormData(f));b.set('action',e.submitter?e.submitter.value:'');
var out=document.getElementById('result');out.textContent='…';
fetch(new URL(f.getAttribute('action')||'',document.baseURI).href,{method:'POST',body:b}).then(function(r){return r.text().then(function(t){out.textContent=r.status+' '+t.slice(0,200);});}).catch(function(x){out.textContent='Failed: '+x;});});
})();`;
}

/** One self-contained HTML page showing the campaign's stats; `options.history` draws the chart. */
export function renderDashboard(stats: PacingStats, options: DashboardOptions): string {
	const actionUrl = safeActionUrl(options.actionUrl);
	const seconds = Number.isFinite(options.refreshSeconds) ? (options.refreshSeconds as number) : 5;
	// at least 2 s: every refresh is an execution of the user's workflow
	const refreshMs = Math.round(Math.max(2, seconds) * 1000);
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(stats.campaign)} · Exotel campaign</title><style>${STYLE}</style></head>
<body><main>
${header(stats, options.now)} <span id="stale" class="muted"></span>
${callCards(stats)}
${outcomeCards(stats)}
${circleTable(stats)}
${hourChart(options.history, stats.campaign)}
<p class="muted">Rate now ${escapeHtml(stats.rule.ratePerMinute.toFixed(1))}/min. ${escapeHtml(stats.rule.description)}</p>
</main>
${controls(stats, actionUrl)}
<script>${script(refreshMs)}</script>
</body></html>
`;
}
