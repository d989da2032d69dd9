import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonStore } from '../../src/engine/supervisor/daemon-store.js';
import { openOpsDb } from '../../src/store/ops-db.js';
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
 *
 * And its Heartbeat panel at 80x24: host a's engine leads and supervises the daemon; b's console
 * (an ops.db still holding a daemon state from when b led) says the daemon runs on a with the
 * leader and when that leader started it (its epoch), as `daemon status` does there, and none of
 * b's stale PID, state or restarts.
 */

const BIN = path.resolve('dist/components/main.js');
const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');
const STALE_PID = 987_654;
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

  it('names the leader\'s host and the epoch that started the daemon, in the panel and its detail, without b\'s stale state', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const store = { backend: 'postgres', url: db.url };
    const engine = { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s' };
    const daemon = { command: [process.execPath, BEATING], restartBackoff: '300ms', killGrace: '2s' };
    const aDir = tempDir();
    const bDir = tempDir();
    const a = engineFixture(aDir, sim.url, { store, engine, daemon });
    const b = engineFixture(bDir, sim.url, { store, engine: { ...engine, host: 'b' }, daemon });

    // What b's ops.db kept from a time b led: a crash-looping daemon with its PID and restarts.
    const bDb = openOpsDb(path.join(bDir, 'data'));
    try {
      const old = new DaemonStore(bDb);
      old.saveState({ name: 'backtest', state: 'crash-loop', pid: STALE_PID, startTicks: null, startedAt: Date.now() - 3_600_000, lastHeartbeatAt: null, lastExitCode: 3, lastExitSignal: null });
      for (let i = 0; i < 3; i++) old.recordEvent('backtest', 'restart', { attempt: i + 1 }, Date.now() - 60_000 * (i + 1));
    } finally {
      bDb.close();
    }

    const leader = startDaemon(a, { env: { CFA_HOST: 'a' } });
    started.push(leader);
    const became = await leader.waitFor((l) => l.msg === 'became leader', 30_000);
    await leader.waitFor((l) => l.msg === 'daemon' && l.state === 'running', 30_000);

    const term = new TmuxTerminal(`${process.execPath} ${BIN} ${b.join(' ')}`, 80, 24, { NO_COLOR: '1', CFA_HOST: 'b' });
    terminals.push(term);
    const screen = await term.waitFor((s) => /│ backtest on +│/.test(s) && /│ a +│/.test(s) && s.includes(`started epoch ${String(became.epoch)}`) && /│ (just now|\d+(ms|s|m) ago) +│/.test(s),
      'b\'s Heartbeat panel naming a and the epoch that started the daemon', 60_000);
    const where = `\n${screen}`;
    // The header names this host by its configured name and the leader on a.
    expect(screen.split('\n')[0], where).toMatch(/^ cfa-console │ b │ .*follower of .*a, epoch \d+ .*\d\d:\d\d:\d\d UTC$/);
    expect(screen, where).not.toContain(String(STALE_PID));
    expect(screen, where).not.toContain('crash-loop');
    expect(screen, where).not.toMatch(/restarts 24h/);
    // Every line within 80 columns, and the panels' titles in place: the layout did not move.
    for (const l of screen.split('\n')) expect(Array.from(l).length, where).toBeLessThanOrEqual(80);
    for (const title of ['Freshness', 'Coverage', 'Heartbeat', 'CPU/RAM', 'Backups', 'Jobs', 'Alerts', 'Log: engine']) expect(screen, where).toContain(title);

    // Its detail: where it runs, and the leader's start in full (host, epoch, when), no stale events.
    term.keys('3');
    await term.waitFor((s) => s.includes('▶ Heartbeat'), 'the Heartbeat panel focused');
    // The Log does not follow b's stale daemon log.
    expect(term.screen()).toContain('Log: engine');
    term.keys('Enter');
    const detail = await term.waitFor((s) => s.includes('Heartbeat: daemon backtest') && s.includes(`(epoch ${String(became.epoch)})`), 'the Heartbeat detail on b', 30_000);
    const flat = detail.replace(/[│║\n ]+/g, ' ');
    expect(flat, detail).toContain('runs on a with the leader');
    expect(flat, detail).toMatch(new RegExp(`started by the leader on a \\(epoch ${String(became.epoch)}\\), \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC`));
    expect(detail, detail).not.toContain(String(STALE_PID));
    expect(detail, detail).not.toMatch(/7d: \d+ restarts/);
  }, 180_000);
});
