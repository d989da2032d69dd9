import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineFixture, startDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { expectPromtoolAccepts, sample, scrapeOnce } from './served.js';

describe.skipIf(pgMissing)(`the /metrics endpoint with the candles in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('exports freshness, coverage and the store probes as measured in PostgreSQL, and promtool accepts it', async () => {
    // The simulator on the real clock: ages are judged against now.
    const sim = await simulator({ symbols: 2, now: Date.now });
    const env = { CFA_STORE_URL: db.url };
    const args = engineFixture(tempDir(), sim.url, {
      store: { backend: 'postgres' },
      health: { dbMinSizeMb: 1 },
      alerts: { metrics: { enabled: true, port: 0 } },
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    });
    const sync = await runCli([...args, 'run', 'sync', '--wait', '--json'], { env });
    expect(sync.exitCode, sync.stderr).toBe(0);

    const daemon = startDaemon(args, { env });
    try {
      // The first snapshot comes once the engine leads and its monitor has read PostgreSQL.
      const text = await scrapeOnce(daemon, 'cfa_probe_status{probe="freshness"}');
      for (const probe of ['freshness', 'coverage', 'integrity', 'size', 'continuity', 'last-sync']) {
        expect(sample(text, `cfa_probe_status{probe="${probe}"}`), `${probe}\n${text}`).toBe(0);
      }
      for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
        for (const interval of ['15m', '1h', '4h', '1d']) {
          const age = sample(text, `cfa_series_age_seconds{symbol="${symbol}",interval="${interval}"}`);
          expect(age, `${symbol} ${interval}`).toBeGreaterThanOrEqual(0);
        }
      }
      expect(sample(text, 'cfa_coverage_percent{interval="1h"}')).toBe(100);
      expect(sample(text, 'cfa_series_empty{interval="1h"}')).toBe(0);
      // The size of the database in PostgreSQL, not of a market.db that is not there.
      expect(sample(text, 'cfa_probe_value{probe="size",unit="bytes"}')).toBeGreaterThan(1024 * 1024);
      expect(sample(text, 'cfa_last_sync_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 600);
      // The candles per interval, from the continuity probe's counts in PostgreSQL.
      const stored = await withClient(db.url, async (c) => (await c.query<{ interval: string; n: string }>(
        'SELECT interval, count(*) AS n FROM candles GROUP BY interval')).rows);
      expect(stored).toHaveLength(4);
      for (const { interval, n } of stored) {
        expect(Number(n)).toBeGreaterThan(0);
        expect(sample(text, `cfa_db_records{interval="${interval}"}`), interval).toBe(Number(n));
      }
      expectPromtoolAccepts(text);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.child.catch(() => {});
    }
  }, 120_000);
});
