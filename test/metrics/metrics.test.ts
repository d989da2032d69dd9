import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/alerts/types.js';
import { CfaMetrics, updateMetrics } from '../../src/metrics/registry.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';
import { HOUR, MINUTE, T0, probe, snapshot } from '../alerts/helpers.js';

const PROMTOOL = (() => {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
})();
const skipped = PROMTOOL ? '' : ' (skipped: promtool is not installed; apt-get install prometheus, as .ci/run does)';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function run(partial: Partial<RunRecord> & { id: number }): RunRecord {
  return { job: 'sync', status: 'success', startedAt: T0 - HOUR, endedAt: T0 - HOUR + 12 * MINUTE, durationMs: 12 * MINUTE, summary: null, ...partial };
}

/** `name{labels} value` lines of the exposition, without comments. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function filled(): CfaMetrics {
  const metrics = new CfaMetrics({ since: T0 - 2 * HOUR });
  updateMetrics(
    snapshot({ at: T0, ages: { 'BTCUSDT 4h': 30 * HOUR }, missing: { '1d': ['SOLUSDT'] }, probes: [probe('backup', 'warn', 20 * HOUR, 'ms'), probe('disk', 'warn', 9.5, 'percent')] }),
    {
      now: T0,
      runs: [
        run({ id: 1, summary: { series: { ok: 11, total: 12 }, rateLimited429: 4 } }),
        run({ id: 2, job: 'backup', status: 'failed', startedAt: T0 - 30 * MINUTE, endedAt: T0 - 25 * MINUTE, durationMs: 5 * MINUTE }),
        run({ id: 3, status: 'running', startedAt: T0 - 5 * MINUTE, endedAt: null, durationMs: null }),
        // Ended before this process started: history, not news, for the counters.
        run({ id: 4, startedAt: T0 - 30 * HOUR, endedAt: T0 - 29 * HOUR, summary: { rateLimited429: 50 } }),
      ],
      daemon: { name: 'backtest', configured: true, state: 'running', pid: 7, heartbeatAgeMs: 12_000, cpuPercent: 37.5, rssBytes: 300_000_000 },
      alertsFiring: [{ rule: 'data-stale', severity: 'critical', count: 1 }],
      outbox: [{ channel: 'slack', pending: 2, failed: 0 }],
      backups: [{ tier: 'hot', newestAt: T0 - 20 * HOUR, sizeBytes: 52_000_000 }],
      recordCounts: { '4h': 240 },
    },
    metrics,
  );
  return metrics;
}

describe('metrics', () => {
  it('export the core metrics and the figures the rules judge, prefixed cfa_', async () => {
    const text = await filled().text();
    expect(sample(text, 'cfa_last_sync_timestamp_seconds')).toBe((T0 - HOUR + 12 * MINUTE) / 1000);
    expect(sample(text, 'cfa_daily_sync_duration_seconds_count')).toBe(1);
    expect(sample(text, 'cfa_daily_sync_duration_seconds_sum')).toBe(720);
    expect(sample(text, 'cfa_daily_sync_duration_seconds_bucket{le="900"}')).toBe(1);
    expect(sample(text, 'cfa_daily_sync_duration_seconds_bucket{le="600"}')).toBe(0);
    expect(sample(text, 'cfa_sync_symbols_success')).toBe(11);
    expect(sample(text, 'cfa_rate_limit_hits_total')).toBe(4);
    expect(sample(text, 'cfa_db_records{interval="4h"}')).toBe(240);
    expect(sample(text, 'cfa_backup_size_bytes{tier="hot"}')).toBe(52_000_000);
    expect(sample(text, 'cfa_backup_age_seconds{tier="hot"}')).toBe(72_000);
    expect(sample(text, 'cfa_freshness_age_seconds{interval="4h"}')).toBe(108_000);
    expect(sample(text, 'cfa_series_age_seconds{symbol="BTCUSDT",interval="4h"}')).toBe(108_000);
    expect(sample(text, 'cfa_coverage_percent{interval="1d"}')).toBeCloseTo(66.667, 2);
    expect(sample(text, 'cfa_coverage_missing_symbols{interval="1d"}')).toBe(1);
    expect(sample(text, 'cfa_probe_status{probe="disk"}')).toBe(2);
    expect(sample(text, 'cfa_probe_value{probe="backup",unit="seconds"}')).toBe(72_000);
    expect(sample(text, 'cfa_probe_value{probe="disk",unit="percent"}')).toBe(9.5);
    expect(sample(text, 'cfa_job_last_status{job="backup",status="failed"}')).toBe(1);
    expect(sample(text, 'cfa_job_last_status{job="sync",status="success"}')).toBe(1);
    expect(sample(text, 'cfa_job_running_seconds{job="sync"}')).toBe(300);
    expect(sample(text, 'cfa_daemon_up')).toBe(1);
    expect(sample(text, 'cfa_daemon_state{state="running"}')).toBe(1);
    expect(sample(text, 'cfa_daemon_heartbeat_age_seconds')).toBe(12);
    expect(sample(text, 'cfa_daemon_cpu_percent')).toBe(37.5);
    expect(sample(text, 'cfa_daemon_rss_bytes')).toBe(300_000_000);
    expect(sample(text, 'cfa_alerts_firing{rule="data-stale",severity="critical"}')).toBe(1);
    expect(sample(text, 'cfa_alerts_firing{rule="disk-low",severity="info"}')).toBe(0);
    expect(sample(text, 'cfa_outbox_pending{channel="slack"}')).toBe(2);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^cfa_/);
  });

  it('counts a run once however often it is seen again', async () => {
    const metrics = filled();
    const again = { now: T0, runs: [run({ id: 1, summary: { rateLimited429: 4 } }), run({ id: 5, startedAt: T0 - 2 * MINUTE, endedAt: T0 - MINUTE, durationMs: MINUTE, summary: { rateLimited429: 3 } })] };
    metrics.update(null, again);
    metrics.update(null, again);
    const text = await metrics.text();
    expect(sample(text, 'cfa_rate_limit_hits_total')).toBe(7);
    expect(sample(text, 'cfa_daily_sync_duration_seconds_count')).toBe(2);
  });

  it.skipIf(!PROMTOOL)(`parse with \`promtool check metrics\`${skipped}`, async () => {
    const text = await filled().text();
    const result = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  });

  it('are served on loopback: /metrics, /healthz, and /readyz following the leadership', async () => {
    let ready = false;
    const metrics = filled();
    const server = await startMetricsServer({ registry: metrics.registry, host: '127.0.0.1', port: 0, isReady: () => ready });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = await fetch(`${server.url}/metrics`);
    expect(body.status).toBe(200);
    expect(body.headers.get('content-type')).toContain('text/plain');
    expect(await body.text()).toContain('cfa_last_sync_timestamp_seconds');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);

    if (PROMTOOL) {
      const scraped = await (await fetch(`${server.url}/metrics`)).text();
      const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: scraped, encoding: 'utf8' });
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    }
  });
});
