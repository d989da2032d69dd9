import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { engineFixture } from './daemon.js';
import { simulator } from './simulated-exchange.js';
import { tempDir } from './temp-dir.js';
import { TmuxTerminal } from './tmux.js';

const BIN = path.resolve('dist/components/main.js');

/** The terminals opened by `openConsole`: close them after each test (`closeConsoles`). */
const terminals: TmuxTerminal[] = [];

export function closeConsoles(): void {
  for (const t of terminals.splice(0)) t.close();
}

/**
 * The built console (dist/) leading a fresh data dir synced from a simulator of two symbols, in a
 * tmux terminal of `columns`x`rows`, once its first full frame is drawn and its engine is up.
 */
export async function openConsole(columns = 100, rows = 30, env: Record<string, string> = {}, settings: Record<string, unknown> = {}, before?: (dataDir: string) => void) {
  const sim = await simulator({ symbols: 2 });
  const dir = tempDir();
  const args = engineFixture(dir, sim.url, { jobs: { sync: { schedule: '0 0 1 1 *', catchUpWindow: '1s' } }, ...settings });
  before?.(path.join(dir, 'data'));
  // The shell stays after the console exits, so the terminal's state can be read then (tmux
  // reports a dead pane's cursor as hidden whatever the program left).
  const command = `sh -c '${process.execPath} ${BIN} ${args.join(' ')}; echo "[console exited $?]"; sleep 300'`;
  const term = new TmuxTerminal(command, columns, rows, env);
  terminals.push(term);
  await term.waitFor((s) => s.includes('Freshness') && s.includes('Jobs') && s.includes('? help'), 'the first full frame');
  // The first frame comes before the engine (its panels say `starting…`); the tests start once it is up.
  await term.waitFor((s) => s.includes('? help') && !s.includes('starting…'), 'the engine up');
  return Object.assign(term, { dir, dataDir: path.join(dir, 'data') });
}

/** From the main view: focus the Jobs panel (6), `r` on its first job (sync) and answer yes. */
export async function startSync(term: TmuxTerminal): Promise<void> {
  term.keys('6');
  await term.waitFor((s) => s.includes('▶ Jobs'), 'the jobs panel focused');
  term.keys('r');
  await term.waitFor((s) => s.includes('Run sync now?'), 'the confirmation');
  term.keys('y');
}

/** The console's PID: it leads, so it holds the lease. */
export function consolePid(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'ops.db'), { readonly: true });
  try {
    return db.prepare("SELECT pid FROM lease WHERE name = 'leader'").pluck().get() as number;
  } finally {
    db.close();
  }
}
