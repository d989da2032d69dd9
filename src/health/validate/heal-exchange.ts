import type { Config } from '../../config/schema.js';
import type { BinanceClient } from '../../exchange/binance-client.js';
import { clientFromConfig } from '../../sync/exchange-client.js';

/**
 * The exchange client a heal uses: the sync's client and limiter with the sync's budget, so a
 * heal keeps to the same share of the IP's weight as the sync (the live trader shares the IP).
 */
export function createHealClient(config: Config): BinanceClient {
  return clientFromConfig(config);
}
