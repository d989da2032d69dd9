import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { JobRunner, runJob, type RunnerDeps, type RunOutcome, type RunRequest } from '../../src/engine/job-runner.js';
import { PgLeadership } from '../../src/engine/pg-leadership.js';
import { processStartTicks } from '../../src/engine/process-identity.js';
import { getRun, jobStates } from '../../src/engine/run-history.js';
import { RunMirror } from '../../src/engine/run-mirror.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { describeBackends, sqliteBackend, type Backend } from '../helpers/backends.js';
import { pgLeader } from '../helpers/pg-engine.js';
import { tempDir } from '../helpers/temp-dir.js';

const FAKE_JOB = fileURLToPath(new URL('../fixtures/fake-job.mjs', import.meta.url));

/** Alive as a process that runs: a zombie nobody reaps (PID 1 in a container) is dead for us. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

const closes: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closes.splice(0)) await close();
});

/**
 * A runner's deps on a fresh ops.db. On postgres they are wired as the engine wires them for
 * store.backend postgres (src/engine/engine.ts): a run starts only once the leader recorded it
 * under its epoch (PgLeadership.act, fenced), and each change of a run is copied into the shared
 * history (RunMirror into cfa_job_runs). `shared(outcome)` is that copy, after a catch-up (null on SQLite).
 */
async function setup(backend: Backend, extra: Partial<RunnerDeps> = {}) {
  const dataDir = tempDir();
  const db = openOpsDb(dataDir);
  const events: { runId: number; event: Record<string, unknown> }[] = [];
  const parts = backend.name === 'postgres' ? await pgLeader(backend.url) : null;
  if (parts) closes.push(parts.close);
  const mirror = parts ? new RunMirror({ db, store: parts.runs, host: parts.host }) : null;
  // A test's own onRecorded is told as well as the mirror, not instead of it.
  const { onRecorded: told, ...rest } = extra;
  const deps: RunnerDeps = {
    db, dataDir, cliCommand: [process.execPath, FAKE_JOB],
    onProgress: (runId, event) => events.push({ runId, event }),
    ...(parts ? {
      admit: async (request: RunRequest) => ((await parts.leadership.act('job-start', request.job, { trigger: request.trigger, slot: request.slot ?? null }))
        ? null : `refused: epoch ${parts.leadership.epoch ?? 'none'} no longer holds the lease`),
    } : {}),
    ...(mirror || told ? {
      onRecorded: (runId: number, job: string, change: 'start' | 'finish' | 'skip') => {
        if (mirror && parts) {
          if (change === 'start') mirror.noteEpoch(runId, parts.leadership.epoch);
          void mirror.sync();
        }
        told?.(runId, job, change);
      },
    } : {}),
    ...rest,
  };
  const request = (mode: string, more: Partial<RunRequest> = {}): RunRequest => ({
    job: 'fake', trigger: 'manual', options: { mode }, timeoutMs: 30_000, killGraceMs: 200, ...more,
  });
  const pidsSeen = () => [...new Set(events.flatMap(({ event }) => [event.pid, event.grandchild]))].filter((p): p is number => typeof p === 'number');
  const shared = async (outcome: RunOutcome) => {
    if (!parts || !mirror) return null;
    const { error } = await mirror.sync();
    if (error) throw error;
    return (await parts.runs.list({ job: 'fake', limit: 100 })).find((r) => r.host === parts.host && r.id === outcome.runId) ?? 'not in cfa_job_runs';
  };
  /** On postgres: the run is in cfa_job_runs as ops.db has it, under the leader's epoch when it was spawned. */
  const expectShared = async (outcome: RunOutcome) => {
    const row = await shared(outcome);
    if (!parts) return;
    expect(row).toMatchObject({
      status: outcome.status, exitCode: outcome.exitCode, logPath: outcome.logPath, summary: outcome.summary,
      epoch: outcome.logPath === null ? null : parts.leadership.epoch,
    });
  };
  return { dataDir, db, deps, events, request, pidsSeen, parts, shared, expectShared };
}

describeBackends('runJob', (backend) => {
  it('tells when the history changed for a run, after the row is written: its start, its end, a skip', async () => {
    const changes: string[] = [];
    const { db, deps, request, parts, shared, expectShared } = await setup(backend, {
      onRecorded: (runId, job, change) => changes.push(`${job}/${runId}/${change}/${getRun(db, runId)?.status ?? 'no row'}`),
    });
    const outcome = await runJob(request('success'), deps);
    expect(changes).toEqual([`fake/${outcome.runId}/start/running`, `fake/${outcome.runId}/finish/success`]);
    await expectShared(outcome);
    changes.length = 0;
    // On postgres a process that does not hold the lease: its fenced 'job-start' is refused.
    const follower = parts && new PgLeadership(parts.pool);
    const admit: RunnerDeps['admit'] = follower
      ? async (r) => ((await follower.act('job-start', r.job)) ? null : 'refused: not leading')
      : async () => 'refused: not leading';
    const refused = await runJob(request('success'), { ...deps, admit });
    expect(refused).toMatchObject({ status: 'skipped', summary: { reason: 'refused: not leading' }, logPath: null });
    expect(changes).toEqual([`fake/${refused.runId}/skip/skipped`]);
    if (parts) expect(await shared(refused)).toMatchObject({ status: 'skipped', epoch: null, summary: { reason: 'refused: not leading' } });
  });

  it('records a success with the summary, streams progress and keeps the whole output in the log', async () => {
    const { db, deps, events, request, shared, expectShared } = await setup(backend);
    const outcome = await runJob(request('success', { trigger: 'schedule', slot: 123 }), deps);
    expect(outcome).toMatchObject({ status: 'success', exitCode: 0, summary: { status: 'success', series: { ok: 2, total: 2 } } });
    expect(outcome.summary).not.toHaveProperty('event');
    expect(events.map((e) => e.event.event)).toEqual(['pids', 'series', 'series', 'summary']);
    expect(events.every((e) => e.runId === outcome.runId)).toBe(true);
    expect(events[0]?.event.runId).toBe(String(outcome.runId));

    expect(outcome.logPath).toBe(path.join(deps.dataDir, 'logs', 'jobs', 'fake', `${outcome.runId}.log`));
    const log = fs.readFileSync(outcome.logPath!, 'utf8');
    expect(log).toContain('a line that is not JSON');
    expect(log).toContain('a note on stderr');
    expect(log).toContain('"symbol":"ETHUSDT"');

    expect(getRun(db, outcome.runId)).toMatchObject({ status: 'success', exitCode: 0, trigger: 'schedule', slot: 123, logPath: outcome.logPath });
    expect(jobStates(db)[0]).toMatchObject({ job: 'fake', lastRunId: outcome.runId, lastStatus: 'success' });
    expect(jobStates(db)[0]?.lastSuccessAt).not.toBeNull();
    await expectShared(outcome);
    expect(await shared(outcome)).toMatchObject(backend.name === 'postgres' ? { trigger: 'schedule', slot: 123 } : {});
    db.close();
  });

  it('records a failure with the last stderr lines', async () => {
    const { db, deps, request, expectShared } = await setup(backend);
    const outcome = await runJob(request('fail'), deps);
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(outcome.summary?.error).toContain('boom: exchange unreachable');
    expect(getRun(db, outcome.runId)?.summary?.error).toContain('boom: exchange unreachable');
    expect(jobStates(db)[0]).toMatchObject({ lastStatus: 'failed', lastSuccessAt: null });
    await expectShared(outcome);
    db.close();
  });

  it('records exit 1 with some series through as partial', async () => {
    const { db, deps, request, expectShared } = await setup(backend);
    const outcome = await runJob(request('partial'), deps);
    expect(outcome).toMatchObject({ status: 'partial', exitCode: 1, summary: { series: { ok: 1, failed: 1 } } });
    expect(jobStates(db)[0]?.lastStatus).toBe('partial');
    await expectShared(outcome);
    db.close();
  });

  it('records the job\'s own exit 124 as a timeout', async () => {
    const { deps, request, expectShared } = await setup(backend);
    const outcome = await runJob(request('exit124'), deps);
    expect(outcome).toMatchObject({ status: 'timeout', exitCode: 124 });
    await expectShared(outcome);
  });

  it('records a crash as failed with the error', async () => {
    const { deps, request, expectShared } = await setup(backend);
    const outcome = await runJob(request('crash'), deps);
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(outcome.summary?.error).toContain('kaboom in the job');
    await expectShared(outcome);
  });

  it('records a command that cannot be spawned as a failed run, without throwing', async () => {
    const { db, deps, request, expectShared } = await setup(backend);
    const outcome = await runJob(request('success'), { ...deps, cliCommand: [path.join(deps.dataDir, 'no-such-binary')] });
    expect(outcome).toMatchObject({ status: 'failed', exitCode: null });
    expect(String(outcome.summary?.error)).toContain('ENOENT');
    expect(getRun(db, outcome.runId)?.status).toBe('failed');
    await expectShared(outcome);
    db.close();
  });

  it('records a lost race for the job\'s own lock as skipped, not failed', async () => {
    const { db, deps, request, expectShared } = await setup(backend);
    const outcome = await runJob(request('busy'), deps);
    expect(outcome).toMatchObject({ status: 'skipped', summary: { reason: expect.stringContaining('is already running: PID 4242') } });
    expect(jobStates(db)).toEqual([]);
    await expectShared(outcome);
    db.close();
  });
});

// SQLite only from here: how the child's processes are timed out, killed, reaped and cancelled,
// and ops.db's own lock pre-check; on postgres the shared job lock is taken by the job's process itself.
describe('runJob', () => {
  it('kills a child that ignores SIGTERM with SIGKILL after the grace and records a timeout', async () => {
    const { db, deps, request, pidsSeen } = await setup(sqliteBackend);
    const outcome = await runJob(request('hang', { timeoutMs: 1000 }), deps);
    expect(outcome).toMatchObject({ status: 'timeout', exitCode: 124 });
    const [pid] = pidsSeen();
    expect(pid).toBeTypeOf('number');
    expect(running(pid!)).toBe(false);
    const log = fs.readFileSync(outcome.logPath!, 'utf8');
    // SIGTERM came first and was ignored; only SIGKILL ended it.
    expect(log.indexOf('timeout: SIGTERM')).toBeGreaterThan(-1);
    expect(log.indexOf('ignoring SIGTERM')).toBeGreaterThan(log.indexOf('timeout: SIGTERM'));
    expect(getRun(db, outcome.runId)).toMatchObject({ status: 'timeout', exitCode: 124 });
    db.close();
  });

  it('leaves no orphan after a timeout: the grandchild dies with its parent', async () => {
    const { deps, events, request, pidsSeen } = await setup(sqliteBackend);
    const outcome = await runJob(request('grandchild', { timeoutMs: 1000 }), deps);
    expect(outcome.status).toBe('timeout');
    const pids = pidsSeen();
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(running(pid)).toBe(false);
    expect(events.some((e) => e.event.event === 'grandchild-ready')).toBe(true);
  });

  it('reaps what a successful job left behind in its process group', async () => {
    const { deps, request, pidsSeen } = await setup(sqliteBackend);
    const outcome = await runJob(request('leak'), deps);
    expect(outcome.status).toBe('success');
    const pids = pidsSeen();
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(running(pid)).toBe(false);
    expect(fs.readFileSync(outcome.logPath!, 'utf8')).toContain('killed what was left of process group');
  });

  it('cancels on abort: SIGTERM, the job stops gracefully, the run is cancelled', async () => {
    const controller = new AbortController();
    const { db, deps, request, pidsSeen } = await setup(sqliteBackend, {
      onProgress: (_runId, event) => { if (event.event === 'ready') controller.abort(); },
      signal: controller.signal,
    });
    const outcome = await runJob(request('graceful'), deps);
    expect(outcome).toMatchObject({ status: 'cancelled', exitCode: 143, summary: { interrupted: true, reason: 'cancelled' } });
    expect(getRun(db, outcome.runId)?.status).toBe('cancelled');
    expect(pidsSeen()).toHaveLength(0); // onProgress was replaced: no pids collected
    db.close();
  });

  it('skips without spawning while a live process holds the job lock', async () => {
    const { dataDir, db, deps, events, request } = await setup(sqliteBackend);
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      db.prepare('INSERT INTO locks (name, pid, start_ticks, host, acquired_at) VALUES (?, ?, ?, ?, ?)')
        .run('fake', holder.pid, processStartTicks(holder.pid!), os.hostname(), Date.now());
      const marker = path.join(dataDir, 'spawned');
      const outcome = await runJob(request('success', { options: { mode: 'success', marker } }), deps);
      expect(outcome).toMatchObject({ status: 'skipped', logPath: null, summary: { reason: `already running: PID ${holder.pid}` } });
      expect(getRun(db, outcome.runId)).toMatchObject({ status: 'skipped', summary: { reason: `already running: PID ${holder.pid}` } });
      expect(fs.existsSync(marker)).toBe(false);
      expect(events).toHaveLength(0);
    } finally {
      holder.kill('SIGKILL');
      await once(holder, 'exit');
    }
    db.close();
  });
});

describeBackends('JobRunner', (backend) => {
  it('tracks runs in flight, skips an overlap, and stops them all', async () => {
    const { db, deps, request, expectShared } = await setup(backend);
    let ready!: () => void;
    const isReady = new Promise<void>((r) => { ready = r; });
    const runner = new JobRunner({ ...deps, onProgress: (_id, event) => { if (event.event === 'ready') ready(); } });
    const first = runner.run(request('graceful'));
    expect(runner.isRunning('fake')).toBe(true);
    expect(runner.isRunning('other')).toBe(false);
    await isReady;
    const [entry] = runner.running();
    expect(entry).toMatchObject({ job: 'fake', trigger: 'manual', lastProgress: { event: 'ready' } });

    const overlap = await runner.run(request('success'));
    expect(overlap).toMatchObject({ status: 'skipped', summary: { reason: `already running: run ${entry!.runId}` } });
    expect(getRun(db, overlap.runId)?.status).toBe('skipped');
    await expectShared(overlap);

    const stopped = await runner.stopAll(500);
    expect(stopped.map((o) => o.status)).toEqual(['cancelled']);
    expect(await first).toMatchObject({ runId: entry!.runId, status: 'cancelled' });
    expect(runner.isRunning('fake')).toBe(false);
    expect(runner.running()).toEqual([]);
    await expectShared(stopped[0]!);
    db.close();
  });
});
