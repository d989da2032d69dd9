import { openMarketDb } from '../store/market-db.js';
import type { Db } from '../store/sqlite.js';
import { mergeVintages, OPEN_END, type Vintage } from './fred-vintages.js';
import {
  fundingBySymbol, fundingSettlements, premiumHour, roundFundingTime,
  type FearGreedRow, type FredFetch, type FredSeriesInfo, type FundingRow, type FuturesDataRows, type FuturesDataSource, type LongShortKind,
  type LongShortRow, type OpenInterestRow, type PremiumRow, type SentimentJobStore, type StoredFredSeries, type StoredFunding, type TakerRow,
} from './sentiment-job-store.js';

/**
 * Owns the sentiment and macro tables of market.db (schema: src/store/migrations/
 * market-v3-sentiment.ts) and every query on them. Each upsert is idempotent: storing the same
 * rows again changes no row count and no value. Its PostgreSQL sibling is PgSentimentStore
 * (pg-sentiment-store.ts); the job sees either through SentimentJobStore.
 */

export { DAY, MINUTE, roundFundingTime } from './sentiment-job-store.js';
export type { FearGreedRow, FredSeriesInfo, FundingRow, LongShortKind, LongShortRow, OpenInterestRow, PremiumRow, StoredFunding, TakerRow } from './sentiment-job-store.js';

export class SentimentStore implements SentimentJobStore {
  private constructor(readonly db: Db) {}

  static open(dataDir: string): SentimentStore {
    return new SentimentStore(openMarketDb(dataDir));
  }

  /** Queries over a market.db handle someone else opened (and closes): the health probes'. */
  static over(db: Db): SentimentStore {
    return new SentimentStore(db);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs `fn` in one transaction: one source's writes land whole or not at all. IMMEDIATE, since
   * the upserts read before they write: a deferred transaction that reads while the candle sync
   * commits cannot be upgraded and fails at once with "database is locked", busy timeout or not.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- funding ----

  /** Stores funding rows with their rounded time and the interval observed since the previous one. */
  upsertFunding(rows: readonly FundingRow[]): number {
    const prevStmt = this.db.prepare('SELECT max(funding_time) FROM funding_rates WHERE symbol = ? AND funding_time < ?').pluck();
    const upsert = this.db.prepare(`
      INSERT INTO funding_rates (symbol, funding_time, funding_time_raw, funding_rate, mark_price, interval_ms)
      VALUES (@symbol, @fundingTime, @fundingTimeRaw, @fundingRate, @markPrice, @intervalMs)
      ON CONFLICT (symbol, funding_time) DO UPDATE SET funding_time_raw = excluded.funding_time_raw,
        funding_rate = excluded.funding_rate, mark_price = excluded.mark_price,
        interval_ms = coalesce(excluded.interval_ms, funding_rates.interval_ms)`);
    let n = 0;
    for (const [symbol, sorted] of fundingBySymbol(rows)) {
      const previous = (prevStmt.get(symbol, roundFundingTime(sorted[0]!.fundingTimeRaw)) as number | null) ?? null;
      const settlements = fundingSettlements(sorted, previous);
      for (const s of settlements) upsert.run(s);
      n += settlements.length;
    }
    return n;
  }

  lastFundingRaw(symbol: string): number | null {
    return (this.db.prepare('SELECT max(funding_time_raw) FROM funding_rates WHERE symbol = ?').pluck().get(symbol) as number | null) ?? null;
  }

  funding(symbol: string): StoredFunding[] {
    return this.db.prepare(`SELECT symbol, funding_time AS fundingTime, funding_time_raw AS fundingTimeRaw, funding_rate AS fundingRate,
      mark_price AS markPrice, interval_ms AS intervalMs FROM funding_rates WHERE symbol = ? ORDER BY funding_time`).all(symbol) as StoredFunding[];
  }

  /** Each symbol's newest settlement and the interval observed before it. */
  fundingLatest(): { symbol: string; fundingTime: number; intervalMs: number | null }[] {
    return this.db.prepare(`SELECT f.symbol, f.funding_time AS fundingTime, f.interval_ms AS intervalMs FROM funding_rates f
      JOIN (SELECT symbol, max(funding_time) AS t FROM funding_rates GROUP BY symbol) m ON m.symbol = f.symbol AND m.t = f.funding_time
      ORDER BY f.symbol`).all() as { symbol: string; fundingTime: number; intervalMs: number | null }[];
  }

  // ---- /futures/data ----

  upsertOpenInterest(rows: readonly OpenInterestRow[]): number {
    const stmt = this.db.prepare(`INSERT INTO open_interest (symbol, period, ts, oi_base, oi_usdt) VALUES (@symbol, @period, @ts, @oiBase, @oiUsdt)
      ON CONFLICT (symbol, period, ts) DO UPDATE SET oi_base = excluded.oi_base, oi_usdt = excluded.oi_usdt`);
    for (const r of rows) stmt.run(r);
    return rows.length;
  }

  upsertLongShort(rows: readonly LongShortRow[]): number {
    const stmt = this.db.prepare(`INSERT INTO long_short_ratios (symbol, kind, period, ts, ratio, long_frac, short_frac)
      VALUES (@symbol, @kind, @period, @ts, @ratio, @longFrac, @shortFrac)
      ON CONFLICT (symbol, kind, period, ts) DO UPDATE SET ratio = excluded.ratio, long_frac = excluded.long_frac, short_frac = excluded.short_frac`);
    for (const r of rows) stmt.run(r);
    return rows.length;
  }

  upsertTaker(rows: readonly TakerRow[]): number {
    const stmt = this.db.prepare(`INSERT INTO taker_volume (symbol, period, ts, buy_sell_ratio, buy_vol, sell_vol)
      VALUES (@symbol, @period, @ts, @buySellRatio, @buyVol, @sellVol)
      ON CONFLICT (symbol, period, ts) DO UPDATE SET buy_sell_ratio = excluded.buy_sell_ratio, buy_vol = excluded.buy_vol, sell_vol = excluded.sell_vol`);
    for (const r of rows) stmt.run(r);
    return rows.length;
  }

  upsertPremium(rows: readonly PremiumRow[]): number {
    const stmt = this.db.prepare(`INSERT INTO premium_index (symbol, ts, taken_at, mark_price, index_price, last_funding_rate, interest_rate, next_funding_time)
      VALUES (@symbol, @ts, @takenAt, @markPrice, @indexPrice, @lastFundingRate, @interestRate, @nextFundingTime)
      ON CONFLICT (symbol, ts) DO UPDATE SET taken_at = excluded.taken_at, mark_price = excluded.mark_price, index_price = excluded.index_price,
        last_funding_rate = excluded.last_funding_rate, interest_rate = excluded.interest_rate, next_funding_time = excluded.next_funding_time`);
    for (const r of rows) stmt.run({ ...r, ts: premiumHour(r.takenAt) });
    return rows.length;
  }

  /** The newest stored timestamp of one `/futures/data` series (table by source). */
  lastFuturesDataTs(source: FuturesDataSource, symbol: string, period: string): number | null {
    const q = source === 'open_interest' || source === 'taker_volume'
      ? this.db.prepare(`SELECT max(ts) FROM ${source} WHERE symbol = ? AND period = ?`).pluck().get(symbol, period)
      : this.db.prepare('SELECT max(ts) FROM long_short_ratios WHERE symbol = ? AND kind = ? AND period = ?').pluck().get(symbol, source, period);
    return (q as number | null) ?? null;
  }

  futuresDataTimes(source: FuturesDataSource, symbol: string, period: string): number[] {
    const stmt = source === 'open_interest' || source === 'taker_volume'
      ? this.db.prepare(`SELECT ts FROM ${source} WHERE symbol = ? AND period = ? ORDER BY ts`).pluck()
      : this.db.prepare(`SELECT ts FROM long_short_ratios WHERE symbol = ? AND period = ? AND kind = '${source}' ORDER BY ts`).pluck();
    return stmt.all(symbol, period) as number[];
  }

  // ---- fear & greed ----

  upsertFearGreed(rows: readonly FearGreedRow[]): number {
    const stmt = this.db.prepare(`INSERT INTO fear_greed (day, value, classification) VALUES (@day, @value, @classification)
      ON CONFLICT (day) DO UPDATE SET value = excluded.value, classification = excluded.classification`);
    for (const r of rows) stmt.run(r);
    return rows.length;
  }

  lastFearGreedDay(): number | null {
    return (this.db.prepare('SELECT max(day) FROM fear_greed').pluck().get() as number | null) ?? null;
  }

  deleteFearGreedAfter(day: number): number {
    return this.db.prepare('DELETE FROM fear_greed WHERE day > ?').run(day).changes;
  }

  fearGreed(): FearGreedRow[] {
    return this.db.prepare('SELECT day, value, classification FROM fear_greed ORDER BY day').all() as FearGreedRow[];
  }

  // ---- FRED ----

  upsertFredSeries(info: FredSeriesInfo): void {
    this.db.prepare(`INSERT INTO fred_series (series_id, title, frequency, frequency_short, units, last_updated)
      VALUES (@seriesId, @title, @frequency, @frequencyShort, @units, @lastUpdated)
      ON CONFLICT (series_id) DO UPDATE SET title = excluded.title, frequency = excluded.frequency,
        frequency_short = excluded.frequency_short, units = excluded.units, last_updated = excluded.last_updated`).run(info);
  }

  markFredFetched(seriesId: string, at: number, realtimeThrough: string): void {
    this.db.prepare('UPDATE fred_series SET fetched_at = ?, realtime_through = ? WHERE series_id = ?').run(at, realtimeThrough, seriesId);
  }

  fredSeries(): StoredFredSeries[] {
    return this.db.prepare(`SELECT s.series_id AS seriesId, title, frequency, frequency_short AS frequencyShort, units, last_updated AS lastUpdated,
      fetched_at AS fetchedAt, realtime_through AS realtimeThrough,
      (SELECT max(obs_date) FROM fred_observations o WHERE o.series_id = s.series_id AND o.realtime_end = '${OPEN_END}' AND o.value IS NOT NULL) AS lastObsDate
      FROM fred_series s ORDER BY s.series_id`).all() as StoredFredSeries[];
  }

  fredVintages(seriesId: string, fromObsDate = '0000-01-01'): Vintage[] {
    return this.db.prepare(`SELECT obs_date AS obsDate, realtime_start AS realtimeStart, realtime_end AS realtimeEnd, value
      FROM fred_observations WHERE series_id = ? AND obs_date >= ? ORDER BY obs_date, realtime_start`).all(seriesId, fromObsDate) as Vintage[];
  }

  /** Merges FRED's answer into the stored vintages: closes revised versions, opens new ones. */
  mergeFred(seriesId: string, fetched: readonly Vintage[]): { inserted: number; updated: number } {
    if (fetched.length === 0) return { inserted: 0, updated: 0 };
    const from = fetched.reduce((m, v) => (v.obsDate < m ? v.obsDate : m), fetched[0]!.obsDate);
    const { inserts, updates } = mergeVintages(this.fredVintages(seriesId, from), fetched);
    const ins = this.db.prepare(`INSERT INTO fred_observations (series_id, obs_date, realtime_start, realtime_end, value)
      VALUES (?, ?, ?, ?, ?)`);
    const upd = this.db.prepare('UPDATE fred_observations SET realtime_end = ?, value = ? WHERE series_id = ? AND obs_date = ? AND realtime_start = ?');
    for (const v of updates) upd.run(v.realtimeEnd, v.value, seriesId, v.obsDate, v.realtimeStart);
    for (const v of inserts) ins.run(seriesId, v.obsDate, v.realtimeStart, v.realtimeEnd, v.value);
    return { inserted: inserts.length, updated: updates.length };
  }

  /** The value of one observation as it was known on `asOf` (YYYY-MM-DD): no look-ahead. */
  fredValueAsOf(seriesId: string, obsDate: string, asOf: string): { value: number | null } | undefined {
    return this.db.prepare(`SELECT value FROM fred_observations WHERE series_id = ? AND obs_date = ?
      AND realtime_start <= ? AND realtime_end >= ?`).get(seriesId, obsDate, asOf, asOf) as { value: number | null } | undefined;
  }

  /** The newest observation known on `asOf`: what a backtest may use that day. */
  fredLatestAsOf(seriesId: string, asOf: string): { obsDate: string; value: number | null } | undefined {
    return this.db.prepare(`SELECT obs_date AS obsDate, value FROM fred_observations WHERE series_id = ?
      AND realtime_start <= ? AND realtime_end >= ? ORDER BY obs_date DESC LIMIT 1`).get(seriesId, asOf, asOf) as { obsDate: string; value: number | null } | undefined;
  }

  /** The oldest of each symbol's newest points over the five `/futures/data` series of a period. */
  futuresDataNewest(period: string): { symbol: string; newestTs: number }[] {
    return this.db.prepare(`SELECT symbol, min(t) AS newestTs FROM (
        SELECT symbol, max(ts) AS t FROM open_interest WHERE period = @p GROUP BY symbol
        UNION ALL SELECT symbol, max(ts) FROM taker_volume WHERE period = @p GROUP BY symbol
        UNION ALL SELECT symbol, max(ts) FROM long_short_ratios WHERE period = @p GROUP BY symbol, kind
      ) GROUP BY symbol ORDER BY symbol`).all({ p: period }) as { symbol: string; newestTs: number }[];
  }

  fearGreedDays(fromDay: number): number[] {
    return this.db.prepare('SELECT day FROM fear_greed WHERE day >= ? ORDER BY day').pluck().all(fromDay) as number[];
  }

  // ---- SentimentJobStore: one transaction per call ----

  storeFunding(rows: readonly FundingRow[]): number {
    return this.transaction(() => this.upsertFunding(rows));
  }

  storeFuturesData(series: FuturesDataRows): number {
    return this.transaction(() => {
      switch (series.table) {
        case 'open_interest': return this.upsertOpenInterest(series.rows);
        case 'taker_volume': return this.upsertTaker(series.rows);
        case 'long_short_ratios': return this.upsertLongShort(series.rows);
      }
    });
  }

  storePremium(rows: readonly PremiumRow[]): number {
    return this.transaction(() => this.upsertPremium(rows));
  }

  storeFearGreed(rows: readonly FearGreedRow[]): number {
    return this.transaction(() => this.upsertFearGreed(rows));
  }

  storeFred(fetch: FredFetch): { inserted: number; updated: number } {
    return this.transaction(() => {
      this.upsertFredSeries(fetch.info);
      const merged = this.mergeFred(fetch.info.seriesId, fetch.fetched);
      this.markFredFetched(fetch.info.seriesId, fetch.fetchedAt, fetch.realtimeThrough);
      return merged;
    });
  }

  /** Rows per sentiment table: a re-run must leave these unchanged. */
  rowCounts(): Record<string, number> {
    const tables = ['funding_rates', 'open_interest', 'long_short_ratios', 'taker_volume', 'premium_index', 'fear_greed', 'fred_series', 'fred_observations'];
    return Object.fromEntries(tables.map((t) => [t, this.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
  }
}
