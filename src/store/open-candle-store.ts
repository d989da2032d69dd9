import type { Config } from '../config/schema.js';
import type { CandleStore } from './candle-store.js';
import { MarketStore } from './market-db.js';
import { PgMarketStore } from './postgres/market-store.js';

/**
 * The candle store the config names: market.db in the data dir (the default), or PostgreSQL at
 * `store.url` with `store.poolSize` connections. The caller closes it (and awaits the close).
 */
export async function openCandleStore(config: Pick<Config, 'store'>, dataDir: string): Promise<CandleStore> {
  if (config.store.backend === 'postgres') {
    return PgMarketStore.open(config.store.url!, { poolSize: config.store.poolSize });
  }
  return MarketStore.open(dataDir);
}
