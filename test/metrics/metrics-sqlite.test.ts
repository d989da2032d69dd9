import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MarketStore } from '../../src/store/market-db.js';
import { runCli } from '../helpers/cli.js';
import { engineFixture, startDaemon } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { expectPromtoolAccepts, sample, scrapeOnce } from './served.js';

describe('the /metrics endpoint with the candles in market.db', () => {
  it('exports the candles stored per interval (cfa_db_records), and promtool accepts it', async () => {
    const sim = await simulator({ symbols: 2, now: Date.now });
    const dir = tempDir();
    const args = engineFixture(dir, sim.url, {
      health: { dbMinSizeMb: 0 },
      alerts: { metrics: { enabled: true, port: 0 } },
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    });
    const sync = await runCli([...args, 'run', 'sync', '--wait', '--json']);
    expect(sync.exitCode, sync.stderr).toBe(0);
    const market = MarketStore.open(path.join(dir, 'data'));
    const stored = market.db.prepare('SELECT interval, count(*) AS n FROM candles GROUP BY interval').all() as { interval: string; n: number }[];
    market.close();
    expect(stored).toHaveLength(4);

    const daemon = startDaemon(args);
    try {
      const text = await scrapeOnce(daemon, 'cfa_db_records{interval="1h"}');
      for (const { interval, n } of stored) {
        expect(n).toBeGreaterThan(0);
        expect(sample(text, `cfa_db_records{interval="${interval}"}`), `${interval}\n${text}`).toBe(n);
      }
      expectPromtoolAccepts(text);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.child.catch(() => {});
    }
  }, 120_000);
});
