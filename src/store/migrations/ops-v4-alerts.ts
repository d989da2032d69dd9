import type { Migration } from '../sqlite.js';

/** Owned by src/alerts: alert state, silences and the durable notification outbox. */
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
      acked_at INTEGER,
      acked_by TEXT
    );
    CREATE UNIQUE INDEX alerts_open ON alerts (fingerprint) WHERE state != 'resolved';
    CREATE TABLE silences (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      rule TEXT NOT NULL,
      until INTEGER NOT NULL,
      reason TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT
    );
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel TEXT NOT NULL,
      alert_id INTEGER,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      delivered_at INTEGER,
      last_error TEXT
    );
    CREATE INDEX outbox_pending ON outbox (channel, delivered_at, next_attempt_at);
  `,
};
