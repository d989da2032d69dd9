import React from 'react';
import { describe, expect, it } from 'vitest';
import { renderMono } from '../test/helpers/render.js';
import { AlertsPanel } from './AlertsPanel.js';

const HOUR = 3_600_000;

describe('AlertsPanel', () => {
  it('firing alerts newest first: severity symbol, rule and summary; none firing says so', () => {
    const now = Date.now();
    const frame = renderMono(<AlertsPanel focused selected={0} alerts={[
      { id: 1, rule: 'backup-stale', severity: 'warning', state: 'firing', summary: 'backup older than 26h', firedAt: now - HOUR, acked: true, runbook: 'backup-stale' },
      { id: 2, rule: 'data-stale', severity: 'critical', state: 'firing', summary: 'data stale beyond 26h', firedAt: now - 60_000, acked: false, runbook: 'stale-data' },
      { id: 3, rule: 'disk', severity: 'info', state: 'resolved', summary: 'disk low', firedAt: now - 2 * HOUR, acked: false, runbook: null },
    ]} />).lastFrame()!;
    expect(frame).toContain('2 open');
    expect(frame.indexOf('data stale beyond 26h')).toBeLessThan(frame.indexOf('backup older than 26h'));
    expect(frame).toContain('✖ data-stale firing 1m data stale beyond 26h');
    expect(frame).toContain('▲ backup-stale firing,acked 1h backup older than 26h');
    expect(frame).not.toContain('disk low');
    expect(renderMono(<AlertsPanel focused={false} selected={0} alerts={[]} />).lastFrame()).toContain('✔ no alerts firing');
  });

  it('cuts a summary longer than the panel with …', () => {
    const long = `the last backup run failed: ${'x'.repeat(200)}`;
    const frame = renderMono(<AlertsPanel focused={false} selected={0} alerts={[
      { id: 1, rule: 'script-errors', severity: 'info', state: 'firing', summary: long, firedAt: Date.now(), acked: false, runbook: null },
    ]} />).lastFrame()!;
    const row = frame.split('\n').find((l) => l.includes('script-errors'))!;
    expect(row).toMatch(/· script-errors firing 1s the last backup run failed: x+… │$/);
  });
});

describe('a long alert list', () => {
  it('scrolls with the selection and says which rows it shows', () => {
    const alerts = Array.from({ length: 12 }, (_, i) => ({
      id: i + 1, rule: `rule-${String(i + 1).padStart(2, '0')}`, severity: 'warning' as const, state: 'firing' as const,
      summary: 's', firedAt: Date.now() - (i + 1) * 60_000, pendingSince: null, acked: false, runbook: null,
    }));
    // Newest first: rule-01 .. rule-12; the last one selected (G).
    const frame = renderMono(<AlertsPanel alerts={alerts} focused selected={11} rows={4} />).lastFrame()!;
    expect(frame).toContain('9-12 of 12 open');
    expect(frame).toMatch(/›▲ rule-12/);
    expect(frame).not.toContain('rule-01');
    expect(renderMono(<AlertsPanel alerts={alerts} focused selected={0} rows={4} />).lastFrame()).toMatch(/1-4 of 12 open[\s\S]*›▲ rule-01/);
  });
});

describe('the alerts\' filter (/)', () => {
  const now = Date.now();
  const alerts = [
    { id: 1, rule: 'backup-stale', severity: 'warning' as const, state: 'firing' as const, summary: 'backup older than 26h', firedAt: now - HOUR, acked: false, runbook: null },
    { id: 2, rule: 'sync-failed', severity: 'critical' as const, state: 'firing' as const, summary: 'the last sync failed: HTTP 429', firedAt: now - 60_000, acked: false, runbook: null },
  ];

  it('keeps the alerts whose rule or summary contains it', () => {
    let frame = renderMono(<AlertsPanel focused selected={0} alerts={alerts} filter="stale" filtering />).lastFrame()!;
    expect(frame).toContain('filter: stale▏');
    expect(frame).toContain('›▲ backup-stale firing');
    expect(frame).not.toContain('sync-failed');
    frame = renderMono(<AlertsPanel focused selected={0} alerts={alerts} filter="429" />).lastFrame()!;
    expect(frame).toContain('›✖ sync-failed firing');
    expect(frame).not.toContain('backup-stale');
  });

  it('a filter that keeps no alert says so, not that none is firing', () => {
    const frame = renderMono(<AlertsPanel focused selected={0} alerts={alerts} filter="disk" />).lastFrame()!;
    expect(frame).toContain("no alert matches 'disk'");
    expect(frame).not.toContain('no alerts firing');
  });
});
