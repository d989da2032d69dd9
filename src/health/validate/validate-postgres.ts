import type { Config } from '../../config/schema.js';
import { intervalMs } from '../../exchange/intervals.js';
import { PgMarketStore } from '../../store/postgres/market-store.js';
import { openPgPool, type PgPool } from '../../store/postgres/pool.js';
import { collectHealth } from '../collect-health.js';
import { candlesBetween, excludeKnownGaps } from '../continuity/holes.js';
import { PgKnownGapsStore } from '../continuity/known-gaps-store.js';
import { gapsOf, judgeContinuity } from '../probes/continuity.js';
import { probeFailed } from '../probes/probe-result.js';
import { PgMarketFactsSource } from '../sources/pg-market-facts.js';
import { healthThresholds } from '../thresholds.js';
import type { ContinuityGap, KnownGap } from '../types.js';
import type { ValidationTarget } from './validation-target.js';

/**
 * Validation of the candles in PostgreSQL. Integrity is the server's (the probe says so); the
 * continuity that `health` judges from per-series counts is judged here from the holes themselves,
 * located by position in one pass over each configured series' keys, known exchange gaps taken
 * out, so `--heal` can refetch exactly them into PostgreSQL.
 */
export function postgresTarget(config: Config, dataDir: string): ValidationTarget {
  const url = config.store.url!;
  const facts = new PgMarketFactsSource(config);
  const series = config.symbols.flatMap((symbol) => config.intervals.map((interval) => ({ symbol, interval, stepMs: intervalMs(interval) })));
  let opened: Promise<{ pool: PgPool; market: PgMarketStore; known: PgKnownGapsStore }> | null = null;
  const open = () => (opened ??= (async () => {
    const pool = openPgPool(url, { size: 2 });
    try {
      return { pool, market: await PgMarketStore.over(pool, url), known: new PgKnownGapsStore(pool) };
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  })());

  const locate = async (): Promise<{ open: ContinuityGap[]; explained: number; knownGaps: KnownGap[]; scanned: number }> => {
    const { market, known } = await open();
    const [found, knownGaps, counts] = await Promise.all([market.holesOfSeries(series), known.list(), market.countsOfSeries(series)]);
    const holes = found.map((h) => ({ ...h, missing: candlesBetween(h.fromOpenTime, h.toOpenTime, h.interval) }));
    return { ...excludeKnownGaps(holes, knownGaps), knownGaps, scanned: counts.reduce((n, c) => n + c.count, 0) };
  };

  return {
    async check(only, depth) {
      const pgMarket = await facts.gather();
      const snapshot = collectHealth({ config, dataDir, only, ...depth, pgMarket });
      const at = snapshot.probes.findIndex((p) => p.id === 'continuity');
      if (at < 0 || pgMarket.state !== 'read') return snapshot;
      const maxGapCandles = healthThresholds(config).maxGapCandles;
      try {
        const located = await locate();
        snapshot.probes[at] = judgeContinuity({
          holes: located.open, knownExcluded: located.explained, maxGapCandles, series: series.length,
          scannedCandles: located.scanned, pendingSeries: 0, full: true,
        });
        snapshot.gaps = gapsOf(located.open, maxGapCandles);
        snapshot.knownGaps = located.knownGaps;
      } catch (error) {
        snapshot.probes[at] = probeFailed('continuity', `cannot locate the holes in PostgreSQL at ${pgMarket.url}: ${(error as Error).message}`);
      }
      return snapshot;
    },
    openHoles: async () => (await locate()).open,
    store: async () => (await open()).market,
    recordKnownGap: async (gap) => (await open()).known.record(gap),
    async close() {
      await facts.close();
      if (opened) await (await opened.catch(() => null))?.pool.end();
    },
  };
}
