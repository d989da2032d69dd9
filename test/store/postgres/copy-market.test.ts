import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCandle } from '../../../src/exchange/simulator/index.js';
import { MarketStore } from '../../../src/store/market-db.js';
import { beginSnapshot, copyTables, countRows, presentTables, verifyCopy } from '../../../src/store/postgres/copy-market.js';
import { migratePg } from '../../../src/store/postgres/migrate.js';
import { openPgPool, type PgPool } from '../../../src/store/postgres/pool.js';
import { MARKET_PG_MIGRATIONS } from '../../../src/store/schema/market.js';
import { openSqlite } from '../../../src/store/sqlite.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe.skipIf(pgMissing)(`copying market.db into PostgreSQL page by page${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  let pool: PgPool;
  beforeAll(async () => {
    db = await freshPgDatabase();
    pool = openPgPool(db.url, { size: 2 });
    await migratePg(pool, 'market', MARKET_PG_MIGRATIONS);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('walks composite keys with text in them across page ends, in SQLite\'s order, on both sides', async () => {
    const dir = tempDir();
    const store = MarketStore.open(dir);
    // Upper and lower case, digits and an underscore: bytewise order differs from most locales'.
    const symbols = ['btcusdt', 'BTCUSDT', '1000PEPEUSDT', 'ETH_USDT', 'ETHUSDT'];
    for (const symbol of symbols) {
      store.upsertCandles(Array.from({ length: 7 }, (_, i) => syntheticCandle(symbol, '1h', i * 3_600_000)), Number.MAX_SAFE_INTEGER);
    }
    const ratio = store.db.prepare('INSERT INTO long_short_ratios VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const symbol of symbols) {
      for (const kind of ['global_account', 'top_account', 'top_position']) {
        for (const period of ['5m', '1h']) ratio.run(symbol, kind, period, 1733011200000, 1.5, 0.6, 0.4);
      }
    }
    store.close();

    const source = openSqlite(path.join(dir, 'market.db'), { readonly: true });
    try {
      beginSnapshot(source);
      const tables = presentTables(source);
      const counts = countRows(source, tables);
      expect(counts.find((c) => c.table === 'long_short_ratios')?.rows).toBe(30);
      const pages: number[] = [];
      const copied = await copyTables(source, pool, counts, { pageRows: 4, onProgress: (p) => { if (p.table === 'candles') pages.push(p.copied); } });
      expect(copied).toEqual(counts);
      expect(pages).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 35]);
      const checks = await verifyCopy(source, pool, tables, { pageRows: 3 });
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(checks.filter((c) => c.what.startsWith('candles ')).map((c) => c.what)).toEqual(
        ['1000PEPEUSDT', 'BTCUSDT', 'ETHUSDT', 'ETH_USDT', 'btcusdt'].map((s) => `candles ${s} 1h`),
      );
      expect(checks.find((c) => c.what === 'long_short_ratios')?.postgres.rows).toBe(30);

      // A value changed on one side is caught by the checksum, not only a count.
      await pool.query("UPDATE long_short_ratios SET ratio = 1.5000001 WHERE symbol = 'ETH_USDT' AND kind = 'top_account' AND period = '1h'");
      const after = await verifyCopy(source, pool, tables, { pageRows: 3 });
      expect(after.filter((c) => !c.ok).map((c) => [c.what, c.sqlite.rows, c.postgres.rows])).toEqual([['long_short_ratios', 30, 30]]);
    } finally {
      source.exec('COMMIT');
      source.close();
    }
  });
});
