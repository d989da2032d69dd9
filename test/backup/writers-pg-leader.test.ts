import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { pauseWriters } from '../../src/backup/writers.js';
import { loadConfig } from '../../src/config/load-config.js';
import { openSharedRequests } from '../../src/engine/shared-requests.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { engineFixture, killDaemons, pidAlive, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A restore on a host that does not lead (store.backend postgres) pauses the backtest daemon on
 * the leader's host: host a runs the engine (CFA_HOST=a) and supervises the beating stand-in
 * daemon; this process is host b with a data dir of its own, whose ops.db knows no leader, and
 * pauses the writers as restore does (pauseWriters with the PostgreSQL request channel).
 */

const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');
const NO_EXCHANGE = 'http://127.0.0.1:9';
const spawns = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe.skipIf(pgMissing)(`restore on a follower pauses the leader's daemon${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const started: RunningDaemon[] = [];
  let db: TestDatabase | null = null;

  afterEach(async () => {
    await killDaemons(started);
    await db?.drop();
    db = null;
  });

  function host(url: string, name: string, withDaemon: boolean) {
    const dir = tempDir();
    const spawnLog = path.join(dir, 'spawns.log');
    const args = engineFixture(dir, NO_EXCHANGE, {
      store: { backend: 'postgres', url },
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', host: name },
      ...(withDaemon ? { daemon: { command: [process.execPath, BEATING, '--spawn-log', spawnLog], restartBackoff: '300ms', killGrace: '2s' } } : {}),
    });
    const data = path.join(dir, 'data');
    const config = () => loadConfig({ configPath: path.join(dir, 'config.json'), dataDir: data, exchangeUrl: NO_EXCHANGE }).config;
    return { args, spawnLog, dir, data, config };
  }

  it('b asks a through PostgreSQL: a\'s daemon is stopped and stays stopped during the pause, and runs again after the release', async () => {
    db = await freshPgDatabase();
    const a = host(db.url, 'a', true);
    const b = host(db.url, 'b', false);
    const engine = startDaemon(a.args);
    started.push(engine);
    await engine.waitFor((l) => l.msg === 'became leader');
    const first = (await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running')).pid as number;

    const config = b.config();
    const ops = openOpsDb(b.data);
    const notes: string[] = [];
    const paused = await pauseWriters({
      ops, dataDir: b.data, locks: ['sync', 'backup'], waitMs: 5_000, stopDaemon: true, killGraceMs: 2_000,
      shared: { url: db.url, host: 'b' }, sharedRequests: () => openSharedRequests(config), onNote: (n) => notes.push(n),
    });
    expect(paused.daemonPaused).toBe('leader-shared');
    expect(notes.join('\n')).toMatch(new RegExp(`the engine's leader \\(PID ${engine.child.pid} on a\\) paused the backtest daemon \\(PID ${first} stopped\\) \\(request #\\d+ in PostgreSQL\\)`));
    expect(pidAlive(first)).toBe(false);
    // Past a's restart backoff: its supervisor keeps the daemon stopped while we hold the store.
    await sleep(1500);
    expect(spawns(a.spawnLog)).toEqual([`start ${first}`]);

    await paused.release();
    expect(paused.daemonResumed).toBe('leader');
    const second = (await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running' && l.pid !== first)).pid as number;
    expect(pidAlive(second)).toBe(true);
    expect(spawns(a.spawnLog)).toEqual([`start ${first}`, `start ${second}`]);
    const rows = await withClient(db.url, async (c) => (await c.query(
      'SELECT kind, state, requested_by_host, handled_by_host FROM cfa_leader_requests ORDER BY id')).rows);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({ kind: 'daemon.pause', state: 'done', requested_by_host: 'b', handled_by_host: 'a' });
    // The resume is not waited for; a has taken it up (its daemon runs again), its outcome may still be on the way.
    expect(rows[1]).toMatchObject({ kind: 'daemon.resume', requested_by_host: 'b', handled_by_host: 'a' });
    ops.close();
    engine.child.kill('SIGTERM');
    expect((await engine.child).exitCode).toBe(0);
  }, 90_000);

  it('with no leader in PostgreSQL, b says so and goes on as on one host (marked paused in its ops.db, released after)', async () => {
    db = await freshPgDatabase();
    const b = host(db.url, 'b', false);
    const config = b.config();
    const ops = openOpsDb(b.data);
    const notes: string[] = [];
    const paused = await pauseWriters({
      ops, dataDir: b.data, locks: ['sync'], waitMs: 2_000, stopDaemon: true, killGraceMs: 500,
      shared: { url: db.url, host: 'b' }, sharedRequests: () => openSharedRequests(config), onNote: (n) => notes.push(n),
    });
    expect(notes).toContain('no engine leader holds the lease in PostgreSQL: nobody on another host supervises the backtest daemon');
    expect(paused.daemonPaused).toBe('ops.db');
    await paused.release();
    expect(paused.daemonResumed).toBe('next-leader');
    ops.close();
  }, 30_000);
});
