import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanLeftovers } from '../../../src/runbook/drill/sandbox.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../../helpers/tmux.js';

const BIN = path.resolve('dist/components/main.js');

let term: TmuxTerminal | null = null;
let sandboxRoot: string | null = null;
afterEach(async () => {
  term?.close();
  term = null;
  // A failed run leaves its drill killed with the terminal: its sandbox's engine is stopped here.
  if (sandboxRoot) await cleanLeftovers(sandboxRoot);
  sandboxRoot = null;
});

/**
 * `drill <scenario>` in a real terminal: the fault is injected, the console opens on the sandbox
 * with the DRILL banner; the engineer works the incident (here from a second terminal with the
 * CLI, the same step machine as the console's wizard) and quits; the score is printed.
 */
describe.skipIf(!hasTmux())('cfa-console drill <scenario> in a real terminal', () => {
  it('shows DRILL on the console over the sandbox, scores the incident worked, keeps it in the history', async () => {
    const root = tempDir('cfa-drill-tty-');
    const dataDir = path.join(root, 'real');
    const sandboxes = path.join(root, 'tmp');
    fs.mkdirSync(sandboxes);
    fs.mkdirSync(dataDir);
    sandboxRoot = sandboxes;
    const env = { CFA_DATA_DIR: dataDir, TMPDIR: sandboxes, NO_COLOR: '1' };
    term = new TmuxTerminal(`sh -c '${process.execPath} ${BIN} drill daemon-dead; echo "[drill exited $?]"; sleep 300'`, 100, 30, env);

    const screen = await term.waitFor((s) => /DRILL daemon-dead/.test(s) && /1 open/.test(s) && /✖ daemon-dead /.test(s), 'the console with the DRILL banner and the alert', 120_000);
    expect(screen.split('\n')[0]).toMatch(/DRILL daemon-dead\s+cfa-console │/);

    // The engineer runs the runbook on the sandbox (its data dir is the only cfa-drill-* here).
    const [sandbox] = fs.readdirSync(sandboxes).filter((n) => n.startsWith('cfa-drill-'));
    const sandboxData = path.join(sandboxes, sandbox!, 'data');
    const run = await runCli(['--data-dir', sandboxData, '--config', path.join(sandboxes, sandbox!, 'config.json'), 'runbook', 'run', 'daemon-dead', '--yes', '--json'], { env: { TMPDIR: sandboxes } });
    expect(run.exitCode, run.stderr).toBe(0);
    await term.waitFor((s) => /DRILL daemon-dead/.test(s), 'the banner still there');

    term.keys('q');
    const score = await term.waitFor((s) => /\[drill exited \d+\]/.test(s), 'the drill to end and print its score', 60_000);
    expect(score).toMatch(/PASS daemon-dead/);
    expect(score).toMatch(/alert firing\s+\d+ s \(#\d+ daemon-dead\)/);
    // The engineer took the alert up by opening its runbook (no `a` pressed first, the alert not named).
    expect(score).toMatch(/acknowledged\s+\d+ s \(by \S+@\S+ \(runbook opened\)\)/);
    expect(score).toMatch(/steady state\s+.*\(target 2m: (met|missed)\)/);
    expect(score).toMatch(/\[drill exited 0\]/);
    expect(fs.readdirSync(sandboxes).filter((n) => n.startsWith('cfa-drill-'))).toEqual([]);

    const history = await runCli(['drill', 'history', '--json'], { env });
    expect(history.events).toHaveLength(1);
    expect(history.events[0]).toMatchObject({ scenario: 'daemon-dead', mode: 'interactive', passed: true });
  }, 240_000);
});
