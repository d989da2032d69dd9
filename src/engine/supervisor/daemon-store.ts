import type { Db } from '../../store/sqlite.js';
import { readJsonObject } from '../../store/json-column.js';

/** `paused`: stopped on purpose (an operator, a restore); not restarted, and its stop is no crash. */
export type DaemonStateName = 'stopped' | 'starting' | 'running' | 'hung' | 'backoff' | 'crash-loop' | 'paused';

export type DaemonEventKind =
  | 'start' | 'exit' | 'crash' | 'hang' | 'restart' | 'crash-loop' | 'stop' | 'cpu-high' | 'rss-high' | 'spawn-failed' | 'pause' | 'resume';

/** The events that count towards the crash-loop limit. */
export const CRASH_KINDS: readonly DaemonEventKind[] = ['crash', 'hang', 'spawn-failed'];

export interface DaemonState {
  name: string;
  state: DaemonStateName;
  pid: number | null;
  startTicks: number | null;
  startedAt: number | null;
  lastHeartbeatAt: number | null;
  lastExitCode: number | null;
  lastExitSignal: string | null;
  updatedAt: number;
}

export interface DaemonEvent {
  at: number;
  name: string;
  kind: DaemonEventKind;
  detail: Record<string, unknown> | null;
}

interface StateRow {
  name: string; state: DaemonStateName; pid: number | null; start_ticks: number | null; started_at: number | null;
  last_heartbeat_at: number | null; last_exit_code: number | null; last_exit_signal: string | null; updated_at: number;
}

interface EventRow { at: number; name: string; kind: DaemonEventKind; detail: string | null }


/**
 * Owns `daemon_state` (one row per supervised daemon: what the console shows, and what a new
 * leader reads to carry on, e.g. to stay in crash-loop) and `daemon_events` (the history the
 * crash-loop limit and the findings are counted from).
 */
export class DaemonStore {
  constructor(private readonly db: Db) {}

  saveState(state: Omit<DaemonState, 'updatedAt'> & { updatedAt?: number }): void {
    this.db.prepare(`
      INSERT INTO daemon_state (name, state, pid, start_ticks, started_at, last_heartbeat_at, last_exit_code, last_exit_signal, updated_at)
      VALUES (@name, @state, @pid, @startTicks, @startedAt, @lastHeartbeatAt, @lastExitCode, @lastExitSignal, @updatedAt)
      ON CONFLICT (name) DO UPDATE SET
        state = excluded.state, pid = excluded.pid, start_ticks = excluded.start_ticks, started_at = excluded.started_at,
        last_heartbeat_at = excluded.last_heartbeat_at, last_exit_code = excluded.last_exit_code,
        last_exit_signal = excluded.last_exit_signal, updated_at = excluded.updated_at`,
    ).run({ ...state, updatedAt: state.updatedAt ?? Date.now() });
  }

  readState(name: string): DaemonState | null {
    const row = this.db.prepare('SELECT * FROM daemon_state WHERE name = ?').get(name) as StateRow | undefined;
    if (!row) return null;
    return {
      name: row.name, state: row.state, pid: row.pid, startTicks: row.start_ticks, startedAt: row.started_at,
      lastHeartbeatAt: row.last_heartbeat_at, lastExitCode: row.last_exit_code, lastExitSignal: row.last_exit_signal,
      updatedAt: row.updated_at,
    };
  }

  recordEvent(name: string, kind: DaemonEventKind, detail?: Record<string, unknown> | null, at = Date.now()): void {
    this.db.prepare('INSERT INTO daemon_events (at, name, kind, detail) VALUES (?, ?, ?, ?)')
      .run(at, name, kind, detail == null ? null : JSON.stringify(detail));
  }

  /** Events at or after `since`, oldest first; `kinds` narrows them. */
  recentEvents(name: string, since: number, kinds?: readonly DaemonEventKind[]): DaemonEvent[] {
    const filter = kinds && kinds.length > 0 ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const rows = this.db.prepare(
      `SELECT at, name, kind, detail FROM daemon_events WHERE name = ? AND at >= ?${filter} ORDER BY at, rowid`,
    ).all(name, since, ...(kinds ?? [])) as EventRow[];
    return rows.map((r) => ({ at: r.at, name: r.name, kind: r.kind, detail: readJsonObject(r.detail) }));
  }

  /** Times of the crashes (crash, hang, spawn-failed) at or after `since`, oldest first. */
  crashTimes(name: string, since: number): number[] {
    return this.recentEvents(name, since, CRASH_KINDS).map((e) => e.at);
  }

  countEvents(name: string, kind: DaemonEventKind, since: number): number {
    return this.db.prepare('SELECT count(*) FROM daemon_events WHERE name = ? AND kind = ? AND at >= ?')
      .pluck().get(name, kind, since) as number;
  }

  /**
   * When an operator last restarted the daemon by hand (a `restart` event marked manual): the
   * crashes before it have been dealt with and no longer count towards the crash-loop limit.
   */
  lastManualRestartAt(name: string): number | null {
    return (this.db.prepare(
      `SELECT max(at) FROM daemon_events WHERE name = ? AND kind = 'restart' AND json_extract(detail, '$.manual') = 1`,
    ).pluck().get(name) as number | null) ?? null;
  }

  /**
   * Marks the daemon paused without a supervisor (no leader is running: a restore stopped it by
   * its PID file), so a leader that starts meanwhile does not start it. Returns false when it was
   * paused already (then it is not ours to resume).
   */
  markPaused(name: string, detail: Record<string, unknown>, now = Date.now()): boolean {
    return this.db.transaction(() => {
      const current = this.readState(name);
      if (current?.state === 'paused') return false;
      this.saveState({
        name, state: 'paused', pid: null, startTicks: null, startedAt: null, lastHeartbeatAt: current?.lastHeartbeatAt ?? null,
        lastExitCode: current?.lastExitCode ?? null, lastExitSignal: current?.lastExitSignal ?? null, updatedAt: now,
      });
      this.recordEvent(name, 'pause', detail, now);
      return true;
    }).immediate();
  }

  /** Undoes markPaused when no supervisor has taken over meanwhile: the next leader starts it. */
  clearPaused(name: string, detail: Record<string, unknown>, now = Date.now()): boolean {
    const changed = this.db.prepare(`UPDATE daemon_state SET state = 'stopped', updated_at = ? WHERE name = ? AND state = 'paused'`).run(now, name).changes > 0;
    if (changed) this.recordEvent(name, 'resume', detail, now);
    return changed;
  }

  /** Deletes events older than `olderThan`; the state row is kept. */
  pruneEvents(olderThan: number): number {
    return this.db.prepare('DELETE FROM daemon_events WHERE at < ?').run(olderThan).changes;
  }
}
