import type { Interval } from '../../exchange/intervals.js';
import type { Db } from '../../store/sqlite.js';
import type { KnownGap } from '../types.js';
import { candlesBetween } from './holes.js';

interface Row { symbol: string; interval: Interval; from_open_time: number; to_open_time: number; confirmed_at: number }

/** Owns `known_gaps` of market.db: ranges the exchange itself has no candles for. */
export class KnownGapsStore {
  constructor(private readonly db: Db) {}

  list(): KnownGap[] {
    const rows = this.db.prepare('SELECT symbol, interval, from_open_time, to_open_time, confirmed_at FROM known_gaps ORDER BY symbol, interval, from_open_time')
      .all() as Row[];
    return rows.map((r) => ({
      symbol: r.symbol, interval: r.interval, fromOpenTime: r.from_open_time, toOpenTime: r.to_open_time,
      missing: candlesBetween(r.from_open_time, r.to_open_time, r.interval), confirmedAt: r.confirmed_at,
    }));
  }

  /** Records (or re-confirms) a gap; a gap starting at the same open time is replaced. */
  record(gap: Omit<KnownGap, 'missing'>): void {
    this.db.prepare(`INSERT INTO known_gaps (symbol, interval, from_open_time, to_open_time, confirmed_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (symbol, interval, from_open_time) DO UPDATE SET to_open_time = excluded.to_open_time, confirmed_at = excluded.confirmed_at`)
      .run(gap.symbol, gap.interval, gap.fromOpenTime, gap.toOpenTime, gap.confirmedAt);
  }
}
