import { randomUUID } from 'node:crypto';
import os from 'node:os';
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
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

interface LeaseRow {
  holder_id: string; pid: number; start_ticks: number | null; host: string;
  acquired_at: number; renewed_at: number; expires_at: number;
}

export function thisCandidate(): Candidate {
  const me = currentProcess();
  return { holderId: randomUUID(), pid: me.pid, startTicks: me.startTicks, host: os.hostname() };
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
 * process is gone (then a follower need not wait for the expiry).
 */
export function holderIsGone(holder: LeaseHolder, now: number, host = os.hostname()): boolean {
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

export interface ElectionOptions {
  db: Db;
  ttlMs: number;
  renewEveryMs: number;
  candidate?: Candidate;
  now?: () => number;
  onChange(leader: boolean, holder: LeaseHolder | null): void;
  onError?(error: unknown): void;
}

/**
 * Campaigns every `renewEveryMs`: a leader renews, a follower takes over once the holder is
 * gone. `onChange` fires only when this process gains or loses leadership.
 */
export class LeaderElection {
  readonly candidate: Candidate;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private holder: LeaseHolder | null = null;
  private readonly now: () => number;

  constructor(private readonly options: ElectionOptions) {
    this.candidate = options.candidate ?? thisCandidate();
    this.now = options.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get currentHolder(): LeaseHolder | null {
    return this.holder;
  }

  start(): void {
    this.campaign();
    this.timer = setInterval(() => this.campaign(), this.options.renewEveryMs);
  }

  campaign(): void {
    let leader = false;
    try {
      const result = tryAcquireLease(this.options.db, this.candidate, this.now(), this.options.ttlMs);
      leader = result.leader;
      this.holder = result.holder;
    } catch (error) {
      // A busy or broken ops.db: step down rather than act as a leader nobody can see.
      this.options.onError?.(error);
      this.holder = null;
    }
    if (leader !== this.leading) {
      this.leading = leader;
      this.options.onChange(leader, this.holder);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.leading) {
      try { releaseLease(this.options.db, this.candidate); } catch (error) { this.options.onError?.(error); }
      this.leading = false;
      this.options.onChange(false, null);
    }
  }
}
