import type { Db } from '../store/sqlite.js';
import type { ProbeResult } from './types.js';

/** The last integrity verdict and what the file looked like just before it was taken. */
export interface IntegrityMemory {
  verdict: ProbeResult;
  at: number;
  /** marketFileSignature before that check: a different one now means market.db was written since. */
  signature: string;
}

/** Where a HealthRefresher keeps its last verdict beyond its own process (see IntegrityVerdictStore). */
export interface IntegrityVerdicts {
  load(): IntegrityMemory | null;
  save(memory: IntegrityMemory): void;
}

interface Row { checked_at: number; signature: string; verdict: string }

/**
 * Owns the `integrity_verdicts` table of ops.db (ops-v9): the last whole-file check of a store,
 * so that a `health` run every minute, a restarted leader or a console reuse it under the same
 * rule as the leader's own refreshes (integrityDue) instead of reading the whole file again.
 * ops.db is opened on first use; a failure to read or write is no verdict, never an error: the
 * check then simply runs, as it would without this table.
 */
export class IntegrityVerdictStore implements IntegrityVerdicts {
  #db: Db | null = null;

  constructor(private readonly openDb: () => Db, private readonly store = 'market.db', private readonly owned = true) {}

  /** Over an ops.db handle the caller keeps open (the leader's monitor). */
  static over(db: Db, store = 'market.db'): IntegrityVerdictStore {
    return new IntegrityVerdictStore(() => db, store, false);
  }

  load(): IntegrityMemory | null {
    try {
      const row = this.db().prepare('SELECT checked_at, signature, verdict FROM integrity_verdicts WHERE store = ?').get(this.store) as Row | undefined;
      return row ? { at: row.checked_at, signature: row.signature, verdict: JSON.parse(row.verdict) as ProbeResult } : null;
    } catch {
      return null;
    }
  }

  save(memory: IntegrityMemory): void {
    try {
      this.db().prepare(`INSERT INTO integrity_verdicts (store, checked_at, signature, status, verdict) VALUES (?, ?, ?, ?, ?)
                         ON CONFLICT (store) DO UPDATE SET checked_at = excluded.checked_at, signature = excluded.signature,
                           status = excluded.status, verdict = excluded.verdict`)
        .run(this.store, memory.at, memory.signature, memory.verdict.status, JSON.stringify(memory.verdict));
    } catch {
      // Not remembered: the next run checks the file again.
    }
  }

  close(): void {
    if (this.owned) this.#db?.close();
    this.#db = null;
  }

  private db(): Db {
    this.#db ??= this.openDb();
    return this.#db;
  }
}
