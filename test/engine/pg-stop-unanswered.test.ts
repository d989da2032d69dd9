import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFixture, killDaemons, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { postgresBinDir, freezeServer, startPrivatePostgres, thawServer, type PrivatePostgres } from '../helpers/private-postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A daemon's stop when PostgreSQL stops answering: the server's processes SIGSTOPped (a paused VM,
 * a partition: connections stay open, queries never end). The server is this file's own, not the
 * suite's shared one, since it is frozen here.
 */

const bin = postgresBinDir();

describe.skipIf(!bin)(`an engine's stop with PostgreSQL not answering${bin ? '' : ' (skipped: no PostgreSQL server binaries)'}`, () => {
  let server: PrivatePostgres | null = null;
  const daemons: RunningDaemon[] = [];

  beforeAll(() => {
    server = startPrivatePostgres(bin!);
  });
  afterAll(async () => {
    await killDaemons(daemons);
    server?.stop();
  });

  it('ends within its bound after SIGTERM, saying so, instead of waiting for the server to come back', async () => {
    // A lease that outlasts the freeze: the engine still leads, its renewals and claims wait on the server.
    const args = engineFixture(tempDir(), 'http://127.0.0.1:9', {
      store: { backend: 'postgres' }, engine: { leaseTtl: '60s', leaseRenewEvery: '500ms', stopGrace: '2s', sampleEvery: '500ms' },
    });
    const daemon = startDaemon(args, { env: { CFA_STORE_URL: server!.url } });
    daemons.push(daemon);
    await daemon.waitFor((l) => l.msg === 'became leader', 30_000);
    const frozen = freezeServer(server!);
    try {
      // Long enough for the leader's next steps (the request poller asks every second) to be waiting on the server.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      daemon.child.kill('SIGTERM');
      const ended = await Promise.race([
        daemon.child.then((r) => r.exitCode),
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 25_000)),
      ]);
      expect(ended).toBe(0);
      expect(daemon.lines().some((l) => l.msg === 'PostgreSQL did not answer while stopping: stopped without waiting for it any longer')).toBe(true);
    } finally {
      thawServer(frozen);
    }
  }, 60_000);
});
