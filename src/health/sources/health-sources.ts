import type { Interval } from '../../exchange/intervals.js';
import { openOpsDb } from '../../store/ops-db.js';
import type { Db } from '../../store/sqlite.js';
import type { SeriesNewest } from '../probes/freshness.js';
import { openMarketForHealth, type MarketAccess } from './market-access.js';

/**
 * The stores one snapshot reads, opened on first use and closed once at the end, so a probe
 * that is not asked for costs nothing and a store that cannot be opened fails only its probes.
 */
export class HealthSources {
  #market: MarketAccess | null = null;
  #ops: Db | null = null;
  #newest: SeriesNewest[] | null = null;

  /** `newest`: the newest candles when they were read elsewhere (from PostgreSQL). */
  constructor(readonly dataDir: string, private readonly symbols: readonly string[], private readonly intervals: readonly Interval[], newest?: SeriesNewest[]) {
    this.#newest = newest ?? null;
  }

  market(): MarketAccess {
    this.#market ??= openMarketForHealth(this.dataDir);
    return this.#market;
  }

  /** ops.db; throws when it cannot be opened (the probe that needs it reports why). */
  ops(): Db {
    this.#ops ??= openOpsDb(this.dataDir);
    return this.#ops;
  }

  /**
   * The newest open time of every configured series: one primary-key seek each (240 of them
   * take about 2 ms), where a GROUP BY over the candles would read all of them. All null when
   * market.db does not exist.
   */
  newestCandles(): SeriesNewest[] {
    if (this.#newest) return this.#newest;
    const market = this.market();
    if (market.state === 'unreadable') throw new Error(market.reason);
    const store = market.state === 'open' ? market.store : null;
    this.#newest = this.symbols.flatMap((symbol) => this.intervals.map((interval) => ({
      symbol, interval, lastOpenTime: store ? store.lastOpenTime(symbol, interval) : null,
    })));
    return this.#newest;
  }

  close(): void {
    if (this.#market?.state === 'open') this.#market.store.close();
    this.#ops?.close();
    this.#market = null;
    this.#ops = null;
  }
}
