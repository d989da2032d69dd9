import { describe, expect, it } from 'vitest';
import { judgeBackup, type TierFacts } from '../../src/health/probes/backup.js';
import { judgeDaemon, type DaemonInput } from '../../src/health/probes/daemon.js';
import { judgeLastSync, type LastSyncInput } from '../../src/health/probes/last-sync.js';
import { HOUR, MIN } from './helpers.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('judgeBackup', () => {
  const limits = { warn: 26 * HOUR, critical: 72 * HOUR };
  const tier = (t: TierFacts['tier'], newestVerifiedAt: number | null, configured = true): TierFacts =>
    ({ tier: t, configured, configKey: `backup.${t}`, newestVerifiedAt });

  it('is ok when every configured tier has a recent verified backup', () => {
    const p = judgeBackup({ tiers: [tier('hot', NOW - 2 * HOUR), tier('warm', NOW - 3 * HOUR), tier('offsite', NOW - 5 * HOUR)], now: NOW, limits });
    expect(p).toMatchObject({ id: 'backup', status: 'ok', value: 5 * HOUR, offenders: [] });
  });

  it('warns over 26 h and is critical over 72 h, per tier', () => {
    const p = judgeBackup({ tiers: [tier('hot', NOW - 30 * HOUR), tier('warm', NOW - 80 * HOUR), tier('offsite', NOW - HOUR)], now: NOW, limits });
    expect(p.status).toBe('critical');
    expect(p.offenders).toEqual([
      { name: 'hot', value: 30 * HOUR, detail: 'newest verified hot backup 1d 6h old (warn)' },
      { name: 'warm', value: 80 * HOUR, detail: 'newest verified warm backup 3d 8h old (critical)' },
    ]);
  });

  it('is unknown, never ok, without a verified backup, and says when a tier is not configured', () => {
    const p = judgeBackup({ tiers: [tier('hot', null), tier('warm', null, false), tier('offsite', null, false)], now: NOW, limits });
    expect(p.status).toBe('unknown');
    expect(p.value).toBeNull();
    expect(p.detail).toBe('no verified hot backup in the catalog; warm tier not configured (backup.warm); offsite tier not configured (backup.offsite)');
    expect(judgeBackup({ tiers: [tier('hot', NOW - HOUR), tier('warm', null, false)], now: NOW, limits }).status).toBe('unknown');
  });
});

describe('judgeLastSync', () => {
  const base: LastSyncInput = { lastRun: null, lastSuccessAt: null, running: null, now: NOW, maxAgeMs: 26 * HOUR, slaMs: 30 * MIN };
  const run = (status: string, endedAgo: number, durationMs: number, summary: Record<string, unknown> | null = null) =>
    ({ status, startedAt: NOW - endedAgo - durationMs, endedAt: NOW - endedAgo, durationMs, summary });

  it('is unknown before any sync was recorded', () => {
    expect(judgeLastSync(base).status).toBe('unknown');
  });

  it('is ok after a recent successful sync within the SLA', () => {
    const p = judgeLastSync({ ...base, lastRun: run('success', 2 * HOUR, 4 * MIN), lastSuccessAt: NOW - 2 * HOUR });
    expect(p).toMatchObject({ status: 'ok', value: 2 * HOUR, threshold: { critical: 26 * HOUR } });
    expect(p.detail).toBe('last success 2h ago; last run success 2h ago, took 4m');
  });

  it('warns on a sync over its 30 min SLA and on a partial run, naming the failed series', () => {
    expect(judgeLastSync({ ...base, lastRun: run('success', HOUR, 35 * MIN), lastSuccessAt: NOW - HOUR }).status).toBe('warn');
    const partial = judgeLastSync({
      ...base, lastSuccessAt: NOW - 20 * HOUR,
      lastRun: run('partial', HOUR, 5 * MIN, { failures: [{ symbol: 'XRPUSDT', interval: '1h', error: 'HTTP 502 after 2 retries' }] }),
    });
    expect(partial.status).toBe('warn');
    expect(partial.offenders).toEqual([{ name: 'XRPUSDT 1h', value: null, detail: 'HTTP 502 after 2 retries' }]);
  });

  it('is critical when the last run failed or timed out, or no sync succeeded for 26 h', () => {
    expect(judgeLastSync({ ...base, lastRun: run('failed', HOUR, MIN), lastSuccessAt: NOW - 10 * HOUR }).status).toBe('critical');
    expect(judgeLastSync({ ...base, lastRun: run('timeout', HOUR, 30 * MIN), lastSuccessAt: NOW - 10 * HOUR }).status).toBe('critical');
    const stale = judgeLastSync({ ...base, lastRun: run('success', 27 * HOUR, MIN), lastSuccessAt: NOW - 27 * HOUR });
    expect(stale.status).toBe('critical');
    expect(stale.detail).toMatch(/^last success 1d 3h ago \(over 1d 2h\)/);
  });

  it('warns while a sync runs past its SLA', () => {
    expect(judgeLastSync({ ...base, lastRun: run('success', 20 * HOUR, MIN), lastSuccessAt: NOW - 20 * HOUR, running: { startedAt: NOW - 40 * MIN } }).status).toBe('warn');
  });
});

describe('judgeDaemon', () => {
  const limits = { heartbeatTimeoutMs: 120_000, cpuLimitPercent: 90, cpuLimitForMs: 10 * MIN, rssLimitBytes: 2048 * 1024 * 1024, maxCrashes: 3, crashWindowMs: 24 * HOUR };
  const running: DaemonInput = {
    configured: true, state: { state: 'running', pid: 4242, startedAt: NOW - HOUR }, alive: true, heartbeatAt: NOW - 10_000,
    restarts24h: 0, crashesInWindow: 0, sample: { cpuPercent: 40, rssBytes: 300 * 1024 * 1024 }, cpuSustained: false, now: NOW, limits,
  };

  it('is ok with no daemon configured, saying so', () => {
    expect(judgeDaemon({ ...running, configured: false })).toMatchObject({ status: 'ok', detail: 'no daemon configured (daemon.command)' });
  });

  it('is ok while alive and beating, with CPU and RSS in the detail', () => {
    const p = judgeDaemon(running);
    expect(p).toMatchObject({ status: 'ok', value: 10_000, threshold: { warn: 60_000, critical: 120_000 } });
    expect(p.detail).toBe('running (PID 4242), heartbeat 10s ago, 0 restarts in 24h, CPU 40%, RSS 300.0 MB');
  });

  it('warns on a late heartbeat, is critical on a stale one or a dead process', () => {
    expect(judgeDaemon({ ...running, heartbeatAt: NOW - 90_000 }).status).toBe('warn');
    expect(judgeDaemon({ ...running, heartbeatAt: NOW - 150_000 }).status).toBe('critical');
    const dead = judgeDaemon({ ...running, alive: false });
    expect(dead.status).toBe('critical');
    expect(dead.offenders).toEqual([{ name: 'process', value: 4242, detail: 'PID 4242 is not running' }]);
  });

  it('is critical in crash-loop or hung, and warns one crash before the limit, on sustained CPU and on RSS', () => {
    expect(judgeDaemon({ ...running, state: { state: 'crash-loop', pid: null, startedAt: null }, alive: null, crashesInWindow: 3 }).status).toBe('critical');
    expect(judgeDaemon({ ...running, state: { state: 'hung', pid: 4242, startedAt: NOW - HOUR }, heartbeatAt: NOW - 130_000 }).status).toBe('critical');
    expect(judgeDaemon({ ...running, crashesInWindow: 2, restarts24h: 2 }).status).toBe('warn');
    expect(judgeDaemon({ ...running, crashesInWindow: 1, restarts24h: 1 }).status).toBe('ok');
    const cpu = judgeDaemon({ ...running, cpuSustained: true, sample: { cpuPercent: 97, rssBytes: 1 } });
    expect(cpu.status).toBe('warn');
    expect(cpu.offenders).toEqual([{ name: 'cpu', value: 97, detail: '97%, over 90% for 10m' }]);
    expect(judgeDaemon({ ...running, sample: { cpuPercent: 5, rssBytes: 3 * 1024 * 1024 * 1024 } }).status).toBe('warn');
  });

  it('warns, never critical, for a daemon paused on purpose', () => {
    const paused = judgeDaemon({ ...running, state: { state: 'paused', pid: null, startedAt: null }, alive: null, heartbeatAt: null });
    expect(paused.status).toBe('warn');
    expect(paused.offenders).toEqual([{ name: 'paused', value: null, detail: 'stopped on purpose and not restarted: resume it with `cfa-console daemon resume`' }]);
  });

  it('is unknown when configured but never started (no engine ran)', () => {
    expect(judgeDaemon({ ...running, state: null, alive: null }).status).toBe('unknown');
  });
});
