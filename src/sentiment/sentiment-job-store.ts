import type { Awaitable } from '../store/candle-store.js';
import type { Vintage } from './fred-vintages.js';

/**
 * What the sentiment job and its health probe need of a store, met by both backends:
 * SentimentStore over market.db (src/sentiment/sentiment-store.ts) and PgSentimentStore over
 * PostgreSQL (src/sentiment/pg-sentiment-store.ts). The sources fetch and parse first and hand
 * the store whole series: each `store*` call is one transaction, so a series lands whole or not
 * at all, and a re-run stores the same rows again without changing a count or a value. The
 * callers await every answer (the SQLite store answers at once).
 */

export const MINUTE = 60_000;
export const DAY = 86_400_000;

export interface FundingRow {
  symbol: string;
  /** As Binance sent it (a few ms late). */
  fundingTimeRaw: number;
  fundingRate: number;
  markPrice: number | null;
}

export interface OpenInterestRow { symbol: string; period: string; ts: number; oiBase: number; oiUsdt: number }
export type LongShortKind = 'global_account' | 'top_account' | 'top_position';
export interface LongShortRow { symbol: string; kind: LongShortKind; period: string; ts: number; ratio: number; longFrac: number; shortFrac: number }
export interface TakerRow { symbol: string; period: string; ts: number; buySellRatio: number; buyVol: number; sellVol: number }
export interface PremiumRow { symbol: string; takenAt: number; markPrice: number; indexPrice: number; lastFundingRate: number; interestRate: number | null; nextFundingTime: number | null }
export interface FearGreedRow { day: number; value: number; classification: string }
export interface FredSeriesInfo { seriesId: string; title: string | null; frequency: string | null; frequencyShort: string | null; units: string | null; lastUpdated: string | null }

export interface StoredFunding { symbol: string; fundingTime: number; fundingTimeRaw: number; fundingRate: number; markPrice: number | null; intervalMs: number | null }
export type StoredFredSeries = FredSeriesInfo & { fetchedAt: number | null; realtimeThrough: string | null; lastObsDate: string | null };

/** The `/futures/data` series: two tables of their own, the three ratios in one. */
export type FuturesDataSource = 'open_interest' | 'taker_volume' | LongShortKind;

/** One `/futures/data` series' rows, as one store call takes them. */
export type FuturesDataRows =
  | { table: 'open_interest'; rows: readonly OpenInterestRow[] }
  | { table: 'taker_volume'; rows: readonly TakerRow[] }
  | { table: 'long_short_ratios'; rows: readonly LongShortRow[] };

/** One FRED series' fetch: its description, every vintage FRED answered, and when. */
export interface FredFetch {
  info: FredSeriesInfo;
  fetched: readonly Vintage[];
  /** Epoch ms of the fetch, and the last day (YYYY-MM-DD) whose vintages it covers. */
  fetchedAt: number;
  realtimeThrough: string;
}

/** What the sentiment probe reads: each source's newest point. */
export interface SentimentFreshnessFacts {
  funding: { symbol: string; fundingTime: number; intervalMs: number | null }[];
  futuresData: { symbol: string; newestTs: number }[];
  fearGreedDay: number | null;
  fred: StoredFredSeries[];
}

export interface SentimentJobStore {
  lastFundingRaw(symbol: string): Awaitable<number | null>;
  /** The newest stored timestamp of one `/futures/data` series. */
  lastFuturesDataTs(source: FuturesDataSource, symbol: string, period: string): Awaitable<number | null>;
  lastFearGreedDay(): Awaitable<number | null>;
  /** The stored Fear & Greed days from `fromDay` on, ascending. */
  fearGreedDays(fromDay: number): Awaitable<number[]>;
  fredSeries(): Awaitable<StoredFredSeries[]>;

  /** Funding under its rounded time with the interval observed since the previous settlement; rows stored. */
  storeFunding(rows: readonly FundingRow[]): Awaitable<number>;
  storeFuturesData(series: FuturesDataRows): Awaitable<number>;
  /** Premium index snapshots, one per symbol and hour (the newest of the hour wins). */
  storePremium(rows: readonly PremiumRow[]): Awaitable<number>;
  storeFearGreed(rows: readonly FearGreedRow[]): Awaitable<number>;
  /** The Fear & Greed days after `day` deleted (a drill's fault: the days a source that is down never published); how many. */
  deleteFearGreedAfter(day: number): Awaitable<number>;
  /** The series' description and its vintages merged into the stored ones (mergeVintages), marked fetched. */
  storeFred(fetch: FredFetch): Awaitable<{ inserted: number; updated: number }>;
  close(): Awaitable<void>;
}

/** The settlement a raw funding time belongs to: the nearest minute. */
export function roundFundingTime(raw: number): number {
  return Math.round(raw / MINUTE) * MINUTE;
}

/** Funding rows per symbol, each list in the order Binance settled them. */
export function fundingBySymbol(rows: readonly FundingRow[]): [string, FundingRow[]][] {
  const bySymbol = new Map<string, FundingRow[]>();
  for (const r of rows) bySymbol.set(r.symbol, [...(bySymbol.get(r.symbol) ?? []), r]);
  return [...bySymbol].map(([symbol, list]) => [symbol, [...list].sort((a, b) => a.fundingTimeRaw - b.fundingTimeRaw)]);
}

/**
 * One symbol's funding rows (sorted by raw time) as stored: the rounded time, and the interval
 * since the settlement before (`previous`, the newest stored one before the first row, or null).
 * A settlement sent twice in one answer is stored once. Pure.
 */
export function fundingSettlements(sorted: readonly FundingRow[], previous: number | null): StoredFunding[] {
  const out: StoredFunding[] = [];
  let prev = previous;
  for (const r of sorted) {
    const t = roundFundingTime(r.fundingTimeRaw);
    if (prev === t) continue;
    out.push({ symbol: r.symbol, fundingTime: t, fundingTimeRaw: r.fundingTimeRaw, fundingRate: r.fundingRate, markPrice: r.markPrice, intervalMs: prev === null ? null : t - prev });
    prev = t;
  }
  return out;
}

/** The hour a premium index snapshot is kept under. */
export function premiumHour(takenAt: number): number {
  return Math.floor(takenAt / 3_600_000) * 3_600_000;
}
