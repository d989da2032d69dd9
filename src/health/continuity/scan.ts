import { intervalMs, type Interval } from '../../exchange/intervals.js';
import type { Db } from '../../store/sqlite.js';
import type { ContinuityGap } from '../types.js';
import { ContinuityStore } from './continuity-store.js';
import { findHoles, seriesKey } from './holes.js';
import { OpenTimesReader } from './open-times.js';

/** Rows one incremental check may read: a first check of a big store is spread over several. */
export const DEFAULT_SCAN_BUDGET = 250_000;
const CHUNK_ROWS = 100_000;

export interface ScanRequest {
  series: readonly { symbol: string; interval: Interval }[];
  /** Rescan every series from its first candle, ignoring checkpoints and recorded holes. */
  full: boolean;
  /** Rows this scan may read (ignored when full). */
  budgetRows?: number;
  now: number;
}

export interface ScanReport {
  series: number;
  scannedCandles: number;
  /** Series with candles left after their checkpoint (the budget ran out). */
  pendingSeries: string[];
}

/**
 * Finds holes in the configured series. Incremental: only candles after each series' checkpoint
 * are read, and the holes recorded earlier are re-verified (one key range each) so a filled hole
 * disappears. Candles inserted or deleted before a checkpoint are seen by the next full scan
 * (`validate`). Writes are one small transaction per chunk, so a sync is never held up for long.
 */
export function scanContinuity(db: Db, request: ScanRequest): ScanReport {
  const store = new ContinuityStore(db);
  const reader = new OpenTimesReader(db);
  const checkpoints = request.full ? new Map<string, number>() : store.checkpoints();
  const recorded = new Map<string, ContinuityGap[]>();
  if (!request.full) {
    for (const h of store.holes()) {
      const key = seriesKey(h.symbol, h.interval);
      recorded.set(key, [...(recorded.get(key) ?? []), h]);
    }
  }
  let budget = request.full ? Number.POSITIVE_INFINITY : request.budgetRows ?? DEFAULT_SCAN_BUDGET;
  const report: ScanReport = { series: request.series.length, scannedCandles: 0, pendingSeries: [] };
  // Series scanned before go first: their new tails are short, and a first scan of a long
  // history must not starve them.
  const ordered = [...request.series].sort((a, b) =>
    Number(checkpoints.has(seriesKey(b.symbol, b.interval))) - Number(checkpoints.has(seriesKey(a.symbol, a.interval))));

  for (const { symbol, interval } of ordered) {
    const key = seriesKey(symbol, interval);
    if (request.full) store.resetSeries(symbol, interval);
    for (const hole of recorded.get(key) ?? []) reverifyHole(store, reader, hole, request.now);
    let prev = checkpoints.get(key) ?? null;
    if (budget <= 0) {
      if (reader.after(symbol, interval, prev ?? Number.MIN_SAFE_INTEGER, 1).length > 0) report.pendingSeries.push(key);
      continue;
    }
    for (;;) {
      const limit = Math.min(CHUNK_ROWS, budget);
      const times = reader.after(symbol, interval, prev ?? Number.MIN_SAFE_INTEGER, limit);
      if (times.length === 0) break;
      const holes = findHoles(symbol, interval, times, prev);
      const last = times[times.length - 1]!;
      store.transaction(() => {
        store.addHoles(holes, request.now);
        store.saveCheckpoint(symbol, interval, last, request.now);
      });
      report.scannedCandles += times.length;
      budget -= times.length;
      prev = last;
      if (times.length < limit) break;
      if (budget <= 0) {
        report.pendingSeries.push(key);
        break;
      }
    }
  }
  return report;
}

/** A recorded hole with candles in it now (a heal, a sync) is replaced by what is still missing. */
function reverifyHole(store: ContinuityStore, reader: OpenTimesReader, hole: ContinuityGap, now: number): void {
  const inside = reader.within(hole.symbol, hole.interval, hole.fromOpenTime, hole.toOpenTime);
  if (inside.length === 0) return;
  const step = intervalMs(hole.interval);
  const remaining = findHoles(hole.symbol, hole.interval, [...inside, hole.toOpenTime + step], hole.fromOpenTime - step);
  store.transaction(() => {
    store.removeHole(hole);
    store.addHoles(remaining, now);
  });
}
