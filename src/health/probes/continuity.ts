import { isoMinute, plural } from '../format-values.js';
import type { ContinuityGap, ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface ContinuityInput {
  /** Holes still open, known exchange gaps already taken out. */
  holes: readonly ContinuityGap[];
  /** Holes that known exchange gaps explained. */
  knownExcluded: number;
  /** A hole longer than this many candles is a gap. */
  maxGapCandles: number;
  series: number;
  /** Candles read by this check (only what changed since the last one, unless full). */
  scannedCandles: number;
  /** Series whose history is not scanned to the end yet (the per-check budget ran out). */
  pendingSeries: number;
  full: boolean;
}

export function gapsOf(holes: readonly ContinuityGap[], maxGapCandles: number): ContinuityGap[] {
  return holes.filter((h) => h.missing > maxGapCandles).sort((a, b) => b.missing - a.missing);
}

/** Gaps longer than `maxGapCandles` are a warning; shorter holes are counted but tolerated. */
export function judgeContinuity(input: ContinuityInput): ProbeResult {
  const gaps = gapsOf(input.holes, input.maxGapCandles);
  const small = input.holes.length - gaps.length;
  const notes = [
    input.full ? `full scan of ${input.scannedCandles} candles` : `${input.scannedCandles} new candles scanned`,
    small > 0 ? `${plural(small, 'hole')} of at most ${input.maxGapCandles} candles tolerated` : '',
    input.knownExcluded > 0 ? `${plural(input.knownExcluded, 'known exchange gap')} excluded` : '',
  ].filter(Boolean).join(', ');
  const pending = input.pendingSeries > 0
    ? `${plural(input.pendingSeries, 'series', 'series')} not scanned to the end yet (continues on the next check; \`cfa-console validate\` scans everything)`
    : '';
  let status: ProbeResult['status'] = 'ok';
  let head = `no gaps longer than ${input.maxGapCandles} candles in ${plural(input.series, 'series', 'series')}`;
  if (gaps.length > 0) {
    status = 'warn';
    const missing = gaps.reduce((n, g) => n + g.missing, 0);
    head = `${plural(gaps.length, 'gap')} longer than ${input.maxGapCandles} candles (${missing} candles missing); \`cfa-console validate --heal\` refetches them`;
  } else if (pending) {
    status = 'unknown';
  }
  return probeResult('continuity', {
    status,
    value: gaps.length,
    threshold: { warn: 0 },
    unit: 'count',
    detail: [head, notes, pending].filter(Boolean).join('; '),
    offenders: gaps.map((g) => ({
      name: `${g.symbol} ${g.interval}`,
      value: g.missing,
      detail: `${g.missing} candles missing, ${isoMinute(g.fromOpenTime)} to ${isoMinute(g.toOpenTime)}`,
    })),
  });
}
