import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, writeTestConfig } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { Recorder } from '../alerts/helpers.js';
import { tempDir } from '../helpers/temp-dir.js';
import { finishRun, startRun } from '../../src/engine/run-history.js';
import { openOpsDb } from '../../src/store/ops-db.js';

/**
 * The built binary over the test runbooks of test/fixtures/runbooks (CFA_RUNBOOKS_MODULE, for
 * tests only): every effect is a file, so a step run twice shows in its counter.
 */
const REGISTRY = path.resolve('test/fixtures/runbooks/registry.mjs');

function setup() {
  const dir = tempDir('cfa-rb-cli-');
  const files = path.join(dir, 'files');
  fs.mkdirSync(files);
  fs.writeFileSync(path.join(files, 'state'), 'broken');
  const config = writeTestConfig(dir);
  const env = { CFA_RUNBOOKS_MODULE: REGISTRY, CFA_TEST_RUNBOOK_DIR: files };
  const cli = (args: string[]) => runCli(['--data-dir', path.join(dir, 'data'), '--config', config, ...args], { env });
  const start = (args: string[]) => startCli(['--data-dir', path.join(dir, 'data'), '--config', config, ...args], { env });
  const count = (name: string) => { try { return fs.readFileSync(path.join(files, name), 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };
  return { dir, files, cli, start, count };
}

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('runbook and incident commands', () => {
  it('lists and shows the runbooks as text, JSON and Markdown; an unknown one is exit 2 naming the known ones', async () => {
    const t = setup();
    const list = await t.cli(['runbook', 'list', '--json']);
    expect(list.exitCode).toBe(0);
    expect(list.events.map((e) => [e.id, e.auto])).toEqual([['fix-state', true], ['never-fixed', false], ['escalate-step', false], ['hang', false], ['handover', false]]);
    const text = await t.cli(['runbook', 'list']);
    expect(text.stdout).toMatch(/^RUNBOOK\s+AUTO\s+TARGET/);
    expect(text.stdout).toMatch(/fix-state\s+yes\s+2m\s+data-stale,db-corruption\s+Fix the state file/);
    const show = await t.cli(['runbook', 'show', 'fix-state', '--json']);
    expect(show.events[0]).toMatchObject({ id: 'fix-state', steps: [{ id: 'look', kind: 'probe' }, { id: 'restore', risk: 'destructive', confirmWord: 'restore', alreadyDone: { name: 'test.stateHealthy' } }, { id: 'verify', kind: 'wait-until' }] });
    const md = await t.cli(['runbook', 'show', 'fix-state', '--markdown']);
    expect(md.stdout).toContain('2. **Restore the state file** (`restore`, action) **[destructive]**: `test.restore`');
    expect(md.stdout).toContain('   - when already healthy: go to `verify`');
    for (const args of [['runbook', 'show', 'nope'], ['runbook', 'run', 'nope', '--yes']]) {
      const bad = await t.cli(args);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('no runbook "nope"; the runbooks are: fix-state, never-fixed, escalate-step, hang, handover');
    }
  });

  it('refuses a mutating step without a terminal and without --yes (exit 2), changing nothing', async () => {
    const t = setup();
    const run = await t.cli(['runbook', 'run', 'fix-state']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/refusing to go on without confirmation: Restore the state file.*add --yes/);
    expect(t.count('restore.count')).toBe(0);
    const incidents = await t.cli(['incident', 'list', '--json']);
    expect(incidents.events[0]).toMatchObject({ state: 'aborted', runbook: 'fix-state' });
  });

  it('runs to steady state with --yes --json: one line per step, then the summary; exit 0', async () => {
    const t = setup();
    const run = await t.cli(['runbook', 'run', 'fix-state', '--yes', '--json']);
    expect(run.exitCode).toBe(0);
    expect(run.events.map((e) => `${String(e.event)}:${String(e.step ?? e.phase ?? e.outcome)}`)).toEqual([
      'steady-state:before', 'runbook-step:look', 'runbook-step:restore', 'runbook-step:verify', 'steady-state:after', 'summary:resolved',
    ]);
    expect(run.events.at(-1)).toMatchObject({ event: 'summary', incidentId: 1, outcome: 'resolved', steadyBefore: false, steadyAfter: true });
    expect(t.count('restore.count')).toBe(1);
    // The text form for a person.
    fs.writeFileSync(path.join(t.files, 'state'), 'broken');
    const text = await t.cli(['runbook', 'run', 'fix-state', '--yes']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/✔ ok\s+restore  Restore the state file: state restored to healthy/);
    expect(text.stdout).toContain('✔ resolved: incident #2 (fix-state)');
  });

  it('--dry-run runs the probes and prints the plans, changing nothing; exit 0', async () => {
    const t = setup();
    const run = await t.cli(['runbook', 'run', 'fix-state', '--dry-run', '--json']);
    expect(run.exitCode).toBe(0);
    expect(run.events.find((e) => e.step === 'restore')).toMatchObject({ outcome: 'planned', plan: { title: 'Restore the state file?', confirmWord: 'restore' } });
    expect(run.events.at(-1)).toMatchObject({ event: 'summary', dryRun: true });
    expect(t.count('restore.count')).toBe(0);
    expect(fs.readFileSync(path.join(t.files, 'state'), 'utf8')).toBe('broken');
    const text = await t.cli(['runbook', 'run', 'fix-state', '--dry-run']);
    expect(text.stdout).toContain('    Restore the state file?');
    expect(text.stdout).toContain('[dry run: nothing was changed]');
  });

  it('exit 1 when the runbook escalates, 124 on --timeout, 2 for a bad --alert or --timeout', async () => {
    const t = setup();
    const escalated = await t.cli(['runbook', 'run', 'never-fixed', '--yes', '--json']);
    expect(escalated.exitCode).toBe(1);
    expect(escalated.events.at(-1)).toMatchObject({ outcome: 'escalated', reason: 'steady state not reached: the never file is missing' });
    const hung = await t.cli(['runbook', 'run', 'hang', '--yes', '--json', '--timeout', '1s']);
    expect(hung.exitCode).toBe(124);
    expect(hung.events.at(-1)).toMatchObject({ outcome: 'aborted', reason: 'cancelled: --timeout 1s reached' });
    expect((await t.cli(['runbook', 'run', 'fix-state', '--yes', '--alert', '99'])).stderr).toMatch(/no alert #99/);
    expect((await t.cli(['runbook', 'run', 'fix-state', '--yes', '--alert', '99'])).exitCode).toBe(2);
    const badTimeout = await t.cli(['runbook', 'run', 'hang', '--timeout', 'soon']);
    expect(badTimeout.exitCode).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout takes a duration such as 90s, 10m or 1h, got "soon"');
  });

  it('kill -9 during the mutating step, then run again: it resumes, alreadyDone finds the effect, the step is not run twice', async () => {
    const t = setup();
    fs.writeFileSync(path.join(t.files, 'hold'), '');
    const child = t.start(['runbook', 'run', 'fix-state', '--yes', '--json']);
    await until(() => fs.existsSync(path.join(t.files, 'restore.started')), 'the restore step to start');
    child.kill('SIGKILL');
    await child;
    fs.rmSync(path.join(t.files, 'hold'));
    expect(t.count('restore.count')).toBe(1);

    const open = await t.cli(['incident', 'list', '--json']);
    expect(open.events[0]).toMatchObject({ id: 1, state: 'open', currentStep: 'restore' });

    const resumed = await t.cli(['runbook', 'run', 'fix-state', '--yes', '--json']);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.events.at(-1)).toMatchObject({ incidentId: 1, resumed: true, outcome: 'resolved' });
    expect(resumed.events.filter((e) => e.event === 'runbook-step').map((e) => [e.step, e.outcome])).toEqual([['restore', 'already-done'], ['verify', 'ok']]);
    expect(t.count('restore.count')).toBe(1);

    const show = await t.cli(['incident', 'show', '1', '--json']);
    const timeline = show.events[0]!.timeline as { kind: string; step: string | null; outcome: string }[];
    expect(timeline.map((e) => `${e.kind}/${e.step ?? '-'}/${e.outcome}`)).toEqual([
      'steady-state-before/-/not-passed', 'step/look/not-passed', 'step/restore/unknown', 'resume/-/noted',
      'already-done/restore/already-done', 'step/verify/ok', 'steady-state-after/-/passed',
    ]);
    const text = await t.cli(['incident', 'show', '1']);
    expect(text.stdout).toMatch(/incident #1 {2}fix-state {2}✔ resolved/);

    const out = path.join(t.dir, 'report.md');
    const md = await t.cli(['incident', 'report', '1', '--out', out]);
    expect(md.exitCode).toBe(0);
    const report = fs.readFileSync(out, 'utf8');
    expect(report).toContain('# Incident Report: #1 Fix the state file');
    expect(report).toContain('[x] State file broken [ ] Disk full');
    expect(report).toContain('[ ] Automated [x] Manual notice');
    expect(report).toMatch(/- \d\d:\d\d:\d\d restore: Restore the state file — unknown/);
    expect(report).toMatch(/- \d\d:\d\d:\d\d restore: is "Restore the state file" already done\? — already-done/);
    const json = await t.cli(['incident', 'report', '1', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ incident: 1, state: 'resolved', dataLoss: { missingCandlesBefore: 5, missingCandlesAfter: 0 } });
    expect((await t.cli(['incident', 'report', '1', '--format', 'pdf'])).exitCode).toBe(2);
    expect((await t.cli(['incident', 'show', '9'])).stderr).toContain('no incident #9');
  });

  it('the leader runs an automatic runbook itself when its alert fires: an incident like any other, nobody paged when it resolves', async () => {
    const t = setup();
    const hook = await new Recorder().start();
    // A store that has synced before and is now not a database: integrity is critical and
    // db-corruption fires at once (an empty, never-synced data dir would not: that is no incident).
    const data = path.join(t.dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'market.db'), 'not a database '.repeat(500));
    const ops = openOpsDb(data);
    finishRun(ops, startRun(ops, { job: 'sync', trigger: 'manual', startedAt: Date.now() - 60_000 }), { status: 'success', exitCode: 0, durationMs: 1000, summary: null, endedAt: Date.now() - 59_000 });
    ops.close();
    const config = writeTestConfig(t.dir, {
      symbols: ['BTCUSDT'], intervals: ['1h'],
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', monitorEvery: '1s' },
      alerts: { channels: { webhook: { url: hook.url } }, groupWait: '0s' },
    });
    const daemon = startDaemon(['--data-dir', path.join(t.dir, 'data'), '--config', config], { env: { CFA_RUNBOOKS_MODULE: REGISTRY, CFA_TEST_RUNBOOK_DIR: t.files } });
    try {
      const done = await daemon.waitFor((l) => l.msg === 'automatic runbook finished', 30_000);
      expect(done).toMatchObject({ runbook: 'fix-state', outcome: 'resolved', incident: 1 });
      await until(() => hook.requests.length > 0, 'the alert to be announced');
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.child;
      await hook.stop();
    }
    // The alert itself was announced; the automatic run that fixed it paged nobody.
    expect(JSON.stringify(hook.requests)).toMatch(/db-corruption/);
    expect(JSON.stringify(hook.requests)).not.toMatch(/escalat/);
    expect(t.count('restore.count')).toBe(1);
    const list = await t.cli(['incident', 'list', '--json']);
    expect(list.events).toHaveLength(1);
    expect(list.events[0]).toMatchObject({ runbook: 'fix-state', state: 'resolved', automatic: true, alert: { rule: 'db-corruption' } });
    const report = await t.cli(['incident', 'report', '1']);
    expect(report.stdout).toMatch(/\[x\] Automated \(alert #\d+, db-corruption\) \[ \] Manual notice/);
    expect(report.stdout).toContain('(automatic run)');
  });
});
