import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { tryAcquireLease, type Candidate } from '../../src/engine/leadership.js';
import { RequestPoller } from '../../src/engine/request-poller.js';
import {
  assertTransition, canTransition, claimNextRequest, expirePending, failOrphanedRequests, finishRequest, getRequest,
  isExpired, isFinal, NoLeaderError, parseRequest, pruneRequests, REQUEST_STATES, RequestTimeoutError, submitRequest, waitForRequest,
} from '../../src/engine/requests.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';

const leader: Candidate = { holderId: 'leader-1', pid: process.pid, startTicks: null, host: os.hostname() };
const other: Candidate = { holderId: 'leader-2', pid: process.pid, startTicks: null, host: os.hostname() };

function dbWithLeader(now = Date.now()) {
  const db = openOpsDb(tempDir());
  tryAcquireLease(db, leader, now, 60_000);
  return db;
}

describe('request states (pure)', () => {
  it('allows only pending -> running|expired and running -> done|failed', () => {
    const allowed = REQUEST_STATES.flatMap((from) => REQUEST_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed).toEqual(['pending->running', 'pending->expired', 'running->done', 'running->failed']);
    expect(REQUEST_STATES.filter(isFinal)).toEqual(['done', 'failed', 'expired']);
    expect(() => assertTransition('done', 'running')).toThrow(/cannot go from done to running \(from done: nothing, it is final\)/);
    expect(() => assertTransition('pending', 'done')).toThrow(/from pending: running or expired/);
  });

  it('expires a pending request at its expiry, never one already claimed', () => {
    expect(isExpired({ state: 'pending', expiresAt: 1000 }, 999)).toBe(false);
    expect(isExpired({ state: 'pending', expiresAt: 1000 }, 1000)).toBe(true);
    expect(isExpired({ state: 'running', expiresAt: 1000 }, 5000)).toBe(false);
  });

  it('checks kind and arguments, naming what is wrong', () => {
    expect(parseRequest('job.run', { job: 'sync' })).toEqual({ kind: 'job.run', args: { job: 'sync' } });
    expect(parseRequest('daemon.pause', undefined)).toEqual({ kind: 'daemon.pause', args: {} });
    expect(() => parseRequest('daemon.kill', {})).toThrow(/unknown request kind "daemon.kill" \(known: daemon.restart, daemon.pause, daemon.resume, job.run\)/);
    expect(() => parseRequest('job.run', {})).toThrow(/needs the job's name as args.job \(got undefined\)/);
    expect(() => parseRequest('daemon.restart', { reason: 3 })).toThrow(/reason .* must be a string, not 3/);
    expect(() => parseRequest('daemon.restart', [1])).toThrow(/must be an object/);
  });
});

describe('the requests table', () => {
  it('refuses a request when no live leader holds the lease, with what to do', () => {
    const db = openOpsDb(tempDir());
    expect(() => submitRequest(db, 'daemon.restart', {})).toThrow(NoLeaderError);
    expect(() => submitRequest(db, 'daemon.restart', {})).toThrow(/start `cfa-console --daemon` or open the console/);
    // An expired lease is no leader either, and the message names the last one.
    tryAcquireLease(db, leader, 1000, 1000);
    expect(() => submitRequest(db, 'daemon.restart', {}, { now: 5000 })).toThrow(new RegExp(`the last one, PID ${process.pid} on .* is gone`));
    db.close();
  });

  it('is claimed once, oldest first, and records who asked, who handled it and the result', () => {
    const db = dbWithLeader();
    const first = submitRequest(db, 'daemon.pause', { reason: 'test' }, { now: 100, requester: { pid: 42, host: 'h', user: 'u' } });
    const second = submitRequest(db, 'job.run', { job: 'sync' }, { now: 101 });
    expect(first).toMatchObject({ state: 'pending', kind: 'daemon.pause', args: { reason: 'test' }, requestedBy: { pid: 42, host: 'h', user: 'u' }, requestedAt: 100 });

    const claimed = claimNextRequest(db, leader, 200);
    expect(claimed).toMatchObject({ id: first.id, state: 'running', handledBy: { holderId: 'leader-1' }, handledAt: 200 });
    // A second leader racing (a takeover) gets the next one, never the same.
    expect(claimNextRequest(db, other, 201)).toMatchObject({ id: second.id, state: 'running', handledBy: { holderId: 'leader-2' } });
    expect(claimNextRequest(db, leader, 202)).toBeNull();

    finishRequest(db, first.id, 'leader-1', 'done', { state: 'paused' }, 300);
    expect(getRequest(db, first.id)).toMatchObject({ state: 'done', result: { state: 'paused' }, finishedAt: 300 });
    expect(() => finishRequest(db, first.id, 'leader-1', 'failed', {}, 301)).toThrow(/cannot go from done to failed/);
    db.close();
  });

  it('expires what nobody claimed in time, and a running request of a gone leader fails', () => {
    const db = dbWithLeader(0);
    const late = submitRequest(db, 'daemon.resume', {}, { now: 0, ttlMs: 1000 });
    const kept = submitRequest(db, 'daemon.resume', {}, { now: 0, ttlMs: 5000 });
    expect(expirePending(db, 999)).toBe(0);
    expect(claimNextRequest(db, leader, 1000)).toMatchObject({ id: kept.id });
    expect(getRequest(db, late.id)).toMatchObject({ state: 'expired' });

    expect(failOrphanedRequests(db, 'leader-1')).toEqual([]);
    expect(failOrphanedRequests(db, 'leader-2', 2000)).toEqual([kept.id]);
    expect(getRequest(db, kept.id)?.result?.error).toMatch(/went away before it finished; ask again/);

    expect(pruneRequests(db, 1)).toBe(2);
    expect(getRequest(db, kept.id)).toBeNull();
    db.close();
  });

  it('waits for the result; times out (exit 124) and expires a request nobody took up', async () => {
    const db = dbWithLeader();
    const asked = submitRequest(db, 'daemon.restart', {}, { ttlMs: 60_000 });
    const error = await waitForRequest(db, asked.id, { timeoutMs: 150, pollMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as RequestTimeoutError).exitCode).toBe(124);
    expect((error as Error).message).toMatch(/expired unhandled/);
    // It never runs later.
    expect(getRequest(db, asked.id)?.state).toBe('expired');
    expect(claimNextRequest(db, leader)).toBeNull();
    db.close();
  });

  it('gives up with NoLeaderError when the lease stays without a live holder', async () => {
    const db = dbWithLeader();
    const asked = submitRequest(db, 'daemon.pause', {});
    db.prepare('DELETE FROM lease').run();
    await expect(waitForRequest(db, asked.id, { timeoutMs: 10_000, pollMs: 20, leaderGraceMs: 100 })).rejects.toThrow(/no engine leader is running: request #\d+ \(daemon.pause\) was not taken up/);
    expect(getRequest(db, asked.id)?.state).toBe('expired');
    db.close();
  });
});

describe('RequestPoller (the leader side)', () => {
  it('runs each request once through its handler and records done or failed for the waiting follower', async () => {
    const dir = tempDir();
    const leaderDb = openOpsDb(dir);
    tryAcquireLease(leaderDb, leader, Date.now(), 60_000);
    const followerDb = openOpsDb(dir);
    const calls: string[] = [];
    const poller = new RequestPoller({
      db: leaderDb, handler: leader, pollMs: 20,
      handlers: {
        'daemon.restart': async () => { calls.push('restart'); return { ok: true, result: { pid: 7 } }; },
        'daemon.pause': async () => { calls.push('pause'); throw new Error('no daemon configured'); },
        'daemon.resume': async () => ({ ok: true, result: {} }),
        'job.run': async (args) => { calls.push(`run ${args.job}`); return { ok: false, result: { error: 'sync ended failed' } }; },
      },
    });
    poller.start();
    try {
      const restart = submitRequest(followerDb, 'daemon.restart', {});
      const pause = submitRequest(followerDb, 'daemon.pause', {});
      const run = submitRequest(followerDb, 'job.run', { job: 'sync' });
      const wait = (id: number) => waitForRequest(followerDb, id, { timeoutMs: 10_000, pollMs: 20 });
      expect(await wait(restart.id)).toMatchObject({ state: 'done', result: { pid: 7 }, handledBy: { holderId: 'leader-1' } });
      expect(await wait(pause.id)).toMatchObject({ state: 'failed', result: { error: 'no daemon configured' } });
      expect(await wait(run.id)).toMatchObject({ state: 'failed', result: { error: 'sync ended failed' } });
    } finally {
      await poller.stop();
    }
    expect(calls.sort()).toEqual(['pause', 'restart', 'run sync']);
    leaderDb.close();
    followerDb.close();
  });
});
