import type { Config } from '../config/schema.js';
import { PgSentimentStore } from './pg-sentiment-store.js';
import type { SentimentJobStore } from './sentiment-job-store.js';
import { SentimentStore } from './sentiment-store.js';

/**
 * The sentiment tables where the config keeps the market data: market.db in the data dir (the
 * default), or PostgreSQL at `store.url`. The caller closes it (and awaits the close).
 */
export async function openSentimentStore(config: Pick<Config, 'store'>, dataDir: string): Promise<SentimentJobStore> {
  if (config.store.backend === 'postgres') {
    return PgSentimentStore.open(config.store.url!, { poolSize: config.store.poolSize });
  }
  return SentimentStore.open(dataDir);
}
