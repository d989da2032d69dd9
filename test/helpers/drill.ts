import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { MarketStore } from '../../src/store/market-db.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { syntheticSeries } from '../../src/exchange/simulator/index.js';
import { runCli } from './cli.js';
import { tempDir } from './temp-dir.js';

/**
 * For the drill tests (test/runbook/drill): a "real" data dir to drill beside, and the means to
 * show that a drill (or the chaos soak) never touched it.
 */

/** Every file of `dir` with its sha256, except ops.db and its WAL files (compared by content below). */
export function hashFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, file);
    if (/^ops\.db(-wal|-shm)?$/.test(rel)) continue;
    out[rel] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

/** Every table of ops.db but the drill history, as rows. */
export function opsTables(dir: string): Record<string, unknown[]> {
  const db = openSqlite(path.join(dir, 'ops.db'), { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('game_day_drills', 'sqlite_sequence') ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
  } finally {
    db.close();
  }
}

/** A real data dir with a store of candles, a log and an ops.db (made by `drill history`). */
export async function realDataDir(): Promise<{ dataDir: string; env: Record<string, string>; sandboxes: string }> {
  const root = tempDir('cfa-drill-test-');
  const dataDir = path.join(root, 'real');
  const sandboxes = path.join(root, 'tmp');
  fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  fs.mkdirSync(sandboxes);
  const store = MarketStore.open(dataDir);
  const series = syntheticSeries('BTCUSDT', '1h');
  const candles = Array.from({ length: 48 }, (_, i) => series.candle(Date.UTC(2026, 0, 1) + i * 3_600_000));
  store.upsertCandles(candles, Date.UTC(2026, 1, 1));
  store.close();
  fs.writeFileSync(path.join(dataDir, 'logs', 'console.log'), '{"msg":"the real console"}\n');
  const env = { CFA_DATA_DIR: dataDir, TMPDIR: sandboxes };
  const history = await runCli(['drill', 'history', '--json'], { env });
  expect(history.exitCode, history.stderr).toBe(0);
  expect(history.events).toEqual([]);
  return { dataDir, env, sandboxes };
}

export const sandboxesIn = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith('cfa-drill-'));

export function processesNaming(dir: string): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).flatMap((n) => {
    try { return fs.readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0').some((a) => a.startsWith(dir)) ? [Number(n)] : []; } catch { return []; }
  });
}
