import type { Config } from '../../config/schema.js';
import { redactUrlPasswords as shownUrl } from '../../config/redact.js';
import type { PgMarketStore } from '../../store/postgres/market-store.js';
import type { SeriesNewest } from '../probes/freshness.js';
import type { SeriesCount } from '../probes/pg-continuity.js';
import { durationMs } from '../../config/duration-ms.js';

/**
 * What the probes need of the candles when they live in PostgreSQL (`store.backend: postgres`),
 * read before the snapshot: the probes judge values synchronously, the server answers later.
 */
export type PgMarketFacts =
  | { state: 'read'; url: string; newest: SeriesNewest[]; bytes: number; counts: { at: number; series: SeriesCount[] } | null }
  | { state: 'unreachable'; url: string; reason: string };

/**
 * Reads the facts through one store (and its pool) kept for the caller's life: the leader's
 * monitor every 30 s, a console, one `health` run. A failure is a finding, never thrown.
 */
export class PgMarketFactsSource {
  #store: PgMarketStore | null = null;
  /** The per-series counts behind the continuity probe: they read every key, so at the integrity check's slower pace. */
  #counts: { at: number; series: SeriesCount[] } | null = null;

  constructor(private readonly config: Config) {}

  async gather(now = Date.now()): Promise<PgMarketFacts> {
    const url = this.config.store.url ?? '';
    const series = this.config.symbols.flatMap((symbol) => this.config.intervals.map((interval) => ({ symbol, interval })));
    try {
      if (!this.#store) {
        const { PgMarketStore } = await import('../../store/postgres/market-store.js');
        this.#store = await PgMarketStore.open(url, { poolSize: 1 });
      }
      const [newest, bytes] = await Promise.all([this.#store.newestOfSeries(series), this.#store.databaseBytes()]);
      const recheckMs = durationMs(this.config.health.integrityRecheck);
      if (!this.#counts || now - this.#counts.at >= recheckMs || now < this.#counts.at) {
        this.#counts = { at: now, series: await this.#store.countsOfSeries(series) };
      }
      return { state: 'read', url: shownUrl(url), newest, bytes, counts: this.#counts };
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
