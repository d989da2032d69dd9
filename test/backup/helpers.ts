import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Options } from 'execa';
import { listBackups, listBackupRuns, listDrills, listRecoveries } from '../../src/backup/catalog.js';
import { syntheticCandle } from '../../src/exchange/simulator/index.js';
import type { Interval } from '../../src/exchange/intervals.js';
import { MarketStore } from '../../src/store/market-db.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import type { Backend } from '../helpers/backends.js';
import { runCli, writeTestConfig, type CliRun } from '../helpers/cli.js';
import { ANCHOR, simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

export const ALL: Interval[] = ['15m', '1h', '4h', '1d'];
export const DAY = 86_400_000;

export interface BackupEnv {
  dir: string;
  dataDir: string;
  configFile: string;
  /** Runs the real binary on this data dir and config. */
  run(args: string[], options?: Options): Promise<CliRun>;
  argv(args: string[]): string[];
}

/** A temp dir with a data dir and a test config (short exchange windows) plus `settings`. */
export function backupEnv(settings: Record<string, unknown> = {}, exchangeUrl = 'http://127.0.0.1:9'): BackupEnv {
  const dir = tempDir('cfa-backup-');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const configFile = writeTestConfig(dir, settings);
  const argv = (args: string[]) => ['--data-dir', dataDir, '--config', configFile, '--exchange-url', exchangeUrl, ...args];
  return { dir, dataDir, configFile, argv, run: (args, options) => runCli(argv(args), options) };
}

/**
 * A simulator whose clock can be moved forward by whole days (the 7.5-minute phase of ANCHOR is
 * kept, so no candle closes during a test).
 */
export async function clockedSimulator(symbols: number) {
  let offset = 0;
  const started = Date.now();
  const sim = await simulator({ symbols, now: () => ANCHOR + offset + (Date.now() - started) });
  return { sim, advance: (ms: number) => { offset += ms; } };
}

export function summaryOf(run: CliRun): Record<string, any> {
  const summary = run.events.find((e) => e.event === 'summary');
  if (!summary) throw new Error(`no summary line (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  return summary as Record<string, any>;
}

export function catalog(dataDir: string) {
  const ops = openOpsDb(dataDir);
  try {
    return { backups: listBackups(ops, { includeDeleted: true }), runs: listBackupRuns(ops), drills: listDrills(ops), recoveries: listRecoveries(ops) };
  } finally {
    ops.close();
  }
}

/** Synthetic candles written straight into market.db in big transactions until it is about `targetBytes`. */
export function fillStore(dataDir: string, targetBytes: number, symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']): number {
  const store = MarketStore.open(dataDir);
  const insert = store.db.prepare(`INSERT OR REPLACE INTO candles VALUES (@symbol, @interval, @openTime, @open, @high, @low, @close, @volume, @closeTime, @quoteVolume, @trades, @takerBuyBase, @takerBuyQuote)`);
  const file = path.join(dataDir, 'market.db');
  const size = () => fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
  let rows = 0;
  let t = ANCHOR - 3650 * DAY;
  t -= t % 900_000;
  try {
    while (size() < targetBytes) {
      store.db.transaction(() => {
        for (let i = 0; i < 5000; i++, t += 900_000) {
          for (const symbol of symbols) {
            insert.run(syntheticCandle(symbol, '15m', t));
            rows++;
          }
        }
      })();
    }
    store.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
  return rows;
}

/**
 * `perSymbol` synthetic 15m candles for each symbol, stored through the candle store of the
 * backend (market.db, or the test's PostgreSQL database); returns how many.
 */
export async function storeCandles(backend: Backend, dataDir: string, perSymbol: number, symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']): Promise<number> {
  const t0 = ANCHOR - 3650 * DAY - ((ANCHOR - 3650 * DAY) % 900_000);
  await backend.withStore(dataDir, async (store) => {
    for (const symbol of symbols) {
      await store.upsertCandles(Array.from({ length: perSymbol }, (_, i) => syntheticCandle(symbol, '15m', t0 + i * 900_000)), Number.MAX_SAFE_INTEGER);
    }
  });
  return perSymbol * symbols.length;
}

/** Overwrites `length` bytes in the middle of a file with random bytes: damaged pages. */
export function corruptMiddle(file: string, length = 64 * 1024): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const size = fs.fstatSync(fd).size;
    fs.writeSync(fd, randomBytes(Math.min(length, Math.floor(size / 3))), 0, Math.min(length, Math.floor(size / 3)), Math.floor(size / 2));
  } finally {
    fs.closeSync(fd);
  }
}

export function filesIn(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

export { mountTmpfs } from '../../src/common/mounts.js';
