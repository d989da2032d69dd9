import { describe, expect, it } from 'vitest';
import { chooseHealthSource, daemonJudgedOn } from '../../src/console/health-feed.js';

const INTERVAL = 30_000;

describe('chooseHealthSource', () => {
  it('uses the monitor\'s own snapshot when this process leads, whatever is stored', () => {
    expect(chooseHealthSource({ isLeader: true, leaderAlive: true, storedAgeMs: null, intervalMs: INTERVAL })).toEqual({ from: 'own-monitor' });
    expect(chooseHealthSource({ isLeader: true, leaderAlive: true, storedAgeMs: 10 * INTERVAL, intervalMs: INTERVAL })).toEqual({ from: 'own-monitor' });
  });

  it('reads the stored snapshot when another process leads, fresh up to two intervals', () => {
    expect(chooseHealthSource({ isLeader: false, leaderAlive: true, storedAgeMs: 5_000, intervalMs: INTERVAL })).toEqual({ from: 'stored', ageMs: 5_000, stale: false });
    expect(chooseHealthSource({ isLeader: false, leaderAlive: true, storedAgeMs: 2 * INTERVAL, intervalMs: INTERVAL })).toEqual({ from: 'stored', ageMs: 2 * INTERVAL, stale: false });
    expect(chooseHealthSource({ isLeader: false, leaderAlive: true, storedAgeMs: 2 * INTERVAL + 1, intervalMs: INTERVAL })).toEqual({ from: 'stored', ageMs: 2 * INTERVAL + 1, stale: true });
  });

  it('treats a snapshot stamped a little ahead of this clock as new', () => {
    expect(chooseHealthSource({ isLeader: false, leaderAlive: true, storedAgeMs: -300, intervalMs: INTERVAL })).toEqual({ from: 'stored', ageMs: 0, stale: false });
  });

  it('waits for a live leader that has stored nothing yet rather than compute a second snapshot', () => {
    expect(chooseHealthSource({ isLeader: false, leaderAlive: true, storedAgeMs: null, intervalMs: INTERVAL })).toEqual({ from: 'wait' });
  });

  it('computes only when no leader is alive, even with an old snapshot stored', () => {
    expect(chooseHealthSource({ isLeader: false, leaderAlive: false, storedAgeMs: null, intervalMs: INTERVAL })).toEqual({ from: 'compute' });
    expect(chooseHealthSource({ isLeader: false, leaderAlive: false, storedAgeMs: 1_000, intervalMs: INTERVAL })).toEqual({ from: 'compute' });
  });
});

describe('daemonJudgedOn', () => {
  it('a snapshot computed on a host whose daemon runs with the leader elsewhere: its daemon probe says where, not this host\'s stale crash-loop', () => {
    const base = { title: 't', value: null, threshold: null, unit: 'ms' as const, offenders: [] };
    const snapshot = {
      at: 1, overall: 'critical' as const, freshness: [], coverage: [],
      probes: [
        { ...base, id: 'freshness', status: 'ok' as const, detail: 'fine' },
        { ...base, id: 'daemon', status: 'critical' as const, detail: 'crash-loop (PID 987654), 3 restarts in 24h', value: 5 },
      ],
    };
    const judged = daemonJudgedOn('a', snapshot);
    const daemon = judged.probes.find((p) => p.id === 'daemon')!;
    expect(daemon).toMatchObject({ status: 'unknown', value: null, detail: 'runs on a with the leader: judged there' });
    // The probe says where it is judged and does not drag the overall: the other probes decide it.
    expect(judged.overall).toBe('ok');
    expect(judged.probes[0]).toBe(snapshot.probes[0]);
  });
});
