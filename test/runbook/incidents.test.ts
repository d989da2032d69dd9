import { spawnSync } from 'node:child_process';
import os from 'node:os';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { IncidentStore, keepOutput, whoAmI, type Who } from '../../src/runbook/incidents.js';
import { initialState } from '../../src/runbook/machine.js';
import { openOpsDb, OPS_MIGRATIONS } from '../../src/store/ops-db.js';
import { migrate, openSqlite } from '../../src/store/sqlite.js';
import { makeRunbooks } from '../fixtures/runbooks/registry.mjs';

const [fixState] = makeRunbooks('/nonexistent');

/** A process that has exited: its claim is free. */
function deadWho(): Who {
  const child = spawnSync(process.execPath, ['-e', '']);
  return { user: 'alice', host: os.hostname(), tty: '/dev/pts/3', pid: child.pid!, startTicks: null };
}

describe('incidents (ops.db v7)', () => {
  it('opens an incident with who, when and the alert, and lists it newest first', () => {
    const db = openOpsDb(tempDir());
    const store = new IncidentStore(db);
    const who = whoAmI(null);
    const a = store.open({ runbook: 'fix-state', who, at: 1000, machine: initialState(fixState!), alert: { id: 7, rule: 'data-stale', pendingSince: 400, firedAt: 700 } });
    const b = store.open({ runbook: 'never-fixed', who, at: 2000, machine: initialState(fixState!), automatic: true });
    expect(a).toMatchObject({ runbook: 'fix-state', state: 'open', openedAt: 1000, openedBy: `${who.user}@${who.host}`, automatic: false, alert: { id: 7, rule: 'data-stale', pendingSince: 400, firedAt: 700 } });
    expect(a.claim).toMatchObject({ by: `${who.user}@${who.host}`, pid: process.pid, since: 1000 });
    expect(a.machine?.phase).toBe('before');
    expect(store.list().map((i) => i.id)).toEqual([b.id, a.id]);
    expect(store.activeFor('fix-state')?.id).toBe(a.id);
    store.close(a.id, 'resolved', 'steady state reached', 3000);
    expect(store.get(a.id)).toMatchObject({ state: 'resolved', closedAt: 3000, claim: null });
    expect(store.activeFor('fix-state')).toBeNull();
    expect(store.list({ state: 'open' }).map((i) => i.id)).toEqual([b.id]);
    db.close();
  });

  it('a dry run is never the active incident of its runbook', () => {
    const db = openOpsDb(tempDir());
    const store = new IncidentStore(db);
    store.open({ runbook: 'fix-state', who: whoAmI(null), at: 1, machine: initialState(fixState!), dryRun: true });
    expect(store.activeFor('fix-state')).toBeNull();
    db.close();
  });

  it('one process works an incident: a second one is refused while the holder lives, and may take over', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const store = new IncidentStore(db);
    // The test's parent process is alive and is not this one: a live holder.
    const holder: Who = { user: 'alice', host: os.hostname(), tty: '/dev/pts/1', pid: process.ppid, startTicks: null };
    const me = whoAmI(null);
    const incident = store.open({ runbook: 'fix-state', who: holder, at: 100, machine: initialState(fixState!) });
    const refused = store.claim(incident.id, me, 200);
    expect(refused).toEqual({ ok: false, holder: { by: `alice@${os.hostname()}`, pid: process.ppid, startTicks: null, host: os.hostname(), since: 100 } });
    expect(store.holds(incident.id, me)).toBe(false);
    expect(store.takeOver(incident.id, me, 300)).toMatchObject({ by: `alice@${os.hostname()}` });
    expect(store.holds(incident.id, me)).toBe(true);
    expect(store.get(incident.id)?.claim).toMatchObject({ pid: process.pid, since: 300 });
    // Now the former holder is the one refused.
    expect(store.claim(incident.id, holder, 400).ok).toBe(false);
    store.release(incident.id, me);
    expect(store.get(incident.id)?.claim).toBeNull();
    db.close();
  });

  it('the claim of a process that is gone is taken at once', () => {
    const db = openOpsDb(tempDir());
    const store = new IncidentStore(db);
    const incident = store.open({ runbook: 'fix-state', who: deadWho(), at: 100, machine: initialState(fixState!) });
    expect(store.claim(incident.id, whoAmI(null), 200)).toEqual({ ok: true });
    expect(store.get(incident.id)?.claim?.pid).toBe(process.pid);
    db.close();
  });

  it('keeps the timeline: entries started and finished, output kept or digested, running ones marked unknown after a crash', () => {
    const db = openOpsDb(tempDir());
    const store = new IncidentStore(db);
    const incident = store.open({ runbook: 'fix-state', who: whoAmI(null), at: 1, machine: initialState(fixState!) });
    const first = store.addEntry(incident.id, { runbook: 'fix-state', step: 'look', kind: 'step', intent: 'Look', risk: 'read', startedAt: 10, outcome: 'running' });
    store.finishEntry(first, { endedAt: 20, outcome: 'ok', summary: 'fine', data: { n: 1 }, output: ['a', 'b'] });
    const many = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    store.addEntry(incident.id, { runbook: 'fix-state', step: 'restore', kind: 'step', startedAt: 30, outcome: 'running', output: many });
    expect(store.markUnknown(incident.id, 40)).toBe(1);
    const [look, restore] = store.timeline(incident.id);
    expect(look).toMatchObject({ step: 'look', startedAt: 10, endedAt: 20, outcome: 'ok', summary: 'fine', data: { n: 1 }, output: ['a', 'b'], outputLines: 2, outputDigest: null });
    expect(restore).toMatchObject({ step: 'restore', outcome: 'unknown', endedAt: 40, outputLines: 1000 });
    expect(restore!.output).toHaveLength(201);
    expect(restore!.output[0]).toBe('line 0');
    expect(restore!.output.at(-1)).toBe('line 999');
    expect(restore!.outputDigest).toMatch(/^[0-9a-f]{64}$/);
    db.close();
  });

  it('keepOutput keeps short output whole and clips long lines', () => {
    expect(keepOutput(['x'])).toEqual({ lines: ['x'], total: 1, digest: null });
    expect(keepOutput(['y'.repeat(5000)]).lines[0]).toHaveLength(2001);
    const kept = keepOutput(['1', '2', '3', '4', '5'], 2);
    expect(kept.lines).toEqual(['1', expect.stringMatching(/3 lines left out/), '5']);
  });

  it('migration 7 upgrades an ops.db at version 6 and keeps its outbox, which now takes escalation pages', () => {
    const file = `${tempDir()}/ops.db`;
    const old = openSqlite(file);
    migrate(old, OPS_MIGRATIONS.filter((m) => m.version <= 6));
    old.prepare("INSERT INTO outbox (channel, kind, payload, created_at, next_attempt_at) VALUES ('slack', 'digest', '{}', 5, 5)").run();
    expect(() => old.prepare("INSERT INTO outbox (channel, kind, payload, created_at, next_attempt_at) VALUES ('slack', 'escalation', '{}', 6, 6)").run()).toThrow(/CHECK/);
    old.close();

    const db = openSqlite(file);
    migrate(db, OPS_MIGRATIONS);
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(7);
    expect(db.prepare('SELECT id, channel, kind, created_at FROM outbox').all()).toEqual([{ id: 1, channel: 'slack', kind: 'digest', created_at: 5 }]);
    db.prepare("INSERT INTO outbox (channel, kind, payload, created_at, next_attempt_at) VALUES ('slack', 'escalation', '{}', 6, 6)").run();
    expect(() => db.prepare("INSERT INTO outbox (channel, kind, payload, created_at, next_attempt_at) VALUES ('slack', 'bogus', '{}', 6, 6)").run()).toThrow(/CHECK/);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' ORDER BY name").pluck().all() as string[]);
    expect(indexes).toEqual(['outbox_by_time', 'outbox_queue']);
    db.close();
    // Another process reads it as well (a plain driver, no migrations).
    const plain = new Database(file, { readonly: true });
    expect(plain.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('incidents', 'incident_timeline')").pluck().get()).toBe(2);
    plain.close();
  });
});

describe('incidents handed over between hosts (store.backend postgres)', () => {
  const keyOf = (id: number) => `fp-${id}`;

  it('travel open with their timeline, arrive once with their alert found by key, and come back onto the same row', () => {
    const a = new IncidentStore(openOpsDb(tempDir()));
    const b = new IncidentStore(openOpsDb(tempDir()));
    const automaticRun = { ...deadWho(), host: 'host-a-machine' };
    const open = a.open({ runbook: 'fix-state', who: automaticRun, at: 1000, machine: initialState(fixState!), automatic: true, alert: { id: 3, rule: 'data-stale', pendingSince: 500, firedAt: 900 } });
    a.addEntry(open.id, { runbook: 'fix-state', step: 'look', kind: 'step', startedAt: 1100, endedAt: 1200, outcome: 'not-passed', summary: 'broken', output: ['one', 'two'] });
    const old = a.open({ runbook: 'never-fixed', who: whoAmI(null), at: 100, machine: initialState(fixState!) });
    a.close(old.id, 'resolved', 'done', 200);
    const dry = a.open({ runbook: 'dry', who: whoAmI(null), at: 300, machine: initialState(fixState!), dryRun: true });
    expect(dry.dryRun).toBe(true);

    const handed = a.handover(150, keyOf);
    expect(handed.map((h) => [h.runbook, h.state, h.timeline.length])).toEqual([['fix-state', 'open', 1], ['never-fixed', 'resolved', 0]]);
    expect(handed[0]).toMatchObject({ originId: open.id, alert: { id: 3, key: 'fp-3' } });
    expect(a.handover(250, keyOf).map((h) => h.runbook)).toEqual(['fix-state']);

    // host-b knows the alert as its #42; the closed one is host-a's history and stays there.
    const ids = b.adopt(handed, (key) => (key === 'fp-3' ? 42 : null));
    expect(ids).toHaveLength(1);
    const carried = b.get(ids[0]!)!;
    expect(carried).toMatchObject({ runbook: 'fix-state', state: 'open', automatic: true, openedAt: 1000, alert: { id: 42, rule: 'data-stale', firedAt: 900 } });
    // The engine that ran it no longer leads: its claim does not hold the incident back.
    expect(carried.claim).toBeNull();
    expect(b.timeline(carried.id)).toMatchObject([{ step: 'look', outcome: 'not-passed', summary: 'broken', output: ['one', 'two'] }]);
    expect(b.list()).toHaveLength(1);
    // Seeded twice (a crash before the mirror): still one.
    b.adopt(handed, () => 42);
    expect(b.list()).toHaveLength(1);

    // host-b carries on and closes it; back on host-a, its own row takes that state: no second incident.
    b.addEntry(carried.id, { runbook: 'fix-state', step: 'fix', kind: 'step', startedAt: 1300, endedAt: 1400, outcome: 'ok' });
    b.close(carried.id, 'resolved', 'steady state reached', 1500);
    expect(a.adopt(b.handover(1000, keyOf), () => null)).toEqual([open.id]);
    expect(a.get(open.id)).toMatchObject({ state: 'resolved', outcome: 'steady state reached', closedAt: 1500 });
    expect(a.list().filter((i) => i.runbook === 'fix-state')).toHaveLength(1);
  });

  it('always carry every open incident, however many closed recently (the limit counts the closed ones only)', () => {
    const a = new IncidentStore(openOpsDb(tempDir()));
    const waiting = a.open({ runbook: 'fix-state', who: deadWho(), at: 10, machine: initialState(fixState!) });
    for (let i = 0; i < 5; i += 1) {
      const flap = a.open({ runbook: 'never-fixed', who: deadWho(), at: 100 + i, machine: initialState(fixState!), automatic: true });
      a.close(flap.id, 'resolved', 'steady', 200 + i);
    }
    const handed = a.handover(0, keyOf, 3);
    expect(handed.filter((h) => h.state === 'open').map((h) => h.originId)).toEqual([waiting.id]);
    expect(handed.filter((h) => h.state !== 'open')).toHaveLength(3);
  });

  it('leave alone an incident a live process of this machine works, and keep a person\'s claim', () => {
    const here = new IncidentStore(openOpsDb(tempDir()));
    const me = whoAmI(null);
    const mine = here.open({ runbook: 'fix-state', who: me, at: 1000, machine: initialState(fixState!) });
    here.addEntry(mine.id, { runbook: 'fix-state', step: 'mine', kind: 'step', startedAt: 1100, outcome: 'running' });
    const other = new IncidentStore(openOpsDb(tempDir()));
    other.open({ runbook: 'fix-state', who: me, at: 1000, machine: initialState(fixState!) });
    const person = other.open({ runbook: 'never-fixed', who: { ...me, user: 'bob', host: 'far-away', pid: 4242 }, at: 2000, machine: initialState(fixState!) });

    expect(here.adopt(other.handover(0, keyOf), () => null)).toHaveLength(1);
    expect(here.timeline(mine.id).map((e) => e.step)).toEqual(['mine']);
    expect(here.activeFor('never-fixed')?.claim).toMatchObject({ by: 'bob@far-away', pid: person.claim!.pid, host: 'far-away' });
  });
});
