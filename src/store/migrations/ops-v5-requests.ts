import type { Migration } from '../sqlite.js';

/**
 * `requests` is owned by src/engine/requests.ts: what a follower (a console, `daemon restart`, a
 * runbook) asks the leader to do, and what came of it. The leader claims a pending row by moving
 * it to `running` in one statement, so two leaders in a takeover never both run it.
 *
 * The supervisor's tables (src/engine/supervisor/daemon-store.ts) learn `paused` (a state that is
 * neither restarted nor a crash) and the `pause`/`resume` events. SQLite cannot alter a CHECK, so
 * both tables are rebuilt with their rows.
 */
export const opsV5Requests: Migration = {
  version: 5,
  up: `
    CREATE TABLE requests (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL CHECK (kind IN ('daemon.restart', 'daemon.pause', 'daemon.resume', 'job.run')),
      args TEXT NOT NULL DEFAULT '{}',
      requested_by_pid INTEGER NOT NULL,
      requested_by_host TEXT NOT NULL,
      requested_by_user TEXT,
      requested_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'expired')),
      result TEXT,
      handled_by TEXT,
      handled_by_pid INTEGER,
      handled_by_host TEXT,
      handled_at INTEGER,
      finished_at INTEGER
    );
    CREATE INDEX requests_pending ON requests (id) WHERE state IN ('pending', 'running');
    CREATE INDEX requests_by_time ON requests (requested_at);

    CREATE TABLE daemon_state_v5 (
      name TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('stopped', 'starting', 'running', 'hung', 'backoff', 'crash-loop', 'paused')),
      pid INTEGER,
      start_ticks INTEGER,
      started_at INTEGER,
      last_heartbeat_at INTEGER,
      last_exit_code INTEGER,
      last_exit_signal TEXT,
      updated_at INTEGER NOT NULL
    );
    INSERT INTO daemon_state_v5 SELECT name, state, pid, start_ticks, started_at, last_heartbeat_at, last_exit_code, last_exit_signal, updated_at FROM daemon_state;
    DROP TABLE daemon_state;
    ALTER TABLE daemon_state_v5 RENAME TO daemon_state;

    CREATE TABLE daemon_events_v5 (
      at INTEGER NOT NULL,
      name TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('start', 'exit', 'crash', 'hang', 'restart', 'crash-loop', 'stop', 'cpu-high', 'rss-high', 'spawn-failed', 'pause', 'resume')),
      detail TEXT
    );
    INSERT INTO daemon_events_v5 SELECT at, name, kind, detail FROM daemon_events ORDER BY rowid;
    DROP TABLE daemon_events;
    ALTER TABLE daemon_events_v5 RENAME TO daemon_events;
    CREATE INDEX daemon_events_by_time ON daemon_events (name, at);
  `,
};
