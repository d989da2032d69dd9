import { PgLease, type Fence, type PgLeaseState } from '../store/postgres/lease.js';
import type { PgPool } from '../store/postgres/pool.js';
import { holderIsGone, type Candidate, type LeaseBackend, type LeaseHolder, type LeaseOutcome } from './leadership.js';

/** A fenced write the database refused: this process's epoch no longer leads. */
export interface Refusal {
  action: string;
  subject: string;
  /** 0 when this process did not lead any more by its own reckoning (nothing was sent). */
  epoch: number;
  /** True when the database refused the write; false when it was not even sent (no lease held). */
  byDatabase: boolean;
}

export interface PgLeadershipOptions {
  /** Told of every refused write (the engine logs it). */
  onRefused?: (refusal: Refusal) => void;
}

function toHolder(state: PgLeaseState | null): LeaseHolder | null {
  return state && { ...state };
}

/**
 * Leadership across hosts (store.backend postgres): the lease in PostgreSQL as the election's
 * backend, and the leader's mutating steps as fenced writes that carry the epoch the lease was
 * granted with (src/store/postgres/lease.ts). A step goes ahead only when the database accepted
 * its write; the database refuses it once another host took the lease or the lease lapsed.
 */
export class PgLeadership implements LeaseBackend {
  readonly remote = true;
  readonly lease: PgLease;
  /** The epoch of the leadership last granted to this process; null while it follows. */
  private fence: Fence | null = null;

  constructor(pool: PgPool, private readonly options: PgLeadershipOptions = {}) {
    this.lease = new PgLease(pool);
  }

  get epoch(): number | null {
    return this.fence?.epoch ?? null;
  }

  async acquire(me: Candidate, _now: number, ttlMs: number): Promise<LeaseOutcome> {
    // The expiry is judged on the database's clock inside PgLease; here only a dead PID on this host.
    const result = await this.lease.acquire(me, ttlMs, (holder) => holderIsGone({ ...holder, expiresAt: Infinity }, 0, me.host));
    this.fence = result.leader && result.holder ? { epoch: result.holder.epoch, holderId: result.holder.holderId, host: result.holder.host } : null;
    return { leader: result.leader, holder: toHolder(result.holder) };
  }

  async release(me: Candidate): Promise<void> {
    this.fence = null;
    await this.lease.release(me);
  }

  /** The newest slot any leader claimed for `job` (catch-up reads it). */
  lastSlot(job: string): Promise<number | null> {
    return this.lease.lastSlot(job);
  }

  /** True when this leader claimed the slot; false when it was claimed before or the write was refused. */
  async claimSlot(job: string, slot: number): Promise<boolean> {
    const fence = this.fence;
    if (!fence) return this.refused('slot-claim', `${job}@${slot}`, null);
    const outcome = await this.lease.claimSlot(fence, job, slot);
    if (outcome === 'refused') return this.refused('slot-claim', `${job}@${slot}`, fence);
    return outcome === 'claimed';
  }

  /** Records a leader's step under its epoch; false (nothing written, do not act) when refused. */
  async act(action: string, subject: string, detail: Record<string, unknown> | null = null): Promise<boolean> {
    const fence = this.fence;
    if (!fence) return this.refused(action, subject, null);
    return (await this.lease.recordAction(fence, action, subject, detail)) || this.refused(action, subject, fence);
  }

  /** Old actions and slot claims go with the run history's retention. */
  async prune(olderThanMs: number): Promise<number> {
    return this.fence ? this.lease.prune(this.fence, olderThanMs) : 0;
  }

  private refused(action: string, subject: string, fence: Fence | null): false {
    this.options.onRefused?.({ action, subject, epoch: fence?.epoch ?? 0, byDatabase: fence !== null });
    return false;
  }
}
