import type { Migration } from '../sqlite.js';

/**
 * `incidents` and `incident_timeline` are owned by src/runbook/incidents.ts: every run of a
 * runbook (by hand, from an alert, or by the leader on its own), who works it, its persisted step
 * machine for resume, and what each step intended, did and found.
 *
 * The outbox (owned by src/alerts/outbox.ts) gains the kind `escalation`: the page a runbook
 * sends when it cannot reach steady state. SQLite cannot alter a CHECK, so the table is rebuilt
 * with the same columns and indexes.
 */
export const opsV7Incidents: Migration = {
  version: 7,
  up: `
    CREATE TABLE incidents (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      runbook TEXT NOT NULL,
      alert_id INTEGER,
      alert_rule TEXT,
      alert_pending_since INTEGER,
      alert_fired_at INTEGER,
      opened_by TEXT NOT NULL,
      tty TEXT,
      automatic INTEGER NOT NULL DEFAULT 0,
      dry_run INTEGER NOT NULL DEFAULT 0,
      opened_at INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('open', 'resolved', 'escalated', 'aborted')),
      outcome TEXT,
      closed_at INTEGER,
      machine TEXT,
      claimed_by TEXT,
      claim_pid INTEGER,
      claim_start_ticks INTEGER,
      claim_host TEXT,
      claimed_at INTEGER
    );
    CREATE INDEX incidents_by_state ON incidents (state, runbook);
    CREATE INDEX incidents_by_time ON incidents (opened_at);
    CREATE TABLE incident_timeline (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      incident_id INTEGER NOT NULL REFERENCES incidents (id),
      runbook TEXT NOT NULL,
      step TEXT,
      kind TEXT NOT NULL,
      intent TEXT,
      risk TEXT,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      outcome TEXT NOT NULL,
      summary TEXT,
      data TEXT,
      output TEXT,
      output_lines INTEGER,
      output_digest TEXT,
      by_whom TEXT
    );
    CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, id);

    -- Every ops.db at version 4 or later has the outbox; a partial file made by hand may not.
    CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, alert_id INTEGER, kind TEXT NOT NULL, dedup_key TEXT,
      payload TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
      claimed_by TEXT, claimed_until INTEGER, delivered_at INTEGER, failed_at INTEGER, last_error TEXT
    );
    CREATE TABLE outbox_v7 (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel TEXT NOT NULL,
      alert_id INTEGER,
      kind TEXT NOT NULL CHECK (kind IN ('firing', 'resolved', 'repeat', 'test', 'digest', 'escalation')),
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
    INSERT INTO outbox_v7 SELECT id, channel, alert_id, kind, dedup_key, payload, created_at, attempts, next_attempt_at,
      claimed_by, claimed_until, delivered_at, failed_at, last_error FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v7 RENAME TO outbox;
    CREATE INDEX outbox_queue ON outbox (channel, id) WHERE delivered_at IS NULL AND failed_at IS NULL;
    CREATE INDEX outbox_by_time ON outbox (created_at);
  `,
};
