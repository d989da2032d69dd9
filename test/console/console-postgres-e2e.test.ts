import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineFixture } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';

const BIN = path.resolve('dist/components/main.js');
const terminals: TmuxTerminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});

const skip = !hasTmux() ? 'tmux is not installed' : pgMissing;

/** A data dir whose candles live in PostgreSQL (`store.backend: postgres`); the URL comes from CFA_STORE_URL. */
function pgDataDir(exchangeUrl: string): string[] {
  return engineFixture(tempDir(), exchangeUrl, {
    jobs: { sync: { schedule: '0 0 1 1 *', catchUpWindow: '1s' } },
    store: { backend: 'postgres' },
    // The store of a test is small: the size probe would warn of a possible data loss.
    health: { dbMinSizeMb: 1 },
    engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
  });
}

function openConsole(args: string[], env: Record<string, string>): TmuxTerminal {
  // The shell stays after the console exits, so its exit code can be read.
  const term = new TmuxTerminal(`sh -c '${process.execPath} ${BIN} ${args.join(' ')}; echo "[console exited $?]"; sleep 300'`, 120, 30, { NO_COLOR: '1', ...env });
  terminals.push(term);
  return term;
}

const header = (s: string) => s.split('\n')[0] ?? '';
/**
 * Every series fresh and covered, and none of the candle probes among the header's causes (a new
 * data dir has no backup yet: that one may stand).
 */
const freshFromPg = (s: string, gaps = false) => s.includes('✔ every series within its threshold') && /15m\s+✔ 2\/2/.test(s) && /1d\s+✔ 2\/2/.test(s)
  && /health (✔ OK|\? UNKNOWN|▲ WARN)/.test(header(s)) && !/CRITICAL|freshness|coverage|integrity|size/.test(header(s)) && (gaps || !header(s).includes('continuity'));

describe.skipIf(skip)(`the console on a data dir whose candles live in PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('shows the synced series fresh, leading or following, computing its own health from PostgreSQL when no leader is here', async () => {
    // The simulator on the real clock: the console judges ages against now.
    const sim = await simulator({ symbols: 2, now: Date.now });
    const env = { CFA_STORE_URL: db.url };
    const leaderArgs = pgDataDir(sim.url);
    // Through the job history, as the scheduler would: last-sync has a run to judge.
    const sync = await runCli([...leaderArgs, 'run', 'sync', '--wait', '--json'], { env });
    expect(sync.exitCode, sync.stderr).toBe(0);
    const leaderDir = leaderArgs[1]!;
    expect(fs.existsSync(path.join(leaderDir, 'market.db'))).toBe(false);

    // This console leads: its monitor reads the candles in PostgreSQL.
    const leader = openConsole(leaderArgs, env);
    let screen = await leader.waitFor((s) => freshFromPg(s) && / leader /.test(header(s)), 'the leader console with fresh series', 60_000);
    expect(screen).not.toMatch(/not read|CRITICAL|✖ (freshness|coverage|gaps)/);
    leader.keys('2');
    await leader.waitFor((s) => s.includes('▶ Coverage'), 'Coverage focused');
    leader.keys('Enter');
    screen = await leader.waitFor((s) => s.includes('Coverage: every series (8; 0 missing'), 'the Coverage detail');
    expect(screen).toMatch(/BTCUSDT\s+15m\s+✔ stored\s+\d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(screen).toMatch(/ETHUSDT\s+1d\s+✔ stored\s+\d{4}-\d\d-\d\d \d\d:\d\d/);

    // A hole in the middle of one series, in PostgreSQL: ten 15m candles of ETHUSDT.
    await withClient(db.url, async (client) => {
      const { rows } = await client.query<{ t: string }>("SELECT open_time AS t FROM candles WHERE symbol = 'ETHUSDT' AND interval = '15m' ORDER BY open_time");
      const middle = Number(rows[Math.floor(rows.length / 2)]!.t);
      const deleted = await client.query("DELETE FROM candles WHERE symbol = 'ETHUSDT' AND interval = '15m' AND open_time >= $1 AND open_time < $2", [middle, middle + 10 * 900_000]);
      expect(deleted.rowCount).toBe(10);
    });

    // A second host's console: its own data dir (no leader in its ops.db), the same PostgreSQL.
    // It follows the leader there and, with no snapshot of a leader at hand, computes health itself.
    const followerArgs = pgDataDir(sim.url);
    const follower = openConsole(followerArgs, env);
    screen = await follower.waitFor((s) => freshFromPg(s, true) && s.includes('health computed by this console') && /follower of PID/.test(header(s)),
      'the follower console with fresh series computed here', 60_000);
    expect(screen).not.toMatch(/not read|CRITICAL|✖ (freshness|coverage|gaps)/);
    follower.keys('2');
    await follower.waitFor((s) => s.includes('▶ Coverage'), 'Coverage focused');
    follower.keys('Enter');
    // The hole, counted in PostgreSQL, shows in the detail (not located there: one per series).
    screen = await follower.waitFor((s) => s.includes('Coverage: every series (8; 0 missing, 1 with gaps)'), 'the follower\'s Coverage detail');
    expect(screen).toMatch(/ETHUSDT\s+15m\s+▲ gaps\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+1\s+10\b/);
    expect(screen).toMatch(/BTCUSDT\s+4h\s+✔ stored\s+\d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(fs.existsSync(path.join(followerArgs[1]!, 'market.db'))).toBe(false);

    // Quitting lets go of its PostgreSQL connection: the process ends by itself.
    follower.keys('Escape');
    await follower.waitFor((s) => s.includes('▶ Coverage') && s.includes('Freshness'), 'back to the main view');
    follower.keys('q');
    await follower.waitFor((s) => s.includes('[console exited 0]'), 'the follower console exited', 30_000);
    leader.keys('Escape');
    await leader.waitFor((s) => s.includes('▶ Coverage') && s.includes('Freshness'), 'back to the main view');
    leader.keys('q');
    await leader.waitFor((s) => s.includes('[console exited 0]'), 'the leader console exited', 30_000);
  }, 240_000);
});
