/**
 * The campaign dashboard (nodes/core/dashboard.ts): its figures are getStats' figures, breakers show with their
 * India-time "since", names from the state cannot inject markup, and the page loads nothing and holds no secret.
 */
import {
	CHART_PLOT_H,
	escapeHtml,
	hourChart,
	istTime,
	renderDashboard,
	safeActionUrl,
} from '../../nodes/core/dashboard';
import {
	createState,
	getStats,
	lastHour,
	pauseCampaign,
	recentActivity,
	type CampaignState,
	type LastHour,
	type PacingStats,
} from '../../nodes/core/pacing';
import { campaignWithFinishedCalls, ist, MON_10, settingsWith } from '../pacing/helpers';

const s = settingsWith();
const NOW = MON_10 + 30000;
const ACTION = 'https://n8n.example.com/webhook/campaign-control';
const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>'"&`;

/** 60 contacts over MH / DL / KA: 49 placed, 20 finished (5 of each outcome); DL open, KA half-open. */
function campaignWithCalls(name = 'diwali'): CampaignState {
	const done = campaignWithFinishedCalls(name, ['MH', 'DL', 'KA'], MON_10 + 25000, NOW, s);
	done.circles.DL.breaker = {
		...done.circles.DL.breaker,
		mode: 'open',
		since: MON_10 + 10000,
		until: MON_10 + 130000,
		why: 'failed_run',
	};
	done.circles.KA.breaker = {
		...done.circles.KA.breaker,
		mode: 'half-open',
		since: MON_10 + 20000,
		until: 0,
	};
	return done;
}

function page(state: CampaignState, actionUrl = ACTION): { stats: PacingStats; html: string } {
	const stats = getStats(state, NOW, s);
	return {
		stats,
		html: renderDashboard(stats, { now: NOW, actionUrl, history: lastHour(state, NOW) }),
	};
}

/** The text of the element marked data-k="<label>". */
const figure = (html: string, label: string): string =>
	html.match(new RegExp(`data-k="${label}">([^<]*)<`))?.[1] ?? '';
const circleRow = (html: string, circle: string): string =>
	html.match(new RegExp(`<tr data-circle="${circle}">[\\s\\S]*?</tr>`))?.[0] ?? '';

describe('renderDashboard: the figures are getStats', () => {
	const { stats, html } = page(campaignWithCalls());

	it('calls placed / completed / in flight and the last minute against the limit', () => {
		expect(stats.totals).toMatchObject({
			attempted: 49,
			completed: 5,
			busy: 5,
			noAnswer: 5,
			failed: 5,
			inFlight: 29,
		});
		expect(figure(html, 'Placed')).toBe(String(stats.totals.attempted));
		expect(figure(html, 'In flight')).toBe(String(stats.totals.inFlight));
		expect(figure(html, 'Last minute')).toBe(
			`${stats.guards.requestsLast60s} / ${stats.guards.windowLimit}`,
		);
		expect(html).toContain(
			`${stats.totals.completionPct!.toFixed(1)}% of ${stats.totals.resolved} finished`,
		);
		expect(figure(html, 'Busy')).toBe('5');
		expect(figure(html, 'No answer')).toBe('5');
		expect(figure(html, 'Failed')).toBe('5');
	});

	it('one row per circle: completion % and its breaker (closed / open / half-open) since when, in India time', () => {
		expect(stats.circles.map((c) => c.breaker)).toEqual(['open', 'half-open', 'closed']);
		for (const c of stats.circles) {
			const row = circleRow(html, c.circle);
			expect(row).toContain(`<span class="badge ${c.breaker}">${c.breaker}</span>`);
			expect(row).toContain(c.completionPct === null ? '–' : `${c.completionPct.toFixed(1)}%`);
			expect(row).toContain(istTime(c.breakerSince));
		}
		expect(istTime(MON_10 + 10000)).toBe('03 Mar, 10:00:10 IST');
		expect(circleRow(html, 'DL')).toContain('probes 03 Mar, 10:02:10 IST');
		expect(circleRow(html, 'DL')).toContain('(failed_run)');
	});

	it('charts the calls finished per minute of the last hour, and reloads itself every 5 s', () => {
		expect(html).toMatch(/<svg id="hour-chart" [^>]*role="img"/);
		expect(html).toContain('<h2>Last 60 minutes</h2>');
		// the 20 calls finished in the current minute (10:00 IST), 5 of them completed
		expect(html).toContain(
			'<g data-m="59" data-c="5" data-n="15"><title>10:00 IST: 5 completed, 15 not completed</title>',
		);
		expect(figure(html, 'Hour finished')).toBe('20');
		expect(figure(html, 'Hour completed')).toBe('5');
		expect(html).toContain(',5000);');
	});

	it('says Paused, and since when', () => {
		const paused = page(pauseCampaign(campaignWithCalls(), ist('2025-03-03T10:00:05'))).html;
		expect(paused).toContain(
			'<span class="badge paused">Paused</span> <span class="muted">since 03 Mar, 10:00:05 IST</span>',
		);
	});

	it('renders an empty campaign without calls', () => {
		const empty = renderDashboard(getStats(createState('new', MON_10), MON_10, s), { now: MON_10 });
		expect(empty).toContain('No calls yet.');
		expect(empty).not.toContain('<form');
	});
});

describe("recentActivity: the health window, still in Get Dashboard's output", () => {
	it('pools the circles per bucket and leaves out what the window has dropped', () => {
		const state = campaignWithCalls();
		expect(recentActivity(state, NOW, s)).toEqual({
			bucketSeconds: 20,
			windowSeconds: 300,
			buckets: [{ at: MON_10 + 20000, resolved: 20, completed: 5 }],
		});
		expect(recentActivity(state, NOW + 301000, s).buckets).toEqual([]);
	});
});

describe('hourChart: the last 60 minutes as an inline SVG', () => {
	const T0 = MON_10 - 59 * 60000; // the first minute shown: 09:01 IST
	const hour = (counts: Record<number, [number, number]>): LastHour => ({
		minutes: 60,
		buckets: [...Array(60)].map((_, i) => ({
			at: T0 + i * 60000,
			completed: counts[i]?.[0] ?? 0,
			notCompleted: counts[i]?.[1] ?? 0,
		})),
	});
	/** [y, height] of the rects of minute i: completed first, then not completed. */
	const rects = (svg: string, i: number): Array<[number, number]> => {
		const g = svg.match(new RegExp(`<g data-m="${i}"[^>]*>[\\s\\S]*?</g>`))?.[0] ?? '';
		return [...g.matchAll(/<rect [^>]*y="(\d+)" [^>]*height="(\d+)"/g)].map((m) => [
			Number(m[1]),
			Number(m[2]),
		]);
	};
	const BASE = 150 - 16;

	it('bar heights follow the counts: the busiest minute fills the plot, completed below not completed', () => {
		const svg = hourChart(hour({ 0: [10, 30], 30: [20, 0], 59: [0, 8] }));
		expect(CHART_PLOT_H).toBe(122);
		// busiest minute: 40 calls = the full plot height; 10 completed = a quarter of it
		expect(rects(svg, 0)).toEqual([
			[BASE - 31, 31],
			[BASE - 122, 122 - 31],
		]);
		expect(rects(svg, 30)).toEqual([[BASE - 61, 61]]); // 20 of 40, all completed
		expect(rects(svg, 59)).toEqual([[BASE - 24, 24]]); // 8 of 40, none completed (round(122 * 8 / 40) = 24)
		expect(svg.match(/<g data-m=/g)).toHaveLength(3); // empty minutes draw nothing
		expect(svg).toContain('<title>09:01 IST: 10 completed, 30 not completed</title>');
		expect(svg).toContain('<title>10:00 IST: 0 completed, 8 not completed</title>');
		expect(svg).toContain('up to 40</text>');
		expect(svg).toContain('>09:01</text>');
		expect(figure(svg, 'Hour finished')).toBe('68');
		expect(figure(svg, 'Hour completed')).toBe('30');
	});

	it('an hour without calls draws no bars; no history draws no chart', () => {
		const svg = hourChart(hour({}));
		expect(svg).toContain('<h2>Last 60 minutes</h2>');
		expect(svg).not.toContain('<rect');
		expect(svg).toContain('up to 1</text>');
		expect(hourChart(undefined)).toBe('');
	});

	it('escapes the text it shows', () => {
		const svg = hourChart(hour({ 5: [1, 1] }), HOSTILE);
		expect(svg).not.toContain('<script>');
		expect(svg).not.toContain('<img');
		expect(svg).toContain(
			`aria-label="Calls finished per minute in the last 60 minutes, campaign ${escapeHtml(HOSTILE)}"`,
		);
	});

	it('the page charts what the state counted in the last hour (lastHour), and nothing once the hour has passed', () => {
		const state = campaignWithCalls();
		const later = NOW + 3600000;
		const html = renderDashboard(getStats(state, later, s), {
			now: later,
			history: lastHour(state, later),
		});
		expect(html).toContain('<h2>Last 60 minutes</h2>');
		expect(html).not.toContain('<rect');
		expect(figure(html, 'Hour finished')).toBe('0');
	});
});

describe('renderDashboard: safe to open', () => {
	it('escapes hostile campaign and circle names: no markup from the state reaches the page', () => {
		const state = campaignWithCalls(HOSTILE);
		state.circles[HOSTILE] = { ...state.circles.MH };
		state.circles.DL.breaker.why = HOSTILE;
		const { html } = page(state);
		expect(html.match(/<script>/g)).toHaveLength(1); // the page's own, at the end
		expect(html).not.toMatch(/<img/);
		expect(html).not.toContain('alert("x")');
		expect(html).toContain(escapeHtml(HOSTILE));
		expect(escapeHtml(HOSTILE)).toBe(
			'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&quot;&amp;',
		);
	});

	it('loads nothing from elsewhere: the only URL in the page is the action URL given', () => {
		const { html } = page(campaignWithCalls());
		const withoutAction = html.split(ACTION).join('');
		expect(withoutAction).not.toMatch(/https?:|\/\//i);
		expect(html).not.toMatch(/<link|<iframe|\ssrc=/i);
		expect(html).toContain(`<form id="controls" method="post" action="${ACTION}"`);
	});

	it('never holds the secret: the person types it into a password field', () => {
		const { html } = page(campaignWithCalls());
		expect(html).toContain('<input type="password" name="secret" required autocomplete="off">');
		expect(html).not.toMatch(/name="secret"[^>]*value=/);
		expect(html).toContain('value="pause"');
		expect(html).toContain('value="resume"');
	});

	it('takes http(s) and path action URLs only', () => {
		expect(safeActionUrl('/webhook/control')).toBe('/webhook/control');
		expect(safeActionUrl(' https://x.example/a ')).toBe('https://x.example/a');
		expect(safeActionUrl('')).toBe('');
		for (const bad of [
			'javascript:alert(1)',
			'data:text/html,x',
			'//evil.example/x',
			'webhook/x',
		]) {
			expect(() => safeActionUrl(bad)).toThrow(/must start with/);
		}
		expect(() => page(campaignWithCalls(), 'javascript:alert(1)')).toThrow();
	});

	it('uses the clock it is given, not the real one', () => {
		const stats = getStats(campaignWithCalls(), NOW, s);
		const a = renderDashboard(stats, { now: NOW, actionUrl: ACTION });
		const spy = jest.spyOn(Date, 'now').mockReturnValue(NOW + 3600000);
		try {
			expect(renderDashboard(stats, { now: NOW, actionUrl: ACTION })).toBe(a);
		} finally {
			spy.mockRestore();
		}
	});
});
