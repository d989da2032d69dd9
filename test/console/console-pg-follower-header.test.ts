import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineFixture, killDaemons, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';

/**
 * The console on a host that does not lead (store.backend postgres): host a's engine leads, a
 * console on host b (its own data dir, CFA_HOST=b) names that leader in its header, with its host
 * and epoch, as `status` does. Real processes, the console in tmux (160 columns: at 80 the
 * header gives the role's room to the health's causes, on either backend).
 */

const BIN = path.resolve('dist/components/main.js');
const skip = !hasTmux() ? 'tmux is not installed' : pgMissing;

describe.skipIf(skip)(`the console header on a host that does not lead${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const started: RunningDaemon[] = [];
  const terminals: TmuxTerminal[] = [];
  let db: TestDatabase | null = null;

  afterEach(async () => {
    for (const t of terminals.splice(0)) t.close();
    await killDaemons(started);
    await db?.drop();
    db = null;
  });

  it('names host a\'s leader with its PID and epoch, and leads itself once a stopped', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const store = { backend: 'postgres', url: db.url };
    const engine = { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s' };
    const a = engineFixture(tempDir(), sim.url, { store, engine });
    const b = engineFixture(tempDir(), sim.url, { store, engine: { ...engine, host: 'b' } });

    const leader = startDaemon(a, { env: { CFA_HOST: 'a' } });
    started.push(leader);
    const became = await leader.waitFor((l) => l.msg === 'became leader', 30_000);

    const term = new TmuxTerminal(`${process.execPath} ${BIN} ${b.join(' ')}`, 160, 30, { NO_COLOR: '1', CFA_HOST: 'b' });
    terminals.push(term);
    const header = (s: string) => s.split('\n')[0] ?? '';
    await term.waitFor((s) => header(s).includes(`follower of PID ${String(leader.child.pid)}@a, epoch ${String(became.epoch)}`),
      'b\'s header naming a\'s leader', 60_000);
    // Its health is computed here, and says why: the leader's snapshots stay on a.
    await term.waitFor((s) => s.includes('▲ leader on a (its health stays there)'), 'the health note naming a', 60_000);

    // a stops and gives the lease up; b's console, still following, takes over within the lease.
    leader.child.kill('SIGTERM');
    expect((await leader.child).exitCode).toBe(0);
    await term.waitFor((s) => / leader /.test(`${header(s)} `) || header(s).includes('│ leader'), 'b\'s console leading after a stopped', 60_000);
  }, 180_000);
});
