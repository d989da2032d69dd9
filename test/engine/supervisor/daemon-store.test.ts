import { describe, expect, it } from 'vitest';
import { DaemonStore } from '../../../src/engine/supervisor/daemon-store.js';
import { openOpsDb } from '../../../src/store/ops-db.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('DaemonStore', () => {
  it('saves and reads the state row, one per daemon', () => {
    const db = openOpsDb(tempDir());
    const store = new DaemonStore(db);
    expect(store.readState('backtest')).toBeNull();
    const base = {
      name: 'backtest', pid: 10, startTicks: 99, startedAt: 1_000, lastHeartbeatAt: null, lastExitCode: null, lastExitSignal: null,
    };
    store.saveState({ ...base, state: 'starting', updatedAt: 1_000 });
    store.saveState({ ...base, state: 'running', lastHeartbeatAt: 1_500, updatedAt: 1_500 });
    expect(store.readState('backtest')).toEqual({ ...base, state: 'running', lastHeartbeatAt: 1_500, updatedAt: 1_500 });
    expect(db.prepare('SELECT count(*) FROM daemon_state').pluck().get()).toBe(1);
    db.close();
  });

  it('records events and counts crashes (crash, hang, spawn-failed) since a time', () => {
    const db = openOpsDb(tempDir());
    const store = new DaemonStore(db);
    store.recordEvent('backtest', 'start', { pid: 1 }, 100);
    store.recordEvent('backtest', 'crash', { code: 3 }, 200);
    store.recordEvent('backtest', 'restart', null, 250);
    store.recordEvent('backtest', 'hang', { pid: 2 }, 300);
    store.recordEvent('backtest', 'exit', { signal: 'SIGKILL' }, 310);
    store.recordEvent('backtest', 'spawn-failed', { message: 'daemon.command …' }, 400);
    store.recordEvent('other', 'crash', null, 500);

    expect(store.crashTimes('backtest', 0)).toEqual([200, 300, 400]);
    expect(store.crashTimes('backtest', 250)).toEqual([300, 400]);
    expect(store.recentEvents('backtest', 250).map((e) => e.kind)).toEqual(['restart', 'hang', 'exit', 'spawn-failed']);
    expect(store.recentEvents('backtest', 0, ['crash'])).toEqual([{ at: 200, name: 'backtest', kind: 'crash', detail: { code: 3 } }]);
    expect(store.countEvents('backtest', 'restart', 0)).toBe(1);
    db.close();
  });

  it('knows the last manual restart', () => {
    const db = openOpsDb(tempDir());
    const store = new DaemonStore(db);
    store.recordEvent('backtest', 'restart', { attempt: 2 }, 100);
    expect(store.lastManualRestartAt('backtest')).toBeNull();
    store.recordEvent('backtest', 'restart', { manual: true }, 200);
    store.recordEvent('backtest', 'restart', { attempt: 1 }, 300);
    expect(store.lastManualRestartAt('backtest')).toBe(200);
    expect(store.pruneEvents(150)).toBe(1);
    db.close();
  });
});
