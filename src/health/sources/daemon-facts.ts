import { sustainedAbove, samplesSince } from '../../engine/resource-sampler.js';
import { CRASH_KINDS, DaemonStore } from '../../engine/supervisor/daemon-store.js';
import { heartbeatFilePath, readHeartbeat } from '../../engine/supervisor/heartbeat.js';
import { isAlive } from '../../engine/process-identity.js';
import type { Db } from '../../store/sqlite.js';
import type { DaemonInput } from '../probes/daemon.js';
import type { HealthThresholds } from '../thresholds.js';

/** The supervisor's name for the backtest daemon (daemon_state, daemon_events, resource_samples). */
export const DAEMON_NAME = 'backtest';
const DAY_MS = 86_400_000;
/** A sample older than this says nothing about now. */
const SAMPLE_MAX_AGE_MS = 5 * 60_000;

/** What the supervisor left in ops.db and the run dir about the backtest daemon. */
export function gatherDaemonFacts(
  openOps: () => Db, dataDir: string, configured: boolean, now: number, limits: HealthThresholds['daemon'],
): DaemonInput {
  const base = { configured, now, limits, restarts24h: 0, crashesInWindow: 0, sample: null, cpuSustained: false, state: null, alive: null, heartbeatAt: null };
  // Without a daemon there is nothing to read, and ops.db need not even open.
  if (!configured) return base;
  const ops = openOps();
  const store = new DaemonStore(ops);
  const row = store.readState(DAEMON_NAME);
  if (!row) return base;
  const fileBeat = readHeartbeat(heartbeatFilePath(dataDir, DAEMON_NAME));
  // A beat from before this process started belongs to an earlier run.
  const beats = [fileBeat, row.lastHeartbeatAt].filter((b): b is number => b !== null && (row.startedAt === null || b >= row.startedAt));
  const crashesInWindow = CRASH_KINDS.reduce((n, kind) => n + store.countEvents(DAEMON_NAME, kind, now - limits.crashWindowMs), 0);
  const samples = samplesSince(ops, DAEMON_NAME, now - Math.max(limits.cpuLimitForMs, SAMPLE_MAX_AGE_MS) - 60_000)
    .filter((s) => row.pid === null || s.pid === row.pid);
  const latest = samples.at(-1);
  return {
    ...base,
    state: { state: row.state, pid: row.pid, startedAt: row.startedAt },
    alive: row.pid === null ? null : isAlive({ pid: row.pid, startTicks: row.startTicks }),
    heartbeatAt: beats.length ? Math.max(...beats) : null,
    restarts24h: store.countEvents(DAEMON_NAME, 'restart', now - DAY_MS),
    crashesInWindow,
    sample: latest && now - latest.at <= SAMPLE_MAX_AGE_MS ? { cpuPercent: latest.cpuPercent, rssBytes: latest.rssBytes } : null,
    cpuSustained: sustainedAbove(samples.map((s) => ({ at: s.at, value: s.cpuPercent })), limits.cpuLimitPercent, limits.cpuLimitForMs, SAMPLE_MAX_AGE_MS),
  };
}
