import React from 'react';
import { describe, expect, it } from 'vitest';
import { engine, job, model } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { JobsPanel } from './JobsPanel.js';

describe('JobsPanel', () => {
  it('last result, duration and next run; a running job shows its progress', () => {
    const m = model({
      engine: engine({ jobs: [job('sync', { running: { job: 'sync', runId: 9, trigger: 'manual', startedAt: Date.now() - 10_000, lastProgress: null } }), job('validate', { state: { job: 'validate', lastRunId: 3, lastStatus: 'failed', lastRunAt: 0, lastSuccessAt: null, lastDurationMs: 2000, nextRunAt: null, lastSlot: null } })] }),
      progress: { sync: { done: 120, total: 240, rateLimited429: 2, startedAt: Date.now() - 10_000 } },
    });
    const frame = renderMono(<JobsPanel model={m} focused selected={1} />).lastFrame()!;
    // A running mark, not the ok mark: the run has not succeeded yet.
    expect(frame).toContain('↻ running 120/240 series');
    expect(frame).not.toContain('✔ running');
    expect(frame).toContain('429s 2');
    expect(frame).toMatch(/›validate\s+✖ failed 2s next in (60m|1h) \(\d\d:\d\dZ\)/);
  });

  it('shows every name whole, and a due run that waits for the jobs it follows', () => {
    const m = model({ engine: engine({ jobs: [job('sync'), job('backup-drill', { waitingFor: ['backup'] }), job('alert-digest')] }) });
    const frame = renderMono(<JobsPanel model={m} focused={false} selected={0} />).lastFrame()!;
    expect(frame).toMatch(/ backup-drill ✔ success 1m waits for backup/);
    expect(frame).toContain(' alert-digest ');
  });

  it('in two columns, a running job has the running mark, not the ok mark', () => {
    const running = { job: 'sync', runId: 9, trigger: 'manual' as const, startedAt: Date.now(), lastProgress: null };
    const jobs = ['sync', 'validate', 'backup', 'compact', 'backup-drill'].map((n) => job(n, n === 'sync' ? { running } : {}));
    const frame = renderMono(<JobsPanel model={model({ engine: engine({ jobs }) })} focused={false} selected={1} rows={3} />).lastFrame()!;
    expect(frame).toContain('↻ sync');
    expect(frame).toContain('✔ validate');
  });
});
