import { Box } from 'ink';
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

  it('a job\'s name never runs into its status or the next column, at any panel width', () => {
    const running = { job: 'sync', runId: 9, trigger: 'manual' as const, startedAt: Date.now() - 5_000, lastProgress: null };
    const names = ['sync', 'validate', 'backup', 'compact', 'backup-drill', 'alert-digest', 'sentiment', 'backtest'];
    const jobs = names.map((n) => job(n, n === 'sync' ? { running } : {}));
    // The Jobs panel's widths from 80x24 (two columns, 36) to 200x60, and narrower ones.
    for (const width of [16, 20, 24, 30, 36, 40, 48, 56, 64, 80, 90]) {
      for (const rows of [3, 4, 7, 8]) {
        const frame = renderMono(<Box width={width}><JobsPanel model={model({ engine: engine({ jobs }) })} focused selected={1} rows={rows} /></Box>).lastFrame()!;
        const where = `${width} columns, ${rows} rows:\n${frame}`;
        const lines = frame.split('\n');
        // As many lines as the panel has rows (plus the title and borders): nothing wraps.
        expect(lines.length, where).toBeLessThanOrEqual(Math.min(rows, 8) + 3);
        // Where the panel has room for them (80x24 gives it 36 columns and 4 rows), every name is whole.
        if (width >= 36 && rows >= 4) {
          for (const name of names) expect(lines.some((l) => new RegExp(`[ ›]${name}( |[║│]$)`).test(l)), `${name} at ${where}`).toBe(true);
        }
        // A name is followed by a space, or is cut with an ellipsis at the panel's edge: never by a mark or a word.
        for (const l of lines) expect(l, where).not.toMatch(/[a-z][✔✖▲↻·?]|[a-z]…[^ ║]/);
      }
    }
  });

  it('a running job without progress yet says for how long, not "running running…"', () => {
    const running = { job: 'sync', runId: 9, trigger: 'manual' as const, startedAt: Date.now() - 12_000, lastProgress: null };
    const frame = renderMono(<JobsPanel model={model({ engine: engine({ jobs: [job('sync', { running })] }) })} focused={false} selected={0} />).lastFrame()!;
    expect(frame).toMatch(/sync ↻ running for 1[12]s/);
  });
});

describe('the jobs\' filter (/)', () => {
  const jobs = ['sync', 'validate', 'backup', 'backup-drill'].map((n) => job(n));

  it('shows only the jobs whose name contains it, the selection among them, and the prompt in the title', () => {
    const frame = renderMono(<Box width={70}><JobsPanel model={model({ engine: engine({ jobs }) })} focused selected={1} filter="back" filtering /></Box>).lastFrame()!;
    expect(frame).toContain('filter: back▏');
    expect(frame).toMatch(/›backup-drill ✔ success/);
    expect(frame).toMatch(/ backup {7}✔ success/);
    expect(frame).not.toContain('sync');
    expect(frame).not.toContain('validate');
  });

  it('a filter that keeps no job says so in the panel', () => {
    const frame = renderMono(<Box width={70}><JobsPanel model={model({ engine: engine({ jobs }) })} focused selected={0} filter="xyz" /></Box>).lastFrame()!;
    expect(frame).toContain("no job matches 'xyz'");
    expect(frame).toContain('filter: xyz');
    expect(frame).not.toContain('filter: xyz▏');
    expect(frame).not.toContain('no jobs');
  });
});

