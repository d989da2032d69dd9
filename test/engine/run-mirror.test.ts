import { describe, expect, it } from 'vitest';
import { runsTable } from '../../src/cli/engine-actions.js';
import type { JobRun, JobState } from '../../src/engine/run-history.js';
import { mergeJobStates, mergeRuns, nextWatermark, runsToMirror } from '../../src/engine/run-mirror.js';
import type { SharedRun } from '../../src/store/postgres/run-history.js';

/** The pure parts of the run history across hosts: what to copy, where to look next, how the views merge. */

const run = (id: number, patch: Partial<JobRun> = {}): JobRun => ({
  id, job: 'sync', trigger: 'schedule', slot: null, startedAt: id * 1000, endedAt: id * 1000 + 500, status: 'success',
  exitCode: 0, durationMs: 500, summary: null, logPath: null, pid: 1, host: 'machine', ...patch,
});
const shared = (host: string, id: number, patch: Partial<SharedRun> = {}): SharedRun => ({ ...run(id), host, epoch: null, ...patch });
const state = (job: string, patch: Partial<JobState> = {}): JobState => ({
  job, lastRunId: null, lastStatus: null, lastRunAt: null, lastSuccessAt: null, lastDurationMs: null, nextRunAt: null, lastSlot: null, ...patch,
});

describe('what a host copies to the shared history', () => {
  it('copies runs the mirror lacks, runs that ended since it copied them, and another run under a known id; nothing else', () => {
    const local = [run(1), run(2, { status: 'failed' }), run(3, { status: 'running', endedAt: null }), run(4), run(5, { startedAt: 99_000 })];
    const marks = [
      { id: 1, status: 'success' as const, startedAt: 1000 },
      // Copied while running; it has ended here since (the server was away, or the runner died).
      { id: 2, status: 'running' as const, startedAt: 2000 },
      // Still running on both sides: nothing new.
      { id: 3, status: 'running' as const, startedAt: 3000 },
      // The same id but another start: this host's ops.db was started afresh.
      { id: 5, status: 'success' as const, startedAt: 5000 },
    ];
    expect(runsToMirror(local, marks).map((r) => r.id)).toEqual([2, 4, 5]);
    expect(runsToMirror(local, []).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(runsToMirror([], marks)).toEqual([]);
  });

  it('looks again from the oldest run still going, else after the newest; nothing seen: where it was', () => {
    expect(nextWatermark([run(4), run(5, { status: 'running' }), run(6, { status: 'running' }), run(7)], 4)).toBe(5);
    expect(nextWatermark([run(4), run(7)], 4)).toBe(8);
    expect(nextWatermark([], 12)).toBe(12);
  });
});

describe('every host\'s runs in the views', () => {
  it('a job\'s last run is the newest on any host; its last success the newest success; the schedule stays this host\'s', () => {
    const local = [state('sync', { lastRunId: 3, lastStatus: 'failed', lastRunAt: 3000, lastSuccessAt: 1000, lastDurationMs: 7, nextRunAt: 9000, lastSlot: 8000 }),
      state('backup', { lastRunId: 9, lastStatus: 'success', lastRunAt: 9000, lastSuccessAt: 9000, lastDurationMs: 1 })];
    const fromOthers = [
      { job: 'sync', lastRunId: 40, lastStatus: 'success' as const, lastRunAt: 5000, lastSuccessAt: 5000, lastDurationMs: 30 },
      // Older than this host's own: this host's stays.
      { job: 'backup', lastRunId: 2, lastStatus: 'failed' as const, lastRunAt: 2000, lastSuccessAt: 1500, lastDurationMs: 2 },
      { job: 'validate', lastRunId: 1, lastStatus: 'partial' as const, lastRunAt: 100, lastSuccessAt: null, lastDurationMs: 3 },
    ];
    expect(mergeJobStates(local, fromOthers)).toEqual([
      state('backup', { lastRunId: 9, lastStatus: 'success', lastRunAt: 9000, lastSuccessAt: 9000, lastDurationMs: 1 }),
      state('sync', { lastRunId: 40, lastStatus: 'success', lastRunAt: 5000, lastSuccessAt: 5000, lastDurationMs: 30, nextRunAt: 9000, lastSlot: 8000 }),
      state('validate', { lastRunId: 1, lastStatus: 'partial', lastRunAt: 100, lastDurationMs: 3 }),
    ]);
    // A failure elsewhere after this host's success: the last run is the failure, the success stays.
    expect(mergeJobStates([state('sync', { lastStatus: 'success', lastRunAt: 10, lastSuccessAt: 10 })],
      [{ job: 'sync', lastRunId: 1, lastStatus: 'failed', lastRunAt: 20, lastSuccessAt: null, lastDurationMs: 1 }])[0])
      .toMatchObject({ lastStatus: 'failed', lastRunAt: 20, lastSuccessAt: 10 });
  });

  it('this host\'s runs come from ops.db under its shared name (never behind their copies), the others\' from the mirror, newest first', () => {
    const mine = [run(7, { status: 'success', startedAt: 7000 }), run(6, { startedAt: 4000 })];
    const mirror = [
      shared('b', 7, { status: 'running', startedAt: 7000, epoch: 3 }),
      shared('a', 7, { startedAt: 6000, epoch: 2 }),
      shared('a', 8, { startedAt: 8000 }),
      shared('a', 2, { startedAt: 1000 }),
    ];
    const merged = mergeRuns(mine, 'b', mirror, 4);
    expect(merged.map((r) => `${r.host}/${r.id}`)).toEqual(['a/8', 'b/7', 'a/7', 'b/6']);
    // Fresher than its copy, and still with the epoch only the copy knows.
    expect(merged[1]).toMatchObject({ host: 'b', status: 'success', epoch: 3 });
    expect(merged.every((r) => r.host !== 'machine')).toBe(true);
  });
});

describe('status\'s last runs', () => {
  const started = Date.UTC(2026, 10, 30, 23, 47, 27);
  const runs = [
    { ...run(12, { job: 'backup-drill', trigger: 'catch-up', startedAt: started, status: 'cancelled', exitCode: 143, durationMs: 12 * 60_000 }), host: 'a-very-long-host-name' },
    { ...run(3, { startedAt: started }), host: 'b' },
  ];

  it('on SQLite: as it always was', () => {
    expect(runsTable(runs, false).split('\n')[0]).toBe('RUN  JOB           TRIGGER   STARTED               RESULT       EXIT  DURATION');
    expect(runsTable(runs, false)).toContain('2026-11-30T23:47:27Z');
  });

  it('across hosts: each run\'s host first, and every line within 80 columns with the longest job, trigger and result', () => {
    const text = runsTable(runs, true);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^HOST\s+RUN\s+JOB\s+TRIGGER\s+STARTED \(UTC\)\s+RESULT\s+DURATION$/);
    expect(lines[1]).toMatch(/^a-very-long…\s+12\s+backup-drill\s+catch-up\s+11-30 23:47:27\s+\S+ cancelled\s+12m$/);
    expect(lines[2]).toMatch(/^b\s+3\s+sync\s+schedule\s+11-30 23:47:27/);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
  });
});
