import type { Candle } from '../../exchange/candle.js';
import type { Interval } from '../../exchange/intervals.js';
import { candleFromRow, screenCandles, type CandleRow, type CandleStore, type SeriesExtent, type UpsertResult } from '../candle-store.js';
import { MARKET_PG_MIGRATIONS } from '../schema/market.js';
import { StoreError } from '../store-error.js';
import { migratePg } from './migrate.js';
import { describePgError, inTransaction, openPgPool, type PgClient, type PgPool } from './pool.js';

/** The candle columns in table order, as the upsert binds them. */
const COLUMNS = [
  'symbol', 'interval', 'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time',
  'quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote',
] as const;

function candleValues(c: Candle): unknown[] {
  return [c.symbol, c.interval, c.openTime, c.open, c.high, c.low, c.close, c.volume, c.closeTime, c.quoteVolume, c.trades, c.takerBuyBase, c.takerBuyQuote];
}

/**
 * Rows per INSERT: 13 parameters each, far below PostgreSQL's 65535 per statement, and a whole
 * page of the exchange (at most 1500 candles) in two statements.
 */
export const UPSERT_CHUNK = 1000;

/**
 * `INSERT ... VALUES (...), (...) ON CONFLICT DO UPDATE` for `rows` rows of `columns`: every
 * other column overwritten, unless `set` says what to update instead.
 */
export function multiRowUpsert(table: string, columns: readonly string[], key: readonly string[], rows: number, set?: string): string {
  const values = Array.from({ length: rows }, (_, r) => `(${columns.map((_, i) => `$${r * columns.length + i + 1}`).join(', ')})`);
  const rest = columns.filter((c) => !key.includes(c));
  const update = set ? `DO UPDATE SET ${set}` : rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'DO NOTHING';
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (${key.join(', ')}) ${update}`;
}

/** The last candle of each key: one statement may not update the same row twice. */
function lastPerKey(candles: readonly Candle[]): Candle[] {
  const byKey = new Map<string, Candle>();
  for (const c of candles) byKey.set(`${c.symbol}\u0000${c.interval}\u0000${c.openTime}`, c);
  return byKey.size === candles.length ? [...candles] : [...byKey.values()];
}

/** Brings the market schema in PostgreSQL up to date; a failure names the server (masked). */
export async function migrateMarket(pool: PgPool, url: string): Promise<void> {
  try {
    await migratePg(pool, 'market', MARKET_PG_MIGRATIONS);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw describePgError(url, error);
  }
}

/** A pool of `poolSize` connections with the market schema up to date (ended again when that fails), for a store that owns it. */
export async function openMarketPool(url: string, poolSize?: number): Promise<PgPool> {
  const pool = openPgPool(url, { size: poolSize });
  try {
    await migrateMarket(pool, url);
    return pool;
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}

/**
 * The candles in PostgreSQL: the same contract, rules and answers as MarketStore over market.db
 * (src/store/market-db.ts), for a team that shares one store between hosts. Owns the candles
 * table there; the schema is the shared description (src/store/schema/market.ts).
 */
export class PgMarketStore implements CandleStore {
  private constructor(private readonly pool: PgPool, private readonly url: string, private readonly ownsPool: boolean) {}

  /** Opens a pool of `poolSize` connections and brings the market schema up to date. */
  static async open(url: string, options: { poolSize?: number } = {}): Promise<PgMarketStore> {
    return new PgMarketStore(await openMarketPool(url, options.poolSize), url, true);
  }

  /** Over a pool someone else opened (and ends, unless `ownsPool`). */
  static async over(pool: PgPool, url: string, ownsPool = false): Promise<PgMarketStore> {
    await migrateMarket(pool, url);
    return new PgMarketStore(pool, url, ownsPool);
  }

  private async query<R extends object>(text: string, values: unknown[], name?: string): Promise<R[]> {
    try {
      return (await this.pool.query<R>({ text, values, name })).rows;
    } catch (error) {
      throw describePgError(this.url, error, 'PostgreSQL refused a market query');
    }
  }

  /**
   * Stores the closed, sane candles of one page in one transaction (a crash keeps whole pages or
   * nothing), as multi-row upserts of UPSERT_CHUNK rows. Re-storing a candle overwrites it.
   */
  async upsertCandles(candles: readonly Candle[], serverTime: number): Promise<UpsertResult> {
    const { sane, result } = screenCandles(candles, serverTime);
    if (sane.length === 0) return result;
    const rows = lastPerKey(sane);
    try {
      await inTransaction(this.pool, async (client) => {
        for (let i = 0; i < rows.length; i += UPSERT_CHUNK) await upsertChunk(client, rows.slice(i, i + UPSERT_CHUNK));
      });
    } catch (error) {
      throw describePgError(this.url, error, 'cannot store candles in PostgreSQL');
    }
    return result;
  }

  async lastOpenTime(symbol: string, interval: Interval): Promise<number | null> {
    const rows = await this.query<{ t: number | null }>('SELECT max(open_time) AS t FROM candles WHERE symbol = $1 AND interval = $2', [symbol, interval], 'cfa_last_open_time');
    return rows[0]?.t ?? null;
  }

  async candles(symbol: string, interval: Interval, fromOpenTime = 0, toOpenTimeExclusive = Number.MAX_SAFE_INTEGER): Promise<Candle[]> {
    const rows = await this.query<CandleRow>(
      'SELECT * FROM candles WHERE symbol = $1 AND interval = $2 AND open_time >= $3 AND open_time < $4 ORDER BY open_time',
      [symbol, interval, fromOpenTime, toOpenTimeExclusive], 'cfa_candles',
    );
    return rows.map(candleFromRow);
  }

  /**
   * Every series with its count and first and last open time, in key order as SQLite sorts it
   * (bytewise: COLLATE "C", whatever the database's locale).
   */
  async seriesExtents(): Promise<SeriesExtent[]> {
    return this.query<SeriesExtent>(
      `SELECT symbol, interval, count(*) AS count, min(open_time) AS "firstOpenTime", max(open_time) AS "lastOpenTime"
         FROM candles GROUP BY symbol, interval ORDER BY symbol COLLATE "C", interval COLLATE "C"`, [],
    );
  }

  /**
   * The newest open time of each given series in one round trip: a primary-key seek per series,
   * as the SQLite probe does, never a scan of the candles.
   */
  async newestOfSeries(series: readonly { symbol: string; interval: Interval }[]): Promise<{ symbol: string; interval: Interval; lastOpenTime: number | null }[]> {
    const rows = await this.query<{ symbol: string; interval: Interval; t: number | null }>(
      `SELECT s.symbol, s.interval, (SELECT max(c.open_time) FROM candles c WHERE c.symbol = s.symbol AND c.interval = s.interval) AS t
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(symbol, interval, n) ORDER BY s.n`,
      [series.map((x) => x.symbol), series.map((x) => x.interval)], 'cfa_newest_of_series',
    );
    return rows.map((r) => ({ symbol: r.symbol, interval: r.interval, lastOpenTime: r.t ?? null }));
  }

  /** Count, first and last open time of each given series (index range scans, one round trip). */
  async countsOfSeries(series: readonly { symbol: string; interval: Interval }[]): Promise<{ symbol: string; interval: Interval; count: number; first: number | null; last: number | null }[]> {
    return this.query(
      `SELECT s.symbol, s.interval, x.count, x.first, x.last
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(symbol, interval, n)
         CROSS JOIN LATERAL (SELECT count(*) AS count, min(c.open_time) AS first, max(c.open_time) AS last
                               FROM candles c WHERE c.symbol = s.symbol AND c.interval = s.interval) x
        ORDER BY s.n`,
      [series.map((x) => x.symbol), series.map((x) => x.interval)], 'cfa_counts_of_series',
    );
  }

  /**
   * Where each given series lacks candles between its first and last: every run of missing open
   * times, as the first and last missing one (inclusive), in series then time order. One pass
   * over each series' keys (lag() over open_time), as the SQLite full scan reads them.
   */
  async holesOfSeries(series: readonly { symbol: string; interval: Interval; stepMs: number }[]): Promise<{ symbol: string; interval: Interval; fromOpenTime: number; toOpenTime: number }[]> {
    return this.query(
      `SELECT symbol, interval, prev + step AS "fromOpenTime", open_time - step AS "toOpenTime" FROM (
         SELECT s.n, s.symbol, s.interval, s.step, c.open_time,
                lag(c.open_time) OVER (PARTITION BY s.n ORDER BY c.open_time) AS prev
           FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS s(symbol, interval, step, n)
           JOIN candles c ON c.symbol = s.symbol AND c.interval = s.interval
       ) t WHERE open_time - prev > step ORDER BY n, open_time`,
      [series.map((x) => x.symbol), series.map((x) => x.interval), series.map((x) => x.stepMs)], 'cfa_holes_of_series',
    );
  }

  /**
   * VACUUM (ANALYZE) of the market tables: what `compact` does for PostgreSQL, whose autovacuum
   * usually has done it already. Outside a transaction, as VACUUM must be.
   */
  async vacuumAnalyze(tables: readonly string[]): Promise<void> {
    for (const table of tables) {
      try {
        await this.pool.query(`VACUUM (ANALYZE) ${table}`);
      } catch (error) {
        throw describePgError(this.url, error, `VACUUM of ${table} failed in PostgreSQL`);
      }
    }
  }

  /** What the database takes on disk (all its tables and indexes). */
  async databaseBytes(): Promise<number> {
    const rows = await this.query<{ bytes: number }>('SELECT pg_database_size(current_database()) AS bytes', []);
    return rows[0]?.bytes ?? 0;
  }

  async deleteCandlesFrom(symbol: string, interval: Interval, fromOpenTime: number): Promise<number> {
    try {
      const r = await this.pool.query('DELETE FROM candles WHERE symbol = $1 AND interval = $2 AND open_time >= $3', [symbol, interval, fromOpenTime]);
      return r.rowCount ?? 0;
    } catch (error) {
      throw describePgError(this.url, error, 'cannot delete candles in PostgreSQL');
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

/**
 * One multi-row upsert. A full chunk is a named prepared statement (parsed and planned once per
 * connection); the shorter last chunk of a page, whose length varies, is not, so a connection
 * does not collect a statement for every length it met.
 */
async function upsertChunk(client: PgClient, rows: readonly Candle[]): Promise<void> {
  await client.query({
    name: rows.length === UPSERT_CHUNK ? 'cfa_upsert_candles_chunk' : undefined,
    text: multiRowUpsert('candles', COLUMNS, ['symbol', 'interval', 'open_time'], rows.length),
    values: rows.flatMap(candleValues),
  });
}
