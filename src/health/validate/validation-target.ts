import type { CandleStore } from '../../store/candle-store.js';
import type { CollectHealthOptions } from '../collect-health.js';
import type { ProbeId } from '../probe-ids.js';
import type { ContinuityGap, HealthSnapshot, KnownGap } from '../types.js';

/**
 * Where validate reads and heals the candles: market.db in the data dir (run-validation.ts), or
 * PostgreSQL with `store.backend: postgres` (validate-postgres.ts). Stores are opened on first use.
 */
export interface ValidationTarget {
  /** The asked-for probes; continuity judged from holes located by position on either backend. */
  check(only: readonly ProbeId[], depth: Pick<CollectHealthOptions, 'full' | 'continuityBudget'>): Promise<HealthSnapshot>;
  /** The holes of the configured series that no known exchange gap explains, every length. */
  openHoles(): Promise<ContinuityGap[]>;
  /** The store a heal writes into. */
  store(): Promise<CandleStore>;
  recordKnownGap(gap: Omit<KnownGap, 'missing'>): Promise<void>;
  close(): Promise<void>;
}
