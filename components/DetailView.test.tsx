import { Box } from 'ink';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { health, model } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { viewedAlert, type AlertView } from '../src/console/console-model.js';
import type { JobRun } from '../src/engine/run-history.js';
import { AlertsPanel } from './AlertsPanel.js';
import { DetailView } from './DetailView.js';

const MIN = 60_000;
const alert = (patch: Partial<AlertView>): AlertView => ({
  id: 1, rule: 'data-stale', severity: 'critical', state: 'pending', summary: 'BTCUSDT 1h stale', firedAt: null,
  pendingSince: Date.now() - 5 * MIN, acked: false, runbook: 'stale-data', ...patch,
});
const detail = (a: AlertView | null) => renderMono(
  <DetailView panel="alerts" model={model()} row={0} height={20} filter="" job={null} runs={[]} alert={a} />,
).lastFrame()!;

describe('alerts: the list and the detail', () => {
  it('a pending alert says pending since, never fired', () => {
    const frame = detail(alert({}));
    expect(frame).toMatch(/pending since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(5m ago\)/);
    expect(frame).not.toContain('fired');
    expect(detail(alert({ state: 'firing', firedAt: Date.now() - 2 * MIN }))).toContain('firing since');
  });

  it('the list shows rule, state, since and summary, so alerts of one rule read apart', () => {
    const frame = renderMono(<AlertsPanel focused={false} selected={0} alerts={[
      alert({ id: 1, summary: 'BTCUSDT 1h stale' }),
      alert({ id: 2, state: 'firing', firedAt: Date.now() - 2 * MIN, pendingSince: Date.now() - 9 * MIN, summary: 'ETHUSDT 1h stale', acked: true }),
    ]} />).lastFrame()!;
    expect(frame).toContain('✖ data-stale pending 5m BTCUSDT 1h stale');
    expect(frame).toContain('✖ data-stale firing,acked 2m ETHUSDT 1h stale');
  });

  it('the viewed alert stays, marked resolved, when it leaves the open list; not replaced by the next', () => {
    const a = alert({ id: 1 });
    const b = alert({ id: 2, summary: 'ETHUSDT 1h stale' });
    const first = viewedAlert(null, [a, b], a);
    expect(first?.id).toBe(1);
    // It resolved: the open list holds only b, which is now at the selected row.
    const after = viewedAlert(first, [b], b);
    expect(after).toMatchObject({ id: 1, state: 'resolved' });
    const frame = detail(after);
    expect(frame).toContain('BTCUSDT 1h stale');
    expect(frame).toContain('✔ resolved (no longer open; Esc to leave)');
    expect(frame).not.toContain('ETHUSDT');
  });
});

describe('the log view\'s filter and every series\' empty filter', () => {
  const log = { title: 'sync run 4 (failed)', file: null, lines: ['10:00 start', '10:01 GET /klines 429', '10:02 retry', '10:03 GET /klines 429', '10:04 failed'] };
  const view = (logFilter: string, filtering = false) => renderMono(
    <DetailView panel="log" model={model()} row={0} height={20} filter="" job={null} runs={[]} alert={null} runLog={log} logFilter={logFilter} filtering={filtering} />,
  ).lastFrame()!;

  it('shows only the lines that contain the filter, any case, and says how many', () => {
    const frame = view('KLINES');
    expect(frame).toContain('10:01 GET /klines 429');
    expect(frame).toContain('10:03 GET /klines 429');
    expect(frame).not.toContain('retry');
    expect(frame).toMatch(/filter: KLINES 1-2\/2 following/);
    expect(view('kl', true)).toContain('filter: kl▏');
  });

  it('a filter no line contains says so', () => {
    expect(view('timeout')).toContain("? no line contains 'timeout'");
  });

  it('every series, filtered to nothing, says no symbol matches', () => {
    const frame = renderMono(<DetailView panel="freshness" model={model({ health: health() })} row={0} height={20} filter="XRP" job={null} runs={[]} alert={null} />).lastFrame()!;
    expect(frame).toContain("? no symbol matches 'XRP'");
    expect(frame).toContain('every series (0, filter XRP)');
  });
});

describe('a job\'s runs from every host', () => {
  const at = Date.UTC(2026, 10, 30, 23, 47);
  const run = (id: number, host: string, patch: Partial<JobRun> = {}): JobRun => ({
    id, job: 'backup-drill', trigger: 'catch-up', slot: null, startedAt: at, endedAt: at + 1, status: 'cancelled', exitCode: 143,
    durationMs: 754_000, summary: null, logPath: null, pid: 1, host, ...patch,
  });
  const frame = (hosts: boolean) => renderMono(
    <Box width={80}>
      <DetailView panel="jobs" model={model()} row={0} height={20} filter="" job="backup-drill" runs={[run(12, 'a-very-long-host'), run(3, 'b', { status: 'success', exitCode: 0 })]} hosts={hosts} alert={null} />
    </Box>,
  ).lastFrame()!;

  it('names each run\'s host, cut to fit, and keeps every column within 80 columns', () => {
    const text = frame(true);
    expect(text).toMatch(/HOST\s+RUN\s+TRIGGER\s+STARTED \(UTC\)\s+RESULT\s+EXIT\s+DURATION/);
    expect(text).toMatch(/a-very-lo…\s+12\s+catch-up\s+2026-11-30 23:47\s+\S+ cancelled\s+143\s+13m/);
    expect(text).toMatch(/b\s+3\s+catch-up\s+2026-11-30 23:47\s+\S+ success\s+0\s+13m/);
    for (const line of text.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
  });

  it('on one host (SQLite) the runs read as they always did, without a host', () => {
    const text = frame(false);
    expect(text).not.toContain('HOST');
    expect(text).toMatch(/║ RUN\s+TRIGGER/);
  });
});
