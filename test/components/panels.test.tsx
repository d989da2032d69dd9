import { render } from 'ink-testing-library';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { AlertsPanel } from '../../components/AlertsPanel.js';
import { BackupsPanel } from '../../components/BackupsPanel.js';
import { CoveragePanel } from '../../components/CoveragePanel.js';
import { DaemonPanel } from '../../components/DaemonPanel.js';
import { FreshnessPanel } from '../../components/FreshnessPanel.js';
import { Header } from '../../components/Header.js';
import { JobsPanel } from '../../components/JobsPanel.js';
import { ThemeProvider } from '../../components/theme.js';
import { engine, health, INTERVALS, job, model } from './fixtures.js';

const mono = (node: React.ReactNode) => render(<ThemeProvider noColor>{node}</ThemeProvider>);
const HOUR = 3_600_000;

describe('FreshnessPanel', () => {
  it('healthy: every cell a dot and says every series is within its threshold', () => {
    const { lastFrame } = mono(<FreshnessPanel health={health()} intervals={INTERVALS} filter="" filtering={false} focused width={90} />);
    const frame = lastFrame()!;
    expect(frame).toContain('▶ Freshness');
    expect(frame).toMatch(/15m\s+·{60}/);
    expect(frame).toContain('✔ every series within its threshold');
    expect(frame).toContain('✔240 ▲0 ✖0 ?0');
  });

  it('stale: marks the cell with a symbol and names the worst series with their ages', () => {
    const stale = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '1h' ? { ageMs: 9 * HOUR, status: 'critical' }
      : s.symbol === 'BTCUSDT' && s.interval === '15m' ? { ageMs: 40 * 60_000, status: 'warn' } : {}));
    const frame = mono(<FreshnessPanel health={stale} intervals={INTERVALS} filter="" filtering={false} focused={false} width={90} />).lastFrame()!;
    expect(frame).toMatch(/15m\s+▲·{59}/);
    expect(frame).toMatch(/1h\s+·✖·{58}/);
    expect(frame).toContain('worst: ✖ ETHUSDT 1h 9h, ▲ BTCUSDT 15m 40m');
    expect(frame).not.toContain('▶');
  });

  it('missing: an empty series is a question mark, and the filter narrows the columns', () => {
    const missing = health((s) => (s.symbol === 'BTCUSDT' ? { lastOpenTime: null, ageMs: null, status: 'unknown' } : {}));
    const frame = mono(<FreshnessPanel health={missing} intervals={INTERVALS} filter="BTC" filtering={false} focused width={90} />).lastFrame()!;
    expect(frame).toMatch(/1d\s+\?\s/);
    expect(frame).toContain('filter: BTC');
    expect(frame).toContain('? BTCUSDT 15m no data');
  });

  it('before the first health check says it is waiting', () => {
    expect(mono(<FreshnessPanel health={null} intervals={INTERVALS} filter="" filtering={false} focused width={90} />).lastFrame()).toContain('? waiting for the first health check');
  });
});

describe('CoveragePanel', () => {
  it('shows x/60 per interval and names the missing symbols', () => {
    const missing = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '4h' ? { lastOpenTime: null, ageMs: null, status: 'unknown' } : {}));
    const frame = mono(<CoveragePanel health={missing} />).lastFrame()!;
    expect(frame).toMatch(/15m\s+✔ 60\/60/);
    expect(frame).toMatch(/4h\s+▲ 59\/60 missing ETHUSDT/);
  });
});

describe('DaemonPanel', () => {
  const status = (patch: object) => engine({ daemon: { name: 'backtest', state: 'running', pid: 4242, startedAt: 0, heartbeatAgeMs: 5_000, restarts24h: 0, lastExit: null, cpuPercent: 3, rssBytes: 1e8, adopted: false, lastError: null, ...patch } });

  it('running with a fresh heartbeat', () => {
    const frame = mono(<DaemonPanel engine={status({})} />).lastFrame()!;
    expect(frame).toContain('backtest ✔ running');
    expect(frame).toContain('PID 4242');
    expect(frame).toContain('heartbeat < 30s ago');
  });

  it('hung: a warning (as the daemon-heartbeat-stale rule says) with the heartbeat age', () => {
    const frame = mono(<DaemonPanel engine={status({ state: 'hung', heartbeatAgeMs: 150_000 })} />).lastFrame()!;
    expect(frame).toContain('▲ hung');
    expect(frame).toContain('heartbeat 3m ago');
  });

  it('crash-loop: critical, no PID, restarts counted', () => {
    const frame = mono(<DaemonPanel engine={status({ state: 'crash-loop', pid: null, heartbeatAgeMs: null, restarts24h: 3 })} />).lastFrame()!;
    expect(frame).toContain('✖ crash-loop');
    expect(frame).toContain('PID -');
    expect(frame).toContain('restarts 24h 3');
  });

  it('none configured says which key to set', () => {
    expect(mono(<DaemonPanel engine={engine()} />).lastFrame()).toContain('none configured (daemon.command)');
  });
});

describe('BackupsPanel', () => {
  it('no backups: a configured tier without one is critical, an unconfigured one says so', () => {
    const frame = mono(<BackupsPanel backups={[
      { tier: 'hot', configured: true, newestAt: null, sizeBytes: null, lastVerifiedAt: null, lastDrill: null },
      { tier: 'warm', configured: false, newestAt: null, sizeBytes: null, lastVerifiedAt: null, lastDrill: null },
    ]} />).lastFrame()!;
    expect(frame).toContain('✖ hot');
    expect(frame).toContain('none yet');
    expect(frame).toContain('· warm    not configured');
    expect(frame).toContain('drill: never');
  });

  it('ages and sizes per tier, stale ones marked', () => {
    const now = Date.now();
    const frame = mono(<BackupsPanel backups={[
      { tier: 'hot', configured: true, newestAt: now - 2 * HOUR, sizeBytes: 300 * 2 ** 20, lastVerifiedAt: now, lastDrill: { at: now - 86_400_000, result: 'ok' } },
      { tier: 'offsite', configured: true, newestAt: now - 30 * HOUR, sizeBytes: 300 * 2 ** 20, lastVerifiedAt: now, lastDrill: null },
    ]} />).lastFrame()!;
    expect(frame).toContain('✔ hot     2h 300M');
    expect(frame).toContain('✖ offsite 1d 300M');
    expect(frame).toContain('drill: ✔ ok 1d ago');
  });
});

describe('JobsPanel', () => {
  it('last result, duration and next run; a running job shows its progress', () => {
    const m = model({
      engine: engine({ jobs: [job('sync', { running: { job: 'sync', runId: 9, trigger: 'manual', startedAt: Date.now() - 10_000, lastProgress: null } }), job('validate', { state: { job: 'validate', lastRunId: 3, lastStatus: 'failed', lastRunAt: 0, lastSuccessAt: null, lastDurationMs: 2000, nextRunAt: null, lastSlot: null } })] }),
      progress: { sync: { done: 120, total: 240, rateLimited429: 2, startedAt: Date.now() - 10_000 } },
    });
    const frame = mono(<JobsPanel model={m} focused selected={1} />).lastFrame()!;
    expect(frame).toContain('✔ running 120/240 series');
    expect(frame).toContain('429s 2');
    expect(frame).toMatch(/›validate\s+✖ failed 2s next in (60m|1h) \(\d\d:\d\dZ\)/);
  });
});

describe('AlertsPanel', () => {
  it('firing alerts newest first with severity words; none firing says so', () => {
    const now = Date.now();
    const frame = mono(<AlertsPanel focused selected={0} alerts={[
      { id: 1, rule: 'backup-stale', severity: 'warning', state: 'firing', summary: 'backup older than 26h', firedAt: now - HOUR, acked: true, runbook: 'backup-stale' },
      { id: 2, rule: 'data-stale', severity: 'critical', state: 'firing', summary: 'data stale beyond 26h', firedAt: now - 60_000, acked: false, runbook: 'stale-data' },
      { id: 3, rule: 'disk', severity: 'info', state: 'resolved', summary: 'disk low', firedAt: now - 2 * HOUR, acked: false, runbook: null },
    ]} />).lastFrame()!;
    expect(frame).toContain('2 open');
    expect(frame.indexOf('data stale beyond 26h')).toBeLessThan(frame.indexOf('backup older than 26h'));
    expect(frame).toContain('✖ critical');
    expect(frame).toContain('▲ warning (acked)');
    expect(frame).not.toContain('disk low');
    expect(mono(<AlertsPanel focused={false} selected={0} alerts={[]} />).lastFrame()).toContain('✔ no alerts firing');
  });
});

describe('Header', () => {
  it('host, data dir, role, UTC clock and overall status in words', () => {
    const frame = mono(<Header model={model({ health: health((s) => (s.symbol === 'BTCUSDT' && s.interval === '1d' ? { status: 'critical', ageMs: 9e8 } : {})) })} />).lastFrame()!;
    expect(frame).toContain('box │ /srv/cfa │ leader');
    expect(frame).toMatch(/✖ CRITICAL │ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const follower = mono(<Header model={model({ engine: engine({ role: 'follower', leader: { holderId: 'x', pid: 77, startTicks: 1, host: 'db1', acquiredAt: 0, renewedAt: 0, expiresAt: 0 } }) })} />).lastFrame()!;
    expect(follower).toContain('follower of PID 77@db1');
  });
});
