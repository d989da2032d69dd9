import type { Migration } from '../sqlite.js';

/**
 * Owned by src/alerts: alert state and silences (alert-state.ts), the durable notification
 * outbox (outbox.ts).
 *
 * At most one open (pending or firing) alert per fingerprint (rule + labels), enforced by a
 * partial unique index, so two evaluators racing cannot both open one. An outbox row is written
 * in the same transaction as the state change it announces; `claimed_by`/`claimed_until` let one
 * worker at a time send it, and a claim by a dead process is taken over.
 */
export const opsV4Alerts: Migration = {
  version: 4,
  up: `
    CREATE TABLE alerts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      rule TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
      state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
      labels TEXT NOT NULL,
      summary TEXT NOT NULL,
      runbook TEXT,
      pending_since INTEGER NOT NULL,
      fired_at INTEGER,
      resolved_at INTEGER,
      last_notified_at INTEGER,
      notified_channels TEXT NOT NULL DEFAULT '[]',
      acked_at INTEGER,
      acked_by TEXT,
      updated_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX alerts_open ON alerts (fingerprint) WHERE state != 'resolved';
    CREATE INDEX alerts_by_time ON alerts (pending_since);
    CREATE TABLE silences (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      rule TEXT NOT NULL,
      until INTEGER NOT NULL,
      reason TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT
    );
    CREATE INDEX silences_by_rule ON silences (rule, until);
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel TEXT NOT NULL,
      alert_id INTEGER,
      kind TEXT NOT NULL CHECK (kind IN ('firing', 'resolved', 'repeat', 'test', 'digest')),
      dedup_key TEXT,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      claimed_by TEXT,
      claimed_until INTEGER,
      delivered_at INTEGER,
      failed_at INTEGER,
      last_error TEXT
    );
    CREATE INDEX outbox_queue ON outbox (channel, id) WHERE delivered_at IS NULL AND failed_at IS NULL;
    CREATE INDEX outbox_by_time ON outbox (created_at);
  `,
};
