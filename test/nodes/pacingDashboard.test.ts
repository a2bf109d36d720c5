/**
 * Exotel Pacing Controller, Get Dashboard: what Respond to Webhook gets. The campaign is built with the engine and
 * stored as the node stores it (global static data, exotelPacing.campaigns[name]); no Exotel request is made.
 */
import { escapeHtml } from '../../nodes/core/dashboard';
import {
	createState,
	getStats,
	recordOutcomes,
	release,
	resolveSettings,
	type CampaignState,
	storedState,
} from '../../nodes/core/pacing';
import { istIso } from '../../nodes/core/time';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { executeNode, type ExecuteNodeOptions } from '../helpers';

const node = new ExotelPacingController();
const START_MS = Date.parse('2025-01-06T10:00:00+05:30');
const NOW = START_MS + 30000;
const ACTION = 'https://n8n.example.com/webhook/campaign-control';
const settings = resolveSettings({});

/** 30 contacts in MH and DL, 30 placed, 8 finished (2 of each outcome), DL's breaker open. */
function campaign(name: string): CampaignState {
	const contacts = [...Array(30)].map((_, i) => ({
		key: `+9198100${String(i).padStart(5, '0')}`,
		circle: i % 2 ? 'DL' : 'MH',
	}));
	const r = release(createState(name, START_MS), contacts, START_MS, settings);
	let state = recordOutcomes(
		r.state,
		r.released.map((c, i) => ({
			callSid: `S${i}`,
			status: 'in-progress',
			correlation: c.correlation,
		})),
		START_MS + 2000,
		settings,
	).state;
	const statuses = ['completed', 'busy', 'no-answer', 'failed'];
	state = recordOutcomes(
		state,
		r.released
			.slice(0, 8)
			.map((c, i) => ({ callSid: `S${i}`, status: statuses[i % 4], at: START_MS + 25000 })),
		NOW,
		settings,
	).state;
	state.circles.DL.breaker = {
		...state.circles.DL.breaker,
		mode: 'open',
		since: START_MS + 20000,
		until: START_MS + 140000,
		why: 'failed_run',
	};
	return state;
}

function staticWith(...states: CampaignState[]): Record<string, unknown> {
	const campaigns = Object.fromEntries(
		states.map((state) => [state.campaign, { state: storedState(state), settings: {}, rev: 1 }]),
	);
	return { exotelPacing: { version: 1, campaigns } };
}

async function run(
	operation: string,
	staticData: Record<string, unknown>,
	extra: Partial<ExecuteNodeOptions> = {},
) {
	const { parameters = {}, ...rest } = extra;
	return await executeNode(node, {
		mode: 'webhook',
		staticData,
		items: [{}],
		...rest,
		parameters: {
			operation,
			campaign: 'diwali',
			dashboardActionUrl: ACTION,
			options: { currentTime: istIso(NOW) },
			...parameters,
		},
	});
}

describe('Get Dashboard', () => {
	it('outputs the stats of Get Stats plus an html page showing them, and reads only', async () => {
		const staticData = staticWith(campaign('diwali'));
		const before = JSON.stringify(staticData);
		const dashboard = await run('getDashboard', staticData);
		const stats = await run('getStats', staticData);
		expect(JSON.stringify(staticData)).toBe(before);

		expect(dashboard.json).toHaveLength(1);
		const { html, recent, lastHour, ...json } = dashboard.json[0];
		expect(json).toEqual(stats.json[0]);
		expect(json).toMatchObject({
			campaign: 'diwali',
			stateSaved: true,
			totals: expect.objectContaining({ attempted: 30, completed: 2 }),
		});
		expect(recent).toMatchObject({
			bucketSeconds: 20,
			windowSeconds: 300,
			buckets: [{ at: '2025-01-06T10:00:20+05:30', resolved: 8, completed: 2 }],
		});
		// the chart's data: 60 minutes, the current one (10:00 IST) with the 8 finished calls
		const hour = lastHour as {
			minutes: number;
			buckets: Array<{ at: string; completed: number; notCompleted: number }>;
		};
		expect(hour.minutes).toBe(60);
		expect(hour.buckets).toHaveLength(60);
		expect(hour.buckets[59]).toEqual({
			at: '2025-01-06T10:00:00+05:30',
			completed: 2,
			notCompleted: 6,
		});
		expect(hour.buckets.slice(0, 59).every((b) => b.completed + b.notCompleted === 0)).toBe(true);

		const engine = getStats(campaign('diwali'), NOW, settings);
		expect(typeof html).toBe('string');
		const page = html as string;
		expect(page).toMatch(/^<!DOCTYPE html>/);
		expect(page).toContain(`data-k="Placed">${engine.totals.attempted}<`);
		expect(page).toContain(`data-k="In flight">${engine.totals.inFlight}<`);
		expect(page).toContain(
			`data-k="Last minute">${engine.guards.requestsLast60s} / ${engine.guards.windowLimit}<`,
		);
		expect(page).toContain(
			'<span class="badge open">open</span> (failed_run)</td><td class="l">06 Jan, 10:00:20 IST, probes 06 Jan, 10:02:20 IST',
		);
		expect(page).toContain('<g data-m="59" data-c="2" data-n="6">');
		expect(page).toContain(`action="${ACTION}"`);
		expect(page).toContain(',5000);');
		expect(dashboard.items[0].pairedItem).toEqual([{ item: 0 }]);
	});

	it('one item per campaign named by the items, paired with them; hostile names are escaped', async () => {
		const hostile = '<script>alert(1)</script>';
		const staticData = staticWith(campaign('diwali'), campaign(hostile));
		const res = await run('getDashboard', staticData, {
			items: [{ c: 'diwali' }, { c: hostile }, { c: 'diwali' }],
			parameters: { campaign: '={{ $json.c }}', refreshSeconds: 10 },
		});
		expect(res.json.map((j) => j.campaign)).toEqual(['diwali', hostile]);
		expect(res.items.map((i) => i.pairedItem)).toEqual([[{ item: 0 }, { item: 2 }], [{ item: 1 }]]);
		const page = res.json[1].html as string;
		expect(page).not.toContain(hostile);
		expect(page).toContain(`<span id="campaign">${escapeHtml(hostile)}</span>`);
		expect(page.match(/<script>/g)).toHaveLength(1);
		expect(page).toContain(',10000);');
	});

	it('without a Pause / Resume URL the page has no buttons; a manual run says the state is not saved', async () => {
		const res = await run('getDashboard', staticWith(campaign('diwali')), {
			mode: 'manual',
			parameters: { dashboardActionUrl: '' },
		});
		expect(res.json[0].stateSaved).toBe(false);
		expect(res.json[0].html).not.toContain('<form');
		expect(res.hints.map((h) => h.message).join()).toMatch(/Test run/);
	});

	it('refuses a javascript: URL with a NodeOperationError; with continue-on-fail the item passes with the error', async () => {
		const staticData = staticWith(campaign('diwali'));
		const bad = { parameters: { dashboardActionUrl: 'javascript:alert(1)' } };
		await expect(run('getDashboard', staticData, bad)).rejects.toThrow(
			/must start with http:\/\/, https:\/\/ or \//,
		);
		const res = await run('getDashboard', staticData, {
			...bad,
			items: [{ keep: 1 }],
			continueOnFail: true,
		});
		expect(res.json).toEqual([
			{ keep: 1, error: expect.stringMatching(/must start with/) as unknown as string },
		]);
		expect(res.items[0].pairedItem).toEqual({ item: 0 });
	});

	it('is listed as an operation with its own parameters', () => {
		const operation = node.description.properties.find((p) => p.name === 'operation')!;
		expect(operation.options!.map((o) => (o as { value?: unknown }).value)).toContain(
			'getDashboard',
		);
		for (const name of ['dashboardActionUrl', 'refreshSeconds']) {
			expect(node.description.properties.find((p) => p.name === name)?.displayOptions).toEqual({
				show: { operation: ['getDashboard'] },
			});
		}
	});
});

describe('Dashboard Control (the Pause / Resume buttons)', () => {
	const SECRET = 'c0ntrol-4f9a1e7b2d6c8';
	const post = (body: Record<string, string>) => ({ json: { body, headers: {} } });
	const control = async (
		staticData: Record<string, unknown>,
		items: Array<{ json: Record<string, unknown> }>,
		controlSecret = SECRET,
	) => await run('dashboardControl', staticData, { items, parameters: { controlSecret } });
	const pausedOf = (staticData: Record<string, unknown>) =>
		(staticData.exotelPacing as { campaigns: Record<string, { state: CampaignState }> }).campaigns
			.diwali.state.paused;

	it('pauses and resumes when the typed secret is right, answering 200 with a message for Respond to Webhook', async () => {
		const staticData = staticWith(campaign('diwali'));
		const paused = await control(staticData, [
			post({ action: 'pause', secret: SECRET, campaign: 'diwali' }),
		]);
		expect(paused.json).toEqual([
			{
				campaign: 'diwali',
				action: 'pause',
				accepted: true,
				statusCode: 200,
				paused: true,
				message: 'Campaign "diwali" paused.',
				stateSaved: true,
			},
		]);
		expect(paused.items[0].pairedItem).toEqual({ item: 0 });
		expect(pausedOf(staticData)).toBe(true);
		const stats = await run('getStats', staticData);
		expect(stats.json[0]).toMatchObject({ paused: true });

		const resumed = await control(staticData, [post({ action: 'Resume', secret: SECRET })]);
		expect(resumed.json[0]).toMatchObject({
			accepted: true,
			statusCode: 200,
			paused: false,
			message: 'Campaign "diwali" resumed.',
		});
		expect(pausedOf(staticData)).toBe(false);
	});

	it('changes nothing on a wrong or missing secret (401), an unknown action (400), or when its own Secret is unusable (503)', async () => {
		const staticData = staticWith(campaign('diwali'));
		const before = JSON.stringify(staticData);
		const wrong = await control(staticData, [
			post({ action: 'pause', secret: SECRET.slice(0, -1) }),
			post({ action: 'pause' }),
			post({ action: 'reset', secret: SECRET }),
		]);
		expect(wrong.json.map((j) => [j.statusCode, j.accepted, j.message])).toEqual([
			[401, false, 'Wrong secret: nothing was changed.'],
			[401, false, 'Wrong secret: nothing was changed.'],
			[400, false, 'Unknown action "reset": use pause or resume.'],
		]);
		expect(wrong.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const notSetUp = await control(
			staticData,
			[post({ action: 'pause', secret: 'REPLACE-WITH-A-LONG-RANDOM-SECRET' })],
			'REPLACE-WITH-A-LONG-RANDOM-SECRET',
		);
		expect(notSetUp.json[0]).toMatchObject({ accepted: false, statusCode: 503 });
		expect(String(notSetUp.json[0].message)).toMatch(
			/^Pause \/ Resume is not set up: The Secret is a published example value, not a secret\. /,
		);
		expect(JSON.stringify(staticData)).toBe(before);
	});

	it('with Only Check the Request, answers as the change would (200 / 401 / 400) and changes nothing', async () => {
		const staticData = staticWith(campaign('diwali'));
		const before = JSON.stringify(staticData);
		const checked = await run('dashboardControl', staticData, {
			items: [
				post({ action: 'pause', secret: SECRET }),
				post({ action: 'pause', secret: `${SECRET}x` }),
				post({ action: 'stop', secret: SECRET }),
			],
			parameters: { controlSecret: SECRET, checkOnly: true },
		});
		expect(checked.json.map((j) => [j.statusCode, j.accepted, j.message])).toEqual([
			[200, true, 'Secret and action accepted: "pause" not applied yet.'],
			[401, false, 'Wrong secret: nothing was changed.'],
			[400, false, 'Unknown action "stop": use pause or resume.'],
		]);
		expect(JSON.stringify(staticData)).toBe(before);
		expect(pausedOf(staticData)).toBe(false);
	});
});
