import { describe, expect, it } from 'vitest';
import { alertName, evaluateRules, fingerprint, rateLimitHitsInWindow, RULES, type RuleInput } from '../../src/alerts/rules.js';
import { ruleSettings } from '../../src/alerts/settings.js';
import type { DaemonFacts, RunRecord } from '../../src/alerts/types.js';
import { RULE_IDS } from '../../src/config/sections/alerts.js';
import { HOUR, MINUTE, T0, probe, snapshot, testConfig } from './helpers.js';

const settings = ruleSettings(testConfig());

function run(partial: Partial<RunRecord> & { id: number }): RunRecord {
  return { job: 'sync', status: 'success', startedAt: T0 - HOUR, endedAt: T0 - HOUR + 10 * MINUTE, durationMs: 10 * MINUTE, summary: null, ...partial };
}

const daemonOk: DaemonFacts = { name: 'backtest', configured: true, state: 'running', pid: 42, heartbeatAgeMs: 5000, cpuPercent: 10, rssBytes: 100 * 1024 * 1024 };

function input(over: Partial<RuleInput> = {}): RuleInput {
  return { now: T0, snapshot: snapshot(), runs: [run({ id: 1 })], daemon: daemonOk, ...over };
}

function fired(i: RuleInput, config = settings) {
  return evaluateRules(i, config).alerts.map((a) => alertName(a.rule, a.labels));
}

describe('alert rules', () => {
  it('has the ten rules of the original design, the five of the daemon and replication-lag, each with a runbook', () => {
    expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
    expect(RULES.filter((r) => r.severity === 'critical').map((r) => r.id)).toEqual(['sync-failed', 'sync-timeout', 'data-stale', 'db-corruption', 'daemon-dead', 'daemon-crash-loop']);
    expect(RULES.filter((r) => r.severity === 'info').map((r) => r.id)).toEqual(['disk-low', 'script-errors']);
    const runbooks = ['daemon-dead', 'stale-data', 'sync-failed', 'db-corruption', 'backup-stale', 'daemon-hung', 'daemon-crash-loop', 'disk-low', 'rate-limited', 'missing-symbols', 'sentiment-stale'];
    for (const r of RULES) expect(runbooks).toContain(r.runbook);
    expect(RULES.find((r) => r.id === 'daemon-dead')?.runbook).toBe('daemon-dead');
  });

  it('finds nothing when all is well', () => {
    const result = evaluateRules(input(), settings);
    expect(result.alerts).toEqual([]);
    expect(result.undetermined).toEqual([]);
  });

  it('sync failed and sync timeout come from the last finished sync, not a skip', () => {
    const failed = run({ id: 2, status: 'failed', exitCode: 1, startedAt: T0 - 30 * MINUTE, summary: { series: { total: 12, failed: 2 }, failures: [{ symbol: 'BTCUSDT', interval: '1h', error: 'HTTP 500' }] } });
    const skipped = run({ id: 3, status: 'skipped', startedAt: T0 - 5 * MINUTE });
    const result = evaluateRules(input({ runs: [run({ id: 1 }), failed, skipped] }), settings);
    expect(result.alerts.map((a) => a.rule)).toEqual(['sync-failed']);
    expect(result.alerts[0]!.summary).toContain('2 of 12 series failed; first: BTCUSDT 1h: HTTP 500');
    expect(result.alerts[0]!.labels).toEqual({ job: 'sync' });
    // A later success clears it.
    expect(fired(input({ runs: [failed, run({ id: 4, startedAt: T0 - 10 * MINUTE })] }))).toEqual([]);

    expect(fired(input({ runs: [run({ id: 5, status: 'timeout', durationMs: 30 * MINUTE })] }))).toEqual(['sync-timeout{job="sync"}']);
    expect(fired(input({ runs: [run({ id: 6, durationMs: 31 * MINUTE })] }))).toEqual(['sync-timeout{job="sync"}']);
    expect(fired(input({ runs: [run({ id: 7, status: 'running', startedAt: T0 - 40 * MINUTE, endedAt: null, durationMs: null })] }))).toEqual(['sync-timeout{job="sync"}']);
    expect(fired(input({ runs: [run({ id: 8, status: 'running', startedAt: T0 - 20 * MINUTE, endedAt: null, durationMs: null })] }))).toEqual([]);
  });

  it('stale data: critical past 26 h, an early warning past the interval limit, one alert per interval', () => {
    const s = snapshot({ ages: { '1h': 7 * HOUR, 'BTCUSDT 4h': 30 * HOUR, 'ETHUSDT 4h': 25 * HOUR } });
    const result = evaluateRules(input({ snapshot: s }), settings);
    expect(result.alerts.map((a) => `${a.severity} ${alertName(a.rule, a.labels)}`).sort()).toEqual([
      'critical data-stale{interval="4h"}',
      'warning data-stale-early{interval="1h"}',
      'warning data-stale-early{interval="4h"}',
    ]);
    const critical = result.alerts.find((a) => a.rule === 'data-stale')!;
    expect(critical.summary).toBe('1 of 3 4h series have no candle newer than 1d (worst: BTCUSDT, 1d old)');
    expect(critical.forMs).toBe(10 * MINUTE);
    // The early warning counts only the series not already critical.
    expect(result.alerts.find((a) => a.rule === 'data-stale-early' && a.labels.interval === '4h')!.summary).toContain('1 of 3 4h series');
  });

  it('early staleness limits come from config (the health section unless alerts overrides them)', () => {
    const s = snapshot({ ages: { '1h': 3 * HOUR } });
    expect(fired(input({ snapshot: s }))).toEqual([]);
    expect(fired(input({ snapshot: s }), ruleSettings(testConfig({ health: { freshness: { '1h': '2h' } } })))).toEqual(['data-stale-early{interval="1h"}']);
    expect(fired(input({ snapshot: s }), ruleSettings(testConfig({ alerts: { thresholds: { staleEarly: { '1h': '150m' } } } })))).toEqual(['data-stale-early{interval="1h"}']);
  });

  it('rate-limit abuse: more than 10 hits of 429 in 5 minutes, from the runs\' summaries', () => {
    const burst = run({ id: 2, startedAt: T0 - 4 * MINUTE, endedAt: T0 - MINUTE, durationMs: 3 * MINUTE, summary: { rateLimited429: 11 } });
    expect(fired(input({ runs: [burst] }))).toEqual(['rate-limit-abuse']);
    expect(fired(input({ runs: [{ ...burst, summary: { rateLimited429: 10 } }] }))).toEqual([]);
    // Over a long run the hits are spread: 60 hits in an hour are 5 per 5 minutes.
    const long = run({ id: 3, job: 'sentiment', startedAt: T0 - HOUR, endedAt: T0, durationMs: HOUR, summary: { rateLimited429: 60 } });
    expect(rateLimitHitsInWindow([long], T0, 5 * MINUTE)).toBeCloseTo(5);
    expect(fired(input({ runs: [long] }))).toEqual([]);
    // Old runs do not count.
    expect(rateLimitHitsInWindow([{ ...burst, endedAt: T0 - 10 * MINUTE }], T0, 5 * MINUTE)).toBe(0);
  });

  it('probes: corruption, backup age, disk, log errors; unknown probes decide nothing', () => {
    const corrupt = snapshot({ probes: [probe('integrity', 'critical', 3, 'count', 'quick_check found 3 problems')] });
    expect(fired(input({ snapshot: corrupt }))).toEqual(['db-corruption']);

    const oldBackup = snapshot({ probes: [probe('backup', 'critical', 30 * HOUR, 'ms', 'old', [{ name: 'hot', value: 30 * HOUR }])] });
    const b = evaluateRules(input({ snapshot: oldBackup }), settings).alerts;
    expect(b.map((a) => a.rule)).toEqual(['backup-stale']);
    expect(b[0]!.summary).toBe('the newest verified backup of hot is 1d old (limit 1d)');
    const noBackup = snapshot({ probes: [probe('backup', 'unknown', null, 'ms', 'no verified hot backup in the catalog', [{ name: 'hot', value: null }])] });
    expect(fired(input({ snapshot: noBackup }))).toEqual(['backup-stale']);
    const catalogBroken = snapshot({ probes: [probe('backup', 'unknown', null, 'ms', 'cannot read the backup catalog')] });
    expect(evaluateRules(input({ snapshot: catalogBroken }), settings).undetermined).toContain('backup-stale');

    expect(fired(input({ snapshot: snapshot({ probes: [probe('disk', 'warn', 9, 'percent')] }) }))).toEqual(['disk-low']);
    expect(fired(input({ snapshot: snapshot({ probes: [probe('logs', 'warn', 12, 'per-minute')] }) }))).toEqual(['script-errors{source="logs"}']);

    const unknown = snapshot({ probes: [probe('integrity', 'unknown'), probe('disk', 'unknown')] });
    const u = evaluateRules(input({ snapshot: unknown }), settings);
    expect(u.alerts).toEqual([]);
    expect(u.undetermined).toEqual(['db-corruption', 'disk-low']);
  });

  it('sentiment stale: one warning per stale source; no data anywhere decides nothing', () => {
    const base = snapshot();
    const stale = { ...base, sentiment: base.sentiment!.map((s) => (s.source === 'fred' ? { ...s, status: 'critical' as const, ageMs: 9 * 24 * HOUR, stale: 1, detail: '1 of 7 stale or missing: DGS10' } : s)) };
    const result = evaluateRules(input({ snapshot: stale }), settings);
    expect(result.alerts.map((a) => `${a.severity} ${alertName(a.rule, a.labels)}`)).toEqual(['warning sentiment-stale{source="fred"}']);
    expect(result.alerts[0]!.summary).toMatch(/^fred: 1 of 7 stale or missing: DGS10/);
    const none = { ...base, sentiment: base.sentiment!.map((s) => ({ ...s, status: 'unknown' as const, ageMs: null })) };
    expect(evaluateRules(input({ snapshot: none }), settings).undetermined).toEqual(['sentiment-stale']);
    expect(settings.forMs['sentiment-stale']).toBe(10 * MINUTE);
  });

  it('missing symbols per interval, and other jobs\' failures as script errors', () => {
    expect(fired(input({ snapshot: snapshot({ missing: { '1d': ['SOLUSDT'] } }) }))).toEqual(['missing-symbols{interval="1d"}']);
    const backupFailed = run({ id: 9, job: 'backup', status: 'failed', exitCode: 1, summary: { error: 'disk full' } });
    const result = evaluateRules(input({ runs: [run({ id: 1 }), backupFailed] }), settings).alerts;
    expect(result.map((a) => alertName(a.rule, a.labels))).toEqual(['script-errors{job="backup"}']);
    expect(result[0]!.summary).toContain('disk full');
  });

  it('the daemon: dead, heartbeat stale, CPU, RSS, crash-loop; nothing when none is configured', () => {
    const at = (d: Partial<DaemonFacts>) => fired(input({ daemon: { ...daemonOk, ...d } }));
    expect(at({ state: 'stopped', pid: null })).toEqual(['daemon-dead{daemon="backtest"}']);
    expect(at({ heartbeatAgeMs: 121_000 })).toEqual(['daemon-heartbeat-stale{daemon="backtest"}']);
    expect(at({ state: 'hung' })).toEqual(['daemon-heartbeat-stale{daemon="backtest"}']);
    expect(at({ cpuPercent: 95 })).toEqual(['daemon-cpu-high{daemon="backtest"}']);
    expect(at({ rssBytes: 3 * 1024 ** 3 })).toEqual(['daemon-rss-high{daemon="backtest"}']);
    expect(at({ state: 'crash-loop', pid: null })).toEqual(['daemon-crash-loop{daemon="backtest"}']);
    expect(at({ configured: false, state: 'stopped' })).toEqual([]);
    // Paused on purpose is not dead: no page (the health probe warns instead).
    expect(at({ state: 'paused', pid: null, heartbeatAgeMs: null })).toEqual([]);
    // CPU over 90% must hold for 10 minutes (the rule's `for`, from daemon.cpuLimitFor).
    expect(settings.forMs['daemon-cpu-high']).toBe(10 * MINUTE);
    expect(evaluateRules(input({ daemon: null }), settings).undetermined).toEqual(['daemon-dead', 'daemon-heartbeat-stale', 'daemon-cpu-high', 'daemon-rss-high', 'daemon-crash-loop']);
  });

  it('`for` durations come from config, 0s fires at once', () => {
    const s = ruleSettings(testConfig({ alerts: { for: { 'data-stale': '0s', 'sync-failed': '90s' } } }));
    expect(s.forMs['data-stale']).toBe(0);
    expect(s.forMs['sync-failed']).toBe(90_000);
    expect(s.forMs['data-stale-early']).toBe(10 * MINUTE);
  });

  it('fingerprints are stable per rule and labels, whatever the label order', () => {
    expect(fingerprint('data-stale', { interval: '1h', a: 'b' })).toBe(fingerprint('data-stale', { a: 'b', interval: '1h' }));
    expect(fingerprint('data-stale', { interval: '1h' })).not.toBe(fingerprint('data-stale', { interval: '4h' }));
    expect(fingerprint('data-stale', { interval: '1h' })).not.toBe(fingerprint('data-stale-early', { interval: '1h' }));
  });

  it('a rule that throws is reported and leaves its alerts alone; the others still run', () => {
    const broken = { ...snapshot({ ages: { '4h': 30 * HOUR } }), coverage: null as never };
    const result = evaluateRules(input({ snapshot: broken }), settings);
    expect(result.errors.map((e) => e.rule)).toEqual(['missing-symbols']);
    expect(result.undetermined).toContain('missing-symbols');
    expect(result.alerts.map((a) => a.rule)).toContain('data-stale');
  });
});
