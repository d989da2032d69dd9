import type { Config } from '../config/schema.js';
import { collectHealth } from './collect-health.js';
import { PROBE_IDS } from './probe-ids.js';
import { worstStatus } from './status.js';
import type { HealthSnapshot, ProbeResult } from './types.js';

const WITHOUT_INTEGRITY = PROBE_IDS.filter((id) => id !== 'integrity');

/**
 * Candles the incremental continuity scan may read per refresh: a first pass over a large store
 * is spread over more refreshes instead of holding a quarter-million rows in memory at once.
 */
const CONTINUITY_BUDGET = 50_000;

/**
 * Health for frequent refreshes (the console, the leader's alert evaluation): `quick_check`
 * reads the whole file and takes about half a second on a year of candles, so it runs at most
 * every `integrityEveryMs` and its last verdict stands in between.
 */
export class HealthRefresher {
  private integrity: ProbeResult | null = null;
  private integrityAt = 0;

  constructor(private readonly config: Config & { dataDir: string }, private readonly integrityEveryMs = 60_000) {}

  refresh(now = Date.now()): HealthSnapshot {
    const due = this.integrity === null || now - this.integrityAt >= this.integrityEveryMs;
    const { config } = this;
    const snapshot = collectHealth({
      config, dataDir: config.dataDir, now, only: due ? undefined : WITHOUT_INTEGRITY, continuityBudget: CONTINUITY_BUDGET,
    });
    if (due) {
      this.integrity = snapshot.probes.find((p) => p.id === 'integrity') ?? null;
      this.integrityAt = now;
      return snapshot;
    }
    if (!this.integrity) return snapshot;
    const probes = [...snapshot.probes];
    probes.splice(Math.min(2, probes.length), 0, this.integrity);
    return { ...snapshot, probes, overall: worstStatus(probes.map((p) => p.status)) };
  }
}
