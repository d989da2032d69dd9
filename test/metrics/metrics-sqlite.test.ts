import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MarketStore } from '../../src/store/market-db.js';
import { runCli } from '../helpers/cli.js';
import { engineFixture, startDaemon } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

const PROMTOOL = (() => {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
})();

/** The value of `series` (name and labels, exactly as exposed) in the exposition text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

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
      const served = await daemon.waitFor((l) => l.msg === 'metrics served', 30_000);
      const url = `${served.url as string}/metrics`;
      let text = '';
      const deadline = Date.now() + 30_000;
      while (sample(text, 'cfa_db_records{interval="1h"}') === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        text = await (await fetch(url)).text();
      }
      for (const { interval, n } of stored) {
        expect(n).toBeGreaterThan(0);
        expect(sample(text, `cfa_db_records{interval="${interval}"}`), `${interval}\n${text}`).toBe(n);
      }
      if (PROMTOOL) {
        const checked = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
        expect(checked.status, `${checked.stdout}\n${checked.stderr}`).toBe(0);
      }
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.child.catch(() => {});
    }
  }, 120_000);
});
