import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { DaemonStore } from '../../src/engine/supervisor/daemon-store.js';
import { opsV3Backup } from '../../src/store/migrations/ops-v3-backup.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('ops.db version 5', () => {
  it('keeps the daemon history of a version 4 file and lets it record paused, pause and resume', () => {
    const dir = tempDir();
    // The two supervisor tables as versions 2-4 made them, and the backup catalog of version 3
    // (ops-v10 alters it); the other tables play no part here.
    const old = new Database(path.join(dir, 'ops.db'));
    old.exec(opsV3Backup.up);
    old.exec(`
      CREATE TABLE daemon_state (
        name TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('stopped', 'starting', 'running', 'hung', 'backoff', 'crash-loop')),
        pid INTEGER, start_ticks INTEGER, started_at INTEGER, last_heartbeat_at INTEGER,
        last_exit_code INTEGER, last_exit_signal TEXT, updated_at INTEGER NOT NULL
      );
      CREATE TABLE daemon_events (
        at INTEGER NOT NULL, name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('start', 'exit', 'crash', 'hang', 'restart', 'crash-loop', 'stop', 'cpu-high', 'rss-high', 'spawn-failed')),
        detail TEXT
      );
      CREATE INDEX daemon_events_by_time ON daemon_events (name, at);
      INSERT INTO daemon_state VALUES ('backtest', 'crash-loop', NULL, NULL, NULL, 5, 3, NULL, 10);
      INSERT INTO daemon_events VALUES (1, 'backtest', 'start', '{"pid":1}'), (2, 'backtest', 'crash', NULL);
      PRAGMA user_version = 4;
    `);
    expect(() => old.prepare(`UPDATE daemon_state SET state = 'paused'`).run()).toThrow(/CHECK constraint failed/);
    old.close();

    const db = openOpsDb(dir);
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(5);
    const store = new DaemonStore(db);
    expect(store.readState('backtest')).toMatchObject({ state: 'crash-loop', lastHeartbeatAt: 5, lastExitCode: 3, updatedAt: 10 });
    expect(store.recentEvents('backtest', 0).map((e) => [e.at, e.kind, e.detail])).toEqual([[1, 'start', { pid: 1 }], [2, 'crash', null]]);

    expect(store.markPaused('backtest', { reason: 'test' }, 20)).toBe(true);
    expect(store.markPaused('backtest', { reason: 'again' }, 21)).toBe(false);
    expect(store.readState('backtest')).toMatchObject({ state: 'paused', pid: null, lastExitCode: 3 });
    expect(store.clearPaused('backtest', { reason: 'test' }, 22)).toBe(true);
    expect(store.clearPaused('backtest', { reason: 'again' }, 23)).toBe(false);
    expect(store.readState('backtest')?.state).toBe('stopped');
    expect(store.recentEvents('backtest', 0).map((e) => e.kind)).toEqual(['start', 'crash', 'pause', 'resume']);
    // The pause and resume are not crashes.
    expect(store.crashTimes('backtest', 0)).toEqual([2]);
    expect(db.prepare(`SELECT count(*) FROM requests`).pluck().get()).toBe(0);
    db.close();
  });
});
