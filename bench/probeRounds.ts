/**
 * Probe rounds of a paused circle, the engine's rule (nodes/core/pacing/probes.ts) against the earlier one (three
 * probes without an answered call reopen it): how often a healthy circle is paused again by chance, what a round
 * costs, and how many probes an outage takes; then the benchmark's 20-minute MH outages (bench/sim/scenarios.ts)
 * over several seeds: re-trips after the outage ended and how long MH took to resume. Seeded; writes
 * bench/results/probe-rounds.md.
 *
 *   npm run bench:probes [-- --rounds 100000 --seed 11 --outage-seeds 20 --no-write]
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { seededRandom } from '../nodes/core/callerId';
import { runJob } from './jobs';
import { resolveSettings } from '../nodes/core/pacing';
import { onProbeOutcome } from '../nodes/core/pacing/breaker';
import type { Expected } from '../nodes/core/pacing/health';
import { probeRoundLimit, probeSlots } from '../nodes/core/pacing/probes';
import { emptyCircle } from '../nodes/core/pacing/state';
import type { Category } from '../nodes/core/pacing/statuses';

const EARLIER_ROUND = 3;

interface Mix {
	noAnswer: number;
	failed: number;
}

interface RoundResult {
	reopened: boolean;
	probes: number;
}

/**
 * Plays one round as Release and the callbacks do: probes are released while probeSlots allows, and outcomes drawn
 * from `next` arrive one at a time until the engine closes or reopens the circle. `probes` counts calls placed.
 */
function playRound(next: () => Category, exp: Expected): RoundResult & { outcomes: Category[] } {
	const s = resolveSettings({});
	const c = emptyCircle(0);
	c.breaker = { ...c.breaker, mode: 'half-open' };
	const outcomes: Category[] = [];
	let probes = 0;
	for (;;) {
		const slots = probeSlots(c, s, exp);
		c.breaker = { ...c.breaker, probesReleased: c.breaker.probesReleased + slots };
		probes += slots;
		const cat = next();
		outcomes.push(cat);
		const t = onProbeOutcome('XX', c, cat, 0, s, exp);
		if (t) return { reopened: t.to === 'open', probes, outcomes };
	}
}

const expected = (m: Mix): Expected => ({
	p: 1 - m.noAnswer - m.failed,
	qna: m.noAnswer,
	qf: m.failed,
	hasBaseline: true,
	baselineP: 1 - m.noAnswer - m.failed,
	baselineN: 100,
});

function healthyRow(m: Mix, rounds: number, seed: number): string {
	const rng = seededRandom(seed);
	const draw = (): Category => {
		const x = rng();
		return x < m.failed ? 'failed' : x < m.failed + m.noAnswer ? 'noAnswer' : 'completed';
	};
	let reopened = 0;
	let earlier = 0;
	let probes = 0;
	for (let i = 0; i < rounds; i++) {
		const r = playRound(draw, expected(m));
		if (r.reopened) reopened++;
		probes += r.probes;
		// the earlier rule saw the same first three outcomes (more are drawn when the round went on)
		const first = r.outcomes.slice(0, EARLIER_ROUND);
		while (first.length < EARLIER_ROUND) first.push(draw());
		if (first.every((c) => c !== 'completed')) earlier++;
	}
	const pct = (n: number) => `${((100 * n) / rounds).toFixed(2)}%`;
	return `| ${pct100(m.noAnswer)} / ${pct100(m.failed)} | ${pct(reopened)} | ${pct(earlier)} | ${(probes / rounds).toFixed(2)} |`;
}

const pct100 = (x: number) => `${Math.round(x * 100)}%`;

function outageRow(m: Mix, cat: Category, label: string): string {
	const r = playRound(() => cat, expected(m));
	return `| ${label} | ${pct100(m.noAnswer)} / ${pct100(m.failed)} | ${r.probes} | ${EARLIER_ROUND} |`;
}

/** The benchmark's outage scenario over seeds 1..n (5,000 contacts): after the outage, re-trips and resumption. */
function recoveryRow(scenario: 'hard-outage' | 'silent-outage', seeds: number): string {
	let retripped = 0;
	let probes = 0;
	const resumed: number[] = [];
	for (let seed = 1; seed <= seeds; seed++) {
		const r = runJob({ seed, contacts: 5000, scenario, policy: 'ours' });
		const outage = r.series.outages[0];
		const log = r.series.breakerLog.filter((t) => t.circle === outage.circle && t.at > outage.to);
		if (log.some((t) => t.to === 'open')) retripped++;
		const closed = log.find((t) => t.to === 'closed');
		resumed.push(closed ? (closed.at - outage.to) / 1000 : Infinity);
		probes += r.metrics.outage?.probes ?? 0;
	}
	resumed.sort((a, b) => a - b);
	const s = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} s` : 'never');
	return `| ${scenario} | ${retripped} of ${seeds} | ${s(resumed[Math.floor(seeds / 2)])} | ${s(resumed[seeds - 1])} | ${(probes / seeds).toFixed(1)} |`;
}

function main(): void {
	const args = process.argv.slice(2);
	const arg = (name: string, d: number) => {
		const i = args.indexOf(`--${name}`);
		return i >= 0 ? Number(args[i + 1]) : d;
	};
	const rounds = arg('rounds', 100_000);
	const seed = arg('seed', 11);
	const outageSeeds = arg('outage-seeds', 20);
	const mixes: Mix[] = [
		{ noAnswer: 0.2, failed: 0.03 },
		{ noAnswer: 0.38, failed: 0.04 },
		{ noAnswer: 0.5, failed: 0.05 },
		{ noAnswer: 0.7, failed: 0.05 },
	];
	const limit = probeRoundLimit(resolveSettings({}));
	const lines = [
		'# Probe rounds: the engine rule against the earlier one',
		'',
		`<!-- Generated by \`npm run bench:probes\` (bench/probeRounds.ts), seed ${seed}, ${rounds.toLocaleString('en-US')} rounds per row. -->`,
		'',
		'A paused circle is probed with 3 calls at once (default settings). The engine reopens it only when the',
		"round's outcomes are 100 times likelier in an outage than from the healthy circle (at most 1 round in 100 by",
		`chance), giving up after ${limit} probes; the earlier rule reopened it when 3 probes had no answered call.`,
		'',
		'Healthy circle (each probe answered, rung out or failed at the shares shown; busy counts as answered):',
		'',
		'| Rings out / fails | Paused again (engine) | Paused again (earlier rule) | Probes placed per round (engine; earlier: 3) |',
		'| --- | --- | --- | --- |',
		...mixes.map((m, i) => healthyRow(m, rounds, seed + i)),
		'',
		'Outage (every probe fails, or every probe rings out), probes placed until the circle is paused again (outcomes arriving one at a time):',
		'',
		'| Outage | Circle normally rings out / fails | Probes (engine) | Probes (earlier rule) |',
		'| --- | --- | --- | --- |',
		...mixes.map((m) => outageRow(m, 'failed', 'hard (fails)')),
		...mixes.map((m) => outageRow(m, 'noAnswer', 'silent (rings out)')),
		'',
		`The benchmark's MH outage (20 minutes, bench/sim/scenarios.ts), seeds 1-${outageSeeds}, 5,000 contacts:`,
		'',
		'| Scenario | Seeds with a re-trip after the outage ended | MH resumed after the outage ended: median | max | Probes per outage |',
		'| --- | --- | --- | --- | --- |',
		recoveryRow('hard-outage', outageSeeds),
		recoveryRow('silent-outage', outageSeeds),
		'',
		'The earlier rule on the same seeds (engine of commit cc478aa): hard 1 of 20 re-tripped, resumed after 801 s',
		'median / 2,665 s max, 9.0 probes per outage; silent 4 of 20, 996 s / 2,875 s, 9.0 probes.',
		'',
	];
	const text = lines.join('\n');
	console.log(text);
	if (!args.includes('--no-write'))
		writeFileSync(join(__dirname, 'results', 'probe-rounds.md'), text);
}

main();
