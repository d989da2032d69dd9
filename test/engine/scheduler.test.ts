import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { claimSlot, finishRun, jobStates, lastSlot, startRun } from '../../src/engine/run-history.js';
import { JOBS } from '../../jobs/index.js';
import { resolveSchedule, Scheduler, type ScheduledJob } from '../../src/engine/scheduler.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';

const EVERY_SECOND = '*/1 * * * * *';
const DAILY = '30 0 * * *';
const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

type Due = { job: string; slot: number; trigger: string };

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  vi.useRealTimers();
});

function scheduler(options: { dir: string; jobs: ScheduledJob[]; now?: () => number }) {
  const db = openOpsDb(options.dir);
  const due: Due[] = [];
  const s = new Scheduler({ jobs: options.jobs, db, now: options.now, onDue: (job, slot, trigger) => due.push({ job, slot, trigger }) });
  stops.push(() => { s.stop(); db.close(); });
  return { s, db, due };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

const def = (over: Partial<JobDefinition>): JobDefinition => ({
  name: 'sync', summary: 's', schedule: DAILY, timeout: '30m', catchUpWindow: '2h',
  operation: 'sync', options: {}, ...over,
});

const job = (over: Partial<ScheduledJob> = {}): ScheduledJob => ({ name: 'tick', cron: EVERY_SECOND, catchUpWindowMs: 0, enabled: true, ...over });

describe('Scheduler', () => {
  it('fires on a seconds cron, claims each slot once, and keeps the next run time', async () => {
    const { s, db, due } = scheduler({ dir: tempDir(), jobs: [job()] });
    s.start();
    await until(() => due.length >= 2);
    s.stop();
    const slots = due.map((d) => d.slot);
    expect(due.every((d) => d.job === 'tick' && d.trigger === 'schedule')).toBe(true);
    expect(slots.every((slot) => slot % 1000 === 0)).toBe(true);
    expect([...slots].sort((a, b) => a - b)).toEqual(slots);
    expect(new Set(slots).size).toBe(slots.length);
    expect(lastSlot(db, 'tick')).toBe(slots.at(-1));
    expect(jobStates(db)[0]?.nextRunAt).toBeGreaterThan(slots.at(-1)!);
  });

  it('gives each slot to one of two leaders on the same ops.db, never both', async () => {
    const dir = tempDir();
    const a = scheduler({ dir, jobs: [job()] });
    const b = scheduler({ dir, jobs: [job()] });
    a.s.start();
    b.s.start();
    await until(() => a.due.length + b.due.length >= 3);
    a.s.stop();
    b.s.stop();
    const all = [...a.due, ...b.due].map((d) => d.slot);
    expect(new Set(all).size).toBe(all.length);
  });

  it('makes up a missed slot within the window once, and not again on a second start', () => {
    const dir = tempDir();
    const jobs = [job({ name: 'sync', cron: DAILY, catchUpWindowMs: 6 * HOUR })];
    const now = () => at('2025-01-02T02:00:00Z');
    const first = scheduler({ dir, jobs, now });
    claimSlot(first.db, 'sync', at('2025-01-01T00:30:00Z'));
    first.s.start();
    expect(first.due).toEqual([{ job: 'sync', slot: at('2025-01-02T00:30:00Z'), trigger: 'catch-up' }]);
    first.s.stop();

    const second = scheduler({ dir, jobs, now });
    second.s.start();
    expect(second.due).toEqual([]);
    expect(lastSlot(second.db, 'sync')).toBe(at('2025-01-02T00:30:00Z'));
  });

  it('does not make up a slot older than the window, nor for a disabled job', () => {
    const dir = tempDir();
    const jobs = [
      job({ name: 'sync', cron: DAILY, catchUpWindowMs: 6 * HOUR }),
      job({ name: 'backup', cron: DAILY, catchUpWindowMs: 24 * HOUR, enabled: false }),
    ];
    const { s, db, due } = scheduler({ dir, jobs, now: () => at('2025-01-02T07:00:00Z') });
    claimSlot(db, 'sync', at('2025-01-01T00:30:00Z'));
    s.start();
    expect(due).toEqual([]);
    expect(s.nextRuns().map((r) => r.job)).toEqual(['sync']);
    expect(jobStates(db).find((j) => j.job === 'backup')?.nextRunAt).toBeNull();
  });

  it('after a 3-day clock jump fires the newest slot once and then keeps its pace', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(at('2025-01-01T00:00:00.500Z'));
    const { s, due } = scheduler({ dir: tempDir(), jobs: [job()] });
    s.start();
    vi.advanceTimersByTime(1000);
    expect(due.map((d) => d.slot)).toEqual([at('2025-01-01T00:00:01Z')]);

    const jumped = at('2025-01-04T00:00:01.500Z');
    vi.setSystemTime(jumped);
    vi.advanceTimersByTime(1000);
    // The timer armed before the jump fires once, for the newest slot, not for the ~259,000 between.
    expect(due.map((d) => d.slot)).toEqual([at('2025-01-01T00:00:01Z'), at('2025-01-04T00:00:02Z')]);
    // And node-schedule was restarted from now, not left to replay the missed slots.
    expect(s.nextRuns()[0]!.at).toBeGreaterThan(Date.now());
    vi.advanceTimersByTime(1000);
    expect(due).toHaveLength(3);
    expect(due[2]!.slot).toBe(at('2025-01-04T00:00:03Z'));
  });

  it('rejects an invalid cron naming the job', () => {
    const db = openOpsDb(tempDir());
    expect(() => new Scheduler({ db, jobs: [job({ cron: '61 * * * *' })], onDue: () => {} })).toThrow('job tick: invalid cron expression "61 * * * *"');
    db.close();
  });
});

describe('resolveSchedule', () => {

  it('takes the job defaults, under the config overrides', () => {
    const jobs = [def({}), def({ name: 'digest', schedule: '0 8 * * *', catchUpWindow: undefined }), def({ name: 'adhoc', schedule: undefined })];
    expect(resolveSchedule(jobs, {})).toEqual([
      { name: 'sync', cron: DAILY, enabled: true, catchUpWindowMs: 2 * HOUR, timeoutMs: 30 * 60_000 },
      { name: 'digest', cron: '0 8 * * *', enabled: true, catchUpWindowMs: 6 * HOUR, timeoutMs: 30 * 60_000 },
      { name: 'adhoc', cron: null, enabled: true, catchUpWindowMs: 2 * HOUR, timeoutMs: 30 * 60_000 },
    ]);
    expect(resolveSchedule(jobs, { sync: { enabled: false, schedule: '*/5 * * * *', timeout: '10m', catchUpWindow: '1h' } })[0])
      .toEqual({ name: 'sync', cron: '*/5 * * * *', enabled: false, catchUpWindowMs: HOUR, timeoutMs: 10 * 60_000 });
  });

  it('names the key and the value of a bad cron', () => {
    let error: unknown;
    try { resolveSchedule([def({})], { sync: { schedule: '99 * * * *' } }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^jobs\.sync\.schedule = "99 \* \* \* \*": invalid cron expression/);
  });

  it('refuses settings for a job that does not exist', () => {
    expect(() => resolveSchedule([def({})], { snyc: { enabled: false } })).toThrow('jobs.snyc: no such job (known: sync)');
  });
});

describe('Scheduler: jobs that follow others (after)', () => {
  const day = [
    job({ name: 'sync', cron: DAILY, catchUpWindowMs: 6 * HOUR }),
    job({ name: 'backup', cron: '0 2 * * *', catchUpWindowMs: 12 * HOUR, after: ['sync'] }),
  ];
  const succeed = (db: ReturnType<typeof openOpsDb>, name: string) => {
    const id = startRun(db, { job: name, trigger: 'manual' });
    finishRun(db, id, { status: 'success', exitCode: 0, durationMs: 10, summary: null });
  };

  it('holds a catch-up of a job whose predecessor never succeeded, unclaimed, and runs it on the first success', () => {
    const dir = tempDir();
    const { s, db, due } = scheduler({ dir, jobs: day, now: () => at('2025-01-02T03:00:00Z') });
    s.start();
    expect(due).toEqual([{ job: 'sync', slot: at('2025-01-02T00:30:00Z'), trigger: 'catch-up' }]);
    expect(s.held()).toEqual([{ job: 'backup', slot: at('2025-01-02T02:00:00Z'), trigger: 'catch-up', waitingFor: ['sync'] }]);
    expect(lastSlot(db, 'backup')).toBeNull();

    s.release();
    expect(due.map((d) => d.job)).toEqual(['sync']);
    const failed = startRun(db, { job: 'sync', trigger: 'catch-up' });
    finishRun(db, failed, { status: 'failed', exitCode: 1, durationMs: 10, summary: null });
    s.release();
    expect(due.map((d) => d.job)).toEqual(['sync']);

    succeed(db, 'sync');
    s.release();
    expect(due).toEqual([
      { job: 'sync', slot: at('2025-01-02T00:30:00Z'), trigger: 'catch-up' },
      { job: 'backup', slot: at('2025-01-02T02:00:00Z'), trigger: 'catch-up' },
    ]);
    expect(s.held()).toEqual([]);
    expect(lastSlot(db, 'backup')).toBe(at('2025-01-02T02:00:00Z'));
  });

  it('runs at once when the predecessor has succeeded before, or is disabled', () => {
    const dir = tempDir();
    const first = scheduler({ dir, jobs: [{ ...day[0]!, enabled: false }, day[1]!], now: () => at('2025-01-02T03:00:00Z') });
    first.s.start();
    expect(first.due).toEqual([{ job: 'backup', slot: at('2025-01-02T02:00:00Z'), trigger: 'catch-up' }]);

    const other = tempDir();
    const second = scheduler({ dir: other, jobs: day, now: () => at('2025-01-02T03:00:00Z') });
    claimSlot(second.db, 'sync', at('2025-01-02T00:30:00Z'));
    succeed(second.db, 'sync');
    second.s.start();
    expect(second.due).toEqual([{ job: 'backup', slot: at('2025-01-02T02:00:00Z'), trigger: 'catch-up' }]);
  });

  it('refuses an after that names no job or the job itself', () => {
    expect(() => resolveSchedule([def({}), def({ name: 'backup', after: ['snyc'] })], {})).toThrow('job backup: after names "snyc", which is no job (known: sync, backup)');
    expect(() => resolveSchedule([def({ after: ['sync'] })], {})).toThrow('which is the job itself');
    expect(resolveSchedule([def({}), def({ name: 'backup', after: ['sync'] })], {})[1]?.after).toEqual(['sync']);
  });

  it('the shipped jobs: backup and validate follow sync, compact and the drill follow backup', () => {
    const after = Object.fromEntries(JOBS.map((j) => [j.name, j.after ?? []]));
    expect(after).toMatchObject({ sync: [], backup: ['sync'], validate: ['sync'], compact: ['backup'], 'backup-drill': ['backup'] });
  });
});
