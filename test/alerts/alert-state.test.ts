import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/alerts/outbox.js';
import { AlertService } from '../../src/alerts/service.js';
import type { AlertNotification, RunRecord } from '../../src/alerts/types.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import type { Db } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, MINUTE, T0, probe, snapshot, testConfig } from './helpers.js';

const channels = {
  slack: { webhookUrl: 'http://127.0.0.1:9/slack' },
  pagerduty: { routingKey: 'pd-key-for-state-tests', url: 'http://127.0.0.1:9/pd' },
};

function service(db: Db, dataDir: string, alerts: Record<string, unknown> = {}, runs: RunRecord[] = []) {
  const config = { ...testConfig({ alerts: { channels, ...alerts } }), dataDir };
  return new AlertService({ db, config, env: {}, runs: () => runs, daemonFacts: () => null });
}

function outboxOf(db: Db) {
  return new Outbox(db).since(0).map((r) => ({ channel: r.channel, kind: r.kind, rule: (r.payload as AlertNotification).rule, id: r.alertId }));
}

const stale = (at: number) => snapshot({ at, ages: { '4h': 30 * HOUR } });
const fresh = (at: number) => snapshot({ at });

describe('alert state', () => {
  it('pending, then firing after its `for`, then resolved; notifications go with the change', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const s = service(db, dir);
    const first = s.evaluate(stale(T0), T0);
    expect(first.opened.map((a) => a.rule)).toEqual(['data-stale']);
    expect(first.open.map((a) => a.state)).toEqual(['pending']);
    expect(outboxOf(db)).toEqual([]);

    expect(s.evaluate(stale(T0 + 9 * MINUTE), T0 + 9 * MINUTE).fired).toEqual([]);
    const firing = s.evaluate(stale(T0 + 10 * MINUTE), T0 + 10 * MINUTE);
    expect(firing.fired.map((a) => a.rule)).toEqual(['data-stale']);
    // Critical: PagerDuty and Slack (the configured part of the default route).
    expect(outboxOf(db)).toEqual([
      { channel: 'pagerduty', kind: 'firing', rule: 'data-stale', id: firing.fired[0]!.id },
      { channel: 'slack', kind: 'firing', rule: 'data-stale', id: firing.fired[0]!.id },
    ]);

    // Still firing: nothing new.
    expect(s.evaluate(stale(T0 + 20 * MINUTE), T0 + 20 * MINUTE).enqueued).toBe(0);

    const cleared = s.evaluate(fresh(T0 + 30 * MINUTE), T0 + 30 * MINUTE);
    expect(cleared.resolved.map((a) => a.rule)).toEqual(['data-stale']);
    expect(cleared.open).toEqual([]);
    expect(outboxOf(db).slice(2)).toEqual([
      { channel: 'pagerduty', kind: 'resolved', rule: 'data-stale', id: firing.fired[0]!.id },
      { channel: 'slack', kind: 'resolved', rule: 'data-stale', id: firing.fired[0]!.id },
    ]);
    // The trigger and the resolve carry the same dedup key.
    const keys = new Outbox(db).since(0).filter((r) => r.channel === 'pagerduty').map((r) => (r.payload as AlertNotification).dedupKey);
    expect(new Set(keys).size).toBe(1);
    db.close();
  });

  it('a condition that clears while pending leaves no alert and sends nothing', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const s = service(db, dir);
    s.evaluate(stale(T0), T0);
    expect(s.evaluate(fresh(T0 + MINUTE), T0 + MINUTE).resolved).toEqual([]);
    expect(s.store.since(0)).toEqual([]);
    expect(outboxOf(db)).toEqual([]);
    db.close();
  });

  it('survives a restart: a firing alert stays firing and is not announced again', () => {
    const dir = tempDir();
    let db = openOpsDb(dir);
    const config = { 'data-stale': '0s' };
    service(db, dir, { for: config }).evaluate(stale(T0), T0);
    expect(outboxOf(db)).toHaveLength(2);
    db.close();

    db = openOpsDb(dir);
    const again = service(db, dir, { for: config }).evaluate(stale(T0 + MINUTE), T0 + MINUTE);
    expect(again.fired).toEqual([]);
    expect(again.opened).toEqual([]);
    expect(again.open.map((a) => a.state)).toEqual(['firing']);
    expect(outboxOf(db)).toHaveLength(2);
    db.close();
  });

  it('repeats a still-firing critical alert every repeatCritical (not to PagerDuty), until acknowledged', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const s = service(db, dir, { for: { 'data-stale': '0s' }, repeatCritical: '4h' });
    const id = s.evaluate(stale(T0), T0).fired[0]!.id;
    s.evaluate(stale(T0 + 3 * HOUR), T0 + 3 * HOUR);
    expect(outboxOf(db)).toHaveLength(2);
    const repeat = s.evaluate(stale(T0 + 4 * HOUR), T0 + 4 * HOUR);
    expect(repeat.repeated.map((a) => a.id)).toEqual([id]);
    expect(outboxOf(db).slice(2)).toEqual([{ channel: 'slack', kind: 'repeat', rule: 'data-stale', id }]);

    s.store.ack(id, 'alice', T0 + 5 * HOUR);
    s.evaluate(stale(T0 + 9 * HOUR), T0 + 9 * HOUR);
    expect(outboxOf(db)).toHaveLength(3);
    // The resolve still goes out after an ack.
    s.evaluate(fresh(T0 + 10 * HOUR), T0 + 10 * HOUR);
    expect(outboxOf(db).slice(3).map((r) => r.kind)).toEqual(['resolved', 'resolved']);
    db.close();
  });

  it('a silence holds the notifications of its rule; once it ends, a still-firing alert is announced', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const s = service(db, dir, { for: { 'data-stale': '0s' } });
    s.store.silence('data-stale', T0 + HOUR, 'resync running', 'bob', T0);
    const silenced = s.evaluate(stale(T0), T0);
    expect(silenced.fired.map((a) => a.rule)).toEqual(['data-stale']);
    expect(silenced.silenced.map((a) => a.rule)).toEqual(['data-stale']);
    expect(outboxOf(db)).toEqual([]);
    s.evaluate(stale(T0 + HOUR + 1), T0 + HOUR + 1);
    expect(outboxOf(db).map((r) => r.kind)).toEqual(['firing', 'firing']);
    db.close();
  });

  it('an alert resolved under a silence that was never announced sends no resolve', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const s = service(db, dir, { for: { 'data-stale': '0s' } });
    s.store.silence('data-stale', T0 + HOUR, 'maintenance', null, T0);
    s.evaluate(stale(T0), T0);
    expect(s.evaluate(fresh(T0 + MINUTE), T0 + MINUTE).resolved).toHaveLength(1);
    expect(outboxOf(db)).toEqual([]);
    db.close();
  });

  it('a probe that cannot tell leaves its alert as it is instead of resolving it', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const s = service(db, dir);
    const corrupt = snapshot({ at: T0, probes: [probe('integrity', 'critical', 2, 'count', 'quick_check found 2 problems')] });
    expect(s.evaluate(corrupt, T0).fired.map((a) => a.rule)).toEqual(['db-corruption']);
    const unknown = snapshot({ at: T0 + MINUTE, probes: [probe('integrity', 'unknown', null, 'count', 'busy')] });
    const report = s.evaluate(unknown, T0 + MINUTE);
    expect(report.resolved).toEqual([]);
    expect(report.open.map((a) => `${a.rule} ${a.state}`)).toEqual(['db-corruption firing']);
    db.close();
  });

  it('routes by severity to configured channels only; nobody configured means nothing is queued', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const warn = snapshot({ at: T0, missing: { '1h': ['SOLUSDT'] } });
    service(db, dir, { for: { 'missing-symbols': '0s' } }).evaluate(warn, T0);
    expect(outboxOf(db).map((r) => `${r.channel} ${r.rule}`)).toEqual(['slack missing-symbols']);
    db.close();

    const dir2 = tempDir();
    const db2 = openOpsDb(dir2);
    const bare = new AlertService({ db: db2, config: { ...testConfig({ alerts: { for: { 'missing-symbols': '0s' } } }), dataDir: dir2 }, env: {}, runs: () => [], daemonFacts: () => null });
    expect(bare.evaluate(warn, T0).fired).toHaveLength(1);
    expect(outboxOf(db2)).toEqual([]);
    db2.close();
  });

  it('ack and silence refuse what does not exist (exit 2)', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const s = service(db, dir);
    expect(() => s.store.ack(99, null, T0)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('no alert 99') }));
    expect(() => s.store.unsilence(5, T0)).toThrow(/no silence 5/);
    db.close();
  });
});
