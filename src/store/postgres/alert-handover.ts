import type { Migration } from '../sqlite.js';
import { DB_NOW, FENCE, type Fence } from './lease.js';
import { migrateOnce } from './migrate.js';
import type { PgPool } from './pool.js';

/**
 * The alerting state shared across hosts (store.backend postgres). Owns `cfa_alert_handover` and
 * `cfa_alert_commands` (schema name `alerts` in cfa_schema_versions).
 *
 * This is a handover, not the live store: the leader keeps evaluating and delivering from its own
 * ops.db (src/alerts/alert-state.ts, outbox.ts) and mirrors what another host would need to carry
 * on (its open alerts, its undelivered notifications, its active silences) into the one row of
 * `cfa_alert_handover`, as a fenced write under its epoch. A leader on another host seeds its
 * ops.db from that row before it evaluates or delivers anything.
 *
 * `cfa_alert_commands` carries what a person did on any host's CLI (ack, silence, unsilence) to
 * whichever host leads: the leader applies the rows not yet applied and marks them applied in the
 * same fenced statement that mirrors the state they changed, so a command is either in the
 * handover or still waiting for the next leader, never lost between the two.
 *
 * `cfa_incident_handover` (version 2) mirrors the leader's incidents the same way (one row, fenced):
 * the open ones with their timelines and the recently closed ones, so the next leader carries on
 * with the same incident instead of opening another, and a follower's CLI can show them.
 */

const NAME = 'leader';

export const ALERTS_SCHEMA = 'alerts';

export const ALERT_HANDOVER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE cfa_alert_handover (
        name TEXT PRIMARY KEY,
        epoch BIGINT NOT NULL,
        holder_id TEXT NOT NULL,
        host TEXT NOT NULL,
        state JSONB NOT NULL,
        written_at BIGINT NOT NULL
      );
      CREATE TABLE cfa_alert_commands (
        id BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL,
        detail JSONB NOT NULL,
        host TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        applied_epoch BIGINT,
        applied_host TEXT
      );
      CREATE INDEX cfa_alert_commands_waiting ON cfa_alert_commands (id) WHERE applied_epoch IS NULL;
    `,
  },
  {
    version: 2,
    up: `
      CREATE TABLE cfa_incident_handover (
        name TEXT PRIMARY KEY,
        epoch BIGINT NOT NULL,
        holder_id TEXT NOT NULL,
        host TEXT NOT NULL,
        incidents JSONB NOT NULL,
        written_at BIGINT NOT NULL
      );
    `,
  },
];

/** The mirrored state as one leader wrote it. */
export interface HandoverRow<T> {
  epoch: number;
  holderId: string;
  host: string;
  state: T;
  writtenAt: number;
}

export type AlertCommandKind = 'ack' | 'silence' | 'unsilence';

export interface AlertCommandRow<D> {
  id: number;
  kind: AlertCommandKind;
  detail: D;
  host: string;
  createdAt: number;
}

export class PgAlertHandover {
  /** Applies the migrations once per process (hosts are serialised by migratePg's lock). */
  readonly migrate: () => Promise<unknown>;

  constructor(private readonly pool: PgPool) {
    this.migrate = migrateOnce(pool, ALERTS_SCHEMA, ALERT_HANDOVER_MIGRATIONS);
  }

  /** The last leader's mirrored state; null before any leader wrote one. */
  async read<T>(): Promise<HandoverRow<T> | null> {
    await this.migrate();
    const { rows } = await this.pool.query<{ epoch: number; holder_id: string; host: string; state: T; written_at: number }>(
      'SELECT epoch, holder_id, host, state, written_at FROM cfa_alert_handover WHERE name = $1', [NAME]);
    const r = rows[0];
    return r ? { epoch: r.epoch, holderId: r.holder_id, host: r.host, state: r.state, writtenAt: r.written_at } : null;
  }

  /**
   * Replaces the mirrored state under `fence` and marks `applied` commands as applied under the
   * same epoch, in one statement: true when written; false, writing nothing, when the fence no
   * longer holds (another host leads, or the lease lapsed).
   */
  async write(fence: Fence, state: unknown, applied: readonly number[] = []): Promise<boolean> {
    await this.migrate();
    const { rows } = await this.pool.query<{ written: number }>(
      `WITH ${FENCE},
       doc AS (
         INSERT INTO cfa_alert_handover (name, epoch, holder_id, host, state, written_at)
         SELECT $3, fence.epoch, $2, $4, $5::jsonb, ${DB_NOW} FROM fence
         ON CONFLICT (name) DO UPDATE SET epoch = EXCLUDED.epoch, holder_id = EXCLUDED.holder_id, host = EXCLUDED.host,
           state = EXCLUDED.state, written_at = EXCLUDED.written_at
         WHERE cfa_alert_handover.epoch <= EXCLUDED.epoch
         RETURNING 1),
       applied AS (
         UPDATE cfa_alert_commands SET applied_epoch = (SELECT epoch FROM fence), applied_host = $4
         WHERE id = ANY($6::bigint[]) AND applied_epoch IS NULL AND EXISTS (SELECT 1 FROM fence)
         RETURNING 1)
       SELECT (SELECT count(*) FROM doc)::int AS written, (SELECT count(*) FROM applied)::int AS applied`,
      [fence.epoch, fence.holderId, NAME, fence.host, JSON.stringify(state), applied]);
    return (rows[0]?.written ?? 0) === 1;
  }

  /**
   * Records a person's command for whichever host leads. Even one already applied to the leader's
   * ops.db by a CLI on its host waits here: the mirror may not have it yet, and applying it again
   * changes nothing.
   */
  async addCommand(kind: AlertCommandKind, detail: unknown, host: string): Promise<number> {
    await this.migrate();
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO cfa_alert_commands (kind, detail, host, created_at) VALUES ($1, $2::jsonb, $3, ${DB_NOW}) RETURNING id`,
      [kind, JSON.stringify(detail), host]);
    return rows[0]!.id;
  }

  /** Commands no leader has applied yet, oldest first. */
  async waitingCommands<D>(): Promise<AlertCommandRow<D>[]> {
    await this.migrate();
    const { rows } = await this.pool.query<{ id: number; kind: AlertCommandKind; detail: D; host: string; created_at: number }>(
      'SELECT id, kind, detail, host, created_at FROM cfa_alert_commands WHERE applied_epoch IS NULL ORDER BY id');
    return rows.map((r) => ({ id: r.id, kind: r.kind, detail: r.detail, host: r.host, createdAt: r.created_at }));
  }

  /** The last leader's mirrored incidents; null before any leader wrote them. */
  async readIncidents<T>(): Promise<HandoverRow<T> | null> {
    await this.migrate();
    const { rows } = await this.pool.query<{ epoch: number; holder_id: string; host: string; incidents: T; written_at: number }>(
      'SELECT epoch, holder_id, host, incidents, written_at FROM cfa_incident_handover WHERE name = $1', [NAME]);
    const r = rows[0];
    return r ? { epoch: r.epoch, holderId: r.holder_id, host: r.host, state: r.incidents, writtenAt: r.written_at } : null;
  }

  /** Replaces the mirrored incidents under `fence`: true when written; false, writing nothing, when the fence no longer holds. */
  async writeIncidents(fence: Fence, incidents: unknown): Promise<boolean> {
    await this.migrate();
    const { rowCount } = await this.pool.query(
      `WITH ${FENCE}
       INSERT INTO cfa_incident_handover (name, epoch, holder_id, host, incidents, written_at)
       SELECT $3, fence.epoch, $2, $4, $5::jsonb, ${DB_NOW} FROM fence
       ON CONFLICT (name) DO UPDATE SET epoch = EXCLUDED.epoch, holder_id = EXCLUDED.holder_id, host = EXCLUDED.host,
         incidents = EXCLUDED.incidents, written_at = EXCLUDED.written_at
       WHERE cfa_incident_handover.epoch <= EXCLUDED.epoch`,
      [fence.epoch, fence.holderId, NAME, fence.host, JSON.stringify(incidents)]);
    return (rowCount ?? 0) === 1;
  }

  /** Forgets applied commands older than `olderThanMs` (database clock), under `fence`. */
  async prune(fence: Fence, olderThanMs: number): Promise<number> {
    await this.migrate();
    const { rowCount } = await this.pool.query(
      `WITH ${FENCE} DELETE FROM cfa_alert_commands WHERE EXISTS (SELECT 1 FROM fence) AND applied_epoch IS NOT NULL AND created_at < ${DB_NOW} - $3`,
      [fence.epoch, fence.holderId, olderThanMs]);
    return rowCount ?? 0;
  }
}
