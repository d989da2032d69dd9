import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineFixture, killDaemons, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';

/**
 * The console of a host that does not lead, at 80x24, on store.backend postgres: a job's runs
 * are every host's, each with its host, and another host's run says where its log is.
 */

const BIN = path.resolve('dist/components/main.js');
const skip = !hasTmux() ? 'tmux is not installed' : pgMissing;

describe.skipIf(skip)(`the console's runs across hosts${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const terminals: TmuxTerminal[] = [];
  const daemons: RunningDaemon[] = [];
  let db: TestDatabase | null = null;

  afterEach(async () => {
    for (const t of terminals.splice(0)) t.close();
    await killDaemons(daemons);
    await db?.drop();
    db = null;
  });

  it('a follower host\'s console lists the leader\'s scheduled runs under its host, and does not open a local run for them', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const store = { backend: 'postgres', url: db.url };
    const a = engineFixture(tempDir(), sim.url, { jobs: { sync: { schedule: '*/5 * * * * *', catchUpWindow: '1s' } }, store, health: { dbMinSizeMb: 1 } });
    const leader = startDaemon(a, { env: { CFA_HOST: 'a' } });
    daemons.push(leader);
    const finished = await leader.waitFor((l) => l.msg === 'job finished' && l.job === 'sync' && l.status === 'success', 90_000);

    const b = engineFixture(tempDir(), sim.url, { store, health: { dbMinSizeMb: 1 } });
    const term = new TmuxTerminal(`sh -c '${process.execPath} ${BIN} ${b.join(' ')}; echo "[console exited $?]"; sleep 300'`, 80, 24, { NO_COLOR: '1', CFA_HOST: 'b' });
    terminals.push(term);
    // b's ops.db has no run of sync: its last result in the Jobs panel is host a's.
    await term.waitFor((s) => /│ Jobs/.test(s) && /│ +✔ sync /.test(s), 'sync\'s last result from host a in the Jobs panel', 60_000);
    term.keys('6');
    await term.waitFor((s) => s.includes('▶ Jobs'), 'the jobs panel focused');
    term.keys('Enter');
    const row = new RegExp(`^║ a\\s+${String(finished.runId)}\\s+(schedule|catch-up)\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+✔ success\\s+0\\s+\\S+`, 'm');
    const screen = await term.waitFor((s) => s.includes('Job sync: runs') && /HOST\s+RUN\s+TRIGGER/.test(s) && row.test(s), 'host a\'s scheduled run in the runs of sync', 30_000);
    for (const line of screen.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    // Every run listed is host a's (b ran nothing); the newest is selected and its log is on host a.
    expect(screen).not.toMatch(/^║ b\s+\d/m);
    await term.waitFor((s) => /Log: sync run \d+ on a \(success\)/.test(s) && s.includes('its log is on that host'), 'where the log of host a\'s run is');
  }, 240_000);
});
