import type { SimulatorOptions } from '../../src/exchange/simulator/index.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { FRED_OPEN_END, startFearGreedStandIn, startFredStandIn, syntheticFearGreed, syntheticFredSeries } from '../../src/exchange/simulator/index.js';
import { DAY_MS } from '../../src/sentiment/windows.js';
import { ANCHOR, simulator } from './simulated-exchange.js';

const H = 3_600_000;
export const FRED_TEST_KEY = 'test-fred-key-0001';
/** BTCUSDT moved from 8 h to 4 h funding three days before the anchor. */
export const FUNDING_CHANGE = Math.floor((ANCHOR - 3 * DAY_MS) / (8 * H)) * 8 * H;

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface SentimentStandInOptions {
  symbols?: string[];
  fng?: Parameters<typeof startFearGreedStandIn>[0];
  sim?: SimulatorOptions;
  fundingBackfillDays?: number;
}

/**
 * The sentiment job's three sources on loopback: the exchange simulator (funding, `/futures/data`,
 * premium index; BTCUSDT's funding moving from 8 h to 4 h), alternative.me's Fear & Greed and
 * FRED (DGS10 daily, CPIAUCSL monthly with a "." value), and a config pointing at them.
 */
export async function startSentimentStandIns(options: SentimentStandInOptions = {}) {
  const symbols = options.symbols ?? ['BTCUSDT', 'ETHUSDT'];
  const sim = await simulator({
    symbols, windowMs: 1000,
    fundingSchedule: { BTCUSDT: [{ from: 0, intervalMs: 8 * H }, { from: FUNDING_CHANGE, intervalMs: 4 * H }] },
    ...options.sim,
  });
  const fng = await startFearGreedStandIn(options.fng ?? { days: syntheticFearGreed(ANCHOR, 60) });
  const fred = await startFredStandIn({
    apiKey: FRED_TEST_KEY,
    series: {
      DGS10: syntheticFredSeries('DGS10', isoDay(ANCHOR), 40),
      CPIAUCSL: {
        frequency: 'Monthly', frequencyShort: 'M', units: 'Index 1982-1984=100',
        versions: [
          { date: '2026-03-01', realtimeStart: '2026-04-10', realtimeEnd: FRED_OPEN_END, value: '310.0' },
          { date: '2026-04-01', realtimeStart: '2026-05-12', realtimeEnd: FRED_OPEN_END, value: '.' },
        ],
      },
    },
  });
  const config: Config = configSchema.parse({
    symbols,
    exchange: {
      url: sim.url, weightWindowMs: 1000, requestTimeoutMs: 2000,
      retry: { transport: { retries: 3, delaysMs: [20, 40, 80] }, rateLimit: { retries: 2, delayMs: 200, jitterMs: 50 }, server: { retries: 2, delaysMs: [20, 40] } },
    },
    sentiment: {
      binance: { fundingBackfillDays: options.fundingBackfillDays ?? 10, quotaWindowMs: 1000 },
      fearGreed: { url: fng.url, backfillDays: 30 },
      fred: { url: fred.url, series: ['DGS10', 'CPIAUCSL'], backfillDays: 400, windowMs: 1000 },
    },
  });
  return { symbols, sim, fng, fred, config, close: () => Promise.all([fng.close(), fred.close()]).then(() => {}) };
}
