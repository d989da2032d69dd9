import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../../src/backup/files.js';
import { inspectWhileHashing, readFacts } from '../../src/backup/verify.js';
import { MarketStore } from '../../src/store/market-db.js';
import { syntheticCandle } from '../../src/exchange/simulator/index.js';
import { tempDir } from '../helpers/temp-dir.js';
import { corruptMiddle, DAY } from './helpers.js';

describe('hashFile (on a worker thread)', () => {
  it('gives the SHA-256 and MD5 of the bytes and their count', async () => {
    const file = path.join(tempDir(), 'blob');
    const bytes = randomBytes(9 * 1024 * 1024 + 17);
    fs.writeFileSync(file, bytes);
    expect(await hashFile(file, { md5: true })).toEqual({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      md5: createHash('md5').update(bytes).digest('hex'),
      size: bytes.length,
    });
    expect((await hashFile(file)).md5).toBeNull();
  });

  it('rejects with the error code when the file cannot be read', async () => {
    const missing = path.join(tempDir(), 'gone.db');
    await expect(hashFile(missing)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(missing) });
  });
});

describe('readFacts and inspectWhileHashing', () => {
  function store(): string {
    const dataDir = tempDir();
    const s = MarketStore.open(dataDir);
    const t0 = Date.UTC(2026, 0, 1);
    s.db.transaction(() => {
      for (const symbol of ['ETHUSDT', 'BTCUSDT']) {
        for (const [interval, step, n] of [['1h', 3_600_000, 50], ['1d', DAY, 7], ['15m', 900_000, symbol === 'BTCUSDT' ? 30 : 20]] as const) {
          for (let i = 0; i < n; i++) s.upsertCandles([syntheticCandle(symbol, interval, t0 + i * step)], Number.MAX_SAFE_INTEGER);
        }
      }
    })();
    s.close();
    return path.join(dataDir, 'market.db');
  }

  it('counts per interval and finds the newest candle, as a GROUP BY interval would', () => {
    const file = store();
    const s = MarketStore.openFile(file);
    try {
      const facts = readFacts(s.db);
      const byInterval = s.db.prepare('SELECT interval, count(*) AS n FROM candles GROUP BY interval').all() as { interval: string; n: number }[];
      expect(facts.rowCounts).toEqual(Object.fromEntries(byInterval.map((r) => [r.interval, r.n])));
      expect(facts.rowCounts).toEqual({ '15m': 50, '1d': 14, '1h': 100 });
      expect(facts.newestCandle).toBe(s.db.prepare('SELECT max(open_time) FROM candles').pluck().get());
    } finally {
      s.close();
    }
  });

  it('checks and hashes at once, and a damaged copy fails the checks', async () => {
    const file = store();
    const whole = await inspectWhileHashing(file);
    expect(whole.verdict).toMatchObject({ ok: true, facts: { rowCounts: { '15m': 50, '1d': 14, '1h': 100 } } });
    expect(whole.hashes.sha256).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));

    corruptMiddle(file, 4096);
    const damaged = await inspectWhileHashing(file, whole.verdict.facts!);
    expect(damaged.verdict).toMatchObject({ ok: false, contentBad: true });
    expect(damaged.hashes.sha256).not.toBe(whole.hashes.sha256);
  });
});
