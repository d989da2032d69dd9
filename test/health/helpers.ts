import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import type { Candle } from '../../src/exchange/candle.js';
import { intervalMs, type Interval } from '../../src/exchange/intervals.js';
import { MarketStore } from '../../src/store/market-db.js';
import { openOpsDb } from '../../src/store/ops-db.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** A sane closed candle on the grid (the store refuses anything else). */
export function candle(symbol: string, interval: Interval, openTime: number): Candle {
  const step = intervalMs(interval);
  const p = 100 + (openTime / step) % 7;
  return {
    symbol, interval, openTime, open: p, high: p + 2, low: p - 1, close: p + 1, volume: 10, closeTime: openTime + step - 1,
    quoteVolume: 1000, trades: 5, takerBuyBase: 4, takerBuyQuote: 400,
  };
}

/**
 * Stores the series' candles whose open times run from `from` to `to` (inclusive, on the grid),
 * leaving out those `skip` names: the holes of a test.
 */
export function writeSeries(store: MarketStore, symbol: string, interval: Interval, from: number, to: number, skip: (t: number) => boolean = () => false): number {
  const step = intervalMs(interval);
  const candles: Candle[] = [];
  for (let t = from; t <= to; t += step) if (!skip(t)) candles.push(candle(symbol, interval, t));
  store.upsertCandles(candles, Number.MAX_SAFE_INTEGER);
  return candles.length;
}

/** The open time of the newest candle closed at least `ageMs` before `now` (its age is then >= ageMs). */
export function newestOpenFor(now: number, interval: Interval, ageMs: number): number {
  const step = intervalMs(interval);
  return Math.floor((now - ageMs - step) / step) * step;
}

/** A validated config, as the loader would hand it over (tests need no file for in-process calls). */
export function testConfig(input: ConfigInput): Config {
  return configSchema.parse(input);
}

/** Settings under which a healthy test store is ok everywhere: small files, whatever the disk. */
export const QUIET_LIMITS = { dbMinSizeMb: 0, diskFreeWarnPercent: 0, diskFreeCriticalPercent: 0 };

/** A verified backup row in the catalog, as src/backup will write it. */
export function recordBackup(dataDir: string, tier: 'hot' | 'warm' | 'offsite', createdAt: number, result: 'verified' | 'failed' = 'verified', verified = true): void {
  const ops = openOpsDb(dataDir);
  try {
    ops.prepare(`INSERT INTO backups (tier, location, size_bytes, sha256, created_at, verified_at, result)
      VALUES (?, ?, 1000, 'abc', ?, ?, ?)`).run(tier, `/backups/${tier}/${createdAt}.db`, createdAt, verified ? createdAt + 1000 : null, result);
  } finally {
    ops.close();
  }
}

/** A pino line as the engine logger writes it. */
export function pinoLine(at: number, level: number, msg: string): string {
  return JSON.stringify({ level, time: new Date(at).toISOString(), pid: 1, msg });
}

export function writeConsoleLog(dataDir: string, lines: string[], mtime?: number): string {
  const file = path.join(dataDir, 'logs', 'cfa-console.log');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  if (mtime !== undefined) fs.utimesSync(file, mtime / 1000, mtime / 1000);
  return file;
}

/** Overwrites a page-sized run of bytes in the middle of a closed database file. */
export function corruptMiddlePage(file: string): void {
  const size = fs.statSync(file).size;
  const pageSize = 4096;
  const offset = Math.floor(size / pageSize / 2) * pageSize;
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Damage that no write explains, as a failing disk does it: the bytes change, the modification time does not. */
export function corruptKeepingMtime(file: string): void {
  const { mtimeNs } = fs.statSync(file, { bigint: true });
  corruptMiddlePage(file);
  const ns = mtimeNs % 1_000_000_000n;
  execFileSync('touch', ['-m', '-d', `@${mtimeNs / 1_000_000_000n}.${ns.toString().padStart(9, '0')}`, file]);
}

/** The summary line of a `validate --json` run (it must have one). */
export function summaryOf(events: Record<string, unknown>[]): Record<string, any> {
  const summary = events.find((e) => e.event === 'summary');
  expect(summary, 'a summary line').toBeDefined();
  return summary as Record<string, any>;
}
