import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../helpers/daemon.js';
import { HANG_ONCE, actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked, until } from './helpers.js';

describe('runbook daemon-hung, end to end', () => {
  it('a hung daemon ignoring SIGTERM: the symptom named, diagnostics kept, SIGKILL after the grace, a new process that beats', async () => {
    const marker = path.join(await import('node:os').then((os) => os.tmpdir()), `cfa-hang-once-${process.pid}-${Date.now()}`);
    const t = await e2e({
      settings: {
        // The supervisor's own hang limit is far away: the runbook, not the supervisor, deals with it.
        daemon: { command: [process.execPath, HANG_ONCE, marker, '300'], heartbeatTimeout: '10m', killGrace: '1s', restartBackoff: '300ms' },
        alerts: { thresholds: { heartbeatStale: '1s' } },
      },
    });
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    const engine = await t.leader();
    const started = await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running' && typeof l.pid === 'number');
    const hung = started.pid as number;
    try {
      // The fault: it stops beating and ignores SIGTERM; wait until its heartbeat is past the limit.
      const log = path.join(t.dataDir, 'logs', 'daemon', 'backtest.log');
      const beat = path.join(t.dataDir, 'run', 'backtest.heartbeat');
      await until(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('stuck in step 3'), 'the daemon to hang');
      await until(() => Date.now() - Number(fs.readFileSync(beat, 'utf8')) > 1_200, 'its heartbeat to go stale');

      const run = await t.run('daemon-hung');
      expectSteady(run);
      expect(stepsOf(run)).toEqual(['symptom:not-passed', 'status:passed', 'diagnostics:passed', 'restart:ok', 'wait-heartbeat:ok', 'resolved:noted']);
      expect(run.events.find((e) => e.step === 'symptom')!.summary).toMatch(/daemon-heartbeat-stale: the backtest daemon's heartbeat is .* old \(limit 1s\)/);
      const diagnostics = run.events.find((e) => e.step === 'diagnostics')!.data as { pid: number; diagnostics: string };
      expect(diagnostics.pid).toBe(hung);
      expect(JSON.parse(fs.readFileSync(diagnostics.diagnostics, 'utf8'))).toMatchObject({ pid: hung });
      const restart = run.events.find((e) => e.step === 'restart')!.data as { previousPid: number; pid: number };
      expect(restart.previousPid).toBe(hung);
      // SIGTERM was ignored (it said so), SIGKILL ended it.
      expect(fs.readFileSync(log, 'utf8')).toContain('hang-once-daemon: ignoring SIGTERM');
      expect(pidAlive(hung)).toBe(false);
      const fresh = run.events.find((e) => e.step === 'wait-heartbeat')!.data as { pid: number };
      expect(fresh.pid).not.toBe(hung);
      expect(pidAlive(fresh.pid)).toBe(true);

      const report = await t.report(summaryOf(run).incidentId as number);
      expect(report).toMatchObject({ runbook: 'daemon-hung', state: 'resolved' });
      expect(ticked(report)).toEqual(['Process hang']);
      expect(actionsOf(report)).toEqual(['symptom:not-passed', 'status:passed', 'diagnostics:passed', 'restart:ok', 'wait-heartbeat:ok', 'resolved:noted']);
      expect(report.actions.find((a) => a.step === 'diagnostics')!.summary).toMatch(new RegExp(`^PID ${hung} in state [RSD], wchan .*; saved to `));
    } finally {
      fs.rmSync(marker, { force: true });
    }
  }, 90_000);
});
