import { upsertRows } from '../store/postgres/copy-market.js';
import { migrateMarket, openMarketPool } from '../store/postgres/market-store.js';
import { describePgError, inTransaction, type PgClient, type PgPool } from '../store/postgres/pool.js';
import { MARKET_TABLES } from '../store/schema/market.js';
import type { Table } from '../store/schema/describe.js';
import { mergeVintages, OPEN_END, type Vintage } from './fred-vintages.js';
import {
  fundingBySymbol, fundingSettlements, premiumHour, roundFundingTime,
  type FearGreedRow, type FredFetch, type FundingRow, type FuturesDataRows, type FuturesDataSource, type PremiumRow,
  type SentimentFreshnessFacts, type SentimentJobStore, type StoredFredSeries,
} from './sentiment-job-store.js';

function table(name: string): Table {
  const t = MARKET_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`no market table ${name} in the schema description`);
  return t;
}

const TABLES = {
  funding: table('funding_rates'),
  openInterest: table('open_interest'),
  longShort: table('long_short_ratios'),
  taker: table('taker_volume'),
  premium: table('premium_index'),
  fearGreed: table('fear_greed'),
  fredSeries: table('fred_series'),
  fredObservations: table('fred_observations'),
};

/** Funding re-stored keeps the interval it learnt when the earlier settlement was there (as on SQLite). */
const FUNDING_SET = `funding_time_raw = EXCLUDED.funding_time_raw, funding_rate = EXCLUDED.funding_rate,
  mark_price = EXCLUDED.mark_price, interval_ms = coalesce(EXCLUDED.interval_ms, funding_rates.interval_ms)`;

const SENTIMENT_TABLE_NAMES = Object.values(TABLES).map((t) => t.name);

/**
 * The sentiment and macro tables in PostgreSQL (`store.backend: postgres`): the same rows and
 * answers as SentimentStore over market.db, for the job (SentimentJobStore) and the health
 * probe. The tables are the shared market schema (src/store/migrations/market-v3-sentiment.ts),
 * migrated on open. Each store call is one transaction; the read-then-write ones (funding's
 * interval, FRED's vintage merge) also hold a transaction-scoped advisory lock on their series,
 * so two hosts storing the same series at once take turns instead of merging against stale reads.
 */
export class PgSentimentStore implements SentimentJobStore {
  private constructor(private readonly pool: PgPool, private readonly url: string, private readonly ownsPool: boolean) {}

  static async open(url: string, options: { poolSize?: number } = {}): Promise<PgSentimentStore> {
    return new PgSentimentStore(await openMarketPool(url, options.poolSize), url, true);
  }

  /** Over a pool someone else opened (and ends, unless `ownsPool`). */
  static async over(pool: PgPool, url: string, ownsPool = false): Promise<PgSentimentStore> {
    await migrateMarket(pool, url);
    return new PgSentimentStore(pool, url, ownsPool);
  }

  private async query<R extends object>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw describePgError(this.url, error, 'PostgreSQL refused a sentiment query');
    }
  }

  private async one(text: string, values: unknown[] = []): Promise<number | null> {
    return (await this.query<{ v: number | null }>(text, values))[0]?.v ?? null;
  }

  private async write<T>(doing: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.pool, fn);
    } catch (error) {
      throw describePgError(this.url, error, `cannot store ${doing} in PostgreSQL`);
    }
  }

  // ---- reads ----

  lastFundingRaw(symbol: string): Promise<number | null> {
    return this.one('SELECT max(funding_time_raw) AS v FROM funding_rates WHERE symbol = $1', [symbol]);
  }

  lastFuturesDataTs(source: FuturesDataSource, symbol: string, period: string): Promise<number | null> {
    return source === 'open_interest' || source === 'taker_volume'
      ? this.one(`SELECT max(ts) AS v FROM ${source} WHERE symbol = $1 AND period = $2`, [symbol, period])
      : this.one('SELECT max(ts) AS v FROM long_short_ratios WHERE symbol = $1 AND kind = $2 AND period = $3', [symbol, source, period]);
  }

  lastFearGreedDay(): Promise<number | null> {
    return this.one('SELECT max(day) AS v FROM fear_greed');
  }

  async fearGreedDays(fromDay: number): Promise<number[]> {
    return (await this.query<{ day: number }>('SELECT day FROM fear_greed WHERE day >= $1 ORDER BY day', [fromDay])).map((r) => r.day);
  }

  fredSeries(): Promise<StoredFredSeries[]> {
    return this.query<StoredFredSeries>(`SELECT s.series_id AS "seriesId", title, frequency, frequency_short AS "frequencyShort", units,
        last_updated AS "lastUpdated", fetched_at AS "fetchedAt", realtime_through AS "realtimeThrough",
        (SELECT max(obs_date) FROM fred_observations o WHERE o.series_id = s.series_id AND o.realtime_end = $1 AND o.value IS NOT NULL) AS "lastObsDate"
      FROM fred_series s ORDER BY s.series_id COLLATE "C"`, [OPEN_END]);
  }

  /** What the sentiment probe judges, as SentimentStore answers it over market.db. */
  async freshnessFacts(period: string): Promise<SentimentFreshnessFacts> {
    const [funding, futuresData, fearGreedDay, fred] = await Promise.all([
      this.query<SentimentFreshnessFacts['funding'][number]>(`SELECT f.symbol, f.funding_time AS "fundingTime", f.interval_ms AS "intervalMs" FROM funding_rates f
        JOIN (SELECT symbol, max(funding_time) AS t FROM funding_rates GROUP BY symbol) m ON m.symbol = f.symbol AND m.t = f.funding_time
        ORDER BY f.symbol COLLATE "C"`),
      this.query<SentimentFreshnessFacts['futuresData'][number]>(`SELECT symbol, min(t) AS "newestTs" FROM (
          SELECT symbol, max(ts) AS t FROM open_interest WHERE period = $1 GROUP BY symbol
          UNION ALL SELECT symbol, max(ts) FROM taker_volume WHERE period = $1 GROUP BY symbol
          UNION ALL SELECT symbol, max(ts) FROM long_short_ratios WHERE period = $1 GROUP BY symbol, kind
        ) newest GROUP BY symbol ORDER BY symbol COLLATE "C"`, [period]),
      this.lastFearGreedDay(),
      this.fredSeries(),
    ]);
    return { funding, futuresData, fearGreedDay, fred };
  }

  /** Rows per sentiment table: a re-run must leave these unchanged. */
  async rowCounts(): Promise<Record<string, number>> {
    const counts = await Promise.all(SENTIMENT_TABLE_NAMES.map((t) => this.one(`SELECT count(*) AS v FROM ${t}`)));
    return Object.fromEntries(SENTIMENT_TABLE_NAMES.map((t, i) => [t, counts[i] ?? 0]));
  }

  // ---- writes: one transaction each ----

  storeFunding(rows: readonly FundingRow[]): Promise<number> {
    return this.write('funding rates', async (client) => {
      let n = 0;
      for (const [symbol, sorted] of fundingBySymbol(rows)) {
        await lockSeries(client, `funding_rates ${symbol}`);
        const prev = await client.query<{ v: number | null }>('SELECT max(funding_time) AS v FROM funding_rates WHERE symbol = $1 AND funding_time < $2',
          [symbol, roundFundingTime(sorted[0]!.fundingTimeRaw)]);
        const settlements = fundingSettlements(sorted, prev.rows[0]?.v ?? null);
        await upsertRows(client, TABLES.funding, settlements.map((s) => [s.symbol, s.fundingTime, s.fundingTimeRaw, s.fundingRate, s.markPrice, s.intervalMs]), FUNDING_SET);
        n += settlements.length;
      }
      return n;
    });
  }

  storeFuturesData(series: FuturesDataRows): Promise<number> {
    return this.write(series.table, async (client) => {
      switch (series.table) {
        case 'open_interest':
          await upsertRows(client, TABLES.openInterest, series.rows.map((r) => [r.symbol, r.period, r.ts, r.oiBase, r.oiUsdt]));
          break;
        case 'taker_volume':
          await upsertRows(client, TABLES.taker, series.rows.map((r) => [r.symbol, r.period, r.ts, r.buySellRatio, r.buyVol, r.sellVol]));
          break;
        case 'long_short_ratios':
          await upsertRows(client, TABLES.longShort, series.rows.map((r) => [r.symbol, r.kind, r.period, r.ts, r.ratio, r.longFrac, r.shortFrac]));
          break;
      }
      return series.rows.length;
    });
  }

  storePremium(rows: readonly PremiumRow[]): Promise<number> {
    return this.write('premium index snapshots', async (client) => {
      await upsertRows(client, TABLES.premium, rows.map((r) => [
        r.symbol, premiumHour(r.takenAt), r.takenAt, r.markPrice, r.indexPrice, r.lastFundingRate, r.interestRate, r.nextFundingTime,
      ]));
      return rows.length;
    });
  }

  storeFearGreed(rows: readonly FearGreedRow[]): Promise<number> {
    return this.write('fear & greed', async (client) => {
      await upsertRows(client, TABLES.fearGreed, rows.map((r) => [r.day, r.value, r.classification]));
      return rows.length;
    });
  }

  deleteFearGreedAfter(day: number): Promise<number> {
    return this.write('the deletion of fear & greed days', async (client) => (await client.query('DELETE FROM fear_greed WHERE day > $1', [day])).rowCount ?? 0);
  }

  storeFred(fetch: FredFetch): Promise<{ inserted: number; updated: number }> {
    const { info } = fetch;
    return this.write(`FRED ${info.seriesId}`, async (client) => {
      await lockSeries(client, `fred_observations ${info.seriesId}`);
      await upsertRows(client, TABLES.fredSeries, [[
        info.seriesId, info.title, info.frequency, info.frequencyShort, info.units, info.lastUpdated, fetch.fetchedAt, fetch.realtimeThrough,
      ]]);
      if (fetch.fetched.length === 0) return { inserted: 0, updated: 0 };
      const from = fetch.fetched.reduce((m, v) => (v.obsDate < m ? v.obsDate : m), fetch.fetched[0]!.obsDate);
      const stored = await client.query<Vintage>(`SELECT obs_date AS "obsDate", realtime_start AS "realtimeStart", realtime_end AS "realtimeEnd", value
        FROM fred_observations WHERE series_id = $1 AND obs_date >= $2`, [info.seriesId, from]);
      const { inserts, updates } = mergeVintages(stored.rows, fetch.fetched);
      if (updates.length > 0) {
        await client.query(`UPDATE fred_observations o SET realtime_end = u.realtime_end, value = u.value
            FROM unnest($2::text[], $3::text[], $4::text[], $5::double precision[]) AS u(obs_date, realtime_start, realtime_end, value)
           WHERE o.series_id = $1 AND o.obs_date = u.obs_date AND o.realtime_start = u.realtime_start`,
        [info.seriesId, updates.map((v) => v.obsDate), updates.map((v) => v.realtimeStart), updates.map((v) => v.realtimeEnd), updates.map((v) => v.value)]);
      }
      await upsertRows(client, TABLES.fredObservations, inserts.map((v) => [info.seriesId, v.obsDate, v.realtimeStart, v.realtimeEnd, v.value]));
      return { inserted: inserts.length, updated: updates.length };
    });
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

/** Serialises the read-then-write of one series across connections and hosts until the transaction ends. */
async function lockSeries(client: PgClient, series: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cfa_sentiment ${series}`]);
}
