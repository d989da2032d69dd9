import { humanBytes, humanDuration } from '../format-values.js';
import { worstStatus } from '../status.js';
import type { HealthStatus, Offender, ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface DaemonInput {
  /** `daemon.command` is set. */
  configured: boolean;
  /** From daemon_state; null when the supervisor never started it. */
  state: { state: string; pid: number | null; startedAt: number | null } | null;
  /** Whether that PID (with its start time) still runs; null when there is no PID. */
  alive: boolean | null;
  /** The newest heartbeat (the heartbeat file or daemon_state), or null. */
  heartbeatAt: number | null;
  restarts24h: number;
  /** Crashes, hangs and failed spawns within the crash window. */
  crashesInWindow: number;
  /** The newest resource sample of the daemon, if recent. */
  sample: { cpuPercent: number | null; rssBytes: number | null } | null;
  /** CPU above the limit for the configured time. */
  cpuSustained: boolean;
  now: number;
  limits: { heartbeatTimeoutMs: number; cpuLimitPercent: number; cpuLimitForMs: number; rssLimitBytes: number; maxCrashes: number; crashWindowMs: number };
}

const STATE_STATUS: Record<string, HealthStatus> = {
  running: 'ok', starting: 'ok', backoff: 'warn', stopped: 'warn', hung: 'critical', 'crash-loop': 'critical',
  // Stopped on purpose (an operator, a restore): worth seeing, never an emergency.
  paused: 'warn',
};

/** The supervised backtest daemon: alive, heartbeat age, CPU, RSS, restarts and crash-loop. */
export function judgeDaemon(input: DaemonInput): ProbeResult {
  const { limits, now } = input;
  const threshold = { warn: limits.heartbeatTimeoutMs / 2, critical: limits.heartbeatTimeoutMs };
  if (!input.configured) {
    return probeResult('daemon', { status: 'ok', value: null, threshold: null, unit: 'ms', detail: 'no daemon configured (daemon.command)' });
  }
  if (!input.state) {
    return probeResult('daemon', { status: 'unknown', value: null, threshold, unit: 'ms', detail: 'the backtest daemon has not been started yet: is the engine running (`cfa-console --daemon`)?' });
  }
  const { state } = input.state;
  const statuses: HealthStatus[] = [STATE_STATUS[state] ?? 'unknown'];
  const offenders: Offender[] = [];
  const parts = [`${state}${input.state.pid ? ` (PID ${input.state.pid})` : ''}`];
  let heartbeatAge: number | null = null;

  if ((state === 'running' || state === 'starting') && input.alive === false) {
    statuses.push('critical');
    parts.push('but that process is gone: the engine that supervised it is not running');
    offenders.push({ name: 'process', value: input.state.pid, detail: `PID ${input.state.pid} is not running` });
  } else if (state === 'running' || state === 'starting' || state === 'hung') {
    const since = input.heartbeatAt ?? input.state.startedAt;
    if (since !== null) {
      heartbeatAge = Math.max(0, now - since);
      const hb = heartbeatAge > threshold.critical ? 'critical' : heartbeatAge > threshold.warn ? 'warn' : 'ok';
      statuses.push(hb);
      parts.push(`heartbeat ${humanDuration(heartbeatAge)} ago${input.heartbeatAt === null ? ' (none yet since start)' : ''}`);
      if (hb !== 'ok') offenders.push({ name: 'heartbeat', value: heartbeatAge, detail: `${humanDuration(heartbeatAge)} old, over ${humanDuration(hb === 'critical' ? threshold.critical : threshold.warn)}` });
    }
  }
  if (state === 'crash-loop') offenders.push({ name: 'crash-loop', value: input.crashesInWindow, detail: `${input.crashesInWindow} crashes within ${humanDuration(limits.crashWindowMs)}: restart it by hand once the cause is fixed` });
  if (state === 'paused') offenders.push({ name: 'paused', value: null, detail: 'stopped on purpose and not restarted: resume it with `cfa-console daemon resume`' });
  if (state === 'hung') offenders.push({ name: 'hung', value: heartbeatAge, detail: 'the heartbeat stopped; the supervisor kills and restarts it' });

  parts.push(`${input.restarts24h} restarts in 24h`);
  // One more crash would end in crash-loop: worth a look before it does.
  if (state !== 'crash-loop' && limits.maxCrashes > 1 && input.crashesInWindow >= limits.maxCrashes - 1) {
    statuses.push('warn');
    offenders.push({ name: 'crashes', value: input.crashesInWindow, detail: `${input.crashesInWindow} of ${limits.maxCrashes} crashes allowed within ${humanDuration(limits.crashWindowMs)}` });
  }
  const cpu = input.sample?.cpuPercent ?? null;
  const rss = input.sample?.rssBytes ?? null;
  if (cpu !== null) parts.push(`CPU ${cpu.toFixed(0)}%`);
  if (rss !== null) parts.push(`RSS ${humanBytes(rss)}`);
  if (input.cpuSustained) {
    statuses.push('warn');
    offenders.push({ name: 'cpu', value: cpu, detail: `${cpu === null ? '' : `${cpu.toFixed(0)}%, `}over ${limits.cpuLimitPercent}% for ${humanDuration(limits.cpuLimitForMs)}` });
  }
  if (rss !== null && rss > limits.rssLimitBytes) {
    statuses.push('warn');
    offenders.push({ name: 'rss', value: rss, detail: `${humanBytes(rss)}, over the ${humanBytes(limits.rssLimitBytes)} limit` });
  }
  return probeResult('daemon', {
    status: worstStatus(statuses), value: heartbeatAge, threshold, unit: 'ms', detail: parts.join(', '), offenders,
  });
}
