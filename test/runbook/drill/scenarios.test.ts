import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cannotMount } from '../../../src/common/mounts.js';
import type { DrillResult } from '../../../src/runbook/drill/drill.js';
import { SANDBOX_PREFIX } from '../../../src/runbook/drill/sandbox.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * One drill per scenario with the built binary (`drill <scenario> --yes --json`), in a real
 * sandbox (simulator, engine, daemon, stand-ins): the fault is real, the alert is raised by the
 * sandbox's engine through the real rules, the runbook runs in automatic mode, and after the
 * revert the engine itself resolves the alert. The drills of the other runbooks run in
 * drill-command.test.ts (`drill --all --yes`).
 */

async function drill(id: string, events: { event: string; stage?: unknown }[] = []): Promise<DrillResult> {
  const root = tempDir('cfa-drill-scenario-');
  const sandboxes = path.join(root, 'tmp');
  fs.mkdirSync(sandboxes);
  const run = await runCli(['drill', id, '--yes', '--json'], { env: { CFA_DATA_DIR: path.join(root, 'real'), TMPDIR: sandboxes }, timeout: 280_000 });
  events.push(...run.events as { event: string }[]);
  const result = run.events.find((e) => e.event === 'drill') as unknown as DrillResult | undefined;
  if (!result) throw new Error(`no drill result (exit ${run.exitCode}):\n${run.stderr.slice(-3000)}`);
  expect(run.exitCode, run.stderr.slice(-2000)).toBe(result.passed || result.skipped ? 0 : 1);
  // Nothing is left of the sandbox.
  expect(fs.readdirSync(sandboxes).filter((n) => n.startsWith(SANDBOX_PREFIX))).toEqual([]);
  return result;
}

/** The fault raised the expected alert through the sandbox's rules, and the revert let the engine resolve it. */
function expectFaultAlertCleared(r: DrillResult, rule: string): void {
  expect(r.injected, String(r.reason)).toBeTruthy();
  expect(r.alert, String(r.reason)).toMatchObject({ rule });
  expect(r.score!.toAlertMs).toEqual(expect.any(Number));
  expect(r.cleared, `the engine resolved #${r.alert?.id} after the revert: ${String(r.reason)}`).toEqual({ afterMs: expect.any(Number) });
  expect(r.cleared!.afterMs).toBeGreaterThanOrEqual(r.score!.toAlertMs!);
  // Headless: the automatic run took the alert up when it opened the runbook.
  expect(r.score).toMatchObject({ toAckMs: expect.any(Number), ackedBy: `runbook ${r.scenario} (automatic)` });
  expect(r.score!.toAckMs!).toBeGreaterThanOrEqual(r.score!.toAlertMs!);
  expect(r.report?.drill).toBe(true);
}

const steps = (r: DrillResult) => r.score!.steps.map((s) => `${s.step}:${s.outcome}`);

describe('game-day drills, scenario by scenario', () => {
  it('missing-symbols: a delisted symbol configured (the engine restarted to read it) raises missing-symbols; the runbook removes it; the restarted engine resolves the alert', async () => {
    const r = await drill('missing-symbols');
    expect(r, String(r.reason)).toMatchObject({ passed: true, outcome: 'resolved', steadyAfter: true, candles: { missing: 0, wrong: 0 } });
    expectFaultAlertCleared(r, 'missing-symbols');
    expect(r.injected).toMatch(/^LUNAUSDT .* added to the configured symbols; the engine restarted/);
    expect(steps(r)).toEqual(['symbols:not-passed', 'remove-delisted:ok', expect.stringMatching(/^backfill:/), 'resolved:noted']);
    expect(r.report!.rootCause.options.filter((o) => o.ticked).map((o) => o.cause)).toEqual(['Symbol delisted']);
    // The runbook took it out of the config file; the revert only restarted the engine to read that.
    expect(r.reverted).toMatch(/already out of the config \(the runbook removed it\); the engine restarted/);
  }, 240_000);

  it('backup-stale: the backup target read-only during a backup (which fails) lets the verified backup age past the limit; the runbook backs up now', async () => {
    const r = await drill('backup-stale');
    expect(r, String(r.reason)).toMatchObject({ passed: true, outcome: 'resolved', steadyAfter: true });
    expectFaultAlertCleared(r, 'backup-stale');
    expect(r.injected).toMatch(/^the hot tier's directory read-only .* during backup run \d+ \(failed\)/);
    expect(steps(r)).toEqual(['age:not-passed', 'disk:passed', 'integrity:passed', 'backup:ok', 'resolved:noted']);
  }, 300_000);

  it('disk-low: the sandbox\'s small disk filled raises disk-low; the runbook deletes nothing and waits; the person (the drill\'s script) frees it; or, where no tmpfs can be mounted, the drill says so and is skipped', async () => {
    const events: { event: string; stage?: unknown }[] = [];
    const r = await drill('disk-low', events);
    const why = cannotMount();
    if (why || r.skipped) {
      // Said plainly, not a failure, not a pass.
      expect(r.skipped).toMatch(/a 128m disk for the sandbox cannot be mounted here: /);
      expect(r).toMatchObject({ passed: false, injected: null, alert: null });
      expect(events.find((e) => e.stage === 'skipped')).toBeDefined();
      return;
    }
    expect(r, String(r.reason)).toMatchObject({ passed: true, outcome: 'resolved', steadyAfter: true, candles: { missing: 0, wrong: 0 } });
    expectFaultAlertCleared(r, 'disk-low');
    expect(r.injected).toMatch(/^the data dir's disk filled by old-export\.bin .*: [0-4]\.\d% free$/);
    expect(r.person).toMatch(/^old-export\.bin deleted by hand: \d+ MB freed$/);
    expect(steps(r)).toEqual(['disk:not-passed', 'usage:passed', 'free-space:noted', 'wait-space:ok', 'resolved:noted']);
  }, 240_000);

  it('sentiment-stale: fear & greed down for days raises sentiment-stale; the runbook fetches, fails again and pages (the honest outcome); the source back and a new run resolve the alert', async () => {
    const r = await drill('sentiment-stale');
    expect(r, String(r.reason)).toMatchObject({ passed: true, outcome: 'escalated', expected: 'escalated' });
    expectFaultAlertCleared(r, 'sentiment-stale');
    expect(r.score!.toEscalatedMs).toEqual(expect.any(Number));
    expect(steps(r)).toEqual(['which:not-passed', 'exchange:passed', 'fetch:failed', 'fetch:failed', 'page:failed']);
    expect(r.report!.rootCause.options.filter((o) => o.ticked).map((o) => o.cause)).toEqual(['FRED or fear & greed source down']);
    expect(r.reverted).toMatch(/^the sources answer again; the next sentiment run \d+ ended success$/);
  }, 240_000);
});
