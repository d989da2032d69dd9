import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/alerts/alert-state.js';
import { adoptHandover, handoverState, type HandoverState } from '../../src/alerts/handover.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { AlertService } from '../../src/alerts/service.js';
import type { HandoverRow } from '../../src/store/postgres/alert-handover.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import type { Db } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, MINUTE, T0, snapshot, testConfig } from './helpers.js';

/**
 * The SQLite side of the handover between hosts (the PostgreSQL side and real engines:
 * pg-handover.test.ts): two real ops.db files standing for two hosts' data dirs.
 */

const channels = {
  slack: { webhookUrl: 'http://127.0.0.1:9/slack' },
  pagerduty: { routingKey: 'pd-key-for-handover-tests', url: 'http://127.0.0.1:9/pd' },
};

function host(alerts: Record<string, unknown> = {}) {
  const dir = tempDir();
  const db = openOpsDb(dir);
  const config = { ...testConfig({ alerts: { channels, for: { 'data-stale': '0s' }, repeatCritical: '1h', ...alerts } }), dataDir: dir };
  return { db, service: new AlertService({ db, config, env: {}, runs: () => [], daemonFacts: () => null }) };
}

const stale = (at: number) => snapshot({ at, ages: { '4h': 30 * HOUR } });
const fresh = (at: number) => snapshot({ at });

function waiting(db: Db) {
  return new Outbox(db).undelivered().map((r) => `${r.channel} ${r.kind}`);
}

function handed(db: Db, host: string, epoch: number, now: number): HandoverRow<HandoverState> {
  // Through JSON, as PostgreSQL's JSONB returns it.
  return { epoch, holderId: `${host}-holder`, host, state: JSON.parse(JSON.stringify(handoverState(db, now))) as HandoverState, writtenAt: now };
}

describe('the alert handover in ops.db', () => {
  it('a firing, announced alert carries on without a new notification; its resolve goes where the trigger went', () => {
    const a = host();
    a.service.evaluate(stale(T0), T0);
    const sent = new Outbox(a.db).undelivered();
    new Outbox(a.db).markDelivered(sent.map((r) => r.id), T0 + 1000);
    const b = host();
    adoptHandover(b.db, handed(a.db, 'host-a', 1, T0 + 2000), T0 + 2000);
    expect(waiting(b.db)).toEqual([]);
    const still = b.service.evaluate(stale(T0 + MINUTE), T0 + MINUTE);
    expect(still.fired).toEqual([]);
    expect(still.enqueued).toBe(0);
    expect(still.open.map((x) => `${x.rule} ${x.state}`)).toEqual(['data-stale firing']);
    const cleared = b.service.evaluate(fresh(T0 + 2 * MINUTE), T0 + 2 * MINUTE);
    expect(cleared.resolved.map((x) => x.rule)).toEqual(['data-stale']);
    expect(waiting(b.db)).toEqual(['pagerduty resolved', 'slack resolved']);
  });

  it('undelivered notifications are taken over with their attempts; this host\'s stale queue and alerts are closed without a word', () => {
    const b = host();
    // host-b led once, long ago: it left an alert open and a message waiting.
    b.service.evaluate(stale(T0 - 10 * HOUR), T0 - 10 * HOUR);
    expect(waiting(b.db)).toEqual(['pagerduty firing', 'slack firing']);

    const a = host();
    a.service.evaluate(stale(T0), T0);
    const outbox = new Outbox(a.db);
    outbox.markFailed(outbox.undelivered().filter((r) => r.channel === 'pagerduty').map((r) => r.id), { error: 'HTTP 503', nextAttemptAt: T0 + 5000, now: T0 + 1000, maxAttempts: 20, keepTrying: false });
    outbox.markDelivered(outbox.undelivered().filter((r) => r.channel === 'slack').map((r) => r.id), T0 + 1000);
    // host-a's alert resolved meanwhile, so host-b's old one is not in the handover: a fresh snapshot.
    a.service.evaluate(fresh(T0 + 2000), T0 + 2000);

    adoptHandover(b.db, handed(a.db, 'host-a', 3, T0 + 3000), T0 + 3000);
    const queue = new Outbox(b.db).undelivered();
    expect(queue.map((r) => `${r.channel} ${r.kind} ${r.attempts}`)).toEqual(['pagerduty firing 1', 'pagerduty resolved 0', 'slack resolved 0']);
    expect(queue[0]!.nextAttemptAt).toBe(T0 + 5000);
    const superseded = new Outbox(b.db).since(0).filter((r) => r.failedAt !== null);
    expect(superseded.map((r) => r.lastError)).toEqual([
      'superseded: host-a led at epoch 3 and handed over its own queue', 'superseded: host-a led at epoch 3 and handed over its own queue',
    ]);
    expect(new AlertStore(b.db).open()).toEqual([]);
  });

  it('commands from another host apply once, however often they arrive; silences travel by rule, start and author', () => {
    const a = host({ repeatCritical: '10m' });
    a.service.evaluate(stale(T0), T0);
    const store = new AlertStore(a.db);
    const alert = store.open()[0]!;
    const ack = { kind: 'ack' as const, fingerprint: alert.fingerprint, rule: alert.rule, by: 'bob', at: T0 + MINUTE };
    expect(store.applyRemote(ack, T0 + MINUTE)).toBe(true);
    expect(store.applyRemote(ack, T0 + 2 * MINUTE)).toBe(false);
    expect(store.get(alert.id)).toMatchObject({ ackedBy: 'bob', ackedAt: T0 + MINUTE });
    // Acked: no repeat after repeatCritical.
    expect(a.service.evaluate(stale(T0 + 20 * MINUTE), T0 + 20 * MINUTE).repeated).toEqual([]);

    const silence = { kind: 'silence' as const, rule: 'backup-stale' as const, until: T0 + HOUR, reason: 'restoring', by: 'bob', at: T0 + MINUTE };
    expect(store.applyRemote(silence, T0 + MINUTE)).toBe(true);
    expect(store.applyRemote(silence, T0 + MINUTE)).toBe(false);
    expect(store.activeSilences(T0 + 2 * MINUTE)).toHaveLength(1);

    const b = host();
    adoptHandover(b.db, handed(a.db, 'host-a', 1, T0 + 2 * MINUTE), T0 + 2 * MINUTE);
    expect(new AlertStore(b.db).activeSilences(T0 + 3 * MINUTE).map((s) => `${s.rule} ${s.createdBy} ${s.reason}`)).toEqual(['backup-stale bob restoring']);
    expect(new AlertStore(b.db).open()[0]).toMatchObject({ fingerprint: alert.fingerprint, ackedBy: 'bob' });
    // Arriving again after the handover changes nothing.
    expect(new AlertStore(b.db).applyRemote(silence, T0 + 3 * MINUTE)).toBe(false);
    const end = { kind: 'unsilence' as const, rule: 'backup-stale' as const, createdAt: T0 + MINUTE, createdBy: 'bob', at: T0 + 4 * MINUTE };
    expect(new AlertStore(b.db).applyRemote(end, T0 + 4 * MINUTE)).toBe(true);
    expect(new AlertStore(b.db).applyRemote(end, T0 + 5 * MINUTE)).toBe(false);
    expect(new AlertStore(b.db).activeSilences(T0 + 4 * MINUTE)).toEqual([]);
  });
});
