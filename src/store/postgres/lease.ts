import type { Migration } from '../sqlite.js';
import { migrateOnce } from './migrate.js';
import type { PgPool } from './pool.js';

/**
 * Leadership across hosts in PostgreSQL. Owns `cfa_lease`, `cfa_slot_claims` and
 * `cfa_leader_actions` (schema name `ops` in cfa_schema_versions).
 *
 * - `cfa_lease` has one row, `leader`, created vacant (epoch 0) by the migration. Its `epoch` is the
 *   fencing token: it grows by one each time the lease changes hands and stays the same while its
 *   holder renews. Every time is the database's clock in epoch milliseconds: hosts' clocks differ.
 * - A fenced write is ONE statement whose first CTE reads the lease row `FOR SHARE` and only if it
 *   still names this holder, this epoch and an unexpired lease; the write selects from that CTE.
 *   A takeover updates the row, which needs the row's exclusive lock: it waits for fenced writes
 *   in flight, and a fenced write that comes after it re-reads the new row (READ COMMITTED
 *   re-checks a locked row that changed) and writes nothing. So every accepted write of an epoch
 *   commits before the next epoch begins, and none after. No lock is held across round trips:
 *   a client paused (GC, SIGSTOP) between statements blocks nobody.
 * - Taking the lease is a compare-and-set on what was read (holder and epoch), never a
 *   transaction left open by the client, for the same reason.
 */

const NAME = 'leader';
/** The database's clock, in epoch milliseconds. clock_timestamp(), not now(): a statement may wait for a lock. */
export const DB_NOW = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
/** $1 epoch, $2 holder id: one row when that holder's lease of that epoch holds now. Other modules' fenced writes start with it too. */
export const FENCE = `fence AS (SELECT epoch FROM cfa_lease WHERE name = '${NAME}' AND epoch = $1 AND holder_id = $2 AND expires_at > ${DB_NOW} FOR SHARE)`;

export const LEASE_SCHEMA = 'ops';

export const LEASE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE cfa_lease (
        name TEXT PRIMARY KEY,
        holder_id TEXT NOT NULL DEFAULT '',
        pid INTEGER NOT NULL DEFAULT 0,
        start_ticks BIGINT,
        host TEXT NOT NULL DEFAULT '',
        epoch BIGINT NOT NULL DEFAULT 0,
        acquired_at BIGINT NOT NULL DEFAULT 0,
        renewed_at BIGINT NOT NULL DEFAULT 0,
        expires_at BIGINT NOT NULL DEFAULT 0
      );
      INSERT INTO cfa_lease (name) VALUES ('${NAME}');
      -- One row per schedule slot run, by whichever leader claimed it: a slot runs once at most.
      CREATE TABLE cfa_slot_claims (
        job TEXT NOT NULL,
        slot BIGINT NOT NULL,
        epoch BIGINT NOT NULL,
        holder_id TEXT NOT NULL,
        host TEXT NOT NULL,
        claimed_at BIGINT NOT NULL,
        PRIMARY KEY (job, slot)
      );
      -- What leaders did under which epoch: job starts, daemon starts, alert deliveries.
      CREATE TABLE cfa_leader_actions (
        id BIGSERIAL PRIMARY KEY,
        epoch BIGINT NOT NULL,
        holder_id TEXT NOT NULL,
        host TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail JSONB,
        at BIGINT NOT NULL
      );
      CREATE INDEX cfa_leader_actions_at ON cfa_leader_actions (at);
    `,
  },
];

/** Who campaigns: unique per process run. */
export interface LeaseCandidate {
  holderId: string;
  pid: number;
  startTicks: number | null;
  host: string;
}

export interface PgLeaseState extends LeaseCandidate {
  /** 0 before anyone ever led. */
  epoch: number;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

/** What a candidate does with the lease as it reads it. */
export type LeaseDecision = 'renew' | 'take' | 'follow';

/**
 * Pure: the holder renews (its epoch stays, even if it let the lease lapse and nobody took it);
 * anyone else takes a vacant, expired or gone holder's lease (a new epoch), or follows.
 */
export function decideLease(current: PgLeaseState, me: Pick<LeaseCandidate, 'holderId'>, now: number, holderGone: (holder: PgLeaseState) => boolean): LeaseDecision {
  if (current.holderId === me.holderId) return 'renew';
  if (current.holderId === '' || current.expiresAt <= now || holderGone(current)) return 'take';
  return 'follow';
}

/** A fencing token: the epoch and the holder it was granted to. */
export interface Fence {
  epoch: number;
  holderId: string;
  host: string;
}

/** A leader's action as recorded under its fence (recordAction). */
export interface LeaderAction {
  action: string;
  subject: string;
  epoch: number;
  host: string;
  at: number;
  detail: Record<string, unknown> | null;
}

export type ClaimOutcome = 'claimed' | 'taken' | 'refused';

interface LeaseRow {
  holder_id: string; pid: number; start_ticks: number | null; host: string; epoch: number;
  acquired_at: number; renewed_at: number; expires_at: number; now?: number;
}

function toState(r: LeaseRow): PgLeaseState {
  return {
    holderId: r.holder_id, pid: r.pid, startTicks: r.start_ticks, host: r.host, epoch: r.epoch,
    acquiredAt: r.acquired_at, renewedAt: r.renewed_at, expiresAt: r.expires_at,
  };
}

export interface AcquireResult {
  leader: boolean;
  /** The lease as it stands after the attempt; null while it is vacant. */
  holder: PgLeaseState | null;
  /** The database's clock at the attempt. */
  now: number;
}

export class PgLease {
  /** Applies the migrations once per process (all hosts are serialised by migratePg's lock). */
  readonly migrate: () => Promise<unknown>;

  constructor(private readonly pool: PgPool) {
    this.migrate = migrateOnce(pool, LEASE_SCHEMA, LEASE_MIGRATIONS);
  }

  /** The lease with the database's clock; the holder is null while the lease is vacant. */
  async read(): Promise<{ holder: PgLeaseState | null; now: number }> {
    const { row, now } = await this.readRow();
    return { holder: row.holderId === '' ? null : row, now };
  }

  private async readRow(): Promise<{ row: PgLeaseState; now: number }> {
    await this.migrate();
    const { rows } = await this.pool.query<LeaseRow>(`SELECT *, ${DB_NOW} AS now FROM cfa_lease WHERE name = $1`, [NAME]);
    const row = rows[0];
    if (!row) throw new Error(`cfa_lease has no ${NAME} row: the ops schema in PostgreSQL was changed by hand; restore it with INSERT INTO cfa_lease (name) VALUES ('${NAME}')`);
    return { row: toState(row), now: row.now ?? 0 };
  }

  /**
   * Takes or renews the lease for `ttlMs` of the database's clock. Of candidates racing for a
   * vacant or expired lease exactly one wins: the update is conditional on the holder and
   * epoch read, and the losers' updates find them changed.
   */
  async acquire(me: LeaseCandidate, ttlMs: number, holderGone: (holder: PgLeaseState) => boolean = () => false): Promise<AcquireResult> {
    const { row: seen, now } = await this.readRow();
    const decision = decideLease(seen, me, now, holderGone);
    if (decision === 'follow') return { leader: false, holder: seen, now };
    const params = [NAME, me.holderId, me.pid, me.startTicks, me.host, ttlMs];
    const sql = decision === 'renew'
      ? `UPDATE cfa_lease SET pid = $3, start_ticks = $4, host = $5, renewed_at = ${DB_NOW}, expires_at = ${DB_NOW} + $6
         WHERE name = $1 AND holder_id = $2 RETURNING *, ${DB_NOW} AS now`
      // The gone-holder case (dead PID on this host) may take an unexpired lease; otherwise the
      // expiry is checked again by the database at the moment of the update.
      : `UPDATE cfa_lease SET holder_id = $2, pid = $3, start_ticks = $4, host = $5, epoch = epoch + 1,
           acquired_at = ${DB_NOW}, renewed_at = ${DB_NOW}, expires_at = ${DB_NOW} + $6
         WHERE name = $1 AND holder_id = $7 AND epoch = $8 AND ($9 OR expires_at <= ${DB_NOW}) RETURNING *, ${DB_NOW} AS now`;
    const args = decision === 'renew' ? params : [...params, seen.holderId, seen.epoch, seen.holderId === '' || seen.expiresAt > now];
    const { rows } = await this.pool.query<LeaseRow>(sql, args);
    const row = rows[0];
    if (row) return { leader: true, holder: toState(row), now: row.now ?? now };
    // Somebody else moved first: follow whoever holds it now.
    const after = await this.read();
    return { leader: false, holder: after.holder, now: after.now };
  }

  /**
   * Gives the lease up so another host need not wait for it to expire. The epoch stays: the next
   * holder's is one higher. Waits for this holder's fenced writes in flight.
   */
  async release(me: Pick<LeaseCandidate, 'holderId'>): Promise<boolean> {
    await this.migrate();
    const { rowCount } = await this.pool.query(
      `UPDATE cfa_lease SET holder_id = '', pid = 0, start_ticks = NULL, host = '', expires_at = ${DB_NOW}
       WHERE name = $1 AND holder_id = $2`, [NAME, me.holderId]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Claims a schedule slot under `fence`: 'claimed' when this leader runs it, 'taken' when the
   * slot or a newer one was claimed already, 'refused' when the fence no longer holds (another
   * epoch leads, or the lease expired): then nothing was written.
   */
  async claimSlot(fence: Fence, job: string, slot: number): Promise<ClaimOutcome> {
    const { rows } = await this.pool.query<{ fenced: number; inserted: number }>(
      `WITH ${FENCE},
       ins AS (
         INSERT INTO cfa_slot_claims (job, slot, epoch, holder_id, host, claimed_at)
         SELECT $3, $4, fence.epoch, $2, $5, ${DB_NOW} FROM fence
         WHERE NOT EXISTS (SELECT 1 FROM cfa_slot_claims c WHERE c.job = $3 AND c.slot >= $4)
         ON CONFLICT (job, slot) DO NOTHING
         RETURNING slot)
       SELECT (SELECT count(*) FROM fence)::int AS fenced, (SELECT count(*) FROM ins)::int AS inserted`,
      [fence.epoch, fence.holderId, job, slot, fence.host]);
    const r = rows[0];
    if (!r || r.fenced === 0) return 'refused';
    return r.inserted === 1 ? 'claimed' : 'taken';
  }

  /** The newest slot claimed for `job` by any leader, or null. */
  async lastSlot(job: string): Promise<number | null> {
    await this.migrate();
    const { rows } = await this.pool.query<{ slot: number | null }>('SELECT max(slot) AS slot FROM cfa_slot_claims WHERE job = $1', [job]);
    return rows[0]?.slot ?? null;
  }

  /**
   * Records a leader's action under `fence` (a job start, a daemon start, an alert delivery) and
   * returns true; false, writing nothing, when the fence no longer holds. The caller acts only on true.
   */
  async recordAction(fence: Fence, action: string, subject: string, detail: Record<string, unknown> | null = null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH ${FENCE}
       INSERT INTO cfa_leader_actions (epoch, holder_id, host, action, subject, detail, at)
       SELECT fence.epoch, $2, $3, $4, $5, $6, ${DB_NOW} FROM fence`,
      [fence.epoch, fence.holderId, fence.host, action, subject, detail === null ? null : JSON.stringify(detail)]);
    return (rowCount ?? 0) === 1;
  }

  /** The newest `action` on `subject` by any leader (which host, under which epoch, when: database clock), or null. */
  async lastAction(action: string, subject: string): Promise<LeaderAction | null> {
    await this.migrate();
    const { rows } = await this.pool.query<{ epoch: number; host: string; at: number; detail: Record<string, unknown> | null }>(
      'SELECT epoch, host, at, detail FROM cfa_leader_actions WHERE action = $1 AND subject = $2 ORDER BY id DESC LIMIT 1', [action, subject]);
    const r = rows[0];
    return r ? { action, subject, epoch: r.epoch, host: r.host, at: r.at, detail: r.detail } : null;
  }

  /**
   * Forgets actions and slot claims older than `olderThanMs` (database clock), under `fence`; a
   * job's newest claim stays, since catch-up reads it. Returns the rows removed.
   */
  async prune(fence: Fence, olderThanMs: number): Promise<number> {
    const actions = await this.pool.query(
      `WITH ${FENCE} DELETE FROM cfa_leader_actions WHERE EXISTS (SELECT 1 FROM fence) AND at < ${DB_NOW} - $3`,
      [fence.epoch, fence.holderId, olderThanMs]);
    const claims = await this.pool.query(
      `WITH ${FENCE} DELETE FROM cfa_slot_claims c WHERE EXISTS (SELECT 1 FROM fence) AND c.claimed_at < ${DB_NOW} - $3
         AND c.slot < (SELECT max(n.slot) FROM cfa_slot_claims n WHERE n.job = c.job)`,
      [fence.epoch, fence.holderId, olderThanMs]);
    return (actions.rowCount ?? 0) + (claims.rowCount ?? 0);
  }
}
