import path from 'node:path';
import { durationMs, type Config } from '../config/schema.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { collectHealth } from './collect-health.js';
import { PROBE_IDS } from './probe-ids.js';
import { marketFileSignature } from './sources/market-access.js';
import { worstStatus } from './status.js';
import type { HealthSnapshot, ProbeResult } from './types.js';

const WITHOUT_INTEGRITY = PROBE_IDS.filter((id) => id !== 'integrity');

/**
 * Candles the incremental continuity scan may read per refresh: a first pass over a large store
 * is spread over more refreshes instead of holding a quarter-million rows in memory at once.
 */
const CONTINUITY_BUDGET = 50_000;

/** The last integrity verdict and what the file looked like just before it was taken. */
export interface IntegrityMemory {
  verdict: ProbeResult;
  at: number;
  /** marketFileSignature before that check: a different one now means market.db was written since. */
  signature: string;
}

/**
 * Whether the whole-file check is due in this refresh: always when there is no verdict yet; at most
 * once per `minGapMs` when the file changed since (a sync, a checkpoint, a stray write) or the last
 * verdict was not ok; and every `recheckMs` regardless, for damage no write explains.
 */
export function integrityDue(last: IntegrityMemory | null, signature: string, now: number, minGapMs: number, recheckMs: number): boolean {
  if (!last) return true;
  const age = now - last.at;
  if (age >= recheckMs) return true;
  if (age < minGapMs) return false;
  return signature !== last.signature || last.verdict.status !== 'ok';
}

/**
 * Health for frequent refreshes (the console, the leader's alert evaluation). `quick_check` reads
 * the whole file (about half a second on a year of candles), so it runs only when market.db was
 * written since the last one (and then at most every `minGapMs`), or every `health.integrityRecheck`
 * while nothing changes; its last verdict stands in between. The other probes are cheap: they read
 * the newest candle of each series and what came after the continuity checkpoints.
 */
export class HealthRefresher {
  private integrity: IntegrityMemory | null = null;
  private readonly recheckMs: number;

  constructor(private readonly config: Config & { dataDir: string }, private readonly minGapMs = 60_000) {
    this.recheckMs = durationMs(config.health.integrityRecheck);
  }

  refresh(now = Date.now()): HealthSnapshot {
    const { config } = this;
    // Taken before the check: a write during it changes the signature, so the next refresh checks again.
    const signature = marketFileSignature(path.join(config.dataDir, MARKET_DB_FILE));
    const due = integrityDue(this.integrity, signature, now, this.minGapMs, this.recheckMs);
    const snapshot = collectHealth({
      config, dataDir: config.dataDir, now, only: due ? undefined : WITHOUT_INTEGRITY, continuityBudget: CONTINUITY_BUDGET,
    });
    if (due) {
      const verdict = snapshot.probes.find((p) => p.id === 'integrity');
      this.integrity = verdict ? { verdict, at: now, signature } : null;
      return snapshot;
    }
    if (!this.integrity) return snapshot;
    const probes = [...snapshot.probes];
    probes.splice(Math.min(2, probes.length), 0, this.integrity.verdict);
    return { ...snapshot, probes, overall: worstStatus(probes.map((p) => p.status)) };
  }
}
