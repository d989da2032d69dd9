import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidFilePath } from '../../../src/engine/supervisor/pid-file.js';
import { DAEMONS, NODE, daemonConfig, gone, harness, killAfterTest, sleep, spawnCount, waitFor } from './helpers.js';

const beating = path.join(DAEMONS, 'beating-daemon.mjs');
const crashing = path.join(DAEMONS, 'crashing-daemon.mjs');

describe('Supervisor pause, resume and restart', () => {
  it('pause stops the daemon for good: no restart, no crash, persisted; resume starts it again', async () => {
    const h = harness();
    const sup = h.supervisor({ config: daemonConfig({ command: [NODE, beating, '--spawn-log', h.spawnLog] }) });
    await sup.start();
    const first = sup.status().pid!;
    killAfterTest(first);
    await waitFor('running', () => sup.status().state === 'running');

    const paused = await sup.pause('test');
    expect(paused).toMatchObject({ state: 'paused', pid: null, restarts24h: 0 });
    expect(gone(first)).toBe(true);
    expect(fs.existsSync(pidFilePath(h.dataDir, 'backtest'))).toBe(false);
    // Well past the restart backoff (100 ms): nothing is started, nothing counted.
    await sleep(800);
    expect(spawnCount(h.spawnLog)).toBe(1);
    expect(h.events(['crash', 'hang', 'spawn-failed', 'restart'])).toEqual([]);
    expect(h.store.readState('backtest')).toMatchObject({ state: 'paused', pid: null });
    // Pausing again changes nothing.
    expect((await sup.pause('again')).state).toBe('paused');
    expect(h.events(['pause'])).toHaveLength(1);

    // A supervisor of another leader respects the pause.
    await sup.stop(100);
    expect(h.store.readState('backtest')?.state).toBe('paused');
    const next = h.supervisor({ config: daemonConfig({ command: [NODE, beating, '--spawn-log', h.spawnLog] }) });
    await next.start();
    await sleep(300);
    expect(next.status()).toMatchObject({ state: 'paused', pid: null });
    expect(spawnCount(h.spawnLog)).toBe(1);

    const resumed = await next.resume('test');
    killAfterTest(resumed.pid ?? undefined);
    expect(resumed.pid).not.toBeNull();
    await waitFor('running again', () => next.status().state === 'running');
    expect(spawnCount(h.spawnLog)).toBe(2);
    expect(h.kinds()).toEqual(['start', 'exit', 'stop', 'pause', 'resume', 'start']);
    expect(next.status().restarts24h).toBe(0);
  });

  it('restart replaces the process once, as a manual restart and not a crash', async () => {
    const h = harness();
    const sup = h.supervisor({ config: daemonConfig({ command: [NODE, beating, '--spawn-log', h.spawnLog] }) });
    await sup.start();
    const first = sup.status().pid!;
    killAfterTest(first);
    await waitFor('running', () => sup.status().state === 'running');

    const after = await sup.restart('test');
    killAfterTest(after.pid ?? undefined);
    expect(after.pid).not.toBeNull();
    expect(after.pid).not.toBe(first);
    expect(gone(first)).toBe(true);
    await waitFor('running', () => sup.status().state === 'running');
    await sleep(300);
    expect(spawnCount(h.spawnLog)).toBe(2);
    expect(h.kinds()).toEqual(['start', 'exit', 'stop', 'restart', 'start']);
    expect(h.events(['restart'])[0]?.detail).toMatchObject({ manual: true, reason: 'test' });
    expect(sup.status().restarts24h).toBe(1);
  });

  it('pause cancels a pending backoff restart of a crashing daemon; resume refuses a daemon that is not paused', async () => {
    const h = harness();
    const sup = h.supervisor({ config: daemonConfig({ command: [NODE, crashing, h.spawnLog, '50'], restartBackoff: '1s', maxCrashes: 5 }) });
    await expect(sup.resume()).rejects.toThrow(/is not paused \(it is stopped\): use `cfa-console daemon restart`/);
    await sup.start();
    await waitFor('backoff', () => sup.status().state === 'backoff');
    await sup.pause('test');
    const crashes = h.events(['crash']).length;
    await sleep(1500);
    expect(spawnCount(h.spawnLog)).toBe(1);
    expect(h.events(['crash'])).toHaveLength(crashes);
    expect(sup.status().state).toBe('paused');
  });
});
