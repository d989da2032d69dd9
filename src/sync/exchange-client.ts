import type { Config } from '../config/schema.js';
import type { ExchangeCounters } from './run-sync.js';
import { BinanceClient } from '../exchange/binance-client.js';
import { WeightLimiter } from '../exchange/weight-limiter.js';

/**
 * The exchange client every writer uses (sync, heal, resync): one limiter per process at the
 * configured share of the IP's weight, since the live trader shares the IP.
 */
export function clientFromConfig(config: Config, weightBudget = config.exchange.weightBudget): BinanceClient {
  const limiter = new WeightLimiter({
    budget: weightBudget,
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

/** The client's counters in the shape a sync summary reports. */
export function syncCounters(client: BinanceClient): ExchangeCounters {
  const s = client.stats();
  return { requests: s.requests, weightUsed: s.weightUsed, rateLimited429: s.rateLimited429, banned418: s.banned418, retries: s.retries };
}
