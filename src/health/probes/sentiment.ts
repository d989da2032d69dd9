import { humanDuration } from '../format-values.js';
import { worstStatus, judgeAbove, type Limits } from '../status.js';
import type { HealthStatus, Offender, ProbeResult, SentimentFreshness } from '../types.js';
import { probeResult } from './probe-result.js';

/**
 * Freshness of the sentiment and macro sources, with limits by each item's own frequency: the
 * job runs daily, so an item may be one day (the job's cadence) plus its own interval (funding's
 * observed 8 h/4 h/1 h, a `/futures/data` period, a day for Fear & Greed, a FRED series'
 * frequency plus its release lag) plus 2 h of slack old before it warns; another run (or, for
 * a slower series, another of its periods) gone by without it is critical. Pure.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

export function sentimentLimits(frequencyMs: number, lagMs = 0, cadenceMs = DAY): Limits {
  const warn = cadenceMs + frequencyMs + lagMs + 2 * HOUR;
  // Critical once another run, or another period of the series, has gone by without it.
  return { warn, critical: warn + Math.max(cadenceMs, frequencyMs) };
}

/** FRED frequencies (frequency_short) and how long after its period an observation is usually published. */
const FRED_FREQUENCY: Record<string, { frequencyMs: number; lagMs: number }> = {
  D: { frequencyMs: DAY, lagMs: 4 * DAY },
  W: { frequencyMs: 7 * DAY, lagMs: 7 * DAY },
  BW: { frequencyMs: 14 * DAY, lagMs: 7 * DAY },
  M: { frequencyMs: 31 * DAY, lagMs: 45 * DAY },
  Q: { frequencyMs: 92 * DAY, lagMs: 90 * DAY },
  SA: { frequencyMs: 183 * DAY, lagMs: 120 * DAY },
  A: { frequencyMs: 366 * DAY, lagMs: 120 * DAY },
};

/** Daily series published in weekly batches: their lag is longer than the D default. */
const FRED_LAG_OVERRIDES: Record<string, number> = { DTWEXBGS: 10 * DAY };

export function fredLimits(seriesId: string, frequencyShort: string | null): Limits {
  const f = FRED_FREQUENCY[frequencyShort ?? ''] ?? FRED_FREQUENCY.M!;
  return sentimentLimits(f.frequencyMs, FRED_LAG_OVERRIDES[seriesId] ?? f.lagMs);
}

export interface SentimentFacts {
  /** Sources the config asks for: only these are judged. */
  sources: readonly ('binance' | 'fng' | 'fred')[];
  symbols: readonly string[];
  period: string;
  periodMs: number;
  funding: readonly { symbol: string; fundingTime: number; intervalMs: number | null }[];
  /** The oldest of the five `/futures/data` series' newest points, per symbol. */
  futuresData: readonly { symbol: string; newestTs: number }[];
  fearGreedDay: number | null;
  fred: readonly { seriesId: string; frequencyShort: string | null; lastObsDate: string | null }[];
  fredSeries: readonly string[];
  now: number;
}

interface Item {
  source: 'binance' | 'fng' | 'fred';
  name: string;
  ageMs: number | null;
  limits: Limits;
  status: HealthStatus;
}

function item(source: Item['source'], name: string, ageMs: number | null, limits: Limits, noData: HealthStatus): Item {
  return { source, name, ageMs, limits, status: ageMs === null ? noData : judgeAbove(ageMs, limits) };
}

export function judgeSentiment(facts: SentimentFacts): { probe: ProbeResult; sources: SentimentFreshness[] } {
  const { now } = facts;
  const items: Item[] = [];
  if (facts.sources.includes('binance')) {
    const funding = new Map(facts.funding.map((f) => [f.symbol, f]));
    const data = new Map(facts.futuresData.map((d) => [d.symbol, d.newestTs]));
    const anyData = funding.size > 0 || data.size > 0;
    for (const symbol of facts.symbols) {
      const f = funding.get(symbol);
      items.push(item('binance', `${symbol} funding`, f ? now - f.fundingTime : null, sentimentLimits(f?.intervalMs ?? 8 * HOUR), anyData ? 'warn' : 'unknown'));
      const ts = data.get(symbol);
      items.push(item('binance', `${symbol} ${facts.period} stats`, ts === undefined ? null : now - ts, sentimentLimits(facts.periodMs), anyData ? 'warn' : 'unknown'));
    }
  }
  if (facts.sources.includes('fng')) {
    items.push(item('fng', 'fear & greed', facts.fearGreedDay === null ? null : now - facts.fearGreedDay, sentimentLimits(DAY), 'unknown'));
  }
  if (facts.sources.includes('fred')) {
    const known = new Map(facts.fred.map((s) => [s.seriesId, s]));
    const anyData = facts.fred.some((s) => s.lastObsDate !== null);
    for (const id of facts.fredSeries) {
      const s = known.get(id);
      const age = s?.lastObsDate ? now - Date.parse(`${s.lastObsDate}T00:00:00Z`) : null;
      items.push(item('fred', id, age, fredLimits(id, s?.frequencyShort ?? null), anyData ? 'warn' : 'unknown'));
    }
  }

  const sources: SentimentFreshness[] = (['binance', 'fng', 'fred'] as const).filter((s) => facts.sources.includes(s)).map((source) => {
    const mine = items.filter((i) => i.source === source);
    const status = worstStatus(mine.map((i) => i.status));
    const bad = mine.filter((i) => i.status !== 'ok');
    const ages = mine.map((i) => i.ageMs).filter((a): a is number => a !== null);
    const newest = ages.length ? Math.min(...ages) : null;
    const detail = bad.length === 0
      ? `${mine.length} series, newest ${newest === null ? '-' : humanDuration(newest)} old`
      : `${bad.length} of ${mine.length} stale or missing: ${bad.slice(0, 3).map((i) => i.name).join(', ')}${bad.length > 3 ? ', ...' : ''}`;
    return { source, status, ageMs: ages.length ? Math.max(...ages) : null, stale: bad.length, total: mine.length, detail };
  });

  const ratio = (i: Item) => (i.ageMs === null ? Number.POSITIVE_INFINITY : i.ageMs / i.limits.warn);
  const offenders: Offender[] = items.filter((i) => i.status !== 'ok').sort((a, b) => ratio(b) - ratio(a)).map((i) => ({
    name: i.name,
    value: i.ageMs,
    detail: i.ageMs === null ? 'no data' : `${i.status}: ${humanDuration(i.ageMs)} old (warn over ${humanDuration(i.limits.warn)}, critical over ${humanDuration(i.limits.critical)})`,
  }));
  const worst = [...items].sort((a, b) => ratio(b) - ratio(a))[0];
  const status = worstStatus(sources.map((s) => s.status));
  const neverRan = items.length > 0 && items.every((i) => i.ageMs === null);
  const detail = items.length === 0
    ? 'no sentiment source configured'
    : neverRan
      ? 'no sentiment data yet: run `cfa-console sentiment` (the 02:00 job)'
      : sources.map((s) => `${s.source} ${s.status === 'ok' ? 'ok' : s.detail}`).join('; ');
  return {
    probe: probeResult('sentiment', {
      status, value: worst?.ageMs ?? null, threshold: worst ? { ...worst.limits } : null, unit: 'ms', detail, offenders,
    }),
    sources,
  };
}
