import type { Config } from '../config/schema.js';
import { heartbeatAge, heartbeatFilePath, readHeartbeat } from '../engine/supervisor/heartbeat.js';
import { DaemonStore } from '../engine/supervisor/daemon-store.js';
import { samplesSince } from '../engine/resource-sampler.js';
import { getRun, jobStates, listRuns } from '../engine/run-history.js';
import type { Db } from '../store/sqlite.js';
import type { DaemonFacts, RunRecord } from './types.js';

/**
 * The values the rules read besides the health snapshot, fetched through the modules that own
 * them (run history, daemon state, resource samples). This is the only file of src/alerts that
 * reads the engine's tables; the rules themselves see plain values.
 */

/** The engine's supervised daemon (src/engine/engine.ts). */
export const DAEMON_NAME = 'backtest';

const DAY_MS = 86_400_000;

/** The last two days of runs, plus each job's last run however old (a weekly job's result counts). */
export function recentRuns(db: Db, now: number): RunRecord[] {
  const runs: RunRecord[] = listRuns(db, { since: now - 2 * DAY_MS, limit: 5000 });
  const have = new Set(runs.map((r) => r.id));
  for (const state of jobStates(db)) {
    if (state.lastRunId === null || have.has(state.lastRunId)) continue;
    const run = getRun(db, state.lastRunId);
    if (run) runs.push(run);
  }
  return runs;
}

/**
 * The daemon as ops.db and the heartbeat file tell it, for a process that does not run the
 * supervisor itself (a follower, the CLI). The engine's leader should pass the supervisor's live
 * status instead (`SupervisorStatus` has every field).
 */
export function readDaemonFacts(db: Db, config: Config & { dataDir: string }, now: number): DaemonFacts {
  const configured = Boolean(config.daemon.command);
  const state = new DaemonStore(db).readState(DAEMON_NAME);
  const running = state?.state === 'running' || state?.state === 'hung' || state?.state === 'starting';
  let heartbeatAgeMs: number | null = null;
  if (running) {
    const beat = readHeartbeat(heartbeatFilePath(config.dataDir, DAEMON_NAME)) ?? state?.lastHeartbeatAt ?? null;
    const startedAt = state?.startedAt ?? null;
    heartbeatAgeMs = startedAt !== null ? heartbeatAge(now, beat, startedAt) : beat === null ? null : Math.max(0, now - beat);
  }
  // The newest sample, if it is recent enough to still describe the process.
  const sample = running ? samplesSince(db, DAEMON_NAME, now - 60_000).filter((s) => s.pid === state?.pid).at(-1) : undefined;
  return {
    name: DAEMON_NAME,
    configured,
    state: state?.state ?? null,
    pid: state?.pid ?? null,
    heartbeatAgeMs,
    cpuPercent: sample?.cpuPercent ?? null,
    rssBytes: sample?.rssBytes ?? null,
  };
}

/**
 * The engine's view of the daemon as facts: a live `SupervisorStatus` (the leader) or the stored
 * `{ name, state, pid }` (a follower: then heartbeat, CPU and RSS are unknown, and those rules
 * judge nothing). Null stays null (no daemon row yet).
 */
export function daemonFactsFromStatus(status: {
  name: string; state: string; pid: number | null; heartbeatAgeMs?: number | null; cpuPercent?: number | null; rssBytes?: number | null;
} | null, configured = true): DaemonFacts | null {
  if (!status) return configured ? null : { name: DAEMON_NAME, configured, state: null, pid: null, heartbeatAgeMs: null, cpuPercent: null, rssBytes: null };
  return {
    name: status.name, configured, state: status.state, pid: status.pid, heartbeatAgeMs: status.heartbeatAgeMs ?? null,
    cpuPercent: status.cpuPercent ?? null, rssBytes: status.rssBytes ?? null,
  };
}
