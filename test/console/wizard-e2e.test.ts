import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listRecoveries } from '../../src/backup/catalog.js';
import { IncidentStore } from '../../src/runbook/incidents.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { corruptMiddle, filesIn } from '../backup/helpers.js';
import { runCli } from '../helpers/cli.js';
import { consolePid } from '../helpers/console-terminal.js';
import { engineFixture, pidAlive } from '../helpers/daemon.js';
import { simulator, storeDifferences } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';

const BIN = path.resolve('dist/components/main.js');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const INTERVALS = ['15m', '1h', '4h', '1d'] as const;
const terminals: TmuxTerminal[] = [];

afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});

/** A store synced from the simulator and backed up, then a page in its middle overwritten. */
async function corruptedStore() {
  const sim = await simulator({ symbols: 2 });
  const dir = tempDir();
  const args = engineFixture(dir, sim.url, {
    engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    symbols: SYMBOLS, intervals: [...INTERVALS],
  });
  const dataDir = path.join(dir, 'data');
  for (const job of ['sync', 'backup']) {
    const run = await runCli([...args, job, '--json']);
    expect(run.exitCode, `${job}: ${run.stderr}`).toBe(0);
  }
  corruptMiddle(path.join(dataDir, 'market.db'));
  return { sim, dir, dataDir, args };
}

function openConsole(args: string[], columns = 80, rows = 24): TmuxTerminal {
  const command = `sh -c '${process.execPath} ${BIN} ${args.join(' ')}; echo "[console exited $?]"; sleep 300'`;
  const term = new TmuxTerminal(command, columns, rows, { NO_COLOR: '1' });
  terminals.push(term);
  return term;
}

/**
 * Walks the wizard with keys as a person would: Enter at each step gate, y to a plan, the word
 * typed for a destructive one; until the run ends. Returns what was asked.
 */
async function walk(term: TmuxTerminal, options: { beforeWord?: () => void; stopAfterWord?: () => Promise<boolean> } = {}) {
  const asked: string[] = [];
  const deadline = Date.now() + 90_000;
  let last = '';
  while (Date.now() < deadline) {
    const screen = term.screen();
    if (/✔ resolved|✖ escalated|▲ aborted|✖ stopped/.test(screen)) return { asked, screen };
    if (screen !== last) {
      if (process.env.SHOW_SCREENS) console.log(screen);
      last = screen;
      const word = /Type (\w+) and Enter to go ahead/.exec(screen);
      if (word && /: ▏/.test(screen)) {
        asked.push(`word:${word[1]}`);
        options.beforeWord?.();
        term.keys('-l', word[1]!);
        term.keys('Enter');
        if (options.stopAfterWord && await options.stopAfterWord()) return { asked, screen: term.screen() };
      } else if (/Go ahead\? \[y\/N\]/.test(screen)) {
        asked.push('yes');
        term.keys('y');
      } else if (/Enter run/.test(screen)) {
        asked.push('run');
        term.keys('Enter');
      }
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the run did not end; asked ${asked.join(', ')}; the screen:\n${term.screen()}`);
}

async function until<T>(read: () => T | null | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasTmux())('the runbook wizard in a real terminal (80x24, NO_COLOR)', () => {
  it('a corrupted store: the alert, Enter, the wizard walked with keys (restore typed), resolved, and the report', async () => {
    const { sim, dir, dataDir, args } = await corruptedStore();
    const term = openConsole(args);
    await term.waitFor((s) => /✖ db-corruption|critical integri/.test(s), 'the db-corruption alert', 30_000);
    term.keys('7');
    await term.waitFor((s) => s.includes('▶ Alerts'), 'the alerts panel focused');
    term.keys('Enter');
    await term.waitFor((s) => s.includes('Runbook db-corruption') && /step \d+ of \d+|\d+ steps/.test(s), 'the wizard');
    const first = await term.waitFor((s) => s.includes('Enter run'), 'the first step gate', 30_000);
    expect(first).toMatch(/step 1 of \d+/);
    expect(first).toContain('Why:');
    expect(first).toMatch(/incident #\d+ │ alert #\d+/);
    // The header's badge while the incident is open.
    await term.waitFor((s) => /▲ incident #\d+ d/.test(s.split('\n')[0]!), 'the header badge');

    // NO_COLOR: no colour codes, the states are symbols and words.
    expect(term.screen(true)).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
    // ? shows the wizard's keys; Esc leaves the run waiting in the background, R comes back to it.
    term.keys('?');
    await term.waitFor((s) => s.includes('Runbook keys') && s.includes('skip the current step where the runbook allows it'), 'the wizard help');
    term.keys('Escape');
    await term.waitFor((s) => s.includes('Enter run'), 'back in the wizard');
    term.keys('Escape');
    await term.waitFor((s) => s.includes('Freshness') && /▲ incident #\d+ d/.test(s.split('\n')[0]!), 'the dashboard with the badge');
    term.keys('R');
    await term.waitFor((s) => s.includes('Runbook db-corruption') && /step 1 of \d+/.test(s) && s.includes('Enter run'), 'back at the same step');

    const { asked, screen } = await walk(term);
    expect(asked).toContain('word:restore');
    expect(screen, screen).toContain('✔ resolved');
    const incident = Number(/incident report (\d+)/.exec(screen)![1]);

    // Back on the dashboard, the badge is gone once the incident closed.
    term.keys('Escape');
    await term.waitFor((s) => s.includes('Freshness') && !/▲ incident #\d+/.test(s.split('\n')[0]!), 'the dashboard without the badge');

    const ops = openOpsDb(dataDir);
    try {
      expect(new IncidentStore(ops).get(incident)).toMatchObject({ state: 'resolved', runbook: 'db-corruption', automatic: false });
      expect(listRecoveries(ops).filter((r) => r.kind === 'recover' && r.result !== 'not-needed')).toHaveLength(1);
    } finally {
      ops.close();
    }
    expect(storeDifferences(dataDir, sim, SYMBOLS, INTERVALS, 2)).toEqual([]);
    const report = await runCli([...args, 'incident', 'report', String(incident)]);
    expect(report.exitCode).toBe(0);
    expect(report.stdout).toMatch(/db-corruption/);
    expect(report.stdout).toMatch(/\[x\] Automated \(alert #\d+, db-corruption\)/);
    void dir;
  }, 180_000);

  it('kill -9 of the console during the restore step: reopened, it offers to resume; the restore is not run twice, nothing is lost', async () => {
    const { sim, dataDir, args } = await corruptedStore();
    const term = openConsole(args);
    await term.waitFor((s) => /✖ db-corruption|critical integri/.test(s), 'the db-corruption alert', 30_000);
    term.keys('7');
    await term.waitFor((s) => s.includes('▶ Alerts'), 'the alerts panel focused');
    term.keys('Enter');
    await term.waitFor((s) => s.includes('Enter run'), 'the first step gate', 30_000);
    const pid = consolePid(dataDir);
    let klinesBefore = 0;
    // A slow exchange holds the restore in its resync (after the swap): the console dies there.
    await walk(term, {
      beforeWord: () => {
        klinesBefore = sim.stats.requests.klines;
        sim.setFaults({ latencyMs: 600 });
      },
      stopAfterWord: async () => {
        await until(() => sim.stats.requests.klines > klinesBefore, 'the resync after the restore to start');
        process.kill(pid, 'SIGKILL');
        return true;
      },
    });
    await until(() => !pidAlive(pid), 'the console to die');
    sim.setFaults({ latencyMs: 0 });
    const ops = openOpsDb(dataDir);
    try {
      const open = new IncidentStore(ops).active();
      expect(open).toHaveLength(1);
      expect(open[0]!.machine).toMatchObject({ current: 'recover', steps: { recover: { state: 'running' } } });
    } finally {
      ops.close();
    }

    const again = openConsole(args);
    const offer = await again.waitFor((s) => s.includes('Resume it there?'), 'the resume offer', 30_000);
    expect(offer).toContain('Runbook db-corruption');
    expect(offer).toMatch(/stopped at "REINDEX, or restore/);
    again.keys('y');
    const { asked, screen } = await walk(again);
    expect(asked).not.toContain('word:restore');
    expect(screen, screen).toContain('✔ resolved');
    expect(screen).toMatch(/already-done: recover: integrity_check: ok/);
    expect(screen).toMatch(/incident #\d+ │ alert #\d+/);

    const db = openOpsDb(dataDir);
    try {
      const incidents = new IncidentStore(db);
      const incident = incidents.list()[0]!;
      expect(incident).toMatchObject({ state: 'resolved', runbook: 'db-corruption' });
      const timeline = incidents.timeline(incident.id);
      expect(timeline.filter((e) => e.step === 'recover' && e.kind === 'already-done')).toMatchObject([{ outcome: 'already-done' }]);
      expect(timeline.some((e) => e.kind === 'resume')).toBe(true);
      // One restore: the resumed run found its effect there and did not restore again.
      expect(listRecoveries(db).filter((r) => r.kind === 'recover' && r.result !== 'not-needed').length).toBeLessThanOrEqual(1);
      // The damaged files were quarantined once: the restore ran once.
      expect(filesIn(path.join(dataDir, 'quarantine'))).toHaveLength(1);
    } finally {
      db.close();
    }
    // Nothing lost: the store equals the simulator's candles.
    expect(storeDifferences(dataDir, sim, SYMBOLS, INTERVALS, 2)).toEqual([]);
  }, 240_000);

  it('R lists every runbook; one started by hand is a manual incident; x aborts it, recorded', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir();
    const args = engineFixture(dir, sim.url, { symbols: SYMBOLS });
    const term = openConsole(args);
    await term.waitFor((s) => s.includes('Freshness') && s.includes('? help'), 'the first frame');
    term.keys('R');
    // The runbooks load just after the first frame: on a loaded machine the list can open before them.
    const list = await term.waitFor((s) => s.includes('Runbooks (Enter starts one') && s.includes('daemon-dead'), 'the list of runbooks');
    for (const id of ['daemon-dead', 'stale-data', 'db-corruption', 'daemon-crash-loop', 'missing-symbols', 'sentiment-stale']) expect(list).toContain(id);
    expect(list).toMatch(/›daemon-dead +auto/);
    term.keys('j');
    await term.waitFor((s) => /›stale-data/.test(s), 'the next row selected');
    term.keys('k');
    await term.waitFor((s) => /›daemon-dead/.test(s), 'back to the first row');
    term.keys('Enter');
    await term.waitFor((s) => s.includes('Runbook daemon-dead') && s.includes('Enter run'), 'the wizard at its first step', 30_000);
    // q on the dashboard asks first: the run in progress stops with the console.
    term.keys('Escape');
    await term.waitFor((s) => s.includes('Freshness'), 'the dashboard');
    term.keys('q');
    await term.waitFor((s) => s.includes('runbook daemon-dead started here is still running'), 'the quit question');
    term.keys('n');
    term.keys('R');
    await term.waitFor((s) => s.includes('Runbook daemon-dead') && s.includes('Enter run'), 'back in the wizard');
    term.keys('x');
    const aborted = await term.waitFor((s) => s.includes('▲ aborted'), 'the run aborted');
    expect(aborted).toMatch(/aborted in the console by \S+@\S+/);
    const incidents = await runCli([...args, 'incident', 'list', '--json']);
    expect(incidents.events).toMatchObject([{ runbook: 'daemon-dead', state: 'aborted', automatic: false, alert: null }]);
  }, 120_000);

  it('a second console watches the incident read-only ("being worked by ... since"), and takes it over after a yes', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir();
    const args = engineFixture(dir, sim.url, { symbols: SYMBOLS });
    const first = openConsole(args);
    await first.waitFor((s) => s.includes('Freshness'), 'the first console');
    first.keys('R');
    await first.waitFor((s) => /›daemon-dead/.test(s), 'the list');
    first.keys('Enter');
    await first.waitFor((s) => s.includes('Runbook daemon-dead') && s.includes('Enter run'), 'the first console at a gate', 30_000);

    const second = openConsole(args);
    await second.waitFor((s) => s.includes('Freshness') && /▲ incident #1 d/.test(s.split('\n')[0]!), 'the badge in the second console');
    second.keys('R');
    await second.waitFor((s) => /›daemon-dead.*incident #1 open/.test(s), 'the list with the open incident');
    second.keys('Enter');
    const watching = await second.waitFor((s) => s.includes('read-only: being worked by'), 'read-only');
    expect(watching).toMatch(/being worked by \S+@\S+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    expect(watching).toContain('t take over');
    // Read-only: Enter and x do nothing to somebody else's run.
    second.keys('x');
    second.keys('t');
    await second.waitFor((s) => s.replace(/\s+/g, ' ').includes('Take it over? [y/N]'), 'the take-over question');
    second.keys('y');
    await second.waitFor((s) => s.includes('Enter run') && !s.includes('read-only'), 'the second console working it', 30_000);
    // The first console's run stops at its next step: it no longer holds the incident.
    first.keys('Enter');
    await first.waitFor((s) => /stopped.*taken over by/.test(s.replace(/\n/g, ' ')), 'the first console told it was taken over');
    const show = await runCli([...args, 'incident', 'show', '1']);
    expect(show.stdout).toMatch(/take-over.*taken over from \S+ by \S+/);
  }, 120_000);
});
