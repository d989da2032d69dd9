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
  it('stops the daemon, says the leader will restart it, and the leader starts it again by itself', async () => {
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
      expect(stop.detail).toMatch(/stopped the backtest daemon \(PID \d+\) with SIGTERM/);
      expect(stop.detail).toMatch(/the engine's leader \(PID \d+ on .*\) sees that stop as a crash and restarts the daemon after its backoff/);
      expect(summaryOf(run).status).toBe('ok');
      expect(storeDifferences(path.join(dir, 'data'), sim, symbols, ALL, 5)).toEqual([]);
      // The supervisor brings the daemon back by itself.
      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'backoff');
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && fs.readFileSync(spawnLog, 'utf8').trim().split('\n').length < 2) await new Promise((r) => setTimeout(r, 100));
      expect(fs.readFileSync(spawnLog, 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
  }, 60_000);
});
