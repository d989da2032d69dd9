import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/service.js';
import { runJob } from '../../src/engine/job-runner.js';
import { PgLeadership, type Refusal } from '../../src/engine/pg-leadership.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import type { Candidate } from '../../src/engine/leadership.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { openPgPool, type PgPool } from '../../src/store/postgres/pool.js';
import { Recorder, testConfig } from '../alerts/helpers.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';
import { DAEMONS, NODE, daemonConfig, harness } from './supervisor/helpers.js';

/**
 * The leader's steps on the postgres backend, one component at a time, against the test server:
 * an old leader (epoch 1) whose lease another host took (epoch 2) has each step refused by the
 * database, and nothing happens.
 */

const a: Candidate = { holderId: 'old-leader', pid: process.pid, startTicks: null, host: 'host-a' };
const b: Candidate = { holderId: 'new-leader', pid: process.pid, startTicks: null, host: 'host-b' };

describe.skipIf(pgMissing)(`fenced leader steps${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  let poolA: PgPool;
  let poolB: PgPool;
  let refusals: Refusal[];
  let oldLeader: PgLeadership;
  let newLeader: PgLeadership;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    db = await freshPgDatabase();
    poolA = openPgPool(db.url, { size: 2 });
    poolB = openPgPool(db.url, { size: 2 });
  });
  afterAll(async () => {
    await poolA?.end();
    await poolB?.end();
    await db?.drop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  /** host-a led at epoch 1 and was paused past its 300 ms lease; host-b took over at epoch 2. */
  async function takenOver(): Promise<void> {
    refusals = [];
    oldLeader = new PgLeadership(poolA, { onRefused: (r) => refusals.push(r) });
    newLeader = new PgLeadership(poolB);
    await oldLeader.lease.migrate();
    await poolA.query("UPDATE cfa_lease SET holder_id = '', epoch = 0, expires_at = 0; DELETE FROM cfa_slot_claims; DELETE FROM cfa_leader_actions");
    expect((await oldLeader.acquire(a, 0, 300)).leader).toBe(true);
    await sleep(350);
    expect(await newLeader.acquire(b, 0, 60_000)).toMatchObject({ leader: true, holder: { epoch: 2 } });
  }

  it('the scheduler: claims of the old epoch are refused and nothing becomes due; the new epoch claims', async () => {
    await takenOver();
    const due: string[] = [];
    const schedule = (leadership: PgLeadership, who: string) => new Scheduler({
      jobs: [{ name: 'sync', cron: '*/1 * * * * *', catchUpWindowMs: 0, enabled: true }],
      db: openOpsDb(tempDir()),
      claims: { lastSlot: (job) => leadership.lastSlot(job), claim: (job, slot) => leadership.claimSlot(job, slot) },
      onDue: (job, slot) => due.push(`${who}:${slot}`),
    });
    const old = schedule(oldLeader, 'a');
    const current = schedule(newLeader, 'b');
    cleanups.push(() => old.stop(), () => current.stop());
    old.start();
    current.start();
    while (refusals.length < 2 || due.length < 2) await sleep(100);
    old.stop();
    current.stop();
    expect(due.every((d) => d.startsWith('b:'))).toBe(true);
    expect(refusals.filter((r) => r.action === 'slot-claim').every((r) => r.epoch === 1 && r.byDatabase)).toBe(true);
    const { rows } = await poolB.query('SELECT DISTINCT epoch::int AS epoch, host FROM cfa_slot_claims');
    expect(rows).toEqual([{ epoch: 2, host: 'host-b' }]);
  });

  it('the job runner: a start the database refuses is recorded skipped with the reason, and no process runs', async () => {
    await takenOver();
    const dataDir = tempDir();
    const ops = openOpsDb(dataDir);
    cleanups.push(() => ops.close());
    const marker = path.join(dataDir, 'ran');
    const outcome = await runJob({ job: 'sync', trigger: 'schedule', slot: 1, timeoutMs: 10_000, killGraceMs: 100 }, {
      db: ops, dataDir,
      cliCommand: [NODE, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`],
      admit: async (request) => (await oldLeader.act('job-start', request.job) ? null : 'refused: epoch 1 no longer holds the lease'),
    });
    expect(outcome).toMatchObject({ status: 'skipped', summary: { reason: 'refused: epoch 1 no longer holds the lease' }, logPath: null });
    expect(fs.existsSync(marker)).toBe(false);
    expect(refusals).toEqual([{ action: 'job-start', subject: 'sync', epoch: 1, byDatabase: true }]);
  });

  it('the supervisor: a daemon start the database refuses starts nothing', async () => {
    await takenOver();
    const h = harness();
    const supervisor = h.supervisor({
      config: daemonConfig({ command: [NODE, path.join(DAEMONS, 'beating-daemon.mjs'), '--spawn-log', h.spawnLog] }),
      admit: () => oldLeader.act('daemon-start', 'backtest'),
    });
    await supervisor.start();
    await sleep(300);
    expect(supervisor.status().pid).toBeNull();
    expect(fs.existsSync(h.spawnLog)).toBe(false);
    expect(h.events(['start'])).toEqual([]);
    expect(refusals.map((r) => r.action)).toEqual(['daemon-start']);
    await supervisor.stop();
  });

  it('alert delivery: a message the old leader may not send stays queued, and the new leader sends it', async () => {
    await takenOver();
    const slack = await new Recorder(() => Date.now()).start();
    const ops = openOpsDb(tempDir());
    cleanups.push(() => slack.stop(), () => ops.close());
    const config = { ...testConfig({ alerts: { channels: { slack: { webhookUrl: `${slack.url}/services/T000/B000/secret` } } } }), dataDir: tempDir() };
    const service = (leadership: PgLeadership) => new AlertService({
      db: ops, config, env: {}, runs: () => [], daemonFacts: () => null,
      admitDelivery: (channel, outbox) => leadership.act('alert-delivery', channel, { outbox }),
    });
    const old = service(oldLeader);
    const [id] = old.outbox.enqueue([{ channel: 'slack', kind: 'test', payload: { kind: 'test', title: 'fenced', text: 'fenced', at: Date.now(), instance: 'x' }, at: Date.now() }]);
    await old.worker.pass();
    expect(slack.requests).toEqual([]);
    expect(old.outbox.get(id!)).toMatchObject({ deliveredAt: null, attempts: 0, claimedBy: null });
    expect(refusals.map((r) => r.action)).toEqual(['alert-delivery']);
    await service(newLeader).worker.pass();
    expect(slack.requests).toHaveLength(1);
    expect(old.outbox.get(id!)?.deliveredAt).not.toBeNull();
    const { rows } = await poolB.query("SELECT epoch::int AS epoch, subject FROM cfa_leader_actions WHERE action = 'alert-delivery'");
    expect(rows).toEqual([{ epoch: 2, subject: 'slack' }]);
  });
});
