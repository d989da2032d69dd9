import path from 'node:path';
import { opsV3Backup } from './migrations/ops-v3-backup.js';
import { opsV4Alerts } from './migrations/ops-v4-alerts.js';
import { opsV5Requests } from './migrations/ops-v5-requests.js';
import { opsV6Health } from './migrations/ops-v6-health.js';
import { opsV7Incidents } from './migrations/ops-v7-incidents.js';
import { opsV8Drills } from './migrations/ops-v8-drills.js';
import { opsV9Integrity } from './migrations/ops-v9-integrity.js';
import { opsV10BackupBackend } from './migrations/ops-v10-backup-backend.js';
import { openMigrated, type Db, type Migration } from './sqlite.js';

export const OPS_DB_FILE = 'ops.db';

/**
 * `ops.db` holds the engine's own history and coordination, apart from `market.db` so that
 * restoring market data never rolls it back. Each table is owned by one module elsewhere; this
 * module only owns the file and its schema versions.
 */
export const OPS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        start_ticks INTEGER,
        host TEXT NOT NULL,
        acquired_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    up: `
      -- Owned by src/engine/run-history.ts
      CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job TEXT NOT NULL,
        trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'runbook', 'catch-up')),
        slot INTEGER,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'success', 'partial', 'failed', 'timeout', 'skipped', 'cancelled')),
        exit_code INTEGER,
        duration_ms INTEGER,
        summary TEXT,
        log_path TEXT,
        pid INTEGER,
        host TEXT
      );
      CREATE INDEX job_runs_by_job ON job_runs (job, started_at);
      CREATE INDEX job_runs_by_start ON job_runs (started_at);
      CREATE TABLE job_state (
        job TEXT PRIMARY KEY,
        last_run_id INTEGER,
        last_status TEXT,
        last_run_at INTEGER,
        last_success_at INTEGER,
        last_duration_ms INTEGER,
        next_run_at INTEGER,
        -- The newest schedule slot claimed by any leader: a slot is run (or skipped) once at most.
        last_slot INTEGER NOT NULL DEFAULT 0
      );
      -- Owned by src/engine/leadership.ts
      CREATE TABLE lease (
        name TEXT PRIMARY KEY,
        holder_id TEXT NOT NULL,
        pid INTEGER NOT NULL,
        start_ticks INTEGER,
        host TEXT NOT NULL,
        acquired_at INTEGER NOT NULL,
        renewed_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      -- Owned by src/engine/resource-sampler.ts
      CREATE TABLE resource_samples (
        at INTEGER NOT NULL,
        process TEXT NOT NULL,
        pid INTEGER,
        cpu_percent REAL,
        rss_bytes INTEGER
      );
      CREATE INDEX resource_samples_by_time ON resource_samples (process, at);
      -- Owned by src/engine/supervisor/daemon-store.ts
      CREATE TABLE daemon_state (
        name TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('stopped', 'starting', 'running', 'hung', 'backoff', 'crash-loop')),
        pid INTEGER,
        start_ticks INTEGER,
        started_at INTEGER,
        last_heartbeat_at INTEGER,
        last_exit_code INTEGER,
        last_exit_signal TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE daemon_events (
        at INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('start', 'exit', 'crash', 'hang', 'restart', 'crash-loop', 'stop', 'cpu-high', 'rss-high', 'spawn-failed')),
        detail TEXT
      );
      CREATE INDEX daemon_events_by_time ON daemon_events (name, at);
    `,
  },
  opsV3Backup,
  opsV4Alerts,
  opsV5Requests,
  opsV6Health,
  opsV7Incidents,
  opsV8Drills,
  opsV9Integrity,
  opsV10BackupBackend,
];

export function openOpsDb(dataDir: string): Db {
  return openMigrated(path.join(dataDir, OPS_DB_FILE), OPS_MIGRATIONS);
}
