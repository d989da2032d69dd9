import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCandle } from '../../../src/exchange/simulator/index.js';
import { PgMarketStore, UPSERT_CHUNK } from '../../../src/store/postgres/market-store.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../../helpers/postgres.js';

// What the store does on both backends is in test/store/market-db.test.ts ('the candle store contract'); these are PostgreSQL's own.
describe.skipIf(pgMissing)(`PgMarketStore${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores pages longer than a chunk, and a page that repeats a candle, whole', async () => {
    const pg = await PgMarketStore.open(db.url, { poolSize: 2 });
    try {
      const n = UPSERT_CHUNK + 500;
      const page = Array.from({ length: n }, (_, i) => syntheticCandle('SOLUSDT', '15m', i * 900_000));
      const repeated = [...page.slice(0, 3), { ...page[1]!, close: page[1]!.close }];
      const result = await pg.upsertCandles(page, Number.MAX_SAFE_INTEGER);
      expect(result.stored).toBe(n);
      expect((await pg.upsertCandles(repeated, Number.MAX_SAFE_INTEGER)).stored).toBe(4);
      expect(await pg.candles('SOLUSDT', '15m')).toEqual(page);
    } finally {
      await pg.close();
    }
  });

  it('names the server without its password when it cannot reach it', async () => {
    await expect(PgMarketStore.open('postgresql://cfa:hunter2secret@127.0.0.1:1/cfa')).rejects.toThrow(/cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@127\.0\.0\.1:1\/cfa/);
    await PgMarketStore.open('postgresql://cfa:hunter2secret@127.0.0.1:1/cfa').catch((e: Error) => expect(e.message).not.toContain('hunter2secret'));
  });
});
