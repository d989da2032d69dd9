import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insertVerifiedBackup, markFailed } from '../../src/backup/catalog.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { engineFixture } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';

const BIN = path.resolve('dist/components/main.js');
/** Beats, exits 3 after the given ms: the supervisor records its starts, crashes and restarts. */
const CRASHING = path.resolve('test/fixtures/daemons/crashing-daemon.mjs');
const terminals: TmuxTerminal[] = [];

afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});

const HOUR = 3_600_000;
/** Panel titles in reading order, as Tab and the number keys 1-8 visit them. */
const ORDER = ['Freshness', 'Coverage', 'Heartbeat', 'CPU/RAM', 'Backups', 'Jobs', 'Alerts', 'Log'];

/** Two copies in the catalog: a verified hot one two hours old, and a warm one whose verification failed. */
function plantBackups(dataDir: string, now = Date.now()): void {
  const db = openOpsDb(dataDir);
  try {
    const base = { sha256: 'a'.repeat(64), md5: null, newestCandle: now - 3 * HOUR, schemaVersion: 3, rowCounts: { klines: 1234 } };
    insertVerifiedBackup(db, { ...base, tier: 'hot', location: path.join(dataDir, 'backups', 'hot', 'PLANTED-HOT.db'), sizeBytes: 5 * 2 ** 20, createdAt: now - 2 * HOUR, verifiedAt: now - HOUR });
    const warm = insertVerifiedBackup(db, { ...base, tier: 'warm', location: '/mnt/warm/PLANTED-WARM.db', sizeBytes: 7 * 2 ** 20, createdAt: now - 26 * HOUR, verifiedAt: now - 25 * HOUR });
    markFailed(db, warm.id, now - 10 * 60_000, 'sha256 mismatch PLANTED-REASON');
  } finally {
    db.close();
  }
}

async function openConsole(columns: number, rows: number) {
  const sim = await simulator({ symbols: 2 });
  const dir = tempDir();
  const args = engineFixture(dir, sim.url, {
    jobs: { sync: { schedule: '0 0 1 1 *', catchUpWindow: '1s' } },
    engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    daemon: { command: [process.execPath, CRASHING, path.join(dir, 'spawns.log'), '400'], restartBackoff: '300ms', killGrace: '1s' },
  });
  plantBackups(path.join(dir, 'data'));
  const term = new TmuxTerminal(`${process.execPath} ${BIN} ${args.join(' ')}`, columns, rows, { NO_COLOR: '1' });
  terminals.push(term);
  await term.waitFor((s) => s.includes('Freshness') && s.includes('Jobs') && s.includes('? help'), 'the first full frame');
  return term;
}

const focused = (title: string) => (s: string) => s.includes(`▶ ${title}`) && ORDER.filter((t) => t !== title).every((t) => !s.includes(`▶ ${t}`));
const footer = (s: string, rows: number) => s.split('\n')[rows - 2] ?? '';

/** Enter on each of the four panels that had no detail: what it shows, the breadcrumb, and Esc back to the same focus. */
async function openEachDetail(term: TmuxTerminal, rows: number): Promise<void> {
  const details: [string, string, (s: string) => boolean][] = [
    ['2', 'Coverage', (s) => s.includes('Coverage: every series (8;') && /BTCUSDT\s+15m/.test(s) && s.includes('MISSING CANDLES')],
    ['3', 'Heartbeat', (s) => s.includes('Heartbeat: daemon backtest') && /\d\d:\d\d:\d\d\s+\S+ crash\b/.test(s) && /\S+ restart\b/.test(s) && /exitCode=3|code=3/.test(s)],
    ['4', 'CPU/RAM', (s) => s.includes('CPU/RAM: the last hour') && s.includes('MINUTE (UTC)') && /host cpu\s+\d+%/.test(s) && /\d\d:\d\d\s+\d+%/.test(s)],
    ['5', 'Backups', (s) => s.includes('Backups: every copy (2)') && /hot\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+2h\s+5M\s+✔ verified 1h ago/.test(s)
      && /warm\s+.*✖ failed 10m ago/.test(s) && s.includes('PLANTED-HOT.db')],
  ];
  for (const [key, title, shows] of details) {
    term.keys(key);
    await term.waitFor(focused(title), `${title} focused by ${key}`);
    term.keys('Enter');
    const screen = await term.waitFor((s) => shows(s) && !s.includes('Freshness'), `the ${title} detail`, 30_000);
    expect(footer(screen, rows), screen).toMatch(new RegExp(`^ ${title.replace('/', '\\/')}( › .+)? │ \\? help`));
    expect(footer(screen, rows), screen).toContain('esc back');
    // Readable: no row of the table cut (the daemon's start events carry its whole command line, and may be).
    if (title !== 'Heartbeat') expect(screen.split('\n').filter((l) => /…\s*║$/.test(l)), screen).toEqual([]);
    term.keys('Escape');
    await term.waitFor((s) => focused(title)(s) && s.includes('Freshness'), `back from the ${title} detail`);
  }
}

describe.skipIf(!hasTmux())('every panel focusable, with a detail view (issue 17, defect 9 and the habits)', () => {
  it('at 80x24: Tab visits all eight panels in reading order and Shift-Tab goes back; each new panel opens its detail and Esc returns', async () => {
    const rows = 24;
    const term = await openConsole(80, rows);
    await term.waitFor(focused('Freshness'), 'Freshness focused first');
    for (const title of ORDER.slice(1)) {
      term.keys('Tab');
      const screen = await term.waitFor(focused(title), `Tab to ${title}`);
      // The main view's footer keeps its room for the keys: there ▶ says where one is.
      expect(footer(screen, rows), screen).toMatch(/^ \? help {2}tab panel/);
    }
    term.keys('Tab');
    await term.waitFor(focused('Freshness'), 'Tab round to Freshness');
    for (const title of [...ORDER].reverse()) {
      if (title === 'Freshness') break;
      term.keys('BTab');
      await term.waitFor(focused(title), `Shift-Tab back to ${title}`);
    }
    await openEachDetail(term, rows);
    // The Backups detail's breadcrumb names the selected copy, and follows j.
    term.keys('5', 'Enter');
    let screen = await term.waitFor((s) => s.includes('Backups: every copy'), 'the backups detail');
    expect(footer(screen, rows), screen).toMatch(/^ Backups › hot \d{4}-\d\d-\d\d \d\d:\d\d │/);
    term.keys('j');
    screen = await term.waitFor((s) => /^ Backups › warm /.test(footer(s, rows)), 'the breadcrumb on the second copy');
    expect(screen).toContain('PLANTED-REASON');
    term.keys('Escape');
    await term.waitFor(focused('Backups'), 'back on Backups');
  }, 120_000);

  it('at 140x45: the details are readable whole; :backups and the number keys jump, from a detail too; the log follows the focus', async () => {
    const rows = 45;
    const term = await openConsole(140, rows);
    await openEachDetail(term, rows);
    term.keys('1');
    await term.waitFor(focused('Freshness'), '1');
    // `:` then a word, sent in one write as a paste or a slow link delivers it.
    term.keys('-l', ':backups');
    await term.waitFor((s) => footer(s, rows).startsWith(' :backups▏'), 'the prompt with the word');
    term.keys('Enter');
    await term.waitFor(focused('Backups'), ':backups');
    // A typo is refused with the right name, and the prompt stays to fix it.
    term.keys('-l', ':jbos');
    term.keys('Enter');
    let screen = await term.waitFor((s) => footer(s, rows).includes('did you mean :jobs?'), 'the typo refused');
    expect(screen).toContain('▶ Backups');
    term.keys('Escape');
    await term.waitFor((s) => focused('Backups')(s) && footer(s, rows).includes('? help'), 'the prompt closed');
    // A prefix is enough when it names one panel; a number jumps from inside a detail.
    term.keys('-l', ':heart\r');
    await term.waitFor(focused('Heartbeat'), ':heart');
    screen = await term.waitFor((s) => s.includes('Log: daemon '), 'the log panel on the daemon\'s log under Heartbeat');
    term.keys('Enter');
    await term.waitFor((s) => s.includes('Heartbeat: daemon backtest'), 'the heartbeat detail');
    term.keys('4');
    await term.waitFor((s) => focused('CPU/RAM')(s) && !s.includes('Heartbeat: daemon backtest'), '4 from inside a detail');
    // A command, its Enter and the next key in one write: the key after the Enter is a key, not lost.
    term.keys('-l', ':jobs\r7');
    await term.waitFor((s) => focused('Alerts')(s) && s.includes('Log: engine'), 'the engine log again away from Heartbeat');
    // `?` lists the keys of the view it is opened over.
    term.keys('5', 'Enter', '?');
    screen = await term.waitFor((s) => s.includes('Keys (? or Esc to close)'), 'the help over the backups detail');
    expect(screen).toContain('go to panel N, in reading order (1 Freshness … 8 Log)');
    expect(screen).not.toContain('run the selected job');
    // The Log panel opened whole: the breadcrumb says which log it is.
    term.keys('Escape');
    await term.waitFor((s) => !s.includes('Keys (? or Esc'), 'the help closed');
    term.keys('8', 'Enter');
    await term.waitFor((s) => /^ Log › engine │ \? help/.test(footer(s, rows)), 'the log view\'s breadcrumb');
  }, 120_000);
});
