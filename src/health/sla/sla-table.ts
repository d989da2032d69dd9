import { humanDuration, plural } from '../format-values.js';
import { healthMark } from '../status.js';
import type { ProbeResult } from '../types.js';
import type { SlaReport } from './sla-audit.js';

function met(v: boolean | null): string {
  return v === null ? '? n/a' : v ? '✔ met' : '✖ missed';
}

function day(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** The audit as a table: each target, what was measured, and whether it was met (symbol and word). */
export function renderSlaTable(r: SlaReport, freshness: ProbeResult | null): string {
  const a = r.availability;
  const d = r.syncDuration;
  const rows: string[][] = [
    ['sync availability', `${a.successfulDays}/${a.days} days with a successful sync (${a.percent.toFixed(1)}%), target ${a.targetPercent}%${a.missedDays.length ? `; missed ${a.missedDays.slice(0, 5).join(', ')}${a.missedDays.length > 5 ? ` and ${a.missedDays.length - 5} more` : ''}` : ''}`, met(a.met)],
    ['worst staleness', `${humanDuration(r.staleness.worstMs)} without a successful sync, limit ${humanDuration(r.staleness.limitMs)}; ${plural(r.staleness.breaches.length, 'breach', 'breaches')}`, met(r.staleness.met)],
    ['sync duration', d.runs ? `p50 ${humanDuration(d.p50Ms!)}, p99 ${humanDuration(d.p99Ms!)}, max ${humanDuration(d.maxMs!)} over ${d.runs} runs; ${d.overSla} over the ${humanDuration(d.slaMs)} SLA` : 'no finished sync runs', met(d.met)],
    ...r.backups.map((b) => [
      `backup age ${b.tier}`,
      !b.configured ? 'tier not configured' : `${plural(b.backups, 'verified backup')}, longest without one ${humanDuration(b.worstMs ?? 0)}; ${plural(b.breaches.length, 'breach', 'breaches')}`,
      met(b.met),
    ]),
    ['restore drills', r.drills.count ? `${r.drills.count} drills, ${r.drills.passed} passed, ${r.drills.failed} failed; last ${day(r.drills.last!.at)} ${r.drills.last!.tier} ${r.drills.last!.result}` : 'none recorded', met(r.drills.met)],
    ['game-day drill (monthly)', r.gameDays.count || r.gameDays.lastPassedAt !== null
      ? `${r.gameDays.count} drills, ${r.gameDays.passed} passed, ${r.gameDays.failed} failed${r.gameDays.scenarios.length ? ` (${r.gameDays.scenarios.join(', ')})` : ''}; last passed ${r.gameDays.lastPassedAt === null ? 'never' : day(r.gameDays.lastPassedAt)}`
      : 'none recorded (cfa-console drill --all --yes)', met(r.gameDays.met)],
  ];
  if (freshness) rows.push(['data age now', freshness.detail, healthMark(freshness.status)]);
  const header = ['TARGET', 'MEASURED', 'MET'];
  const widths = [0, 2].map((i) => Math.max(header[i]!.length, ...rows.map((row) => row[i]!.length)));
  // The verdict before the long measured text, so it lines up whatever the terminal width.
  const line = (c: string[]) => `${c[0]!.padEnd(widths[0]!)}  ${c[2]!.padEnd(widths[1]!)}  ${c[1]}`;
  const out = [
    `SLA audit, ${r.window.days} days ${day(r.window.from)} .. ${day(r.window.to - 1)} (UTC)`,
    line([header[0]!, header[1]!, header[2]!]),
    ...rows.map(line),
    '',
    r.met ? '✔ all targets met' : '✖ targets missed',
  ];
  return `${out.join('\n')}\n`;
}
