import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { finishRun, jobLogPath, setRunLogPath, startRun } from '../../src/engine/run-history.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { closeConsoles, consolePid, openConsole, startSync } from '../helpers/console-terminal.js';
import { pidAlive } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux } from '../helpers/tmux.js';

const CLI = path.resolve('dist/src/cli.js');
const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');

afterEach(closeConsoles);

describe.skipIf(!hasTmux())('the console in a real terminal', () => {
  it('draws the first frame on the alternate screen, one row shorter than the terminal', async () => {
    const term = await openConsole();
    const screen = term.screen();
    expect(term.state().alternate).toBe(true);
    expect(screen.split('\n')[0]).toMatch(/cfa-console │ .* │ leader .*\d\d:\d\d:\d\d UTC/);
    for (const panel of ['Freshness', 'Coverage', 'Heartbeat', 'CPU/RAM', 'Backups', 'Jobs', 'Alerts', 'Log: engine']) expect(screen, screen).toContain(panel);
    const lines = screen.split('\n');
    expect(lines[28]).toMatch(/\? help/);
    expect(lines[29]?.trim() ?? '').toBe('');
  });

  it('loses no row, panel title or job name at 80x24, 100x30, 120x36, 140x45 and 200x60', async () => {
    const term = await openConsole(80, 24, {}, {
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    });
    for (const [columns, rows] of [[80, 24], [100, 30], [120, 36], [140, 45], [200, 60]] as const) {
      term.resize(columns, rows);
      const screen = await term.waitFor((s) => s.split('\n')[rows - 2]?.includes('? help') === true && /│ 1d  . \d+\/2/.test(s), `the ${columns}x${rows} layout with a health check`);
      const lines = screen.split('\n');
      const where = `at ${columns}x${rows}:\n${screen}`;
      expect(lines[0], where).toMatch(/^ cfa-console │ .* \d\d:\d\d:\d\d UTC$/);
      for (const title of ['Freshness', 'Coverage', 'Heartbeat', 'CPU/RAM', 'Backups', 'Jobs', 'Alerts', 'Log: engine']) {
        expect(lines.some((l) => new RegExp(`[│║] (▶ )?${title.replace('/', '\\/')}`).test(l)), `${title} ${where}`).toBe(true);
      }
      for (const interval of ['15m', '1h', '4h', '1d']) {
        expect(lines.some((l) => l.startsWith(`║ ${interval.padEnd(4)}`)), `heatmap row ${interval} ${where}`).toBe(true);
        expect(lines.some((l) => new RegExp(`^│ ${interval.padEnd(4)}. \\d+/2`).test(l)), `coverage row ${interval} ${where}`).toBe(true);
      }
      for (const job of JOBS.map((j) => j.name)) {
        // Whole: its own word, in one column or in the two columns small terminals get.
        expect(lines.some((l) => new RegExp(`[│ ]${job}( |$)`).test(l.split('││')[0]!)), `job ${job} ${where}`).toBe(true);
      }
      // No name runs into a status mark.
      for (const l of lines) expect(l, where).not.toMatch(/[a-z][✔✖▲↻]/);
      // Whatever is cut says so.
      for (const l of lines.filter((x) => x.includes('│  sync '))) expect(l, where).toMatch(/(\)|…) +│/);
    }
  }, 60_000);

  it('navigates: help, panels, a detail view and back', async () => {
    const term = await openConsole();
    term.keys('?');
    await term.waitFor((s) => s.includes('Keys (? or Esc to close)') && s.includes('run the selected job now'), 'the help');
    term.keys('Escape');
    await term.waitFor((s) => s.includes('▶ Freshness'), 'back to the main view');
    term.keys('6');
    await term.waitFor((s) => s.includes('▶ Jobs'), 'the jobs panel focused');
    term.keys('Enter');
    await term.waitFor((s) => s.includes('Job sync: runs') && s.includes('never ran'), 'the job detail');
    term.keys('Escape');
    await term.waitFor((s) => s.includes('▶ Jobs') && !s.includes('Job sync: runs'), 'back from the detail');
  });

  it('opens an older failed run\'s log, scrolls it (j/k, PgUp/PgDn, g/G), wraps it on w, and follows its tail', async () => {
    const plantRun = (dataDir: string, status: 'failed' | 'success', lines: string[], startedAt: number) => {
      const db = openOpsDb(dataDir);
      try {
        const id = startRun(db, { job: 'sync', trigger: 'manual', startedAt });
        const file = jobLogPath(dataDir, 'sync', id);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
        setRunLogPath(db, id, file);
        finishRun(db, id, { status, exitCode: status === 'failed' ? 1 : 0, durationMs: 1000, summary: null, endedAt: startedAt + 1000 });
      } finally {
        db.close();
      }
    };
    const failed = Array.from({ length: 120 }, (_, i) => `failed-line-${String(i + 1).padStart(3, '0')}`);
    failed[118] = `failed-line-119 ${'x'.repeat(120)} WRAPPED-END`;
    const term = await openConsole(100, 30, {}, {}, (dataDir) => {
      plantRun(dataDir, 'failed', failed, Date.now() - 7_200_000);
      plantRun(dataDir, 'success', ['newest-run-line'], Date.now() - 3_600_000);
    });
    term.keys('6');
    await term.waitFor((s) => s.includes('▶ Jobs'), 'the jobs panel focused');
    term.keys('Enter');
    await term.waitFor((s) => s.includes('Job sync: runs') && s.includes('Log: sync run 2 (success)') && s.includes('newest-run-line'), 'the newest run\'s log under the runs');
    term.keys('j');
    await term.waitFor((s) => s.includes('Log: sync run 1 (failed)') && s.includes('failed-line-120') && !s.includes('newest-run-line'), 'the older failed run\'s log when it is selected');
    term.keys('Enter');
    // Follows the tail: the last line shows, the first does not.
    let screen = await term.waitFor((s) => s.includes('▶ Log: sync run 1 (failed)') && s.includes('following'), 'the failed run\'s log view');
    expect(screen).toContain('failed-line-120');
    expect(screen).not.toContain('failed-line-001');
    expect(screen, 'cut, not wrapped').not.toContain('WRAPPED-END');
    term.keys('g');
    screen = await term.waitFor((s) => s.includes('failed-line-001') && s.includes('paused'), 'the first line after g');
    expect(screen).not.toContain('failed-line-120');
    term.keys('PageDown');
    screen = await term.waitFor((s) => !s.includes('failed-line-001') && s.includes('failed-line-030'), 'a page further after PgDn');
    const firstShown = (s: string) => Math.min(...[...s.matchAll(/failed-line-(\d{3})/g)].map((m) => Number(m[1])));
    const afterPage = firstShown(screen);
    expect(afterPage).toBeGreaterThan(1);
    term.keys('k');
    await term.waitFor((s) => firstShown(s) === afterPage - 1, 'one line back after k');
    term.keys('j');
    await term.waitFor((s) => firstShown(s) === afterPage, 'one line on after j');
    term.keys('PageUp');
    await term.waitFor((s) => s.includes('failed-line-001'), 'the first page again after PgUp');
    term.keys('G');
    await term.waitFor((s) => s.includes('failed-line-120') && s.includes('following'), 'the tail again after G');
    term.keys('w');
    await term.waitFor((s) => s.includes('WRAPPED-END') && s.includes('wrap'), 'the long line wrapped whole after w');
    term.keys('Escape');
    await term.waitFor((s) => s.includes('Job sync: runs') && s.includes('Log: sync run 1 (failed)'), 'back to the runs, on the same run');
  }, 60_000);

  it('shows in the footer and the help only the keys of the view; / in an alert\'s detail types nothing', async () => {
    const term = await openConsole();
    const footer = (s: string) => s.split('\n')[28] ?? '';
    term.keys('7');
    await term.waitFor((s) => s.includes('▶ Alerts'), 'the alerts panel focused');
    term.keys('Enter');
    let screen = await term.waitFor((s) => /▶ Alert\b/.test(s) && !s.includes('Freshness'), 'the alert detail');
    expect(footer(screen), screen).toContain('a ack');
    for (const absent of ['run job', 'filter', 'open']) expect(footer(screen), screen).not.toContain(absent);
    term.keys('?');
    screen = await term.waitFor((s) => s.includes('Keys (? or Esc to close)'), 'the help over the alert');
    expect(screen).toContain('acknowledge the selected alert');
    expect(screen).not.toContain('run the selected job');
    term.keys('Escape');
    await term.waitFor((s) => !s.includes('Keys (? or Esc'), 'the help closed');
    // `/` does nothing here, so the `q` after it goes back instead of being typed into a filter.
    term.keys('/');
    term.keys('q');
    screen = await term.waitFor((s) => s.includes('▶ Alerts') && s.includes('Freshness'), 'back to the main view');
    expect(screen).not.toMatch(/filter:? ?Q/i);
    term.keys('/');
    await term.waitFor((s) => s.includes('filter: ▏'), 'the filter, from the main view');
  });

  it('the header\'s status names its cause, and that probe shows the same status on screen', async () => {
    const term = await openConsole(100, 30, {}, {
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    });
    await startSync(term);
    // A snapshot taken while the sync was still creating market.db reads no series (the store cannot
    // be opened yet) and only the size warns: wait for one with the synced series in Freshness.
    const screen = await term.waitFor((s) => /health (▲ WARN|✖ CRITICAL) \S/.test(s.split('\n')[0]!) && /✔ sync success/.test(s) && / Health ▲ size/.test(s)
      && /│ Freshness\s+✔\d+ ▲\d+ ✖[1-9]/.test(s), 'the health after the sync', 30_000);
    const lines = screen.split('\n');
    // The simulator's candles are months old: critical freshness, named, and the heatmap shows it.
    expect(lines[0], screen).toMatch(/health ✖ CRITICAL freshness │/);
    expect(screen).toMatch(/│ Freshness\s+✔0 ▲0 ✖[1-9]/);
    // Two symbols synced: a store far smaller than a full one, which the size probe warns of. No
    // panel shows that probe: the Health row does, with what it found.
    const healthRow = lines.find((l) => l.startsWith(' Health '));
    expect(healthRow, screen).toMatch(/^ Health ▲ size \(market\.db is /);
  }, 60_000);

  it('a running job has the running mark; Backups show a backup as soon as its job ends', async () => {
    const term = await openConsole(100, 32);
    await term.waitFor((s) => /│ ✖ hot\s+none yet/.test(s), 'no backup yet');
    // A store that never synced has nothing to back up: sync first.
    await startSync(term);
    await term.waitFor((s) => /✔ sync success \(run \d+\)/.test(s), 'the sync to finish', 30_000);
    term.keys('j');
    term.keys('j');
    await term.waitFor((s) => /›backup /.test(s), 'the backup job selected');
    term.keys('r');
    await term.waitFor((s) => s.includes('Run backup now?'), 'the confirmation');
    term.keys('y');
    await term.waitFor((s) => /✔ backup success \(run \d+\)/.test(s), 'the backup to finish', 30_000);
    // The catalog is polled every 30 s: well within that, the panel shows the new backup.
    const screen = await term.waitFor((s) => /│ ✔ hot\s+\d+(ms|s)/.test(s), 'the new backup in the Backups panel', 10_000);
    expect(screen).not.toMatch(/✔ running/);
  }, 60_000);

  it('runs a job after confirmation and shows it finish', async () => {
    // 32 rows: after the sync the size probe warns (two symbols make a small store), and at 30
    // rows its Health row would put the jobs in two columns, without their result words.
    const term = await openConsole(100, 32);
    await startSync(term);
    await term.waitFor((s) => /✔ sync success \(run \d+\)/.test(s), 'the run to finish', 30_000);
    const screen = await term.waitFor((s) => /sync\s+✔ success/.test(s), 'the jobs panel to show the result');
    expect(screen).toContain('Log: sync run');
  });

  it('lays out again on resize, and says what size it needs below 80x24', async () => {
    const term = await openConsole();
    term.resize(80, 24);
    await term.waitFor((s) => s.split('\n').length >= 24 && s.split('\n')[22]!.includes('? help') && s.includes('Jobs'), '80x24 layout');
    term.resize(200, 60);
    await term.waitFor((s) => s.split('\n')[58]?.includes('? help') ?? false, '200x60 layout');
    term.resize(60, 20);
    await term.waitFor((s) => s.includes('The terminal is 60x20; cfa-console needs at least 80x24.'), 'the size message');
    term.resize(100, 30);
    await term.waitFor((s) => s.includes('Freshness') && s.includes('? help'), 'the layout back');
  });

  it('with NO_COLOR sends no colour codes and still marks every status with a symbol', async () => {
    const term = await openConsole(100, 30, { NO_COLOR: '1' });
    const raw = term.screen(true);
    expect(raw).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
    expect(raw).toMatch(/[✔▲✖?] /);
  });

  it('q quits and restores the terminal: no alternate screen, cursor visible', async () => {
    const term = await openConsole();
    term.keys('q');
    await term.waitFor((s) => s.includes('[console exited 0]'), 'the console to exit');
    expect(term.state()).toMatchObject({ alternate: false, cursorVisible: true });
  });

  it.each(['SIGHUP', 'SIGTERM'] as const)('%s (the SSH link dropped, or systemd/kill) restores the terminal too', async (signal) => {
    const term = await openConsole();
    process.kill(consolePid(term.dataDir), signal);
    await term.waitFor((s) => s.includes('[console exited 0]'), 'the console to exit');
    expect(term.state()).toMatchObject({ alternate: false, cursorVisible: true });
  });

  it('takes a word typed in one write into the filter, and several Backspaces at once', async () => {
    const term = await openConsole();
    term.keys('/');
    await term.waitFor((s) => s.includes('filter: ▏'), 'the filter prompt');
    // -l sends the text as one write, as a paste or a slow link delivers it.
    term.keys('-l', 'btc');
    await term.waitFor((s) => s.includes('filter: BTC▏'), 'the whole word in the filter');
    term.keys('-l', '\x7f\x7f');
    await term.waitFor((s) => s.includes('filter: B▏'), 'two characters erased');
    term.keys('Escape');
    await term.waitFor((s) => !s.includes('filter:'), 'the filter cleared');
    // The key that opens the filter and the word in the same write.
    term.keys('-l', '/ETH');
    await term.waitFor((s) => s.includes('filter: ETH▏'), 'the word typed after / in the same write');
    term.keys('Enter');
    await term.waitFor((s) => s.includes('filter: ETH') && !s.includes('filter: ETH▏'), 'the filter kept');
  });

  it('a dropped link (the terminal hung up) stops the daemon this console supervised: nothing of the console stays', async () => {
    const spawnLog = path.join(tempDir(), 'spawns.log');
    const term = await openConsole(100, 30, {}, {
      daemon: { command: [process.execPath, BEATING, '--spawn-log', spawnLog], restartBackoff: '300ms', killGrace: '2s' },
    });
    const consoleProcess = consolePid(term.dataDir);
    const daemonPid = await until(() => {
      const line = fs.existsSync(spawnLog) ? fs.readFileSync(spawnLog, 'utf8').trim().split('\n')[0] : undefined;
      return line ? Number(line.split(' ')[1]) : null;
    }, 'the daemon to start');
    expect(pidAlive(daemonPid)).toBe(true);
    // Killing the tmux server hangs up the pane's terminal, as sshd does when the link drops:
    // the kernel sends SIGHUP to the foreground process group and writes to the terminal fail.
    term.close();
    await until(() => (!pidAlive(consoleProcess) && !pidAlive(daemonPid) ? true : null), 'the console and its daemon to end', 20_000,
      () => `console ${consoleProcess} ${pidAlive(consoleProcess) ? 'alive' : 'gone'}, daemon ${daemonPid} ${pidAlive(daemonPid) ? 'alive' : 'gone'}; the console's log:\n${readLog(term.dataDir)}`);
    // `status` agrees: no leader, and the daemon stopped rather than running without one.
    const status = JSON.parse(execFileSync(process.execPath, [CLI, 'status', '--json', '--data-dir', term.dataDir, '--config', path.join(term.dir, 'config.json')], { encoding: 'utf8' })) as { leader: unknown; daemon: { state: string; pid: number | null } };
    expect(status.leader).toBeNull();
    expect(status.daemon).toMatchObject({ state: 'stopped', pid: null });
    expect(readLog(term.dataDir)).toContain('engine stopped');
  });
});

function readLog(dataDir: string): string {
  const file = path.join(dataDir, 'logs', 'cfa-console.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '(no log)';
}

async function until<T>(read: () => T | null, what: string, timeoutMs = 20_000, why: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}: ${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
