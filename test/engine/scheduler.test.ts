import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { claimSlot, finishRun, jobStates, lastSlot, startRun } from '../../src/engine/run-history.js';
import { JOBS } from '../../jobs/index.js';
import { resolveSchedule, Scheduler, type ScheduledJob } from '../../src/engine/scheduler.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { describeBackends, type Backend } from '../helpers/backends.js';
import { pgLeader, settledClaims, type PgEngineParts } from '../helpers/pg-engine.js';
import { tempDir } from '../helpers/temp-dir.js';

const EVERY_SECOND = '*/1 * * * * *';
const DAILY = '30 0 * * *';
const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

type Due = { job: string; slot: number; trigger: string };

const stops: (() => void)[] = [];
const closes: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const close of closes.splice(0)) await close();
  vi.useRealTimers();
});

/**
 * On postgres, a leader holding the lease on the test's database (under `host`, the lease taken
 * for `ttlMs`): its scheduler claims slots in cfa_slot_claims, as the engine's does.
 */
async function leader(backend: Backend, host?: string, ttlMs?: number): Promise<PgEngineParts | null> {
  if (backend.name === 'sqlite') return null;
  const parts = await pgLeader(backend.url, host, ttlMs);
  closes.push(parts.close);
  return parts;
}

/**
 * A scheduler on ops.db in `dir`, claiming slots where `parts` (a postgres leader) says, else in
 * ops.db; `settled()` waits for its claims in flight (none on SQLite, where a claim is synchronous).
 */
function scheduler(options: { dir: string; jobs: ScheduledJob[]; now?: () => number; parts?: PgEngineParts | null }) {
  const db = openOpsDb(options.dir);
  const due: Due[] = [];
  const leadership = options.parts?.leadership;
  const claims = leadership ? settledClaims(leadership) : null;
  const s = new Scheduler({ jobs: options.jobs, db, now: options.now, ...(claims ? { claims } : {}), onDue: (job, slot, trigger) => due.push({ job, slot, trigger }) });
  stops.push(() => { s.stop(); db.close(); });
  return {
    s, db, due,
    settled: async () => { await claims?.settled(); },
    /** The newest slot claimed for `job` in the store the scheduler claims in. */
    lastSlot: async (job: string) => (leadership ? leadership.lastSlot(job) : lastSlot(db, job)),
    /** Claims a slot there as a leader before this test would have. */
    claim: async (job: string, slot: number) => (leadership ? leadership.claimSlot(job, slot) : claimSlot(db, job, slot)),
  };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

const def = (over: Partial<JobDefinition>): JobDefinition => ({
  name: 'sync', summary: 's', schedule: DAILY, timeout: '30m', catchUpWindow: '2h',
  operation: 'sync', options: {}, ...over,
});

const job = (over: Partial<ScheduledJob> = {}): ScheduledJob => ({ name: 'tick', cron: EVERY_SECOND, catchUpWindowMs: 0, enabled: true, ...over });

describeBackends('Scheduler', (backend) => {
  it('fires on a seconds cron, claims each slot once, and keeps the next run time', async () => {
    const { s, db, due, settled, lastSlot: claimed } = scheduler({ dir: tempDir(), jobs: [job()], parts: await leader(backend) });
    s.start();
    await until(() => due.length >= 2);
    // No claim in flight when it stops: the store's newest claim is then the last slot run.
    await settled();
    s.stop();
    const slots = due.map((d) => d.slot);
    expect(due.every((d) => d.job === 'tick' && d.trigger === 'schedule')).toBe(true);
    expect(slots.every((slot) => slot % 1000 === 0)).toBe(true);
    expect([...slots].sort((a, b) => a - b)).toEqual(slots);
    expect(new Set(slots).size).toBe(slots.length);
    expect(await claimed('tick')).toBe(slots.at(-1));
    expect(jobStates(db)[0]?.nextRunAt).toBeGreaterThan(slots.at(-1)!);
  });

  it('gives each slot to one of two leaders on the same store, never both', async () => {
    const dir = tempDir();
    // On postgres only one leads: b's lease lapsed and a took over, but b's scheduler still runs
    // (a paused leader that came back) and its fenced claims are refused.
    const stale = await leader(backend, 'b', 300);
    if (stale) await new Promise((r) => setTimeout(r, 600));
    const a = scheduler({ dir, jobs: [job()], parts: await leader(backend, 'a') });
    const b = scheduler({ dir, jobs: [job()], parts: stale });
    a.s.start();
    b.s.start();
    await until(() => a.due.length + b.due.length >= 3);
    await Promise.all([a.settled(), b.settled()]);
    a.s.stop();
    b.s.stop();
    const all = [...a.due, ...b.due].map((d) => d.slot);
    expect(new Set(all).size).toBe(all.length);
    if (stale) {
      expect(b.due).toEqual([]);
      expect(await a.lastSlot('tick')).toBe(a.due.at(-1)!.slot);
    }
  });

  it('makes up a missed slot within the window once, and not again on a second start', async () => {
    const dir = tempDir();
    const parts = await leader(backend);
    const jobs = [job({ name: 'sync', cron: DAILY, catchUpWindowMs: 6 * HOUR })];
    const now = () => at('2025-01-02T02:00:00Z');
    const first = scheduler({ dir, jobs, now, parts });
    expect(await first.claim('sync', at('2025-01-01T00:30:00Z'))).toBe(true);
    first.s.start();
    await first.settled();
    expect(first.due).toEqual([{ job: 'sync', slot: at('2025-01-02T00:30:00Z'), trigger: 'catch-up' }]);
    first.s.stop();

    const second = scheduler({ dir, jobs, now, parts });
    second.s.start();
    await second.settled();
    expect(second.due).toEqual([]);
    expect(await second.lastSlot('sync')).toBe(at('2025-01-02T00:30:00Z'));
  });

  it('does not make up a slot older than the window, nor for a disabled job', async () => {
    const dir = tempDir();
    const jobs = [
      job({ name: 'sync', cron: DAILY, catchUpWindowMs: 6 * HOUR }),
      job({ name: 'backup', cron: DAILY, catchUpWindowMs: 24 * HOUR, enabled: false }),
    ];
    const { s, db, due, settled, claim } = scheduler({ dir, jobs, now: () => at('2025-01-02T07:00:00Z'), parts: await leader(backend) });
    await claim('sync', at('2025-01-01T00:30:00Z'));
    s.start();
    await settled();
    expect(due).toEqual([]);
    expect(s.nextRuns().map((r) => r.job)).toEqual(['sync']);
    expect(jobStates(db).find((j) => j.job === 'backup')?.nextRunAt).toBeNull();
  });
});

describe('Scheduler', () => {
  // SQLite only: the case is node-schedule's timers under a faked clock; where slots are claimed plays no part.
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

  // No store involved: the cron is refused before anything is scheduled.
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

const day = [
  job({ name: 'sync', cron: DAILY, catchUpWindowMs: 6 * HOUR }),
  job({ name: 'backup', cron: '0 2 * * *', catchUpWindowMs: 12 * HOUR, after: ['sync'] }),
];
// A success is ops.db's job_state on both backends: the engine's scheduler reads this host's history.
const succeed = (db: ReturnType<typeof openOpsDb>, name: string) => {
  const id = startRun(db, { job: name, trigger: 'manual' });
  finishRun(db, id, { status: 'success', exitCode: 0, durationMs: 10, summary: null });
};

describeBackends('Scheduler: jobs that follow others (after)', (backend) => {
  it('holds a catch-up of a job whose predecessor never succeeded, unclaimed, and runs it on the first success', async () => {
    const dir = tempDir();
    const { s, db, due, settled, lastSlot: claimed } = scheduler({ dir, jobs: day, now: () => at('2025-01-02T03:00:00Z'), parts: await leader(backend) });
    s.start();
    await settled();
    expect(due).toEqual([{ job: 'sync', slot: at('2025-01-02T00:30:00Z'), trigger: 'catch-up' }]);
    expect(s.held()).toEqual([{ job: 'backup', slot: at('2025-01-02T02:00:00Z'), trigger: 'catch-up', waitingFor: ['sync'] }]);
    expect(await claimed('backup')).toBeNull();

    s.release();
    await settled();
    expect(due.map((d) => d.job)).toEqual(['sync']);
    const failed = startRun(db, { job: 'sync', trigger: 'catch-up' });
    finishRun(db, failed, { status: 'failed', exitCode: 1, durationMs: 10, summary: null });
    s.release();
    await settled();
    expect(due.map((d) => d.job)).toEqual(['sync']);

    succeed(db, 'sync');
    s.release();
    await settled();
    expect(due).toEqual([
      { job: 'sync', slot: at('2025-01-02T00:30:00Z'), trigger: 'catch-up' },
      { job: 'backup', slot: at('2025-01-02T02:00:00Z'), trigger: 'catch-up' },
    ]);
    expect(s.held()).toEqual([]);
    expect(await claimed('backup')).toBe(at('2025-01-02T02:00:00Z'));
  });
});

describe('Scheduler: jobs that follow others (after)', () => {
  // SQLite only: its two data dirs stand for two separate stores; a postgres test has one database.
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
