import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineFixture, killDaemons, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * `status` on a host that does not lead (store.backend postgres): the leader is the one in the
 * lease in PostgreSQL, on whichever host it runs, not this host's ops.db lease (empty there).
 * Real processes: host a's engine leads, host b runs only the CLI, on one database.
 */

interface Leader { host: string; pid: number; epoch?: number; alive: boolean }
interface StatusJson { leader: Leader | null; leaderFrom?: string; leaderError?: string; daemon: unknown; daemonHost?: string }

describe.skipIf(pgMissing)(`status names the PostgreSQL leader on any host${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const started: RunningDaemon[] = [];
  let db: TestDatabase | null = null;
  const servers: net.Server[] = [];

  afterEach(async () => {
    await killDaemons(started);
    await db?.drop();
    db = null;
    for (const s of servers.splice(0)) s.close();
  });

  it('host b, which runs no engine, names host a\'s leader with its PID and epoch, in text and --json', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const store = { backend: 'postgres', url: db.url };
    const engine = { leaseTtl: '3s', leaseRenewEvery: '500ms', stopGrace: '2s' };
    const a = engineFixture(tempDir(), sim.url, { store, engine });
    const b = engineFixture(tempDir(), sim.url, { store, engine });

    // Before anyone leads: none, on any host.
    const before = await runCli([...b, 'status', '--json'], { env: { CFA_HOST: 'b' } });
    expect(before.exitCode, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ leader: null, leaderFrom: 'postgres' });

    const leader = startDaemon(a, { env: { CFA_HOST: 'a' } });
    started.push(leader);
    const became = await leader.waitFor((l) => l.msg === 'became leader', 30_000);

    const json = await runCli([...b, 'status', '--json'], { env: { CFA_HOST: 'b' } });
    expect(json.exitCode, json.stderr).toBe(0);
    const s = JSON.parse(json.stdout) as StatusJson;
    expect(s.leaderFrom).toBe('postgres');
    expect(s.leaderError).toBeUndefined();
    expect(s.leader).toMatchObject({ host: 'a', pid: leader.child.pid, epoch: became.epoch, alive: true });
    // The daemon is the leader's, on a: b's own stored state is not shown for it.
    expect(s).toMatchObject({ daemon: null, daemonHost: 'a' });
    // On a itself: the same leader, and its own daemon state as on one host.
    const onA = JSON.parse((await runCli([...a, 'status', '--json'], { env: { CFA_HOST: 'a' } })).stdout) as StatusJson;
    expect(onA.leader).toMatchObject({ host: 'a', pid: leader.child.pid, alive: true });
    expect(onA.daemonHost).toBeUndefined();

    const text = await runCli([...b, 'status'], { env: { CFA_HOST: 'b' } });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^leader\\s+✔ PID ${String(leader.child.pid)} on a, epoch ${String(became.epoch)}, since `, 'm'));
    expect(text.stdout).toMatch(/^daemon {4}runs on a with the leader: see `cfa-console daemon status` there$/m);
  }, 120_000);

  it('a PostgreSQL that accepts the connection and never answers: status ends and says the leader is unknown, and why', async () => {
    const sim = await simulator({ symbols: 2 });
    // Accepts and stays silent: neither refused nor answered.
    const silent = net.createServer(() => {});
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const b = engineFixture(tempDir(), sim.url, { store: { backend: 'postgres', url: `postgres://cfa:secret@127.0.0.1:${String(port)}/none` } });

    const json = await runCli([...b, 'status', '--json'], { env: { CFA_HOST: 'b' } });
    expect(json.exitCode, json.stderr).toBe(0);
    const s = JSON.parse(json.stdout) as StatusJson;
    expect(s.leader).toBeNull();
    expect(s.leaderFrom).toBe('postgres');
    expect(s.leaderError).toMatch(new RegExp(`127\\.0\\.0\\.1:${String(port)}`));
    expect(json.stdout).not.toContain('secret');

    const text = await runCli([...b, 'status'], { env: { CFA_HOST: 'b' } });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^leader\s+▲ unknown: .*127\.0\.0\.1/m);
  }, 120_000);
});
