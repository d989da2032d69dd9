import { describe, expect, it } from 'vitest';
import { buildDigest, digestChannels, freshnessFromSnapshot } from '../../src/alerts/digest.js';
import { createChannels } from '../../src/alerts/channels/resolve.js';
import type { AlertRecord, RunRecord } from '../../src/alerts/types.js';
import { HOUR, MINUTE, T0, snapshot, testConfig } from './helpers.js';

function alert(partial: Partial<AlertRecord> & { id: number }): AlertRecord {
  return {
    rule: 'data-stale', fingerprint: 'f', severity: 'critical', state: 'firing', labels: { interval: '4h' }, summary: 's', runbook: 'stale-data',
    pendingSince: T0 - 2 * HOUR, firedAt: T0 - 2 * HOUR, resolvedAt: null, lastNotifiedAt: T0 - 2 * HOUR, notifiedChannels: ['slack'],
    ackedAt: null, ackedBy: null, updatedAt: T0, ...partial,
  };
}

function run(partial: Partial<RunRecord> & { id: number }): RunRecord {
  return { job: 'sync', status: 'success', startedAt: T0 - 10 * HOUR, endedAt: T0 - 10 * HOUR + 5 * MINUTE, durationMs: 5 * MINUTE, summary: null, ...partial };
}

describe('the daily digest', () => {
  it('sums up the day: alerts, job results, freshness and delivery problems', () => {
    const digest = buildDigest({
      now: T0,
      instance: 'box',
      alerts: [
        alert({ id: 1, ackedAt: T0 - HOUR, ackedBy: 'alice' }),
        alert({ id: 2, rule: 'disk-low', severity: 'info', labels: {}, state: 'resolved', firedAt: T0 - 5 * HOUR, resolvedAt: T0 - 4 * HOUR }),
      ],
      runs: [run({ id: 1 }), run({ id: 2, startedAt: T0 - 3 * HOUR, status: 'failed' }), run({ id: 3, job: 'backup', startedAt: T0 - 8 * HOUR }), run({ id: 4, startedAt: T0 - 30 * HOUR })],
      freshness: freshnessFromSnapshot(snapshot({ at: T0, ages: { 'BTCUSDT 4h': 30 * HOUR, 'SOLUSDT 1d': null } })),
      outbox: [{ channel: 'email', pending: 2, failed: 1, oldestPendingAt: T0 - HOUR, lastError: 'SMTP 421: try later' }],
    });
    expect(digest.title).toBe('Daily digest for 2026-01-14 12:00 to 2026-01-15 12:00 UTC: critical alerts firing');
    expect(digest.text).toContain('Alerts: 2 fired in the last 24 h, 1 firing now.');
    expect(digest.text).toContain('[CRITICAL] data-stale{interval="4h"} (#1): FIRING since 2026-01-15 10:00, acked by alice');
    expect(digest.text).toContain('[INFO] disk-low (#2): resolved 2026-01-15 08:00 after 1h');
    expect(digest.text).toContain('Jobs: 3 runs in the last 24 h.');
    expect(digest.text).toContain('  sync: 1 success, 1 failed; last failed in 5m at 2026-01-15 09:00');
    expect(digest.text).toContain('  backup: 1 success');
    expect(digest.text).toContain('  4h: BTCUSDT 1d old');
    expect(digest.text).toContain('  1d: BTCUSDT 10m old, 1 of 3 series empty');
    expect(digest.text).toContain('  email: 2 waiting, 1 given up (last error: SMTP 421: try later)');
  });

  it('a quiet day says so', () => {
    const digest = buildDigest({ now: T0, instance: 'box', alerts: [], runs: [], freshness: null, outbox: [] });
    expect(digest.title).toContain('all quiet');
    expect(digest.text).toContain('unknown (no market data yet)');
  });

  it('goes to the info route or alerts.digestChannels, never PagerDuty', () => {
    const channels = { slack: { webhookUrl: 'http://127.0.0.1:9/s' }, pagerduty: { routingKey: 'k' }, webhook: { url: 'http://127.0.0.1:9/w' } };
    const config = testConfig({ alerts: { channels, routes: { info: ['pagerduty', 'slack'] } } });
    expect(digestChannels(config, createChannels(config.alerts, {}).channels)).toEqual(['slack']);
    const chosen = testConfig({ alerts: { channels, digestChannels: ['webhook', 'pagerduty'] } });
    expect(digestChannels(chosen, createChannels(chosen.alerts, {}).channels)).toEqual(['webhook']);
  });
});
