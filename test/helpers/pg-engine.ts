import { thisCandidate } from '../../src/engine/leadership.js';
import { PgLeadership } from '../../src/engine/pg-leadership.js';
import type { SlotClaims } from '../../src/engine/scheduler.js';
import { openPgPool, type PgPool } from '../../src/store/postgres/pool.js';
import { PgRunHistory } from '../../src/store/postgres/run-history.js';

/**
 * The engine's PostgreSQL parts on one test database, as src/engine/engine.ts wires them for
 * store.backend postgres: a leadership (PgLeadership) that holds the lease, and the shared run
 * history (cfa_job_runs) its runs are copied into.
 */
export interface PgEngineParts {
  pool: PgPool;
  leadership: PgLeadership;
  runs: PgRunHistory;
  /** This leader's host name (the first half of its runs' keys in cfa_job_runs). */
  host: string;
  close(): Promise<void>;
}

/** Leads on `url` (the lease taken with `ttlMs`), under host name `host`. */
export async function pgLeader(url: string, host = 'test-host', ttlMs = 30_000): Promise<PgEngineParts> {
  const pool = openPgPool(url, { size: 2 });
  const leadership = new PgLeadership(pool);
  const outcome = await leadership.acquire(thisCandidate(host), Date.now(), ttlMs);
  if (!outcome.leader) throw new Error(`${host} did not get the lease on a fresh database (held by ${outcome.holder?.host})`);
  return { pool, leadership, runs: new PgRunHistory(pool), host, close: () => pool.end().catch(() => {}) };
}

/**
 * The scheduler's `claims` on a leadership, as the engine passes them, with `settled()` to wait
 * until every claim and read started so far (and those they started in turn) has been answered.
 */
export function settledClaims(leadership: PgLeadership): SlotClaims & { settled(): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };
  return {
    lastSlot: (job) => track(leadership.lastSlot(job)),
    claim: (job, slot) => track(leadership.claimSlot(job, slot)),
    async settled() {
      while (pending.size) {
        await Promise.allSettled([...pending]);
        // The scheduler's own callbacks on those promises run before this loop looks again.
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}
