import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actions, checks, stepCall, waits } from '../../../src/runbook/library/index.js';
import { engineFixture, pidAlive, startDaemon } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { stepContext, until, withFacts } from './helpers.js';

const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');
const HANGING = path.resolve('test/fixtures/daemons/hanging-daemon.mjs');

/** An engine (the leader) supervising `command`, and a StepContext of another process beside it. */
function engineWith(command: string[], daemon: Record<string, unknown> = {}) {
  const dir = tempDir('cfa-rb-daemon-');
  const args = engineFixture(dir, 'http://127.0.0.1:9', { daemon: { command, restartBackoff: '300ms', killGrace: '1s', ...daemon } });
  const engine = startDaemon(args);
  const ctx = stepContext({ dataDir: path.join(dir, 'data'), configFile: path.join(dir, 'config.json'), exchangeUrl: 'http://127.0.0.1:9' });
  return { engine, ctx };
}

async function stop(engine: ReturnType<typeof startDaemon>) {
  engine.child.kill('SIGTERM');
  await engine.child.catch(() => {});
}

describe('step library: the supervised daemon, through the leader', () => {
  it('a killed daemon: its facts say how it ended; pause keeps it down; restart brings a new process that beats', async () => {
    const { engine, ctx } = engineWith([process.execPath, BEATING]);
    try {
      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running');
      const up = await until(checks.daemonStatus(), ctx);
      const first = up.data.pid as number;
      expect(up.summary).toMatch(new RegExp(`^running: PID ${first} since`));
      await until(waits.freshHeartbeat(), ctx);

      // The fault: SIGKILL. The supervisor records the crash (and restarts it after its backoff).
      process.kill(first, 'SIGKILL');
      const crashed = await until(stepCall('test.crashRecorded', {}, async (c) => {
        const r = await checks.daemonStatus({ events: 20 }).run(c);
        return { ...r, ok: r.output!.some((l) => / crash /.test(l)) };
      }), ctx);
      expect(crashed.output!.join('\n')).toMatch(/crash .*SIGKILL/);
      const log = await checks.daemonLog({ lines: 50 }).run(ctx);
      expect(log.data.file).toMatch(/logs\/daemon\/backtest\.log$/);
      expect(log.output!.join('\n')).toMatch(/beating-daemon \d+ up/);

      // Pause through the leader: stopped, not restarted, and the pause is already done on a re-run.
      const pause = actions.pauseDaemon({ reason: 'test' });
      expect(await pause.plan!(ctx)).toMatchObject({ action: 'pauseDaemon', risk: 'mutate' });
      const paused = await pause.run(ctx);
      expect(paused.ok, paused.summary).toBe(true);
      expect((await checks.daemonPaused().run(ctx)).ok).toBe(true);
      const down = await checks.daemonStatus().run(ctx);
      expect(down.ok).toBe(false);
      expect(down.summary).toMatch(/^not running: state paused/);
      expect((await checks.heartbeatFresh().run(ctx)).ok).toBe(false);
      const before = (down.data.pid as number | null) ?? first;

      // The daemon-dead runbook's restart: a new process, a fresh heartbeat.
      const restarted = await actions.restartDaemon({ reason: 'test' }).run(ctx);
      expect(restarted.ok, restarted.summary).toBe(true);
      const beat = await until(waits.freshHeartbeat(), ctx);
      expect(beat.data.pid).not.toBe(first);
      expect(pidAlive(beat.data.pid as number)).toBe(true);
      expect((await checks.daemonReplaced().run(withFacts(ctx, 'status', { pid: before }))).ok).toBe(true);
      expect((await checks.rulesClear(['daemon-dead', 'daemon-crash-loop']).run(ctx)).ok).toBe(true);
    } finally {
      await stop(engine);
    }
  }, 90_000);

  it('a hung daemon that ignores SIGTERM: diagnostics are captured and kept, the restart kills it (SIGKILL after the grace) and starts a new one', async () => {
    const { engine, ctx } = engineWith([process.execPath, HANGING], { heartbeatTimeout: '10m' });
    try {
      // It never beats, so the supervisor leaves it `starting`: alive, but never fresh.
      const started = await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'starting' && typeof l.pid === 'number');
      const hung = started.pid as number;
      // It never beats: the heartbeat wait says so.
      expect((await waits.freshHeartbeat().run(ctx)).ok).toBe(false);

      await until(stepCall('test.stuck', {}, async (c) => {
        const r = await checks.daemonLog().run(c);
        return { ...r, ok: r.output!.some((l) => l.includes('stuck in step 3')) };
      }), ctx);
      const diag = await checks.hangDiagnostics().run(ctx);
      expect(diag.data.pid).toBe(hung);
      expect(diag.data.procState).toMatch(/^[RSD]$/);
      const text = diag.output!.join('\n');
      expect(text).toMatch(new RegExp(`process: PID ${hung} state [RSD]`));
      expect(text).toMatch(/^wchan: /m);
      expect(text).toMatch(/^stack:/m);
      expect(text).toMatch(/hanging-daemon: stuck in step 3/);
      const saved = diag.data.diagnostics as string;
      expect(fs.existsSync(saved)).toBe(true);
      expect(JSON.parse(fs.readFileSync(saved, 'utf8'))).toMatchObject({ pid: hung, proc: { pid: hung } });

      const facts = withFacts(ctx, 'status', { pid: hung });
      expect((await checks.daemonReplaced().run(facts)).ok).toBe(false);
      const restarted = await actions.restartDaemon({ reason: 'hung' }).run(facts);
      expect(restarted.ok, restarted.summary).toBe(true);
      expect(restarted.data.previousPid).toBe(hung);
      expect(pidAlive(hung)).toBe(false);
      expect(restarted.data.pid).not.toBe(hung);
    } finally {
      await stop(engine);
    }
  }, 90_000);
});
