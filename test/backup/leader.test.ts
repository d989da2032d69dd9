import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineFixture, startDaemon } from '../helpers/daemon.js';
import { storeDifferences } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ALL, clockedSimulator, DAY, summaryOf } from './helpers.js';

const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');

describe('restore while an engine leader supervises the backtest daemon', () => {
  it('has the leader pause the daemon (no crash, no backoff restart meanwhile) and resume it when done', async () => {
    const { sim, advance } = await clockedSimulator(2);
    const symbols = sim.symbols.slice(0, 2);
    const dir = tempDir();
    const spawnLog = path.join(dir, 'spawns.log');
    const args = engineFixture(dir, sim.url, {
      symbols, sync: { backfillDays: 5 },
      daemon: { command: [process.execPath, BEATING, '--spawn-log', spawnLog], restartBackoff: '1s', killGrace: '2s' },
    });
    expect((await runCli([...args, 'sync', '--json'])).exitCode).toBe(0);
    expect((await runCli([...args, 'backup', '--json'])).exitCode).toBe(0);
    advance(DAY);

    const engine = startDaemon(args);
    try {
      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running');
      const run = await runCli([...args, 'restore', '--latest', '--yes', '--json']);
      expect(run.exitCode).toBe(0);
      const stop = run.events.find((e) => e.step === 'stop-writers') as Record<string, string>;
      expect(stop.detail).toMatch(/the engine's leader \(PID \d+ on .*\) paused the backtest daemon \(PID \d+ stopped\) \(request #1\): it is not restarted until we are done, and the stop is no crash/);
      const resume = run.events.find((e) => e.step === 'resume') as Record<string, string>;
      expect(resume.detail).toMatch(/asked the engine's leader to resume the backtest daemon/);
      expect(summaryOf(run).status).toBe('ok');
      expect(storeDifferences(path.join(dir, 'data'), sim, symbols, ALL, 5)).toEqual([]);
      // The leader starts it again on the resume request, not as a crash after a backoff.
      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'paused');
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && fs.readFileSync(spawnLog, 'utf8').trim().split('\n').length < 2) await new Promise((r) => setTimeout(r, 100));
      expect(fs.readFileSync(spawnLog, 'utf8').trim().split('\n')).toHaveLength(2);
      const status = JSON.parse((await runCli([...args, 'daemon', 'status', '--json'])).stdout);
      expect(status).toMatchObject({ crashesInWindow: 0, restarts24h: 0 });
      expect(engine.lines().some((l) => l.msg === 'daemon' && l.state === 'backoff')).toBe(false);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
  }, 60_000);
});
