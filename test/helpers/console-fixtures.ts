import type { ConsoleModel } from '../../src/console/console-model.js';
import { emptyModel } from '../../src/console/console-model.js';
import type { EngineSnapshot, JobView } from '../../src/engine/engine.js';
import type { Interval } from '../../src/exchange/intervals.js';
import type { HealthSnapshot, MeasuredStatus, SeriesFreshness } from '../../src/health/types.js';

export const INTERVALS: Interval[] = ['15m', '1h', '4h', '1d'];
export const SYMBOLS = Array.from({ length: 60 }, (_, i) => (i === 0 ? 'BTCUSDT' : i === 1 ? 'ETHUSDT' : `S${String(i).padStart(2, '0')}USDT`));

export function health(overrides: (s: SeriesFreshness) => Partial<SeriesFreshness> = () => ({})): HealthSnapshot {
  const freshness = SYMBOLS.flatMap((symbol) => INTERVALS.map((interval) => ({
    symbol, interval, lastOpenTime: Date.UTC(2026, 10, 25), ageMs: 60_000, status: 'ok' as MeasuredStatus,
    ...overrides({ symbol, interval, lastOpenTime: 0, ageMs: 0, status: 'ok' }),
  })));
  const worst = freshness.reduce<MeasuredStatus>((w, s) => (s.status === 'critical' || w === 'critical' ? 'critical' : s.status === 'warn' ? 'warn' : w), 'ok');
  return {
    at: Date.now(),
    overall: worst,
    probes: [{ id: 'freshness', title: 'Data freshness', status: worst, value: null, threshold: null, unit: 'ms', detail: '', offenders: [] },
      { id: 'continuity', title: 'Continuity', status: 'ok', value: 0, threshold: null, unit: 'count', detail: 'no gaps', offenders: [] }],
    freshness,
    coverage: INTERVALS.map((interval) => {
      const present = freshness.filter((s) => s.interval === interval && s.lastOpenTime !== null).length;
      const missing = freshness.filter((s) => s.interval === interval && s.lastOpenTime === null).map((s) => s.symbol);
      return { interval, present, configured: 60, missing, status: missing.length === 0 ? 'ok' : missing.length > 3 ? 'critical' : 'warn' };
    }),
  };
}

export function job(name: string, patch: Partial<JobView> = {}): JobView {
  return {
    name, cron: '30 0 * * *', enabled: true, catchUpWindowMs: 6 * 3_600_000, timeoutMs: 1_800_000,
    nextRunAt: Date.now() + 3_600_000, running: null,
    state: { job: name, lastRunId: 7, lastStatus: 'success', lastRunAt: Date.now() - 60_000, lastSuccessAt: Date.now() - 60_000, lastDurationMs: 81_000, nextRunAt: null, lastSlot: null },
    ...patch,
  };
}

export function engine(patch: Partial<EngineSnapshot> = {}): EngineSnapshot {
  return {
    role: 'leader',
    me: { holderId: 'me', pid: 100, startTicks: 1, host: 'box' },
    leader: null,
    leaseIn: 'ops.db',
    leaseProblem: null,
    jobs: [job('sync'), job('validate', { cron: '0 1 * * *' })],
    daemon: null,
    host: null,
    ...patch,
  };
}

/**
 * store.backend postgres, this engine on host `host-b` follows a leader (epoch 7) on `host-a`; its
 * ops.db still holds the daemon state `stale` from when it led (PID 999).
 */
export function followerOfHostA(stale: Partial<{ state: string }> = {}): EngineSnapshot {
  const leader = { holderId: 'x', pid: 77, startTicks: 1, host: 'host-a', epoch: 7, acquiredAt: 0, renewedAt: 0, expiresAt: 0 };
  const daemon = { name: 'backtest', state: 'running', pid: 999, startedAt: 0, heartbeatAgeMs: 5_000, restarts24h: 4, lastExit: null, cpuPercent: 3, rssBytes: 1e8, adopted: false, lastError: null, ...stale };
  return engine({ role: 'follower', leaseIn: 'PostgreSQL', me: { holderId: 'me', pid: 100, startTicks: 1, host: 'host-b' }, leader, daemon });
}

export function model(patch: Partial<ConsoleModel> = {}): ConsoleModel {
  return { ...emptyModel('box', '/srv/cfa'), engine: engine(), health: health(), ...patch };
}
