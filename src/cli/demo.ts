import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_PATH } from '../common/entry-points.js';
import type { SimulatorHandle } from '../exchange/simulator/index.js';

export interface DemoEnvironment {
  simulator: SimulatorHandle;
  /** The FRED and Fear & Greed stand-ins the sentiment job talks to. */
  standIns: { url: string; close(): Promise<void> }[];
  dataDir: string;
  configPath: string;
  /** What the demo set up and what it could not, one line each, for people. */
  notes: string[];
}

/**
 * Every job on a compressed day, so each panel has something to show within minutes: the sync
 * each minute, then (each waiting for the first sync: jobs/*.ts `after`) validation, backup,
 * the restore drill, compaction and the alert digest every few minutes.
 */
export const DEMO_SCHEDULES: Readonly<Record<string, { schedule: string; catchUpWindow: string }>> = {
  sync: { schedule: '*/1 * * * *', catchUpWindow: '1m' },
  validate: { schedule: '*/5 * * * *', catchUpWindow: '5m' },
  backup: { schedule: '*/3 * * * *', catchUpWindow: '3m' },
  'backup-drill': { schedule: '*/10 * * * *', catchUpWindow: '10m' },
  // Off the backup's minutes: compacting pauses the backup, and a backup that finds it so is skipped.
  compact: { schedule: '7-59/15 * * * *', catchUpWindow: '15m' },
  'alert-digest': { schedule: '*/5 * * * *', catchUpWindow: '5m' },
  sentiment: { schedule: '*/5 * * * *', catchUpWindow: '5m' },
  // Skipped with its reason unless backtest.command is set: the demo shows the job, not a backtest.
  backtest: { schedule: '*/15 * * * *', catchUpWindow: '15m' },
};

/** The demo's backup tiers: warm in its own dir, offsite to a local rclone remote when rclone is there. */
export function demoBackup(dir: string, rclone: string | null): { settings: Record<string, unknown>; notes: string[] } {
  const warmDir = path.join(dir, 'warm');
  fs.mkdirSync(warmDir, { recursive: true });
  if (!rclone) {
    return {
      settings: { warmDir },
      notes: [`backups: hot and warm (${warmDir}); offsite is off because rclone is not installed (apt-get install rclone to see that tier too)`],
    };
  }
  const offsiteDir = path.join(dir, 'offsite');
  fs.mkdirSync(offsiteDir, { recursive: true });
  return {
    // rclone's on-the-fly local backend: a remote that needs no rclone.conf.
    settings: { warmDir, offsiteRemote: `:local:${offsiteDir}`, rclone },
    notes: [`backups: hot, warm (${warmDir}) and offsite through ${rclone} to a local remote (${offsiteDir})`],
  };
}

/** The demo's data dir: the one asked for (created when missing), else a fresh temporary one. */
export function demoDataDir(dataDir?: string): string {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-console-demo-'));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * `--demo`: the project's exchange simulator on a loopback port, a fresh temporary data dir and
 * a compressed day in a config file of its own (so the engine and the jobs it runs agree): every
 * job on a schedule of minutes (DEMO_SCHEDULES), the sync with a short backfill, the sentiment job
 * against the FRED and Fear & Greed stand-ins, the three backup tiers in the data dir (offsite
 * when rclone is installed), the example backtest under supervision, and Litestream replicating
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
  const dir = demoDataDir(dataDir);
  const configPath = path.join(dir, 'demo-config.json');
  const { default: which } = await import('which');
  const backup = demoBackup(dir, which.sync('rclone', { nothrow: true }));
  fs.writeFileSync(configPath, JSON.stringify({
    exchange: { weightBudget: 2400 },
    sync: { backfillDays: 3 },
    sentiment: { binance: { backfillDays: 3, fundingBackfillDays: 7 }, fearGreed: { url: fearGreed.url, backfillDays: 30 }, fred: { url: fred.url, backfillDays: 90 } },
    jobs: DEMO_SCHEDULES,
    backup: backup.settings,
    engine: { sampleEvery: '2s', stopGrace: '5s', monitorEvery: '10s' },
    daemon: {
      command: [process.execPath, CLI_PATH, '--data-dir', dir, 'example-backtest', '--interval', '15s'],
      heartbeatTimeout: '60s',
      killGrace: '5s',
    },
    // Continuous replication to a directory beside the stores, so the replication line is alive.
    replication: { replicas: [{ name: 'demo', url: `file://${path.join(dir, 'replica')}` }] },
  }, null, 2));
  return { simulator, standIns: [fearGreed, fred], dataDir: dir, configPath, notes: backup.notes };
}
