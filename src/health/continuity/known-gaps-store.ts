import type { Interval } from '../../exchange/intervals.js';
import type { PgPool } from '../../store/postgres/pool.js';
import type { Db } from '../../store/sqlite.js';
import type { KnownGap } from '../types.js';
import { candlesBetween } from './holes.js';

interface Row { symbol: string; interval: Interval; from_open_time: number; to_open_time: number; confirmed_at: number }

const knownGapOf = (r: Row): KnownGap => ({
  symbol: r.symbol, interval: r.interval, fromOpenTime: r.from_open_time, toOpenTime: r.to_open_time,
  missing: candlesBetween(r.from_open_time, r.to_open_time, r.interval), confirmedAt: r.confirmed_at,
});

/** The upsert of one gap, with SQLite's (`?`) or PostgreSQL's (`$n`) placeholders. */
const upsertGapSql = (placeholder: (n: number) => string) => `INSERT INTO known_gaps (symbol, interval, from_open_time, to_open_time, confirmed_at)
  VALUES (${[1, 2, 3, 4, 5].map(placeholder).join(', ')}) ON CONFLICT (symbol, interval, from_open_time) DO UPDATE SET to_open_time = excluded.to_open_time, confirmed_at = excluded.confirmed_at`;

/** Owns `known_gaps` of market.db: ranges the exchange itself has no candles for. */
export class KnownGapsStore {
  constructor(private readonly db: Db) {}

  list(): KnownGap[] {
    const rows = this.db.prepare('SELECT symbol, interval, from_open_time, to_open_time, confirmed_at FROM known_gaps ORDER BY symbol, interval, from_open_time')
      .all() as Row[];
    return rows.map(knownGapOf);
  }

  /** Records (or re-confirms) a gap; a gap starting at the same open time is replaced. */
  record(gap: Omit<KnownGap, 'missing'>): void {
    this.db.prepare(upsertGapSql(() => '?')).run(gap.symbol, gap.interval, gap.fromOpenTime, gap.toOpenTime, gap.confirmedAt);
  }
}

/** The same `known_gaps` in PostgreSQL (`store.backend: postgres`), over the candle store's pool. */
export class PgKnownGapsStore {
  constructor(private readonly pool: PgPool) {}

  async list(): Promise<KnownGap[]> {
    const { rows } = await this.pool.query<Row>(`SELECT symbol, interval, from_open_time, to_open_time, confirmed_at FROM known_gaps
      ORDER BY symbol COLLATE "C", interval COLLATE "C", from_open_time`);
    return rows.map(knownGapOf);
  }

  async record(gap: Omit<KnownGap, 'missing'>): Promise<void> {
    await this.pool.query(upsertGapSql((n) => `$${n}`), [gap.symbol, gap.interval, gap.fromOpenTime, gap.toOpenTime, gap.confirmedAt]);
  }
}
