import type { Config } from '../../config/schema.js';
import { redactUrlPasswords as shownUrl } from '../../config/redact.js';
import type { PgMarketStore } from '../../store/postgres/market-store.js';
import type { PgSentimentStore } from '../../sentiment/pg-sentiment-store.js';
import type { SentimentFreshnessFacts } from '../../sentiment/sentiment-job-store.js';
import type { SeriesNewest } from '../probes/freshness.js';
import type { SeriesCount } from '../probes/pg-continuity.js';
import { durationMs } from '../../config/duration-ms.js';

/**
 * What the probes need of the candles when they live in PostgreSQL (`store.backend: postgres`),
 * read before the snapshot: the probes judge values synchronously, the server answers later.
 */
export type PgMarketFacts =
  | {
    state: 'read'; url: string; newest: SeriesNewest[]; bytes: number; counts: { at: number; series: SeriesCount[] } | null;
    /**
     * The sentiment tables' newest points (they live beside the candles); null when no source is
     * configured, absent when they were not read.
     */
    sentiment?: SentimentFreshnessFacts | null;
  }
  | { state: 'unreachable'; url: string; reason: string };

/**
 * Reads the facts through one store (and its pool) kept for the caller's life: the leader's
 * monitor every 30 s, a console, one `health` run. A failure is a finding, never thrown.
 */
export class PgMarketFactsSource {
  #store: { market: PgMarketStore; sentiment: PgSentimentStore; close(): Promise<void> } | null = null;
  /** The per-series counts behind the continuity probe: they read every key, so at the integrity check's slower pace. */
  #counts: { at: number; series: SeriesCount[] } | null = null;

  constructor(private readonly config: Config) {}

  async gather(now = Date.now()): Promise<PgMarketFacts> {
    const url = this.config.store.url ?? '';
    const series = this.config.symbols.flatMap((symbol) => this.config.intervals.map((interval) => ({ symbol, interval })));
    try {
      this.#store ??= await openStores(url);
      const { market, sentiment } = this.#store;
      const s = this.config.sentiment;
      const [newest, bytes, sentimentFacts] = await Promise.all([
        market.newestOfSeries(series), market.databaseBytes(),
        s.sources.length > 0 ? sentiment.freshnessFacts(s.binance.period) : null,
      ]);
      const recheckMs = durationMs(this.config.health.integrityRecheck);
      if (!this.#counts || now - this.#counts.at >= recheckMs || now < this.#counts.at) {
        this.#counts = { at: now, series: await market.countsOfSeries(series) };
      }
      return { state: 'read', url: shownUrl(url), newest, bytes, counts: this.#counts, sentiment: sentimentFacts };
    } catch (error) {
      // Opened afresh next time: the server may have restarted.
      await this.close();
      return { state: 'unreachable', url: shownUrl(url), reason: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    const store = this.#store;
    this.#store = null;
    await store?.close().catch(() => {});
  }
}

/** The candle and sentiment stores over one pool of one connection: the facts are read one query at a time. */
async function openStores(url: string): Promise<{ market: PgMarketStore; sentiment: PgSentimentStore; close(): Promise<void> }> {
  const [{ openPgPool }, { PgMarketStore }, { PgSentimentStore }] = await Promise.all([
    import('../../store/postgres/pool.js'), import('../../store/postgres/market-store.js'), import('../../sentiment/pg-sentiment-store.js'),
  ]);
  const pool = openPgPool(url, { size: 1 });
  try {
    const market = await PgMarketStore.over(pool, url);
    const sentiment = await PgSentimentStore.over(pool, url);
    return { market, sentiment, close: () => pool.end() };
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}
