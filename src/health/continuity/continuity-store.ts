import type { Interval } from '../../exchange/intervals.js';
import type { Db } from '../../store/sqlite.js';
import type { ContinuityGap } from '../types.js';
import { seriesKey } from './holes.js';

interface HoleRow { symbol: string; interval: Interval; from_open_time: number; to_open_time: number; missing: number }

function toHole(r: HoleRow): ContinuityGap {
  return { symbol: r.symbol, interval: r.interval, fromOpenTime: r.from_open_time, toOpenTime: r.to_open_time, missing: r.missing };
}

/**
 * Owns `continuity_checkpoints` and `continuity_holes` of market.db: how far each series has
 * been scanned, and the holes found so far. The scan is the only writer.
 */
export class ContinuityStore {
  constructor(private readonly db: Db) {}

  /** Open time of the newest candle scanned, per series key ("BTCUSDT 1h"). */
  checkpoints(): Map<string, number> {
    const rows = this.db.prepare('SELECT symbol, interval, checked_to FROM continuity_checkpoints').all() as
      { symbol: string; interval: string; checked_to: number }[];
    return new Map(rows.map((r) => [seriesKey(r.symbol, r.interval), r.checked_to]));
  }

  saveCheckpoint(symbol: string, interval: Interval, checkedTo: number, at: number): void {
    this.db.prepare(`INSERT INTO continuity_checkpoints (symbol, interval, checked_to, checked_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (symbol, interval) DO UPDATE SET checked_to = excluded.checked_to, checked_at = excluded.checked_at`)
      .run(symbol, interval, checkedTo, at);
  }

  holes(): ContinuityGap[] {
    return (this.db.prepare('SELECT symbol, interval, from_open_time, to_open_time, missing FROM continuity_holes ORDER BY symbol, interval, from_open_time')
      .all() as HoleRow[]).map(toHole);
  }

  holesOf(symbol: string, interval: Interval): ContinuityGap[] {
    return (this.db.prepare('SELECT symbol, interval, from_open_time, to_open_time, missing FROM continuity_holes WHERE symbol = ? AND interval = ? ORDER BY from_open_time')
      .all(symbol, interval) as HoleRow[]).map(toHole);
  }

  addHoles(holes: readonly ContinuityGap[], foundAt: number): void {
    const insert = this.db.prepare(`INSERT OR REPLACE INTO continuity_holes (symbol, interval, from_open_time, to_open_time, missing, found_at)
      VALUES (?, ?, ?, ?, ?, ?)`);
    for (const h of holes) insert.run(h.symbol, h.interval, h.fromOpenTime, h.toOpenTime, h.missing, foundAt);
  }

  removeHole(hole: ContinuityGap): void {
    this.db.prepare('DELETE FROM continuity_holes WHERE symbol = ? AND interval = ? AND from_open_time = ?').run(hole.symbol, hole.interval, hole.fromOpenTime);
  }

  /** Forgets a series' scan, so the next scan starts from its first candle. */
  resetSeries(symbol: string, interval: Interval): void {
    this.db.prepare('DELETE FROM continuity_holes WHERE symbol = ? AND interval = ?').run(symbol, interval);
    this.db.prepare('DELETE FROM continuity_checkpoints WHERE symbol = ? AND interval = ?').run(symbol, interval);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
