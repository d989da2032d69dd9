import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import Database from '../../src/store/sqlite-driver.js';
import { CLI } from '../helpers/cli.js';
import { engineFixture, pidAlive, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Two engines as two hosts on one machine: separate data dirs, different host names (one from
 * engine.host, one from CFA_HOST), one PostgreSQL database for the lease. Real processes, real
 * signals, the built binary.
 */

interface RunRow { id: number; job: string; trigger: string; slot: number | null; status: string; started_at: number }
interface Claim { job: string; slot: number; epoch: number; holder_id: string; host: string; claimed_at: number }
interface Action { epoch: number; holder_id: string; host: string; action: string; subject: string; at: number }
interface Lease { holder_id: string; host: string; epoch: number; acquired_at: number; expires_at: number }

function runs(dataDir: string): RunRow[] {
  const file = path.join(dataDir, 'ops.db');
  if (!fs.existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, job, trigger, slot, status, started_at FROM job_runs ORDER BY id').all() as RunRow[];
  } finally {
    db.close();
  }
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const claims = (url: string) => query<Claim>(url, 'SELECT job, slot::float8 AS slot, epoch::int AS epoch, holder_id, host, claimed_at::float8 AS claimed_at FROM cfa_slot_claims ORDER BY slot');
const actions = (url: string) => query<Action>(url, 'SELECT epoch::int AS epoch, holder_id, host, action, subject, at::float8 AS at FROM cfa_leader_actions ORDER BY id');
const lease = async (url: string) => (await query<Lease>(url, "SELECT holder_id, host, epoch::int AS epoch, acquired_at::float8 AS acquired_at, expires_at::float8 AS expires_at FROM cfa_lease WHERE name = 'leader'"))[0]!;

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Each slot ran on one host at most, and only on the host whose leader claimed it. */
function expectEachSlotOnce(hosts: Record<string, string>, claimed: Claim[]): void {
  const byHost = Object.entries(hosts).map(([host, data]) => ({ host, slots: runs(data).filter((r) => r.slot !== null).map((r) => r.slot!) }));
  for (const { host, slots } of byHost) {
    expect(new Set(slots).size, `a slot ran twice on ${host}`).toBe(slots.length);
    for (const slot of slots) expect(claimed.find((c) => c.slot === slot)?.host, `slot ${slot} ran on ${host}`).toBe(host);
  }
  const all = byHost.flatMap((h) => h.slots);
  expect(new Set(all).size, 'a slot ran on both hosts').toBe(all.length);
}

describe.skipIf(pgMissing)(`leadership across hosts in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const started: RunningDaemon[] = [];
  const strays: number[] = [];
  let db: TestDatabase | null = null;

  afterEach(async () => {
    for (const d of started.splice(0)) {
      try { process.kill(d.child.pid!, 'SIGCONT'); } catch { /* gone */ }
      d.child.kill('SIGKILL');
      await d.child.catch(() => {});
    }
    for (const pid of strays.splice(0)) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await db?.drop();
    db = null;
  });

  async function twoHosts(withDaemon: boolean) {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const host = (name: string) => {
      const dir = tempDir();
      const data = path.join(dir, 'data');
      const args = engineFixture(dir, sim.url, {
        // Every second: a slot every second for two engines to compete over.
        jobs: { sync: { schedule: '*/1 * * * * *', catchUpWindow: '1s' } },
        store: { backend: 'postgres', url: db!.url },
        // host-a names itself in its config file; host-b through CFA_HOST (below).
        engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', ...(name === 'host-a' ? { host: name } : {}) },
        ...(withDaemon ? { daemon: { command: [process.execPath, CLI, '--data-dir', data, 'example-backtest'], heartbeatTimeout: '20s' } } : {}),
      });
      return { data, args, name };
    };
    const a = host('host-a');
    const b = host('host-b');
    const start = (h: typeof a) => {
      const daemon = startDaemon(h.args, h.name === 'host-b' ? { env: { CFA_HOST: 'host-b' } } : {});
      started.push(daemon);
      return daemon;
    };
    return { url: db.url, a, b, start };
  }

  it('kill -9 of the leader: the other host leads once the lease has run out, at the next epoch, no slot runs twice, and the daemon moves', async () => {
    const { url, a, b, start } = await twoHosts(true);
    const leaderA = start(a);
    const leadA = await leaderA.waitFor((l) => l.msg === 'became leader');
    expect(leadA).toMatchObject({ host: 'host-a', epoch: 1 });
    const daemonA = (await leaderA.waitFor((l) => l.msg === 'daemon' && l.state === 'running')).pid as number;
    strays.push(daemonA);
    const followerB = start(b);
    await followerB.waitFor((l) => l.msg === 'following the current leader');
    await until('two slots claimed by host-a', async () => (await claims(url)).filter((c) => c.host === 'host-a').length >= 2);

    leaderA.child.kill('SIGKILL');
    await leaderA.child.catch(() => {});
    const killedAt = Date.now();
    const held = await lease(url);
    expect(held).toMatchObject({ host: 'host-a', epoch: 1 });

    const leadB = await followerB.waitFor((l) => l.msg === 'became leader', 20_000);
    expect(leadB).toMatchObject({ host: 'host-b', epoch: 2 });
    const taken = await lease(url);
    // Another host's PID cannot be probed: host-b waited for the lease to run out, on the database's clock.
    expect(taken.acquired_at).toBeGreaterThanOrEqual(held.expires_at);
    console.info(`takeover after kill -9: ${Date.parse(leadB.time as string) - killedAt} ms after the kill (leaseTtl 2s, renew 300ms); ${taken.acquired_at - held.expires_at} ms after the expiry on the database's clock`);
    await until('two slots claimed by host-b', async () => (await claims(url)).filter((c) => c.host === 'host-b').length >= 2);
    await followerB.waitFor((l) => l.msg === 'job finished');
    // host-b starts its own daemon; host-a's copy outlived its killed engine (no systemd cgroup here)
    // until host-a's engine comes back, follows host-b, and stops it.
    const daemonB = (await followerB.waitFor((l) => l.msg === 'daemon' && l.state === 'running')).pid as number;
    strays.push(daemonB);
    expect(pidAlive(daemonA)).toBe(true);
    const againA = start(a);
    expect(await againA.waitFor((l) => l.msg === 'following the current leader')).toMatchObject({ leaderHost: 'host-b', epoch: 2 });
    expect(await againA.waitFor((l) => String(l.msg).startsWith('stopped the backtest daemon a previous engine'))).toMatchObject({ pid: daemonA });
    expect(pidAlive(daemonA)).toBe(false);
    expect(pidAlive(daemonB)).toBe(true);
    againA.child.kill('SIGTERM');
    expect((await againA.child).exitCode).toBe(0);

    followerB.child.kill('SIGTERM');
    expect((await followerB.child).exitCode).toBe(0);
    expect(pidAlive(daemonB)).toBe(false);
    const claimed = await claims(url);
    expect(new Set(claimed.filter((c) => c.host === 'host-a').map((c) => c.epoch))).toEqual(new Set([1]));
    expect(new Set(claimed.filter((c) => c.host === 'host-b').map((c) => c.epoch))).toEqual(new Set([2]));
    expectEachSlotOnce({ 'host-a': a.data, 'host-b': b.data }, claimed);
    // Every run host-b started as leader was recorded under its epoch first.
    const starts = (await actions(url)).filter((x) => x.action === 'job-start' && x.host === 'host-b');
    expect(starts.every((x) => x.epoch === 2)).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(runs(b.data).filter((r) => r.status !== 'skipped').length);
    // The lease was released on the graceful stop: vacant, and the epoch kept for the next holder.
    expect(await lease(url)).toMatchObject({ holder_id: '', epoch: 2 });
  });

  it('the leader SIGSTOPped past its lease: the other host takes over and starts the daemon; after SIGCONT the old leader runs and writes nothing, steps down and stops its daemon', async () => {
    const { url, a, b, start } = await twoHosts(true);
    const leaderA = start(a);
    await leaderA.waitFor((l) => l.msg === 'became leader');
    const daemonA = (await leaderA.waitFor((l) => l.msg === 'daemon' && l.state === 'running')).pid as number;
    strays.push(daemonA);
    const followerB = start(b);
    await followerB.waitFor((l) => l.msg === 'following the current leader');
    await until('two slots claimed by host-a', async () => (await claims(url)).filter((c) => c.host === 'host-a').length >= 2);

    process.kill(leaderA.child.pid!, 'SIGSTOP');
    const leadB = await followerB.waitFor((l) => l.msg === 'became leader', 20_000);
    expect(leadB).toMatchObject({ host: 'host-b', epoch: 2 });
    const daemonB = (await followerB.waitFor((l) => l.msg === 'daemon' && l.state === 'running')).pid as number;
    strays.push(daemonB);
    expect(daemonB).not.toBe(daemonA);
    await until('two slots claimed by host-b', async () => (await claims(url)).filter((c) => c.host === 'host-b').length >= 2);
    const takeover = await lease(url);
    // While host-a was stopped its daemon ran on: two copies, one per host, until host-a notices.
    expect(pidAlive(daemonA)).toBe(true);

    const linesBefore = leaderA.lines().length;
    const contAt = Date.now();
    process.kill(leaderA.child.pid!, 'SIGCONT');
    const lost = await leaderA.waitFor((l) => l.msg === 'lost the lease: scheduler and supervisor stopped', 20_000);
    await until("host-a's daemon stopped", () => !pidAlive(daemonA), 30_000);
    // Give the old leader's timers time to try whatever they would.
    await sleep(3_000);

    const after = leaderA.lines().slice(linesBefore);
    const refusedByDb = after.filter((l) => l.msg === 'fenced write refused: another host leads now, or this lease lapsed');
    const notSent = after.filter((l) => l.msg === 'leader step not taken: this engine holds no lease');
    console.info(`host-a after SIGCONT: ${refusedByDb.length} fenced write(s) refused by the database ${JSON.stringify(refusedByDb.map((l) => l.action))}, ${notSent.length} step(s) not sent; stepped down ${Date.parse(lost.time as string) - contAt} ms after SIGCONT`);
    // Nothing of host-a's epoch after host-b's took over: every write of epoch 1 committed before it.
    expect((await claims(url)).filter((c) => c.epoch === 1 && c.claimed_at >= takeover.acquired_at)).toEqual([]);
    expect((await actions(url)).filter((x) => x.epoch === 1 && x.at >= takeover.acquired_at)).toEqual([]);
    // host-a started no run after SIGCONT, not even a skipped one.
    expect(runs(a.data).filter((r) => r.started_at >= contAt)).toEqual([]);
    expect(after.filter((l) => l.msg === 'job starting' || l.msg === 'became leader')).toEqual([]);
    // host-b leads on and keeps its daemon; host-a's copy was stopped for losing the lease.
    expect(pidAlive(daemonB)).toBe(true);
    expect(fs.readFileSync(path.join(a.data, 'logs', 'daemon', 'backtest.log'), 'utf8')).toMatch(/lost the lease to another host/);
    expect(await lease(url)).toMatchObject({ host: 'host-b', epoch: 2 });

    followerB.child.kill('SIGTERM');
    leaderA.child.kill('SIGTERM');
    expect((await followerB.child).exitCode).toBe(0);
    expect((await leaderA.child).exitCode).toBe(0);
    expect(pidAlive(daemonB)).toBe(false);
    expectEachSlotOnce({ 'host-a': a.data, 'host-b': b.data }, await claims(url));
  });
});
