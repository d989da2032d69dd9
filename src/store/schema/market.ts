import { marketV2Health } from '../migrations/market-v2-health.js';
import { marketV3Sentiment } from '../migrations/market-v3-sentiment.js';
import { migrationsFor, tablesOf, type SchemaVersion } from './describe.js';

const OHLCV_VIEWS = [['ohlcv_15m', '15m'], ['ohlcv_h1', '1h'], ['ohlcv_h4', '4h'], ['ohlcv_d1', '1d']] as const;

/** The contract other programs read (ARCHITECTURE.md, "Data contract"): candles and the agent's views. */
const marketV1Candles: SchemaVersion = {
  version: 1,
  tables: [{
    name: 'candles',
    doc: 'Owned by src/store/market-db.ts (and src/store/postgres/market-store.ts): closed candles only,\ntimes in UTC epoch milliseconds, interval one of Binance\'s names (15m, 1h, 4h, 1d).',
    columns: [
      { name: 'symbol', type: 'text' },
      { name: 'interval', type: 'text' },
      { name: 'open_time', type: 'integer' },
      { name: 'open', type: 'real' },
      { name: 'high', type: 'real' },
      { name: 'low', type: 'real' },
      { name: 'close', type: 'real' },
      { name: 'volume', type: 'real' },
      { name: 'close_time', type: 'integer' },
      { name: 'quote_volume', type: 'real' },
      { name: 'trades', type: 'integer' },
      { name: 'taker_buy_base', type: 'real' },
      { name: 'taker_buy_quote', type: 'real' },
    ],
    primaryKey: ['symbol', 'interval', 'open_time'],
    withoutRowid: true,
  }],
  views: OHLCV_VIEWS.map(([name, interval]) => ({
    name,
    select: `SELECT symbol, open_time AS timestamp, open, high, low, close, volume FROM candles WHERE interval = '${interval}'`,
  })),
};

/**
 * market.db's schema, version by version, for both backends: keep it stable, change it only by
 * adding a version (never by editing one that has shipped: files and databases carry it).
 */
export const MARKET_SCHEMA: readonly SchemaVersion[] = [marketV1Candles, marketV2Health, marketV3Sentiment];

export const MARKET_SQLITE_MIGRATIONS = migrationsFor(MARKET_SCHEMA, 'sqlite');
export const MARKET_PG_MIGRATIONS = migrationsFor(MARKET_SCHEMA, 'postgres');
export const MARKET_SCHEMA_VERSION = MARKET_SCHEMA.at(-1)!.version;
/** Every market table in creation order (the order `store migrate` copies them). */
export const MARKET_TABLES = tablesOf(MARKET_SCHEMA);
