import type { Interval } from '../../exchange/intervals.js';
import { judgeBelow, worstStatus, type Limits } from '../status.js';
import type { IntervalCoverage, ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface CoverageInput {
  symbols: readonly string[];
  intervals: readonly Interval[];
  /** True when the series holds at least one candle. */
  hasCandles: (symbol: string, interval: Interval) => boolean;
  /** Percent present: below warn is a warning, below critical critical. */
  limits: Limits;
}

function percent(present: number, configured: number): number {
  return configured === 0 ? 100 : (present / configured) * 100;
}

/** Symbols present per interval out of those configured, naming the missing ones. */
export function judgeCoverage(input: CoverageInput): { probe: ProbeResult; coverage: IntervalCoverage[] } {
  const coverage: IntervalCoverage[] = input.intervals.map((interval) => {
    const missing = input.symbols.filter((s) => !input.hasCandles(s, interval));
    const present = input.symbols.length - missing.length;
    return { interval, present, configured: input.symbols.length, missing, status: judgeBelow(percent(present, input.symbols.length), input.limits) };
  });
  const lowest = Math.min(100, ...coverage.map((c) => percent(c.present, c.configured)));
  const short = coverage.filter((c) => c.missing.length > 0);
  const detail = short.length === 0
    ? `${input.symbols.length}/${input.symbols.length} symbols in every interval (${input.intervals.join(', ')})`
    : short.map((c) => `${c.interval}: ${c.present}/${c.configured}${c.present === 0 ? '' : `, missing ${c.missing.slice(0, 3).join(', ')}${c.missing.length > 3 ? ` and ${c.missing.length - 3} more` : ''}`}`).join('; ');
  return {
    probe: probeResult('coverage', {
      status: worstStatus(coverage.map((c) => c.status)),
      value: Math.round(lowest * 10) / 10,
      threshold: { warn: input.limits.warn, critical: input.limits.critical },
      unit: 'percent',
      detail,
      offenders: short
        .sort((a, b) => b.missing.length - a.missing.length)
        .flatMap((c) => c.missing.map((s) => ({ name: `${s} ${c.interval}`, value: null, detail: 'no candles stored' }))),
    }),
    coverage,
  };
}
