import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { openSharedRuns } from '../../src/engine/run-mirror.js';
import { openSharedRequests } from '../../src/engine/shared-requests.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { postgresBinDir, freezeServer, startPrivatePostgres, thawServer, type PrivatePostgres } from '../helpers/private-postgres.js';
import { tempDir } from '../helpers/temp-dir.js';
import path from 'node:path';

/**
 * `status` and `jobs` when PostgreSQL stops answering mid-query (its processes SIGSTOPped: a
 * paused VM, a partition; the connection stays open, the query never ends): the read is bounded,
 * and so is closing the pool, which otherwise waits for the stuck query. The server is this file's
 * own, not the suite's shared one, since it is frozen here; only its own PIDs are signalled.
 */

const bin = postgresBinDir();
const NO_EXCHANGE = 'http://127.0.0.1:9';

describe.skipIf(!bin)(`closing when PostgreSQL stops answering${bin ? '' : ' (skipped: no PostgreSQL server binaries)'}`, () => {
  let server: PrivatePostgres | null = null;

  beforeAll(() => {
    server = startPrivatePostgres(bin!);
  });
  afterAll(() => {
    server?.stop();
  });

  async function frozen<T>(fn: () => Promise<T>): Promise<T> {
    const pids = freezeServer(server!);
    try {
      return await fn();
    } finally {
      thawServer(pids);
    }
  }

  function config() {
    const dir = tempDir();
    writeTestConfig(dir, { store: { backend: 'postgres', url: server!.url } });
    const data = path.join(dir, 'data');
    return { dir, data, args: ['--config', path.join(dir, 'config.json'), '--data-dir', data, '--exchange-url', NO_EXCHANGE] };
  }

  it('the shared history\'s and the request channel\'s close() end while a query of theirs waits on a frozen server', async () => {
    const c = config();
    const loaded = loadConfig({ configPath: path.join(c.dir, 'config.json'), dataDir: c.data, exchangeUrl: NO_EXCHANGE }).config;
    const runs = openSharedRuns(loaded)!;
    const requests = openSharedRequests(loaded)!;
    // Connected and migrated while the server answers.
    expect(await runs.jobStates()).toEqual([]);
    expect((await requests.channel.lease()).holder).toBeNull();
    await frozen(async () => {
      const stuck = [runs.jobStates(), requests.channel.lease()];
      for (const p of stuck) p.catch(() => {});
      // Let both queries reach the (stopped) server's socket.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const closed = await Promise.race([
        Promise.all([runs.close(), requests.close()]).then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 15_000)),
      ]);
      expect(closed).toBe('closed');
    });
  }, 40_000);

  // End to end: a new process meets the frozen server while connecting (the mid-query close is the test above).
  it('`status` and `jobs` end, saying the server gave no answer, instead of waiting for it', async () => {
    const c = config();
    const ok = await runCli([...c.args, 'status', '--json']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ leaderFrom: 'postgres', runsFrom: 'postgres' });
    await frozen(async () => {
      // execa's timeout (a kill, then exit code -1) is a liveness cut-off far beyond the 10 s read bound, not a measurement.
      const status = await runCli([...c.args, 'status', '--json'], { timeout: 60_000 });
      expect(status.exitCode, status.stderr).toBe(0);
      // A new connection to a frozen server: the 10 s read bound and the driver's 10 s connection timeout race; either names the trouble.
      expect(JSON.parse(status.stdout)).toMatchObject({ leaderFrom: 'postgres', leaderError: expect.any(String), runsFrom: 'ops.db', sharedRunsError: expect.any(String) });
      const jobs = await runCli([...c.args, 'jobs'], { timeout: 60_000 });
      expect(jobs.exitCode, jobs.stderr).toBe(0);
      expect(jobs.stderr).toMatch(/^▲ last results of this host only: ./m);
    });
  }, 180_000);
});
