import type { Config } from '../../config/schema.js';
import { BinanceClient } from '../../exchange/binance-client.js';
import { WeightLimiter } from '../../exchange/weight-limiter.js';

/**
 * The exchange client a heal uses: the sync's client and limiter with the sync's budget, so a
 * heal keeps to the same share of the IP's weight as the sync (the live trader shares the IP).
 */
export function createHealClient(config: Config): BinanceClient {
  const limiter = new WeightLimiter({
    budget: config.exchange.weightBudget,
    ipLimit: config.exchange.ipWeightLimit,
    windowMs: config.exchange.weightWindowMs,
  });
  return new BinanceClient({
    baseUrl: config.exchange.url,
    limiter,
    retry: config.exchange.retry,
    requestTimeoutMs: config.exchange.requestTimeoutMs,
  });
}
