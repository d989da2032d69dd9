import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_PATH } from '../engine/engine.js';
import type { SimulatorHandle } from '../exchange/simulator/index.js';

export interface DemoEnvironment {
  simulator: SimulatorHandle;
  /** The FRED and Fear & Greed stand-ins the sentiment job talks to. */
  standIns: { url: string; close(): Promise<void> }[];
  dataDir: string;
  configPath: string;
}

/**
 * `--demo`: the project's exchange simulator on a loopback port, a fresh temporary data dir and
 * a compressed day in a config file of its own (so the engine and the jobs it runs agree): the
 * sync every minute with a short backfill, the sentiment job every 5 minutes against the FRED
 * and Fear & Greed stand-ins, the example backtest under supervision, and Litestream replicating
 * both stores to `replica/` in the same temp dir.
 */
export async function startDemoEnvironment(dataDir?: string): Promise<DemoEnvironment> {
  const { startSimulator, startFearGreedStandIn, startFredStandIn, syntheticFredSeries } = await import('../exchange/simulator/index.js');
  const { DEFAULT_FRED_SERIES } = await import('../config/sections/sentiment.js');
  const { FRED_KEY_ENV } = await import('../sentiment/fred.js');
  const simulator = await startSimulator({ symbols: 60 });
  // The sentiment job's other sources, on loopback too; the jobs inherit the demo's FRED key.
  const fearGreed = await startFearGreedStandIn();
  const today = new Date().toISOString().slice(0, 10);
  process.env[FRED_KEY_ENV] = 'demo-fred-key';
  const fred = await startFredStandIn({ apiKey: 'demo-fred-key', series: Object.fromEntries(DEFAULT_FRED_SERIES.map((id) => [id, syntheticFredSeries(id, today, 120)])) });
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-console-demo-'));
  fs.mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, 'demo-config.json');
  fs.writeFileSync(configPath, JSON.stringify({
    exchange: { weightBudget: 2400 },
    sync: { backfillDays: 3 },
    sentiment: { binance: { backfillDays: 3, fundingBackfillDays: 7 }, fearGreed: { url: fearGreed.url, backfillDays: 30 }, fred: { url: fred.url, backfillDays: 90 } },
    jobs: { sync: { schedule: '*/1 * * * *', catchUpWindow: '1m' }, sentiment: { schedule: '*/5 * * * *', catchUpWindow: '5m' } },
    engine: { sampleEvery: '2s', stopGrace: '5s' },
    daemon: {
      command: [process.execPath, CLI_PATH, '--data-dir', dir, 'example-backtest', '--interval', '15s'],
      heartbeatTimeout: '60s',
      killGrace: '5s',
    },
    // Continuous replication to a directory beside the stores, so the replication line is alive.
    replication: { replicas: [{ name: 'demo', url: `file://${path.join(dir, 'replica')}` }] },
  }, null, 2));
  return { simulator, standIns: [fearGreed, fred], dataDir: dir, configPath };
}
