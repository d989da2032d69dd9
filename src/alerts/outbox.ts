import type { Db } from '../store/sqlite.js';
import type { ChannelName, Notification, NotificationKind } from './types.js';

/**
 * Owns the `outbox` table of ops.db: the notifications decided but not yet known to be delivered.
 *
 * A row is written in the same transaction as the alert state change it announces (see
 * alert-state.ts), so a crash after the change cannot lose the message, and it is marked
 * delivered right after the channel answered 2xx. A worker claims rows before sending them, so
 * two workers (a leader and a `cfa-console alerts deliver`) never send one row twice; the claim
 * of a dead process is taken over at once, any other after it expires.
 */

export interface OutboxRow {
  id: number;
  channel: ChannelName;
  alertId: number | null;
  kind: NotificationKind;
  dedupKey: string | null;
  payload: Notification;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  claimedBy: string | null;
  claimedUntil: number | null;
  deliveredAt: number | null;
  failedAt: number | null;
  lastError: string | null;
}

export interface NewOutboxMessage {
  channel: ChannelName;
  alertId?: number | null;
  kind: NotificationKind;
  dedupKey?: string | null;
  payload: Notification;
  at: number;
}

interface Row {
  id: number; channel: ChannelName; alert_id: number | null; kind: NotificationKind; dedup_key: string | null;
  payload: string; created_at: number; attempts: number; next_attempt_at: number; claimed_by: string | null;
  claimed_until: number | null; delivered_at: number | null; failed_at: number | null; last_error: string | null;
}

function toRow(r: Row): OutboxRow {
  return {
    id: r.id, channel: r.channel, alertId: r.alert_id, kind: r.kind, dedupKey: r.dedup_key,
    payload: JSON.parse(r.payload) as Notification, createdAt: r.created_at, attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at, claimedBy: r.claimed_by, claimedUntil: r.claimed_until,
    deliveredAt: r.delivered_at, failedAt: r.failed_at, lastError: r.last_error,
  };
}

/** Whether a claim no longer holds: expired, or its process is known to be gone. */
export type ClaimIsFree = (claimedBy: string, claimedUntil: number, now: number) => boolean;

export interface ChannelQueueStats {
  channel: ChannelName;
  pending: number;
  failed: number;
  oldestPendingAt: number | null;
  lastError: string | null;
}

export class Outbox {
  constructor(private readonly db: Db) {}

  /**
   * Adds messages. Call it inside the transaction that makes the state change, so both are
   * committed together or not at all.
   */
  enqueue(messages: readonly NewOutboxMessage[]): number[] {
    const insert = this.db.prepare(`INSERT INTO outbox (channel, alert_id, kind, dedup_key, payload, created_at, next_attempt_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    return messages.map((m) => Number(insert.run(
      m.channel, m.alertId ?? null, m.kind, m.dedupKey ?? null, JSON.stringify(m.payload), m.at, m.at,
    ).lastInsertRowid));
  }

  /** The channel's undelivered rows, oldest first: the order they are sent in. */
  queue(channel: ChannelName, limit: number): OutboxRow[] {
    return (this.db.prepare(`SELECT * FROM outbox WHERE channel = ? AND delivered_at IS NULL AND failed_at IS NULL
      ORDER BY id LIMIT ?`).all(channel, limit) as Row[]).map(toRow);
  }

  /** Channels with anything left to send. */
  channelsWithWork(): ChannelName[] {
    return (this.db.prepare('SELECT DISTINCT channel FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL')
      .pluck().all() as ChannelName[]);
  }

  /** Rows written under a dedup key, oldest first (an incident's notification, sent at most once). */
  byDedupKey(dedupKey: string): OutboxRow[] {
    return (this.db.prepare('SELECT * FROM outbox WHERE dedup_key = ? ORDER BY id').all(dedupKey) as Row[]).map(toRow);
  }

  get(id: number): OutboxRow | null {
    const row = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return row ? toRow(row) : null;
  }

  /**
   * Claims the rows for `claimer` until `until`, in one IMMEDIATE transaction so competing
   * workers are serialised. Returns the ids actually claimed (the others are delivered, or
   * claimed by a live worker).
   */
  claim(ids: readonly number[], claimer: string, until: number, now: number, isFree: ClaimIsFree): number[] {
    if (ids.length === 0) return [];
    return this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT id, claimed_by, claimed_until FROM outbox
        WHERE id IN (${ids.map(() => '?').join(',')}) AND delivered_at IS NULL AND failed_at IS NULL`)
        .all(...ids) as { id: number; claimed_by: string | null; claimed_until: number | null }[];
      const free = rows.filter((r) => r.claimed_by === null || r.claimed_by === claimer
        || r.claimed_until === null || isFree(r.claimed_by, r.claimed_until, now));
      const update = this.db.prepare('UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?');
      for (const r of free) update.run(claimer, until, r.id);
      return free.map((r) => r.id).sort((a, b) => a - b);
    }).immediate();
  }

  /** Right after the channel said 2xx: from here on the rows are never sent again. */
  markDelivered(ids: readonly number[], now: number): void {
    const update = this.db.prepare(`UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, claimed_by = NULL,
      claimed_until = NULL, last_error = NULL WHERE id = ?`);
    this.db.transaction(() => { for (const id of ids) update.run(now, id); })();
  }

  /**
   * A failed send: try again at `nextAttemptAt`, or give up (`failed_at`) once `maxAttempts`
   * is reached unless `keepTrying` (a 429 is the channel asking to wait, not a failure). A row
   * given up on stays in the table for `cfa-console alerts` and the digest to show.
   */
  markFailed(ids: readonly number[], failure: { error: string; nextAttemptAt: number; now: number; maxAttempts: number; keepTrying: boolean }): number[] {
    const givenUp: number[] = [];
    const read = this.db.prepare('SELECT attempts FROM outbox WHERE id = ?').pluck();
    const update = this.db.prepare(`UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, failed_at = ?,
      claimed_by = NULL, claimed_until = NULL WHERE id = ?`);
    this.db.transaction(() => {
      for (const id of ids) {
        const attempts = ((read.get(id) as number | undefined) ?? 0) + 1;
        const giveUp = !failure.keepTrying && attempts >= failure.maxAttempts;
        if (giveUp) givenUp.push(id);
        update.run(attempts, failure.nextAttemptAt, failure.error.slice(0, 500), giveUp ? failure.now : null, id);
      }
    })();
    return givenUp;
  }

  /** Lets go of rows this worker claimed but did not send (stopping mid-pass). */
  release(ids: readonly number[], claimer: string): void {
    const update = this.db.prepare('UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?');
    this.db.transaction(() => { for (const id of ids) update.run(id, claimer); })();
  }

  /** Every row still waiting (claimed or not), oldest first: what a leader hands over to the next (src/alerts/handover.ts). */
  undelivered(): OutboxRow[] {
    return (this.db.prepare('SELECT * FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL ORDER BY id').all() as Row[]).map(toRow);
  }

  /**
   * Takes over the undelivered rows another host's leader handed over: this ops.db's own waiting
   * rows are stale (they were handed over when this host led, or died with it) and are closed as
   * given up with `supersededBy` as their error, so they are never sent; the handed-over rows are
   * queued with their attempts and retry times. Returns the new ids.
   */
  adopt(messages: readonly (NewOutboxMessage & { attempts: number; nextAttemptAt: number })[], supersededBy: string, now: number): number[] {
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE outbox SET failed_at = ?, last_error = ?, claimed_by = NULL, claimed_until = NULL
        WHERE delivered_at IS NULL AND failed_at IS NULL`).run(now, supersededBy.slice(0, 500));
      const insert = this.db.prepare(`INSERT INTO outbox (channel, alert_id, kind, dedup_key, payload, created_at, attempts, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      return messages.map((m) => Number(insert.run(
        m.channel, m.alertId ?? null, m.kind, m.dedupKey ?? null, JSON.stringify(m.payload), m.at, m.attempts, m.nextAttemptAt,
      ).lastInsertRowid));
    })();
  }

  /** Per channel: what waits, what was given up on, and the last error seen. */
  stats(): ChannelQueueStats[] {
    const rows = this.db.prepare(`SELECT channel,
        sum(delivered_at IS NULL AND failed_at IS NULL) AS pending,
        sum(failed_at IS NOT NULL) AS failed,
        min(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN created_at END) AS oldest,
        (SELECT last_error FROM outbox o2 WHERE o2.channel = outbox.channel AND o2.last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS last_error
      FROM outbox GROUP BY channel ORDER BY channel`).all() as { channel: ChannelName; pending: number; failed: number; oldest: number | null; last_error: string | null }[];
    return rows.map((r) => ({ channel: r.channel, pending: r.pending ?? 0, failed: r.failed ?? 0, oldestPendingAt: r.oldest, lastError: r.last_error }));
  }

  /** Rows created at or after `since`, oldest first (the digest, the tests). */
  since(since: number, limit = 10_000): OutboxRow[] {
    return (this.db.prepare('SELECT * FROM outbox WHERE created_at >= ? ORDER BY id LIMIT ?').all(since, limit) as Row[]).map(toRow);
  }

  /** Deletes delivered and given-up rows older than `olderThan`; what still waits is kept. */
  prune(olderThan: number): number {
    return this.db.prepare('DELETE FROM outbox WHERE created_at < ? AND (delivered_at IS NOT NULL OR failed_at IS NOT NULL)')
      .run(olderThan).changes;
  }
}
