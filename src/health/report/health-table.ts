import { humanBytes, humanDuration } from '../format-values.js';
import { healthExitCode, healthMark } from '../status.js';
import type { HealthSnapshot, ProbeResult } from '../types.js';

/** A probe's figure in its unit, as people read it. */
export function formatValue(value: number | null, unit: ProbeResult['unit']): string {
  if (value === null) return '-';
  switch (unit) {
    case 'ms': return humanDuration(value);
    case 'percent': return `${value.toFixed(1)}%`;
    case 'bytes': return humanBytes(value);
    case 'per-minute': return `${value.toFixed(1)}/min`;
    case 'count': return String(value);
    case 'none': return String(value);
  }
}

/** Probes whose figure is bad when low (coverage, free disk, database size); the rest are bad when high. */
const LOWER_IS_WORSE = new Set(['coverage', 'disk', 'size']);

export function formatThreshold(p: ProbeResult): string {
  if (!p.threshold) return '-';
  const op = LOWER_IS_WORSE.has(p.id) ? '<' : '>';
  const parts: string[] = [];
  if (p.threshold.warn !== undefined) parts.push(`warn ${op}${formatValue(p.threshold.warn, p.unit)}`);
  if (p.threshold.critical !== undefined) parts.push(`crit ${op}${formatValue(p.threshold.critical, p.unit)}`);
  return parts.join(', ') || '-';
}

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/**
 * The snapshot as a table: each probe with its status as symbol and word (never colour alone),
 * its figure, its limits and a line of detail, the offenders of every probe that is not ok
 * indented below it, and the overall verdict with the exit code it gives.
 */
export function renderHealthTable(snapshot: HealthSnapshot): string {
  const header = ['STATUS', 'CHECK', 'VALUE', 'LIMIT', 'DETAIL'];
  const rows = snapshot.probes.map((p) => [healthMark(p.status), p.id, formatValue(p.value, p.unit), formatThreshold(p), p.detail]);
  const lines = columns([header, ...rows]).split('\n');
  const out: string[] = [lines[0]!];
  snapshot.probes.forEach((p, i) => {
    out.push(lines[i + 1]!);
    if (p.status === 'ok') return;
    // Offender figures come in several units (a daemon's CPU, RSS and heartbeat): the detail says them in words.
    for (const o of p.offenders) out.push(`      · ${o.name}  ${o.detail ?? (o.value === null ? '' : String(o.value))}`.trimEnd());
  });
  out.push('', `overall: ${healthMark(snapshot.overall)} (exit ${healthExitCode(snapshot.overall)})`);
  return `${out.join('\n')}\n`;
}
