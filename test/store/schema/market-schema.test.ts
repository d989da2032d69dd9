import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketStore } from '../../../src/store/market-db.js';
import { migratePg } from '../../../src/store/postgres/migrate.js';
import { openPgPool, type PgPool } from '../../../src/store/postgres/pool.js';
import { MARKET_PG_MIGRATIONS, MARKET_SCHEMA_VERSION, MARKET_TABLES } from '../../../src/store/schema/market.js';
import Database from '../../../src/store/sqlite-driver.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** The market migrations as they shipped (SQL text) and were applied to existing market.db files. */
const SHIPPED = [1, 2, 3].map((v) => fs.readFileSync(path.join(import.meta.dirname, '../../fixtures/market-schema', `v${v}.sql`), 'utf8'));

interface MasterRow { type: string; name: string; tbl_name: string; sql: string | null }

/** sqlite_master with each statement's whitespace collapsed: SQLite keeps the text as written, indentation included. */
function schemaOf(file: string): MasterRow[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid').all() as MasterRow[];
    return rows.map((r) => ({ ...r, sql: r.sql?.replace(/\s+/g, ' ') ?? null }));
  } finally {
    db.close();
  }
}

describe('the market schema described once', () => {
  it('renders SQLite DDL that creates the same sqlite_master as the shipped migrations', () => {
    const shippedFile = path.join(tempDir(), 'shipped.db');
    const shipped = new Database(shippedFile);
    SHIPPED.forEach((sql) => shipped.exec(sql));
    shipped.close();

    const dir = tempDir();
    MarketStore.open(dir).close();
    const rendered = schemaOf(path.join(dir, 'market.db'));
    const expected = schemaOf(shippedFile);
    expect(rendered.length).toBeGreaterThan(15);
    expect(rendered).toEqual(expected);
  });

  it('opens a file created by the shipped migrations without touching its schema', () => {
    const dir = tempDir();
    const file = path.join(dir, 'market.db');
    const shipped = new Database(file);
    SHIPPED.forEach((sql) => shipped.exec(sql));
    shipped.pragma(`user_version = ${MARKET_SCHEMA_VERSION}`);
    shipped.close();
    const before = schemaOf(file);
    MarketStore.open(dir).close();
    expect(schemaOf(file)).toEqual(before);
  });
});

describe.skipIf(pgMissing)(`the market schema in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  let pool: PgPool;
  beforeAll(async () => {
    db = await freshPgDatabase();
    pool = openPgPool(db.url, { size: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('applies every version: the same tables, columns, keys and views, with bigint times and double precision prices', async () => {
    expect(await migratePg(pool, 'market', MARKET_PG_MIGRATIONS)).toBe(MARKET_SCHEMA_VERSION);
    expect(await migratePg(pool, 'market', MARKET_PG_MIGRATIONS)).toBe(MARKET_SCHEMA_VERSION);

    const { rows: cols } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'candles' ORDER BY ordinal_position",
    );
    expect(cols.map((c) => c.column_name)).toEqual([
      'symbol', 'interval', 'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time',
      'quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote',
    ]);
    expect(Object.fromEntries(cols.map((c) => [c.column_name, c.data_type]))).toMatchObject({
      symbol: 'text', open_time: 'bigint', close: 'double precision', trades: 'bigint',
    });
    expect(cols.every((c) => c.is_nullable === 'NO')).toBe(true);

    for (const table of MARKET_TABLES) {
      const { rows } = await pool.query<{ column_name: string }>(
        `SELECT a.attname AS column_name FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, [table.name],
      );
      expect(rows.map((r) => r.column_name), table.name).toEqual(table.primaryKey);
    }
    const { rows: views } = await pool.query<{ table_name: string }>("SELECT table_name FROM information_schema.views WHERE table_schema = 'public' ORDER BY table_name");
    expect(views.map((v) => v.table_name)).toEqual(['ohlcv_15m', 'ohlcv_d1', 'ohlcv_h1', 'ohlcv_h4', 'sentimento_mercado']);
  });

  it('serves the agent\'s views over the same rows', async () => {
    await migratePg(pool, 'market', MARKET_PG_MIGRATIONS);
    await pool.query(`INSERT INTO candles VALUES ('BTCUSDT', '4h', 1733011200000, 1, 2, 0.5, 1.5, 10, 1733025599999, 15, 3, 4, 6)`);
    const { rows } = await pool.query('SELECT * FROM ohlcv_h4');
    expect(rows).toEqual([{ symbol: 'BTCUSDT', timestamp: 1733011200000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }]);
    expect((await pool.query('SELECT count(*) AS n FROM ohlcv_h1')).rows[0].n).toBe(0);
    await pool.query(`INSERT INTO funding_rates VALUES ('BTCUSDT', 1733011200000, 1733011200004, 0.0001, 97000, NULL), ('BTCUSDT', 1733040000000, 1733040000002, 0.0003, NULL, 28800000)`);
    await pool.query(`INSERT INTO fear_greed VALUES (1733011200000, 71, 'Greed')`);
    const { rows: s } = await pool.query('SELECT symbol, day, funding_mean, fundings, fear_greed FROM sentimento_mercado');
    expect(s).toEqual([{ symbol: 'BTCUSDT', day: 1733011200000, funding_mean: expect.closeTo(0.0002, 12), fundings: 2, fear_greed: 71 }]);
    await expect(pool.query(`INSERT INTO fear_greed VALUES (1733097600000, 101, 'x')`)).rejects.toThrow(/check constraint/);
  });
});
