import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { dumpScopeExclusions } from '../../src/backup/postgres/facts.js';
import { answerLine, elsewhereLines } from '../../src/cli/daemon-actions.js';
import { relative } from '../../src/cli/format.js';
import { RequestPoller } from '../../src/engine/request-poller.js';
import { NoLeaderError, RequestTimeoutError, submitRequest, submitVia, waitForRequest, waitVia, type LeaderRequest } from '../../src/engine/requests.js';
import { openSharedRequests, sharedRequestQueue } from '../../src/engine/shared-requests.js';
import type { Config } from '../../src/config/schema.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { PgLeaderRequests } from '../../src/store/postgres/leader-requests.js';
import { PgLease, type Fence, type LeaseCandidate } from '../../src/store/postgres/lease.js';
import { openPgPool, type PgPool } from '../../src/store/postgres/pool.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

const asker = { pid: 4242, host: 'host-b', user: 'ops' };
const candidate = (host: string): LeaseCandidate => ({ holderId: `${host}-holder`, pid: process.pid, startTicks: null, host });

function request(overrides: Partial<LeaderRequest> = {}): LeaderRequest {
  return {
    id: 7, kind: 'daemon.pause', args: {}, requestedBy: asker, requestedAt: 0, expiresAt: 1, state: 'done',
    result: { daemon: 'backtest', state: 'paused', pid: null, previousPid: 100 },
    handledBy: { holderId: 'a-1', pid: 55, host: 'host-a', epoch: 3 }, handledAt: 0, finishedAt: 0, ...overrides,
  };
}

describe('the answer to a daemon request, as printed (pure)', () => {
  it('names the leading host, the asking host when they differ, and where the request is kept', () => {
    expect(answerLine('pause', request(), 'PostgreSQL')).toEqual({
      ok: true, text: '✔ pause: done by the leader on host-a (PID 55; asked from host-b), request #7 in PostgreSQL: the backtest daemon is paused (was PID 100)',
    });
    const local = request({ requestedBy: { ...asker, host: 'host-a' }, result: { daemon: 'backtest', state: 'running', pid: 101, previousPid: 100 } });
    expect(answerLine('restart', local, 'ops.db').text).toBe('✔ restart: done by the leader on host-a (PID 55), request #7: the backtest daemon is running, PID 101 (was PID 100)');
    const failed = request({ state: 'failed', result: { error: 'the leader supervises no daemon' } });
    expect(answerLine('resume', failed, 'PostgreSQL')).toEqual({
      ok: false, text: 'cfa-console: error: resume failed on the leader on host-a (PID 55; asked from host-b) (request #7 in PostgreSQL): the leader supervises no daemon',
    });
  });
});

describe('daemon status on a host whose daemon runs with the leader elsewhere (pure)', () => {
  it('says where it runs and when a leader last started it, or that none is recorded, within 80 columns', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    const start = { action: 'daemon-start', subject: 'backtest', epoch: 4, host: 'host-a', at: now - 90_000, detail: null };
    const lines = elsewhereLines({ host: 'host-a', lastStart: start }, now);
    expect(lines).toEqual([
      'daemon    runs on host-a with the leader: see `cfa-console daemon status` there',
      `started   by the leader on host-a (epoch 4), 2026-12-01 11:58:30 UTC (${relative(now - 90_000, now)})`,
    ]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(elsewhereLines({ host: 'host-a', lastStart: null }, now)[1]).toBe('started   - no start recorded in PostgreSQL');
  });
});

describe('backups of a postgres store', () => {
  it('leave the requests to the leader out, as the other ops tables', () => {
    expect(dumpScopeExclusions()).toContain('cfa_leader_requests');
  });
});

describe.skipIf(pgMissing)(`requests to the leader in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase | null = null;
  const pools: PgPool[] = [];

  afterEach(async () => {
    for (const p of pools.splice(0)) await p.end();
    await db?.drop();
    db = null;
  });

  async function setUp() {
    db = await freshPgDatabase();
    const pool = openPgPool(db.url, { size: 2 });
    pools.push(pool);
    const lease = new PgLease(pool);
    const lead = async (host: string, ttlMs: number): Promise<Fence> => {
      const got = await lease.acquire(candidate(host), ttlMs);
      expect(got.leader).toBe(true);
      return { epoch: got.holder!.epoch, holderId: got.holder!.holderId, host };
    };
    return { url: db.url, store: new PgLeaderRequests(pool), lead, lease };
  }

  const stateOf = async (url: string, id: number) => withClient(url, async (c) =>
    (await c.query<{ state: string; handled_epoch: string | null; handled_by_host: string | null }>('SELECT state, handled_epoch, handled_by_host FROM cfa_leader_requests WHERE id = $1', [id])).rows[0]);

  it('runs the state machine: pending -> running under the epoch -> done; a pending one past its expiry is never claimed', async () => {
    const { store, lead } = await setUp();
    const fence = await lead('host-a', 60_000);
    const asked = await store.submit('daemon.restart', { reason: 'deploy' }, asker, 60_000);
    expect(asked).toMatchObject({ kind: 'daemon.restart', state: 'pending', args: { reason: 'deploy' }, requestedBy: asker, handledBy: null });
    expect(asked.expiresAt - asked.requestedAt).toBe(60_000);

    const claimed = await store.claimNext(fence, { pid: 55 });
    expect(claimed).toEqual({ refused: false, value: expect.objectContaining({ id: asked.id, state: 'running', handledBy: { holderId: 'host-a-holder', pid: 55, host: 'host-a', epoch: fence.epoch } }) });
    expect(await store.claimNext(fence, { pid: 55 })).toEqual({ refused: false, value: null });
    const done = await store.finish(fence, asked.id, 'done', { pid: 9 });
    expect(done).toMatchObject({ refused: false, value: { state: 'done', result: { pid: 9 } } });
    // A final state stays final, named as ops.db's table names it.
    await expect(store.finish(fence, asked.id, 'failed', {})).rejects.toThrow(/a request cannot go from done to failed/);

    const late = await store.submit('daemon.pause', {}, asker, 1);
    await sleep(20);
    expect(await store.claimNext(fence, { pid: 55 })).toEqual({ refused: false, value: null });
    expect((await store.get(late.id))?.request.state).toBe('expired');
    // The same checks as ops.db's.
    await expect(store.submit('job.run', {} as never, asker, 1000)).rejects.toThrow(/a job.run request needs the job's name as args.job/);
  });

  it('refuses, in the database, a claim and an outcome under an old epoch; the new leader fails what the deposed one left running', async () => {
    const { url, store, lead } = await setUp();
    const old = await lead('host-a', 400);
    const first = await store.submit('daemon.pause', {}, asker, 60_000);
    expect(await store.claimNext(old, { pid: 55 })).toMatchObject({ refused: false, value: { id: first.id } });
    const second = await store.submit('daemon.resume', {}, asker, 60_000);

    // host-a is paused past its lease; host-b takes it at the next epoch.
    await sleep(600);
    const current = await lead('host-b', 60_000);
    expect(current.epoch).toBe(old.epoch + 1);

    // host-a comes back and still believes it leads: the database refuses every step of its epoch.
    expect(await store.claimNext(old, { pid: 55 })).toEqual({ refused: true });
    expect(await stateOf(url, second.id)).toEqual({ state: 'pending', handled_epoch: null, handled_by_host: null });
    expect(await store.finish(old, first.id, 'done', { pid: 1 })).toEqual({ refused: true });
    expect(await store.failOrphans(old)).toEqual({ refused: true });
    expect(await stateOf(url, first.id)).toMatchObject({ state: 'running', handled_by_host: 'host-a' });

    // host-b fails what host-a left running, and takes up what waits.
    expect(await store.failOrphans(current)).toEqual({ refused: false, value: [first.id] });
    expect((await store.get(first.id))?.request).toMatchObject({
      state: 'failed', result: { error: `the leader handling it (PID 55 on host-a, epoch ${old.epoch}) went away before it finished; ask again` },
    });
    expect(await store.claimNext(current, { pid: 66 })).toMatchObject({ refused: false, value: { id: second.id, handledBy: { host: 'host-b', epoch: current.epoch } } });
    // Once failed by the new leader, the old one's outcome cannot overwrite it, even with a fence that held.
    await expect(store.finish(current, first.id, 'done', {})).rejects.toThrow(/a request cannot go from failed to done/);
    // Pruning is a leader's step too.
    expect(await store.prune(old, 0)).toBe(0);
  });

  it('a leader that lost the lease and leads again under a newer epoch keeps the requests it still handles, and records their outcome', async () => {
    const { url, store, lead, lease } = await setUp();
    const handler = { holderId: 'host-a-holder', pid: process.pid, host: 'host-a' };
    let fence: Fence | null = await lead('host-a', 400);
    const first = fence;
    const handling = new Set<number>();
    const before = sharedRequestQueue(store, () => fence, handler, handling);
    const slow = await store.submit('job.run', { job: 'sync' }, asker, 60_000);
    const lost = await store.submit('daemon.pause', {}, asker, 60_000);
    expect(await before.claimNext()).toMatchObject({ id: slow.id });
    expect(await before.claimNext()).toMatchObject({ id: lost.id });

    // host-a's lease runs out (paused past it); host-b takes it and gives it up before it took anything up.
    fence = null;
    await sleep(600);
    const b = await lead('host-b', 60_000);
    expect(await lease.release(candidate('host-b'))).toBe(true);
    // The pause ended while host-a did not lead: its outcome is not recorded, the request stays running.
    await expect(before.finish((await store.get(lost.id))!.request, 'done', {})).rejects.toThrow(/leads no more/);

    fence = await lead('host-a', 60_000);
    expect(fence.epoch).toBe(b.epoch + 1);
    const after = sharedRequestQueue(store, () => fence, handler, handling);
    // The sync it still runs is its own, no orphan; the pause whose outcome was lost is.
    expect(await after.failOrphans()).toEqual([lost.id]);
    expect(await stateOf(url, slow.id)).toEqual({ state: 'running', handled_epoch: String(first.epoch), handled_by_host: 'host-a' });
    // The sync ends: its outcome is recorded under the epoch that leads now.
    await before.finish((await store.get(slow.id))!.request, 'done', { status: 'success' });
    expect((await store.get(slow.id))?.request).toMatchObject({ state: 'done', result: { status: 'success' } });
    expect(handling.size).toBe(0);
    // Another holder's outcome is still refused, whatever its fence.
    const other = await store.submit('daemon.resume', {}, asker, 60_000);
    expect(await after.claimNext()).toMatchObject({ id: other.id });
    await expect(store.finish({ ...fence, holderId: 'host-b-holder' }, other.id, 'done', {})).resolves.toEqual({ refused: true });
  });

  it('a requester on another host: no leader, no request; one left unclaimed past its time is expired by whoever reads it, and never runs', async () => {
    const { url, store, lead } = await setUp();
    const shared = openSharedRequests({ store: { backend: 'postgres', url }, engine: { host: 'host-b' } } as unknown as Config)!;
    try {
      await expect(submitVia(shared.channel, 'daemon.pause', {})).rejects.toThrow(NoLeaderError);
      const fence = await lead('host-a', 60_000);
      const asked = await submitVia(shared.channel, 'daemon.pause', { reason: 'why not' }, { ttlMs: 1 });
      expect(asked.requestedBy).toMatchObject({ host: 'host-b', pid: process.pid });
      await sleep(20);
      // Nobody claimed it (this leader polls nothing here): the requester's own read expires it.
      await expect(waitVia(shared.channel, asked.id, { timeoutMs: 5_000, pollMs: 20 })).rejects.toThrow(RequestTimeoutError);
      expect((await store.get(asked.id))?.request.state).toBe('expired');
      expect(await store.claimNext(fence, { pid: 55 })).toEqual({ refused: false, value: null });
      // Asked and not taken up in time: expired by the requester, with where its result would have been.
      const slow = await submitVia(shared.channel, 'daemon.resume', {}, { ttlMs: 60_000 });
      await expect(waitVia(shared.channel, slow.id, { timeoutMs: 100, pollMs: 20 })).rejects.toThrow(/request #\d+ \(daemon.resume\) expired unhandled/);
      expect((await store.get(slow.id))?.request.state).toBe('expired');
    } finally {
      await shared.close();
    }
  });

  it('the leader polls PostgreSQL and its own ops.db, running each request once', async () => {
    const { store, lead } = await setUp();
    const fence = await lead('host-a', 60_000);
    const handler = { holderId: fence.holderId, pid: process.pid, host: 'host-a' };
    const calls: string[] = [];
    const local = openOpsDb(tempDir());
    const poller = new RequestPoller({
      db: local, handler, pollMs: 20, shared: sharedRequestQueue(store, () => fence, handler, new Set()),
      handlers: {
        'daemon.restart': async () => { calls.push('restart'); return { ok: true, result: { pid: 7 } }; },
        'daemon.pause': async () => { calls.push('pause'); return { ok: true, result: {} }; },
        'daemon.resume': async () => ({ ok: true, result: {} }),
        'job.run': async (args) => { calls.push(`run ${args.job}`); return { ok: false, result: { error: 'sync ended failed' } }; },
      },
    });
    const restart = await store.submit('daemon.restart', {}, asker, 60_000);
    const run = await store.submit('job.run', { job: 'sync' }, asker, 60_000);
    const here = submitRequest(local, 'daemon.pause', {}, { requireLeader: false });
    poller.start();
    try {
      const settled = async (id: number) => {
        for (;;) {
          const found = (await store.get(id))!.request;
          if (found.state === 'done' || found.state === 'failed') return found;
          await sleep(20);
        }
      };
      expect(await settled(restart.id)).toMatchObject({ state: 'done', result: { pid: 7 }, handledBy: { host: 'host-a', epoch: fence.epoch } });
      expect(await settled(run.id)).toMatchObject({ state: 'failed', result: { error: 'sync ended failed' } });
      expect(await waitForRequest(local, here.id, { timeoutMs: 10_000, pollMs: 20 })).toMatchObject({ state: 'done', handledBy: { host: 'host-a' } });
    } finally {
      await poller.stop();
      local.close();
    }
    expect(calls.sort()).toEqual(['pause', 'restart', 'run sync']);
  });
});
