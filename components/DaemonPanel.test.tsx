import React from 'react';
import { describe, expect, it } from 'vitest';
import { engine } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { DaemonPanel } from './DaemonPanel.js';

describe('DaemonPanel', () => {
  const status = (patch: object) => engine({ daemon: { name: 'backtest', state: 'running', pid: 4242, startedAt: 0, heartbeatAgeMs: 5_000, restarts24h: 0, lastExit: null, cpuPercent: 3, rssBytes: 1e8, adopted: false, lastError: null, ...patch } });

  it('running with a fresh heartbeat', () => {
    const frame = renderMono(<DaemonPanel engine={status({})} />).lastFrame()!;
    expect(frame).toContain('backtest ✔ running');
    expect(frame).toContain('PID 4242');
    expect(frame).toContain('heartbeat < 30s ago');
  });

  it('hung: a warning (as the daemon-heartbeat-stale rule says) with the heartbeat age', () => {
    const frame = renderMono(<DaemonPanel engine={status({ state: 'hung', heartbeatAgeMs: 150_000 })} />).lastFrame()!;
    expect(frame).toContain('▲ hung');
    expect(frame).toContain('heartbeat 3m ago');
  });

  it('crash-loop: critical, no PID, restarts counted', () => {
    const frame = renderMono(<DaemonPanel engine={status({ state: 'crash-loop', pid: null, heartbeatAgeMs: null, restarts24h: 3 })} />).lastFrame()!;
    expect(frame).toContain('✖ crash-loop');
    expect(frame).toContain('PID -');
    expect(frame).toContain('restarts 24h 3');
  });

  it('before the engine is up it says starting, not that no daemon is configured', () => {
    const frame = renderMono(<DaemonPanel engine={null} />).lastFrame()!;
    expect(frame).toContain('? starting…');
    expect(frame).not.toContain('none configured');
  });

  it('none configured says which key to set', () => {
    expect(renderMono(<DaemonPanel engine={engine()} />).lastFrame()).toContain('none configured (daemon.command)');
  });
});
