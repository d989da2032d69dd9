import path from 'node:path';
import { durationMs, type Config } from '../config/schema.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { collectHealth } from './collect-health.js';
import { isoMinute } from './format-values.js';
import type { IntegrityMemory, IntegrityVerdicts } from './integrity-verdict-store.js';
import { PROBE_IDS, selectProbes } from './probe-ids.js';
import { marketFileSignature } from './sources/market-access.js';
import { worstStatus } from './status.js';
import type { PgMarketFacts } from './sources/pg-market-facts.js';
import type { HealthSnapshot, ProbeResult, RecordCounts } from './types.js';

export type { IntegrityMemory } from './integrity-verdict-store.js';

/**
 * Candles the incremental continuity scan may read per refresh: a first pass over a large store
 * is spread over more refreshes instead of holding a quarter-million rows in memory at once.
 */
const CONTINUITY_BUDGET = 50_000;

/**
 * Whether the whole-file check is due in this refresh: always when there is no verdict yet; at most
 * once per `minGapMs` when the file changed since (a sync, a checkpoint, a stray write) or the last
 * verdict was not ok; and every `recheckMs` regardless, for damage no write explains.
 */
export function integrityDue(last: IntegrityMemory | null, signature: string, now: number, minGapMs: number, recheckMs: number): boolean {
  if (!last) return true;
  const age = now - last.at;
  // A verdict from the future (a clock set back, a copied ops.db) says nothing about this file now.
  if (age < 0) return true;
  if (age >= recheckMs) return true;
  if (age < minGapMs) return false;
  return signature !== last.signature || last.verdict.status !== 'ok';
}

/**
 * The verdict of an earlier check standing in for one not run now, saying so: when it was taken,
 * and (`reusedFrom`, for scripts) that it was not measured in this snapshot.
 */
export function reusedVerdict(memory: IntegrityMemory): ProbeResult {
  const { verdict } = memory;
  return { ...verdict, detail: `${verdict.detail} (checked ${isoMinute(memory.at)}, market.db unchanged since)`, reusedFrom: memory.at };
}

export interface HealthRefresherOptions {
  /** Where the last verdict is kept beyond this process (ops.db's integrity_verdicts); default: memory only. */
  verdicts?: IntegrityVerdicts;
  /** Candles the incremental continuity scan may read per refresh (default CONTINUITY_BUDGET). */
  continuityBudget?: number;
}

/**
 * Health for frequent refreshes (the console, the leader's alert evaluation, a `health` run every
 * minute). `quick_check` reads the whole file (about a second on a year of candles), so it runs
 * only when market.db was written since the last one (and then at most every `minGapMs`), or every
 * `health.integrityRecheck` while nothing changes; its last verdict stands in between, saying when
 * it was taken. With `verdicts`, that verdict outlives the process.
 */
export class HealthRefresher {
  private integrity: IntegrityMemory | null = null;
  /** The last candle counts (SQLite), carried into the snapshots between integrity checks. */
  private records: RecordCounts | null = null;
  private loaded = false;
  private readonly recheckMs: number;

  constructor(private readonly config: Config & { dataDir: string }, private readonly minGapMs = 60_000, private readonly options: HealthRefresherOptions = {}) {
    this.recheckMs = durationMs(config.health.integrityRecheck);
  }

  /** One snapshot of the probes `only` names (default: all), reusing the last integrity verdict when integrityDue says so. */
  refresh(now = Date.now(), only?: readonly string[], pgMarket?: PgMarketFacts): HealthSnapshot {
    const { config, options } = this;
    const ids = selectProbes(only);
    const continuityBudget = options.continuityBudget ?? CONTINUITY_BUDGET;
    // In PostgreSQL the integrity probe is the server answering: nothing to spare by reusing it.
    if (!ids.includes('integrity') || config.store.backend === 'postgres') {
      return collectHealth({ config, dataDir: config.dataDir, now, only: ids, continuityBudget, pgMarket });
    }
    if (!this.loaded) {
      this.integrity ??= options.verdicts?.load() ?? null;
      this.loaded = true;
    }
    // Taken before the check: a write during it changes the signature, so the next refresh checks again.
    const signature = marketFileSignature(path.join(config.dataDir, MARKET_DB_FILE));
    const due = integrityDue(this.integrity, signature, now, this.minGapMs, this.recheckMs);
    const rest = due ? ids : ids.filter((id) => id !== 'integrity');
    // `--only integrity` with a verdict to reuse runs no probe at all (an empty `only` would mean all of them).
    // Counted with each integrity check, and once at the first refresh when a stored verdict stands in.
    const snapshot: HealthSnapshot = rest.length > 0
      ? collectHealth({ config, dataDir: config.dataDir, now, only: rest, continuityBudget, countRecords: this.records === null })
      : { at: now, overall: 'ok', probes: [], freshness: [], coverage: [], durationMs: 0 };
    if (snapshot.records) this.records = snapshot.records;
    else if (this.records) snapshot.records = this.records;
    if (due) {
      const verdict = snapshot.probes.find((p) => p.id === 'integrity');
      this.integrity = verdict ? { verdict, at: now, signature } : null;
      if (this.integrity) options.verdicts?.save(this.integrity);
      return snapshot;
    }
    if (!this.integrity) return snapshot;
    const probes = [...snapshot.probes];
    // In display order: before the first probe that comes after integrity.
    const after = probes.findIndex((p) => PROBE_IDS.indexOf(p.id as never) > INTEGRITY_AT);
    probes.splice(after < 0 ? probes.length : after, 0, reusedVerdict(this.integrity));
    return { ...snapshot, probes, overall: worstStatus(probes.map((p) => p.status)) };
  }
}

const INTEGRITY_AT = PROBE_IDS.indexOf('integrity');
