import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../helpers/daemon.js';
import { BEATING, actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook daemon-dead, end to end', () => {
  it('a killed daemon: confirmed down, its log read, the store checked, restarted through the leader; it beats again', async () => {
    // A long restart backoff: the supervisor does not bring it back by itself within the test.
    const t = await e2e({ settings: { daemon: { command: [process.execPath, BEATING], restartBackoff: '10m', killGrace: '1s' } } });
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    const engine = await t.leader();
    const up = await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running' && typeof l.pid === 'number');
    const killed = up.pid as number;

    // The fault: kill -9.
    process.kill(killed, 'SIGKILL');
    await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'backoff');

    const run = await t.run('daemon-dead');
    expectSteady(run);
    expect(stepsOf(run)).toEqual(['confirm-down:not-passed', 'log-errors:passed', 'integrity:passed', 'restart:ok', 'wait-heartbeat:ok', 'resolved:noted']);
    const confirm = run.events.find((e) => e.step === 'confirm-down')!;
    expect(confirm.summary).toMatch(/^not running: state backoff.*signal SIGKILL/);
    const beat = run.events.find((e) => e.step === 'wait-heartbeat')!.data as { pid: number };
    expect(beat.pid).not.toBe(killed);
    expect(pidAlive(beat.pid)).toBe(true);
    expect(t.differences()).toEqual([]);

    const report = await t.report(summaryOf(run).incidentId as number);
    expect(report).toMatchObject({ runbook: 'daemon-dead', state: 'resolved', chain: ['daemon-dead'] });
    expect(report.impact).toMatch(/steady state broken: .*daemon is not running \(backoff\)/);
    expect(ticked(report)).toEqual(['Process crash']);
    expect(actionsOf(report)).toEqual(['confirm-down:not-passed', 'log-errors:passed', 'integrity:passed', 'restart:ok', 'wait-heartbeat:ok', 'resolved:noted']);
    expect(report.actions.find((a) => a.step === 'restart')!.summary).toMatch(new RegExp(`^restart: was backoff .*now (starting|running) \\(PID ${beat.pid}\\)`));
    expect(report.recoveryMs).toEqual(expect.any(Number));
  }, 90_000);
});
