/** The breaker sweep's tables (markdown, also printed as is). */
import { median } from '../metrics';
import type { SweepResult } from './jobs';

export interface SweepMeta {
	command: string;
	seeds: string;
	contacts: number;
	outageContacts: number;
	horizonMin: number;
	runtimeS: number;
}

const TARGET_S = { hard: 60, silent: 150 } as const;

const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '—');

function table(head: string[], rows: string[][]): string {
	const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
	return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function outageRows(results: readonly SweepResult[], horizonMin: number): string[][] {
	const rows: string[][] = [];
	const rates = [...new Set(results.map((r) => r.job.rate!))].sort((a, b) => a - b);
	for (const kind of ['hard', 'silent'] as const) {
		for (const rate of rates) {
			const rs = results.filter((r) => r.job.kind === kind && r.job.rate === rate);
			if (!rs.length) continue;
			const det = rs.map((r) => r.detectionS).filter((d): d is number => d !== null);
			const never = rs.length - det.length;
			const cut = rs.map((r) => r.callsBeforeCut);
			const met = det.filter((d) => d <= TARGET_S[kind]).length;
			const elsewhere = rs.reduce((a, r) => a + r.falseTrips.length, 0);
			rows.push([
				kind,
				`~${rate}`,
				fmt(median(rs.map((r) => r.rateBefore)), 1),
				String(rs.length),
				never ? `${fmt(median(det))} (${never} never)` : fmt(median(det)),
				never ? `> ${60 * horizonMin}` : fmt(Math.max(...det)),
				`${met} / ${rs.length}`,
				`${fmt(median(cut))} / ${Math.max(...cut)}`,
				String(elsewhere),
			]);
		}
	}
	return rows;
}

/** Median / max over runs of the highest run statistic, in % of its threshold. */
function peaks(rs: readonly SweepResult[], k: 0 | 1): string {
	const p = rs.map((r) => 100 * r.peakRun[k]);
	return `${fmt(median(p))} / ${fmt(Math.max(...p))}`;
}

function healthyRows(results: readonly SweepResult[]): string[][] {
	const rows: string[][] = [];
	const lists = [...new Set(results.map((r) => r.job.rate))];
	for (const rate of lists) {
		const rs = results.filter((r) => r.job.rate === rate).sort((a, b) => a.job.seed - b.job.seed);
		const trips = rs.map((r) => r.falseTrips.length);
		const total = trips.reduce((a, b) => a + b, 0);
		const reasons = new Map<string, number>();
		for (const r of rs)
			for (const t of r.falseTrips) {
				const why = /\((\w+)\)$/.exec(t)?.[1] ?? t;
				reasons.set(why, (reasons.get(why) ?? 0) + 1);
			}
		rows.push([
			rate === null
				? 'uniform circle mix'
				: `MH at ~${rate}/min (${fmt(median(rs.map((r) => r.rateBefore)), 1)})`,
			String(rs.length),
			fmt(
				rs.reduce((a, r) => a + r.hours, 0),
				1,
			),
			String(total),
			String(trips.filter((t) => t > 0).length),
			trips.join(' '),
			[...reasons].map(([k, v]) => `${k} ${v}`).join(', ') || '—',
			peaks(rs, 0),
			peaks(rs, 1),
		]);
	}
	return rows;
}

export function renderSweep(results: readonly SweepResult[], meta: SweepMeta): string {
	const outages = results.filter((r) => r.job.kind !== 'healthy');
	const healthy = results.filter((r) => r.job.kind === 'healthy');
	const out = [
		`Breaker sweep · \`${meta.command}\` · seeds ${meta.seeds} · ${meta.contacts.toLocaleString('en-US')} contacts (outage runs ${meta.outageContacts.toLocaleString('en-US')}) · run time ${fmt(meta.runtimeS)} s`,
		'',
		`Outages (MH down from the usual fault offset; each run stops ${meta.horizonMin} min into the outage). Detection = outage start -> breaker open; calls = placed into MH while down, before the cut (median / max).`,
		'',
		table(
			[
				'Outage',
				'Target calls/min',
				'MH calls/min before (median)',
				'Seeds',
				'Detection median s',
				'Detection max s',
				'≤ 60 s (hard) / ≤ 150 s (silent)',
				'Calls before cut',
				'Trips of other circles',
			],
			outageRows(outages, meta.horizonMin),
		),
	];
	if (healthy.length)
		out.push(
			'',
			'Healthy campaigns run to their end (no fault): every breaker opening is a false trip. The peak run columns show how close any circle came to a trip (100% = trip), a finer measure than a count of trips.',
			'',
			table(
				[
					'Contact list',
					'Seeds',
					'Open-window hours',
					'Trips',
					'Seeds with a trip',
					'Trips per seed',
					'Reasons',
					'Peak hard run, % of threshold (median / max)',
					'Peak silent run, %',
				],
				healthyRows(healthy),
			),
		);
	return out.join('\n');
}
