import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { hostName } from '../common/host-name.js';
import type { Db } from '../store/sqlite.js';
import { currentProcess, isAlive } from './process-identity.js';

const LEASE = 'leader';

export interface Candidate {
  /** Unique per process run: a restarted process is a new candidate even with the same PID. */
  holderId: string;
  pid: number;
  startTicks: number | null;
  host: string;
}

export interface LeaseHolder extends Candidate {
  /** The fencing token of a lease in PostgreSQL (pg-leadership.ts); absent for ops.db's. */
  epoch?: number;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

interface LeaseRow {
  holder_id: string; pid: number; start_ticks: number | null; host: string;
  acquired_at: number; renewed_at: number; expires_at: number;
}

export function thisCandidate(host = hostName()): Candidate {
  const me = currentProcess();
  return { holderId: randomUUID(), pid: me.pid, startTicks: me.startTicks, host };
}

/** Owns the `lease` table of ops.db. */
export function readLease(db: Db): LeaseHolder | null {
  const row = db.prepare('SELECT * FROM lease WHERE name = ?').get(LEASE) as LeaseRow | undefined;
  if (!row) return null;
  return {
    holderId: row.holder_id, pid: row.pid, startTicks: row.start_ticks, host: row.host,
    acquiredAt: row.acquired_at, renewedAt: row.renewed_at, expiresAt: row.expires_at,
  };
}

/**
 * Whether the holder can no longer act: its lease ran out, or it ran on this host and that very
 * process is gone (then a follower need not wait for the expiry). Hosts are told apart by their
 * configured names (engine.host, CFA_HOST): a PID is probed only under the same name.
 */
export function holderIsGone(holder: LeaseHolder, now: number, host = hostName()): boolean {
  if (holder.expiresAt <= now) return true;
  return holder.host === host && !isAlive({ pid: holder.pid, startTicks: holder.startTicks });
}

/**
 * Takes or renews the lease in one IMMEDIATE transaction, so two candidates racing are
 * serialised by SQLite. Returns whether `me` leads now, and who does.
 */
export function tryAcquireLease(db: Db, me: Candidate, now: number, ttlMs: number): { leader: boolean; holder: LeaseHolder } {
  return db.transaction(() => {
    const current = readLease(db);
    if (current && current.holderId !== me.holderId && !holderIsGone(current, now, me.host)) {
      return { leader: false, holder: current };
    }
    const acquiredAt = current?.holderId === me.holderId ? current.acquiredAt : now;
    db.prepare(`INSERT OR REPLACE INTO lease (name, holder_id, pid, start_ticks, host, acquired_at, renewed_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(LEASE, me.holderId, me.pid, me.startTicks, me.host, acquiredAt, now, now + ttlMs);
    return { leader: true, holder: { ...me, acquiredAt, renewedAt: now, expiresAt: now + ttlMs } };
  }).immediate();
}

/** Gives the lease up at once so a follower need not wait for it to expire. */
export function releaseLease(db: Db, me: Candidate): void {
  db.prepare('DELETE FROM lease WHERE name = ? AND holder_id = ?').run(LEASE, me.holderId);
}

export type LeaseOutcome = { leader: boolean; holder: LeaseHolder | null };

/**
 * Where the lease lives. ops.db's is synchronous and local to one machine; PostgreSQL's
 * (pg-leadership.ts) is asynchronous and shared by hosts, hence `remote`.
 */
export interface LeaseBackend {
  /**
   * True for a lease other machines share: a leader whose renewal has not come back within the
   * lease (a stalled process, a partition) steps down on its own clock, and a campaign that does
   * not answer within the lease counts as failed.
   */
  readonly remote: boolean;
  acquire(me: Candidate, now: number, ttlMs: number): LeaseOutcome | Promise<LeaseOutcome>;
  release(me: Candidate): void | Promise<void>;
}

/** The lease in ops.db, as the engine has always had it. */
export function sqliteLease(db: Db): LeaseBackend {
  return {
    remote: false,
    acquire: (me, now, ttlMs) => tryAcquireLease(db, me, now, ttlMs),
    release: (me) => releaseLease(db, me),
  };
}

export interface ElectionOptions {
  /** The lease in ops.db; or give `backend`. */
  db?: Db;
  backend?: LeaseBackend;
  ttlMs: number;
  renewEveryMs: number;
  candidate?: Candidate;
  now?: () => number;
  onChange(leader: boolean, holder: LeaseHolder | null): void;
  onError?(error: unknown): void;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/**
 * Campaigns every `renewEveryMs`: a leader renews, a follower takes over once the holder is
 * gone. `onChange` fires only when this process gains or loses leadership. With a synchronous
 * backend (ops.db) a campaign completes before `campaign()` returns, as it always has; with an
 * asynchronous one it returns the promise, and a tick skips while one is in flight.
 */
export class LeaderElection {
  readonly candidate: Candidate;
  private readonly backend: LeaseBackend;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private holder: LeaseHolder | null = null;
  private readonly now: () => number;
  private inFlight: Promise<void> | null = null;
  /** Remote backend: on the monotonic clock, when the lease last granted runs out at the latest. */
  private validUntil = 0;
  private stopped = false;

  constructor(private readonly options: ElectionOptions) {
    this.candidate = options.candidate ?? thisCandidate();
    this.now = options.now ?? Date.now;
    if (options.backend) this.backend = options.backend;
    else if (options.db) this.backend = sqliteLease(options.db);
    else throw new Error('LeaderElection needs a db (ops.db) or a lease backend');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get currentHolder(): LeaseHolder | null {
    return this.holder;
  }

  /** Campaigns now and then every `renewEveryMs`; returns the first campaign (a promise when asynchronous). */
  start(): void | Promise<void> {
    this.stopped = false;
    const first = this.campaign();
    this.timer = setInterval(() => void this.campaign(), this.options.renewEveryMs);
    return first;
  }

  campaign(): void | Promise<void> {
    // A remote lease granted before a stall (GC, SIGSTOP, a dead network) may have run out meanwhile:
    // step down first, on our own clock, before anything else in this process acts as leader.
    if (this.leading && this.backend.remote && performance.now() >= this.validUntil) this.settle(false, null);
    if (this.inFlight) return this.inFlight;
    const sentAt = performance.now();
    let outcome: LeaseOutcome | Promise<LeaseOutcome>;
    try {
      outcome = this.backend.acquire(this.candidate, this.now(), this.options.ttlMs);
    } catch (error) {
      this.failed(error);
      return;
    }
    if (!isPromise(outcome)) {
      this.settled(outcome, sentAt);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the lease did not answer within ${this.options.ttlMs} ms`)), this.options.ttlMs);
    });
    const done = Promise.race([outcome, timeout])
      // A campaign that comes back after stop() is ignored: stop() releases what it may have renewed.
      .then((result) => { if (!this.stopped) this.settled(result, sentAt); }, (error: unknown) => { if (!this.stopped) this.failed(error); })
      .finally(() => {
        clearTimeout(timer);
        this.inFlight = null;
      });
    this.inFlight = done;
    return done;
  }

  private settled(result: LeaseOutcome, sentAt: number): void {
    this.holder = result.holder;
    // The database counts the lease from when it took the request: counting from when we sent it is safe.
    if (result.leader) this.validUntil = sentAt + this.options.ttlMs;
    this.settle(result.leader, result.holder);
  }

  private failed(error: unknown): void {
    // A busy or broken store: step down rather than act as a leader nobody can see.
    this.options.onError?.(error);
    this.holder = null;
    this.settle(false, null);
  }

  private settle(leader: boolean, holder: LeaseHolder | null): void {
    if (leader !== this.leading) {
      this.leading = leader;
      this.options.onChange(leader, holder);
    }
  }

  stop(): void | Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    const wasLeading = this.leading;
    this.leading = false;
    if (this.backend.remote) {
      if (!wasLeading && !this.inFlight) return;
      // Released once a campaign in flight has come back, so that it cannot renew after the release.
      return Promise.resolve(this.inFlight)
        .then(() => this.backend.release(this.candidate))
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => { if (wasLeading) this.options.onChange(false, null); });
    }
    if (!wasLeading) return;
    try { void this.backend.release(this.candidate); } catch (error) { this.options.onError?.(error); }
    this.options.onChange(false, null);
  }
}
