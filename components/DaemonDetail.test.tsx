import React from 'react';
import { describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../src/engine/supervisor/daemon-store.js';
import { engine, followerOfHostA } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { DaemonDetail } from './DaemonDetail.js';

const T = Date.UTC(2026, 10, 30, 2, 0);
const events: DaemonEvent[] = [
  { at: T, name: 'backtest', kind: 'start', detail: { pid: 41 } },
  { at: T + 1000, name: 'backtest', kind: 'crash', detail: { pid: 41, code: 3, signal: null, uptimeMs: 1000 } },
  { at: T + 2000, name: 'backtest', kind: 'restart', detail: { attempt: 1, delayMs: 300 } },
  { at: T + 3000, name: 'backtest', kind: 'start', detail: { pid: 42 } },
];

describe('DaemonDetail', () => {
  it('the daemon now, then its events newest first with restarts and crashes counted', () => {
    const daemon = { name: 'backtest', state: 'running', pid: 42, startedAt: Date.now() - 120_000, heartbeatAgeMs: 1_000, restarts24h: 1, lastExit: { code: 3, signal: null }, cpuPercent: 12, rssBytes: 80 * 2 ** 20, adopted: false, lastError: null };
    const frame = renderMono(<DaemonDetail engine={engine({ daemon })} events={events} row={0} height={14} />).lastFrame()!;
    expect(frame).toContain('Heartbeat: daemon backtest');
    expect(frame).toContain('7d: 1 restarts, 1 crashes');
    expect(frame).toMatch(/✔ running {2}PID 42 {2}up 2m {2}heartbeat < 30s ago/);
    expect(frame).toMatch(/restarts 24h 1 {2}last exit 3 {2}cpu 12% {2}rss 80M/);
    const lines = frame.split('\n');
    const at = (text: RegExp) => lines.findIndex((l) => text.test(l));
    expect(at(/02:00:03\s+✔ start\s+pid=42/)).toBeLessThan(at(/02:00:02\s+▲ restart\s+attempt=1 delayMs=300ms/));
    expect(at(/02:00:02/)).toBeLessThan(at(/02:00:01\s+✖ crash\s+code=3 uptimeMs=1s pid=41/));
  });

  it('without a daemon it says how to configure one; with no events it says so', () => {
    const frame = renderMono(<DaemonDetail engine={engine({ daemon: null })} events={[]} row={0} height={10} />).lastFrame()!;
    expect(frame).toContain('none configured (daemon.command)');
    expect(frame).toContain('no events in the last 7 days');
  });

  it('on a host that does not lead (postgres): where the daemon runs, the leader\'s last start with its epoch, none of this host\'s stale state or events', () => {
    const follower = followerOfHostA({ state: 'crash-loop' });
    const now = T + 600_000;
    const frame = renderMono(<DaemonDetail engine={follower} events={events} row={0} height={14} start={{ host: 'host-a', epoch: 7, at: T }} now={now} />).lastFrame()!;
    const flat = frame.replace(/[│║\n ]+/g, ' ');
    expect(flat).toContain('runs on host-a with the leader');
    expect(flat).toContain('started by the leader on host-a (epoch 7), 2026-11-30 02:00:00 UTC (10m ago)');
    expect(flat).toContain('its events (starts, exits, crashes) are kept on host-a, with its log');
    expect(frame).not.toContain('999');
    expect(frame).not.toContain('crash-loop');
    expect(frame).not.toContain('restarts 24h');
    expect(frame).not.toContain('7d:');
    const none = renderMono(<DaemonDetail engine={follower} events={[]} row={0} height={14} />).lastFrame()!;
    expect(none.replace(/[│║\n ]+/g, ' ')).toContain('started - no start recorded in PostgreSQL');
  });
});
