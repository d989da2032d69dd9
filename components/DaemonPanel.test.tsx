import React from 'react';
import { describe, expect, it } from 'vitest';
import { engine, followerOfHostA } from '../test/helpers/console-fixtures.js';
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

  describe('on a host that does not lead (lease in PostgreSQL, leader on another host)', () => {
    const follower = followerOfHostA();
    const leader = follower.leader!;

    it('says the daemon runs on the leader\'s host and when a leader started it, with no stale PID or restarts', () => {
      const now = Date.UTC(2026, 11, 1, 1, 0);
      const frame = renderMono(<DaemonPanel engine={follower} start={{ host: 'host-a', epoch: 7, at: now - 180_000 }} now={now} />).lastFrame()!;
      expect(frame).toContain('backtest on');
      expect(frame).toContain('host-a');
      expect(frame).toContain('started epoch 7');
      expect(frame).toContain('3m ago');
      expect(frame).not.toContain('999');
      expect(frame).not.toContain('PID');
      expect(frame).not.toContain('restarts');
      // As many lines as the leader's panel: the middle band does not move.
      expect(frame.split('\n')).toHaveLength(renderMono(<DaemonPanel engine={status({})} />).lastFrame()!.split('\n').length);
    });

    it('before a start is read: with the leader, none recorded', () => {
      const frame = renderMono(<DaemonPanel engine={follower} />).lastFrame()!;
      expect(frame).toContain('with the leader');
      expect(frame).toContain('no start recorded');
    });

    it('the leader itself, SQLite, and a follower on the leader\'s own host show the stored state as before', () => {
      expect(renderMono(<DaemonPanel engine={{ ...follower, role: 'leader' }} />).lastFrame()).toContain('PID 999');
      expect(renderMono(<DaemonPanel engine={{ ...follower, leaseIn: 'ops.db' }} />).lastFrame()).toContain('PID 999');
      expect(renderMono(<DaemonPanel engine={{ ...follower, leader: { ...leader, host: 'host-b' } }} />).lastFrame()).toContain('PID 999');
      expect(renderMono(<DaemonPanel engine={{ ...follower, leader: null }} />).lastFrame()).toContain('PID 999');
    });
  });
});
