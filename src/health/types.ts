import type { ReplicaFacts } from '../replication/status.js';
import type { Interval } from '../exchange/intervals.js';

/** What a measurement says: `unknown` is never read as ok. */
export type MeasuredStatus = 'ok' | 'warn' | 'critical' | 'unknown';

/**
 * Every probe says one of these. `never-synced`: a new data dir whose store was never filled
 * (no candle, no successful sync, no backup on record): nothing is wrong yet, nothing can be
 * measured yet; never critical, never paging.
 */
export type HealthStatus = MeasuredStatus | 'never-synced';

/** The figure metrics export (0 ok, 1 unknown or never synced, 2 warning, 3 critical). */
export const STATUS_RANK: Record<HealthStatus, number> = { ok: 0, unknown: 1, 'never-synced': 1, warn: 2, critical: 3 };

/** How the overall status is chosen: the worst by this order; a new store outranks an unknown probe. */
export const STATUS_ORDER: Record<HealthStatus, number> = { ok: 0, unknown: 1, 'never-synced': 2, warn: 3, critical: 4 };

export interface Offender {
  /** What is wrong: a symbol, a series ("BTCUSDT 1h"), a tier, a file. */
  name: string;
  value: number | string | null;
  detail?: string;
}

export interface ProbeResult {
  /** Stable id used by `health --only`, alert rules and metrics: freshness, coverage, ... */
  id: string;
  title: string;
  status: HealthStatus;
  /** The measured figure (age in ms, percent, bytes, count) or null when it could not be measured. */
  value: number | null;
  /** The limit the status was judged against, e.g. `{ warn: 1800000, critical: 3600000 }`. */
  threshold: { warn?: number; critical?: number } | null;
  unit: 'ms' | 'percent' | 'bytes' | 'count' | 'per-minute' | 'none';
  /** One line for people: what is wrong and, where it helps, what to do. */
  detail: string;
  /** The worst first, at most a handful. */
  offenders: Offender[];
  /**
   * Set when this verdict was not measured in this snapshot but taken at this time (ms) and reused
   * because what it judged has not changed since (the integrity check of an unchanged market.db).
   */
  reusedFrom?: number;
}

export interface SeriesFreshness {
  symbol: string;
  interval: Interval;
  /** Open time of the newest stored candle, or null when the series is empty. */
  lastOpenTime: number | null;
  /** How long since that candle closed; null for an empty series. */
  ageMs: number | null;
  status: MeasuredStatus;
}

export interface IntervalCoverage {
  interval: Interval;
  present: number;
  configured: number;
  missing: string[];
  status: MeasuredStatus;
}

/**
 * A run of missing candles inside a series: open times of the first and last missing candle. In
 * PostgreSQL, where continuity is judged from counts, the series' first and last candle bound them.
 */
export interface ContinuityGap {
  symbol: string;
  interval: Interval;
  fromOpenTime: number;
  /** Inclusive: the open time of the last missing candle. */
  toOpenTime: number;
  missing: number;
}

/** A gap the exchange itself does not have (a refetch returned nothing): not reported again. */
export interface KnownGap extends ContinuityGap {
  /** When a refetch confirmed the exchange has no candles there. */
  confirmedAt: number;
}

export interface HealthSnapshot {
  at: number;
  overall: HealthStatus;
  probes: ProbeResult[];
  /** Every configured series, for the freshness heatmap. */
  freshness: SeriesFreshness[];
  coverage: IntervalCoverage[];
  /** Gaps longer than `health.maxGapCandles` still open (known exchange gaps left out); present when continuity ran. */
  gaps?: ContinuityGap[];
  /** Known exchange-side gaps; present when continuity ran. */
  knownGaps?: KnownGap[];
  /** Per sentiment source (binance, fng, fred); present when the sentiment probe ran. */
  sentiment?: SentimentFreshness[];
  /** Per store and replica, when replication is configured and its probe ran. */
  replication?: ReplicaFacts[];
  /**
   * Candles of the configured series per interval (the metric `cfa_db_records`), counted at the
   * integrity check's pace (SQLite: when that check runs; PostgreSQL: the continuity counts) and
   * carried between counts; absent until first counted or when the store cannot be read.
   */
  records?: RecordCounts;
  /** How long collecting the snapshot took. */
  durationMs?: number;
}

/** Candles per interval and when they were counted. */
export interface RecordCounts {
  at: number;
  byInterval: Record<string, number>;
}

/** One sentiment source's freshness: its worst item, judged by that item's own frequency. */
export interface SentimentFreshness {
  source: 'binance' | 'fng' | 'fred';
  status: HealthStatus;
  /** Age of its stalest item, or null when it has no data. */
  ageMs: number | null;
  /** Items (symbol series, FRED series) stale or missing, of `total`. */
  stale: number;
  total: number;
  detail: string;
}
