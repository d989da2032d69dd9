import { assertTransition, parseRequest, requestFromRow, type Handler, type LeaderRequest, type RequestArgs, type RequestKind, type RequestRow, type Requester } from '../../engine/requests.js';
import type { Migration } from '../sqlite.js';
import { DB_NOW, FENCE, type Fence } from './lease.js';
import { migrateOnce } from './migrate.js';
import type { PgPool } from './pool.js';

/**
 * What any host asks the leader to do (restart, pause or resume the supervised daemon, run a
 * job), shared across hosts (store.backend postgres). Owns `cfa_leader_requests` (schema name
 * `requests` in cfa_schema_versions); the SQLite twin is ops.db's `requests` table
 * (src/engine/requests.ts), whose state machine and checks this module reuses.
 *
 * Times are the database's clock, so hosts whose clocks differ agree on what expired. The
 * leader's steps are fenced writes under its epoch (src/store/postgres/lease.ts's FENCE): a
 * leader that was paused past its lease can neither claim a request, nor record an outcome, nor
 * fail the requests of others. A requester's own steps (submit, expire its pending request) need
 * no fence: they never run anything.
 */

export const REQUESTS_SCHEMA = 'requests';

export const LEADER_REQUESTS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE cfa_leader_requests (
        id BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('daemon.restart', 'daemon.pause', 'daemon.resume', 'job.run')),
        args JSONB NOT NULL,
        requested_by_pid INTEGER NOT NULL,
        requested_by_host TEXT NOT NULL,
        requested_by_user TEXT,
        requested_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'expired')),
        result JSONB,
        handled_by TEXT,
        handled_by_pid INTEGER,
        handled_by_host TEXT,
        handled_epoch BIGINT,
        handled_at BIGINT,
        finished_at BIGINT
      );
      CREATE INDEX cfa_leader_requests_open ON cfa_leader_requests (id) WHERE state IN ('pending', 'running');
    `,
  },
];

/** What a fenced step of the leader came to: `refused` when its epoch no longer holds the lease (nothing written). */
export type FencedOutcome<T> = { refused: true } | { refused: false; value: T };

const COLUMNS = `id, kind, args, requested_by_pid, requested_by_host, requested_by_user, requested_at, expires_at, state, result,
  handled_by, handled_by_pid, handled_by_host, handled_epoch, handled_at, finished_at`;

export class PgLeaderRequests {
  /** Applies the migrations once per process (hosts are serialised by migratePg's lock). */
  readonly migrate: () => Promise<unknown>;

  constructor(private readonly pool: PgPool) {
    this.migrate = migrateOnce(pool, REQUESTS_SCHEMA, LEADER_REQUESTS_MIGRATIONS);
  }

  /** Records a pending request that expires `ttlMs` from now on the database's clock; checked as ops.db's are. */
  async submit<K extends RequestKind>(kind: K, args: RequestArgs<K>, by: Requester, ttlMs: number): Promise<LeaderRequest<K>> {
    const parsed = parseRequest<K>(kind, args);
    await this.migrate();
    const { rows } = await this.pool.query<RequestRow>(
      `INSERT INTO cfa_leader_requests (kind, args, requested_by_pid, requested_by_host, requested_by_user, requested_at, expires_at, state)
       VALUES ($1, $2::jsonb, $3, $4, $5, ${DB_NOW}, ${DB_NOW} + $6, 'pending') RETURNING ${COLUMNS}`,
      [parsed.kind, JSON.stringify(parsed.args), by.pid, by.host, by.user, ttlMs]);
    return requestFromRow(rows[0]!) as LeaderRequest<K>;
  }

  /** The request and the database's clock (to judge its expiry by); null when there is no such request. */
  async get(id: number): Promise<{ request: LeaderRequest; now: number } | null> {
    await this.migrate();
    const { rows } = await this.pool.query<RequestRow & { now: number }>(`SELECT ${COLUMNS}, ${DB_NOW} AS now FROM cfa_leader_requests WHERE id = $1`, [id]);
    const row = rows[0];
    return row ? { request: requestFromRow(row), now: row.now } : null;
  }

  /** Marks one request expired if it is still pending; true when it was. */
  async expire(id: number): Promise<boolean> {
    await this.migrate();
    const { rowCount } = await this.pool.query(
      `UPDATE cfa_leader_requests SET state = 'expired', finished_at = ${DB_NOW} WHERE id = $1 AND state = 'pending'`, [id]);
    return (rowCount ?? 0) > 0;
  }

  /** Marks every pending request past its expiry expired; returns how many. */
  async expirePending(): Promise<number> {
    await this.migrate();
    const { rowCount } = await this.pool.query(
      `UPDATE cfa_leader_requests SET state = 'expired', finished_at = ${DB_NOW} WHERE state = 'pending' AND expires_at <= ${DB_NOW}`);
    return rowCount ?? 0;
  }

  /**
   * The leader takes the oldest pending, unexpired request under `fence`: one row moves pending ->
   * running with the epoch, in one statement. Refused, writing nothing, when the fence no longer
   * holds; `value` null when nothing waits.
   */
  async claimNext(fence: Fence, handler: Pick<Handler, 'pid'>): Promise<FencedOutcome<LeaderRequest | null>> {
    await this.migrate();
    // Cheap when idle: one indexed lookup and nothing written.
    const waiting = await this.pool.query(`SELECT 1 FROM cfa_leader_requests WHERE state = 'pending' LIMIT 1`);
    if (waiting.rowCount === 0) return { refused: false, value: null };
    await this.expirePending();
    const { rows } = await this.pool.query<Partial<RequestRow> & { fenced: number }>(
      `WITH ${FENCE},
       next AS (
         SELECT id FROM cfa_leader_requests WHERE state = 'pending' AND expires_at > ${DB_NOW} AND EXISTS (SELECT 1 FROM fence)
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE cfa_leader_requests r SET state = 'running', handled_by = $2, handled_by_pid = $3, handled_by_host = $4,
           handled_epoch = fence.epoch, handled_at = ${DB_NOW}
         FROM fence, next WHERE r.id = next.id AND r.state = 'pending'
         RETURNING r.*)
       SELECT claimed.*, (SELECT count(*) FROM fence)::int AS fenced FROM (SELECT 1) one LEFT JOIN claimed ON true`,
      [fence.epoch, fence.holderId, handler.pid, fence.host]);
    const row = rows[0];
    if (!row || row.fenced === 0) return { refused: true };
    return { refused: false, value: row.id === null || row.id === undefined ? null : requestFromRow(row as RequestRow) };
  }

  /**
   * Records the outcome of a request this leader claimed, under `fence`. Refused when the fence no
   * longer holds: the request stays running, and the next leader fails it (failOrphans). A leader
   * that lost the lease and leads again (same holder, a newer epoch) records the outcome of one it
   * claimed under its older epoch and went on handling: the work was its own, and it leads now.
   */
  async finish(fence: Fence, id: number, state: 'done' | 'failed', result: Record<string, unknown>): Promise<FencedOutcome<LeaderRequest>> {
    await this.migrate();
    const { rows } = await this.pool.query<Partial<RequestRow> & { fenced: number }>(
      `WITH ${FENCE},
       done AS (
         UPDATE cfa_leader_requests r SET state = $4, result = $5::jsonb, finished_at = ${DB_NOW}
         FROM fence WHERE r.id = $3 AND r.state = 'running' AND r.handled_by = $2
         RETURNING r.*)
       SELECT done.*, (SELECT count(*) FROM fence)::int AS fenced FROM (SELECT 1) one LEFT JOIN done ON true`,
      [fence.epoch, fence.holderId, id, state, JSON.stringify(result)]);
    const row = rows[0];
    if (!row || row.fenced === 0) return { refused: true };
    if (row.id === null || row.id === undefined) {
      // Nothing written: say why, as ops.db's finishRequest does.
      const current = await this.get(id);
      if (!current) throw new Error(`no request #${id} in PostgreSQL (cfa_leader_requests)`);
      assertTransition(current.request.state, state);
      throw new Error(`request #${id} is running under another leader (PID ${current.request.handledBy?.pid} on ${current.request.handledBy?.host}, epoch ${current.request.handledBy?.epoch}), not this one (epoch ${fence.epoch})`);
    }
    return { refused: false, value: requestFromRow(row as RequestRow) };
  }

  /**
   * Requests left running by a leader of an older epoch (dead, or deposed while it was paused):
   * marked failed under `fence`, since nobody will finish them, and a deposed leader's late
   * outcome is refused by its own fence. Called by a leader when it takes over; returns their ids.
   * `stillHandling`: the ids this very leader (fence.holderId) claimed under an older epoch and is
   * still handling (it lost the lease and regained it meanwhile): no orphans, it records their
   * outcome when they end (finish). One of its own it no longer handles (its outcome was refused
   * while it did not lead) is failed like any other.
   */
  async failOrphans(fence: Fence, stillHandling: readonly number[] = []): Promise<FencedOutcome<number[]>> {
    await this.migrate();
    const { rows } = await this.pool.query<{ id: number | null; fenced: number }>(
      `WITH ${FENCE},
       orphans AS (
         UPDATE cfa_leader_requests r SET state = 'failed', finished_at = ${DB_NOW},
           result = jsonb_build_object('error', format('the leader handling it (PID %s on %s, epoch %s) went away before it finished; ask again',
             r.handled_by_pid, r.handled_by_host, r.handled_epoch))
         FROM fence WHERE r.state = 'running' AND r.handled_epoch IS DISTINCT FROM fence.epoch
           AND NOT (r.handled_by IS NOT DISTINCT FROM $2 AND r.id = ANY($3::bigint[]))
         RETURNING r.id)
       SELECT orphans.id, (SELECT count(*) FROM fence)::int AS fenced FROM (SELECT 1) one LEFT JOIN orphans ON true ORDER BY orphans.id`,
      [fence.epoch, fence.holderId, [...stillHandling]]);
    if ((rows[0]?.fenced ?? 0) === 0) return { refused: true };
    return { refused: false, value: rows.flatMap((r) => (r.id === null ? [] : [r.id])) };
  }

  /** Forgets finished requests older than `olderThanMs` (database clock), under `fence`; pending and running ones stay. */
  async prune(fence: Fence, olderThanMs: number): Promise<number> {
    await this.migrate();
    const { rowCount } = await this.pool.query(
      `WITH ${FENCE} DELETE FROM cfa_leader_requests WHERE EXISTS (SELECT 1 FROM fence)
         AND state IN ('done', 'failed', 'expired') AND requested_at < ${DB_NOW} - $3`,
      [fence.epoch, fence.holderId, olderThanMs]);
    return rowCount ?? 0;
  }
}
