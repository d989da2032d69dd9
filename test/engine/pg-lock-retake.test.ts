import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RESULT_FILE_ENV } from '../../src/backtest/daily-backtest.js';
import { acquireJobLock, LockLostError } from '../../src/engine/job-lock.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { jobLockKey } from '../../src/store/postgres/job-locks.js';
import { PgMarketStore } from '../../src/store/postgres/market-store.js';
import { parseJsonLines, startCli, writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { candleStoreDifferences, simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A job lock whose PostgreSQL connection ends mid-run (here: pg_terminate_backend on that very
 * backend) is taken again, or, when another host got it first, the run stops and fails naming
 * that host. Real processes of the built binary on one database, two hosts as two data dirs.
 */

const INTERVALS = ['1h', '4h'] as const;
const BACKFILL = 300;

function host(name: string, url: string, symbols: string[]) {
  const dir = tempDir();
  writeTestConfig(dir, { symbols, intervals: [...INTERVALS], sync: { backfillDays: BACKFILL, concurrency: 1 }, store: { backend: 'postgres' } });
  return {
    name,
    args: (simUrl: string) => ['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), '--exchange-url', simUrl, 'sync', '--json'],
    env: { CFA_STORE_URL: url, CFA_HOST: name },
  };
}

/** What the database's candles lack or have wrong against the simulator: [] when the store is whole. */
async function storeDifferences(url: string, sim: Parameters<typeof candleStoreDifferences>[1], symbols: string[]): Promise<string[]> {
  const store = await PgMarketStore.open(url, { poolSize: 1 });
  try {
    return await candleStoreDifferences(store, sim, symbols, INTERVALS, BACKFILL);
  } finally {
    await store.close();
  }
}

type Child = ReturnType<typeof startCli>;

interface LockRow { host: string; pid: number; backend_pid: number; live: boolean }

/** A lock's row and whether its backend still holds an advisory lock (the lock is live). */
async function lockRow(url: string, name = 'sync'): Promise<LockRow | null> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<LockRow>(
      `SELECT j.host, j.pid, j.backend_pid, EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = j.backend_pid) AS live
       FROM cfa_job_locks j WHERE j.name = $1`, [name]);
    return rows[0] ?? null;
  }).catch(() => null); // no table until the first lock is taken
}

/** Resolves once the child has printed a JSON line with this event. */
function eventOut(child: Child, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      if (parseJsonLines(out).some((e) => e.event === event)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the child ended (exit ${code}) before its ${event} line`)));
  });
}

/** Ends the lock's backend, and waits until it has gone (with it its advisory lock: another host's take must not race it). */
const terminate = (url: string, backendPid: number, name = 'sync') =>
  withClient(url, async (c) => {
    const { rows } = await c.query<{ ended: boolean }>('SELECT pg_terminate_backend(backend_pid, 10000) AS ended FROM cfa_job_locks WHERE name = $1 AND backend_pid = $2', [name, backendPid]);
    expect(rows).toEqual([{ ended: true }]);
  });

/**
 * Host a cut off from PostgreSQL (SIGSTOP: it cannot notice yet) while its lock's backend is ended
 * and host b's run starts and takes the lock; then host a comes back (SIGCONT) and finds it gone.
 * Hands back host b's child, holding the lock (wrapped: the child is a promise of its result, which
 * an async function's return would wait for).
 */
async function takenWhileAway(url: string, name: string, childA: Child, startB: () => Child): Promise<{ childB: Child }> {
  const held = await waitFor(`host-a to hold the ${name} lock`, async () => { const r = await lockRow(url, name); return r?.live && r.host === 'host-a' ? r : null; }, 30_000);
  expect(held.pid).toBe(childA.pid);
  childA.kill('SIGSTOP');
  await terminate(url, held.backend_pid, name);
  const childB = startB();
  const bHolds = await waitFor(`host-b to hold the ${name} lock`, async () => {
    if (childB.exitCode !== null) throw new Error(`host-b's ${name} ended (exit ${childB.exitCode}) before it held the lock: ${String((await childB).stderr)}`);
    const r = await lockRow(url, name);
    return r?.live && r.host === 'host-b' ? r : null;
  }, 30_000);
  expect(bHolds.pid).toBe(childB.pid);
  childA.kill('SIGCONT');
  return { childB };
}

describe.skipIf(pgMissing)(`a lost job lock is taken again, or the run stops${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase | null = null;
  const children: Child[] = [];

  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await c.catch(() => {});
    }
    await db?.drop();
    db = null;
  });

  it('re-takes the sync lock when its connection is terminated and nobody else wants it: the sync completes (exit 0), the store is whole', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2, faults: { latencyMs: 150 } });
    const symbols = sim.symbols.slice(0, 2);
    const a = host('host-a', db.url, symbols);
    const child = startCli(a.args(sim.url), { env: a.env });
    children.push(child);

    const first = await waitFor('host-a to hold the sync lock', async () => { const r = await lockRow(db!.url); return r?.live && r.host === 'host-a' ? r : null; });
    expect(first.pid).toBe(child.pid);
    await terminate(db.url, first.backend_pid);
    // Held again by the same process on a new connection, while the sync still runs.
    const again = await waitFor('the lock to be held again', async () => { const r = await lockRow(db!.url); return r?.live && r.backend_pid !== first.backend_pid ? r : null; });
    expect(again).toMatchObject({ host: 'host-a', pid: child.pid });

    const result = await child;
    const events = parseJsonLines(String(result.stdout));
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const lostAt = events.findIndex((e) => e.event === 'lock-lost');
    const retakenAt = events.findIndex((e) => e.event === 'lock-retaken');
    expect(lostAt).toBeGreaterThan(-1);
    expect(retakenAt).toBeGreaterThan(lostAt);
    expect(events[lostAt]!.message).toMatch(/the connection that holds the sync lock in PostgreSQL at .* was lost.*; taking it again for up to 30 s/);
    expect(events[retakenAt]).toMatchObject({ lock: 'sync', lostMs: expect.any(Number) });
    expect(events.find((e) => e.event === 'lock-lost-for-good')).toBeUndefined();
    const summary = events.find((e) => e.event === 'summary');
    expect(summary).toMatchObject({ status: 'success', series: { total: 4, ok: 4, failed: 0, cancelled: 0 } });
    expect(summary!.error).toBeUndefined();
    // The release let the new connection go: nobody holds the lock.
    expect((await lockRow(db.url))?.live ?? false).toBe(false);
    expect(await storeDifferences(db.url, sim, symbols)).toEqual([]);
  });

  it('stops host a\'s sync (exit 1, failed, naming host b and its PID) when host b took the lock while host a\'s connection was gone; host b\'s sync runs to the end', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2, faults: { latencyMs: 150 } });
    const symbols = sim.symbols.slice(0, 2);
    const a = host('host-a', db.url, symbols);
    const b = host('host-b', db.url, symbols);
    const syncA = startCli(a.args(sim.url), { env: a.env });
    children.push(syncA);
    // Past its start (the store opened): stopped inside a schema migration, it would hold every other host's migrations up.
    await eventOut(syncA, 'start');
    const { childB: syncB } = await takenWhileAway(db.url, 'sync', syncA, () => {
      const child = startCli(b.args(sim.url), { env: b.env });
      children.push(child);
      return child;
    });

    const resultA = await syncA;
    const bStillRuns = syncB.exitCode === null;
    const eventsA = parseJsonLines(String(resultA.stdout));
    expect(resultA.exitCode, String(resultA.stderr)).toBe(1);
    const message = `lost the sync lock: host host-b (PID ${syncB.pid}) took it while PostgreSQL was away; this run stopped so that two hosts never run sync at once`;
    expect(eventsA.find((e) => e.event === 'lock-lost-for-good')).toMatchObject({ lock: 'sync', holder: { host: 'host-b', pid: syncB.pid }, message });
    expect(eventsA.find((e) => e.event === 'lock-retaken')).toBeUndefined();
    const summaryA = eventsA.find((e) => e.event === 'summary');
    expect(summaryA).toMatchObject({ status: 'failed', error: message });
    expect((summaryA!.series as { cancelled: number }).cancelled).toBeGreaterThan(0);
    // Host a stopped while host b's sync was still running, and host b's went on to the end.
    expect(bStillRuns).toBe(true);
    const resultB = await syncB;
    expect(resultB.exitCode, String(resultB.stderr)).toBe(0);
    expect(parseJsonLines(String(resultB.stdout)).find((e) => e.event === 'summary')).toMatchObject({ status: 'success' });
    expect(await storeDifferences(db.url, sim, symbols)).toEqual([]);
  });

  it('stops host a\'s backtest command (exit 1, failed, naming host b) when host b\'s backtest took the lock while host a\'s connection was gone', async () => {
    db = await freshPgDatabase();
    const backtestHost = (name: string, ms: number) => {
      const dir = tempDir();
      writeTestConfig(dir, { store: { backend: 'postgres' }, backtest: { command: [process.execPath, '-e', `setTimeout(() => require('node:fs').writeFileSync(process.env.${RESULT_FILE_ENV}, '{}'), ${ms})`] } });
      return { args: ['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), 'backtest', '--json'], env: { CFA_STORE_URL: db!.url, CFA_HOST: name } };
    };
    const a = backtestHost('host-a', 60_000);
    const b = backtestHost('host-b', 1500);
    const runA = startCli(a.args, { env: a.env });
    children.push(runA);
    const { childB: runB } = await takenWhileAway(db.url, 'backtest', runA, () => {
      const child = startCli(b.args, { env: b.env });
      children.push(child);
      return child;
    });

    const resultA = await runA;
    expect(resultA.exitCode, String(resultA.stderr)).toBe(1);
    const summaryA = parseJsonLines(String(resultA.stdout)).find((e) => e.event === 'summary');
    // Its command was stopped long before its 60 s were up.
    expect(summaryA).toMatchObject({
      status: 'failed',
      error: `lost the backtest lock: host host-b (PID ${runB.pid}) took it while PostgreSQL was away; this run stopped so that two hosts never run backtest at once`,
    });
    expect(summaryA!.signal ?? summaryA!.exitCode).not.toBe(0);
    const resultB = await runB;
    expect(resultB.exitCode, String(resultB.stderr)).toBe(0);
    expect(parseJsonLines(String(resultB.stdout)).find((e) => e.event === 'summary')).toMatchObject({ status: 'success' });
  });

  it('gives up after its window when the lock stays away (held by a session that never says who): the lock\'s signal aborts, naming the window', async () => {
    db = await freshPgDatabase();
    const ops = openOpsDb(tempDir());
    const events: string[] = [];
    const lock = await acquireJobLock(ops, 'validate', { url: db.url, host: 'host-a' }, {
      retakeWindowMs: 3000,
      onLost: () => events.push('lost'), onRetaken: () => events.push('retaken'), onLostForGood: () => events.push('lost-for-good'),
    });
    try {
      const held = (await lockRow(db.url, 'validate'))!;
      expect(held).toMatchObject({ host: 'host-a', pid: process.pid, live: true });
      await withClient(db.url, async (c) => {
        // Queued for the advisory lock, this session is granted it the moment the terminated backend lets go, before any re-take can try.
        const waiting = c.query('SELECT pg_advisory_lock($1::bigint)', [jobLockKey('validate').toString()]);
        await terminate(db!.url, held.backend_pid, 'validate');
        await waiting;
        await waitFor('the lock to be lost for good', () => lock.lost.aborted, 20_000);
      });
      expect(events).toEqual(['lost', 'lost-for-good']);
      expect(lock.lost.reason).toBeInstanceOf(LockLostError);
      expect((lock.lost.reason as LockLostError).message).toBe(
        'lost the validate lock: it could not be taken again within 3 s of its connection ending (another process held it without saying who); this run stopped so that two hosts never run validate at once');
    } finally {
      await lock();
      ops.close();
    }
  });
});
