import type { Config } from '../config/schema.js';
import { hostName } from '../common/host-name.js';
import { PgLeaderRequests } from '../store/postgres/leader-requests.js';
import { PgLease, type Fence } from '../store/postgres/lease.js';
import { closePool, openPgPool } from '../store/postgres/pool.js';
import { holderIsGone } from './leadership.js';
import type { RequestQueue } from './request-poller.js';
import { isExpired, type Handler, type RequestChannel } from './requests.js';

/**
 * Requests to the leader across hosts (store.backend postgres): a CLI, console or runbook on any
 * host asks through PostgreSQL (src/store/postgres/leader-requests.ts), finds the leader in the
 * lease there (src/store/postgres/lease.ts), and the leader takes them up under its epoch. On
 * SQLite everything stays in this host's ops.db (opsDbChannel, opsDbQueue).
 */

/** A leader's fenced step the database refused: this process's epoch no longer leads. */
export class FencedRequestRefusal extends Error {
  constructor(step: string, fence: Fence) {
    super(`${step} refused by PostgreSQL: epoch ${fence.epoch} (${fence.host}) no longer holds the lease; the next leader takes the requests up`);
  }
}

/** The requester's side: submit, find the leader, wait; the pool is closed by close(). */
export interface SharedRequests {
  channel: RequestChannel;
  /** The lease itself, on the same connection: what leaders recorded (lastAction). */
  lease: PgLease;
  close(): Promise<void>;
}

/** Null on store.backend sqlite: requests go through this host's ops.db. */
export function openSharedRequests(config: Config): SharedRequests | null {
  if (config.store.backend !== 'postgres' || !config.store.url) return null;
  const host = hostName(config.engine.host);
  const pool = openPgPool(config.store.url, { size: 1, applicationName: `cfa-console requests on ${host}` });
  const store = new PgLeaderRequests(pool);
  const lease = new PgLease(pool);
  const channel: RequestChannel = {
    where: 'PostgreSQL',
    host,
    lease: async () => {
      const { holder, now } = await lease.read();
      // Judged on the database's clock; a dead PID is seen only on its own host.
      return { holder, live: holder !== null && !holderIsGone(holder, now, host) };
    },
    insert: (kind, args, by, ttlMs) => store.submit(kind, args, by, ttlMs),
    get: async (id) => {
      const found = await store.get(id);
      if (!found) return null;
      // Past its expiry and never claimed: it must not run later, whoever looks first.
      if (isExpired(found.request, found.now) && await store.expire(id)) return (await store.get(id))?.request ?? null;
      return found.request;
    },
    expire: async (id) => { await store.expire(id); },
  };
  return { channel, lease, close: () => closePool(pool) };
}

/**
 * The leader's side: PostgreSQL's requests as a queue, every step fenced by `fence()` (null
 * while this process does not lead: it claims nothing). `handling`: the ids of the requests this
 * process claimed and has not finished, kept by the engine across its queues: when it loses the
 * lease and leads again under a newer epoch, the ones it still handles are no orphans.
 */
export function sharedRequestQueue(store: PgLeaderRequests, fence: () => Fence | null, handler: Handler, handling: Set<number>): RequestQueue {
  return {
    where: 'PostgreSQL',
    failOrphans: async () => {
      const f = fence();
      if (!f) return [];
      const outcome = await store.failOrphans(f, [...handling]);
      if (outcome.refused) throw new FencedRequestRefusal('failing the requests of a previous leader', f);
      return outcome.value;
    },
    claimNext: async () => {
      const f = fence();
      if (!f) return null;
      const outcome = await store.claimNext(f, handler);
      if (outcome.refused) throw new FencedRequestRefusal('claiming a request', f);
      if (outcome.value) handling.add(outcome.value.id);
      return outcome.value;
    },
    finish: async (request, state, result) => {
      // Handled now, whether its outcome is recorded or not: one left running is an orphan from here on.
      handling.delete(request.id);
      const f = fence();
      if (!f) throw new Error(`request #${request.id} in PostgreSQL: its outcome (${state}) is not recorded, this engine leads no more; the next leader marks it failed`);
      const outcome = await store.finish(f, request.id, state, result);
      if (outcome.refused) throw new FencedRequestRefusal(`recording the outcome of request #${request.id}`, f);
    },
  };
}
