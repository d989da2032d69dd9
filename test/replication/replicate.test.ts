import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { liveProcessFromPidFile, pidFilePath } from '../../src/engine/supervisor/pid-file.js';
import { MarketStore } from '../../src/store/market-db.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli } from '../helpers/cli.js';
import { engineFixture, pidAlive, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { simulator, storeDifferences } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { candleCountOf, killEverything, markerOpenTime, markersIn, replicaSettings, summaryOf, waitUntil, writeMarkers } from './helpers.js';

describe('continuous replication with Litestream', () => {
  it('after kill -9 of every process and the loss of both stores, restore --replica brings them back (RPO measured), and the next sync goes on from there', async () => {
    const sim = await simulator({ symbols: 2 });
    const symbols = sim.symbols.slice(0, 2);
    const dir = tempDir('cfa-repl-');
    const replicaDir = path.join(dir, 'replica');
    const args = engineFixture(dir, sim.url, { symbols, intervals: ['1h', '4h'], ...replicaSettings(replicaDir) });
    const dataDir = path.join(dir, 'data');
    expect((await runCli([...args, 'sync', '--json'])).exitCode).toBe(0);
    const synced = candleCountOf(dataDir);
    expect(synced).toBeGreaterThan(0);

    let engine: RunningDaemon | null = startDaemon(args);
    let killAt = 0;
    let commits: { i: number; at: number }[] = [];
    try {
      await engine.waitFor((l) => l.msg === 'replication' && l.state === 'running');
      const litestream = liveProcessFromPidFile(pidFilePath(dataDir, 'litestream'));
      expect(litestream).not.toBeNull();
      // Markers, each committed on its own, every 20 ms for 8 s; the kill follows the last at once.
      commits = await writeMarkers(dataDir, 0, 400, 20);
      killAt = commits.at(-1)!.at;
      killEverything(engine, dataDir);
      await engine.child;
      engine = null;
      // SIGKILL is delivered at once; the kernel takes the process away a moment later.
      await waitUntil(() => !pidAlive(litestream!.pid), 5000, 50);
    } finally {
      if (engine) killEverything(engine, dataDir);
    }
    for (const f of fs.readdirSync(dataDir).filter((f) => /^(market|ops)\.db/.test(f))) fs.rmSync(path.join(dataDir, f));

    const restored = await runCli([...args, 'restore', '--replica', '--yes', '--json']);
    expect(restored.exitCode, restored.stdout + restored.stderr).toBe(0);
    expect(summaryOf(restored).status).toBe('ok');
    const steps = restored.events.filter((e) => e.event === 'step').map((e) => e.step);
    expect(steps).toEqual(expect.arrayContaining(['stage ops', 'verify ops', 'swap ops', 'stop-writers', 'stage market', 'verify market', 'swap', 'verify', 'resync', 'validate', 'resume']));

    // Every marker committed more than 5 s before the kill is back; the newest one back gives the RPO.
    const back = markersIn(dataDir);
    for (const c of commits) if (killAt - c.at > 5000) expect(back.has(markerOpenTime(c.i)), `marker ${c.i} committed ${killAt - c.at} ms before the kill`).toBe(true);
    const newest = [...commits].reverse().find((c) => back.has(markerOpenTime(c.i)));
    expect(newest).toBeDefined();
    const lost = commits.filter((c) => !back.has(markerOpenTime(c.i))).length;
    console.log(`measured RPO: ${killAt - newest!.at} ms (newest marker back committed ${killAt - newest!.at} ms before kill -9; ${lost} of ${commits.length} markers lost, one every 20 ms; sync-interval 1s)`);
    expect(storeDifferences(dataDir, sim, symbols, ['1h', '4h'], 2)).toEqual([]);
    // ops.db came back too: the supervisor's record of starting Litestream before the kill is in it.
    const ops = openOpsDb(dataDir);
    try {
      expect(ops.prepare("SELECT count(*) FROM daemon_events WHERE name = 'litestream' AND kind = 'start'").pluck().get()).toBeGreaterThanOrEqual(1);
    } finally {
      ops.close();
    }

    // The next sync completes from there, and a new engine replicates again (a new generation).
    expect((await runCli([...args, 'sync', '--json'])).exitCode).toBe(0);
    const again = startDaemon(args);
    try {
      await again.waitFor((l) => l.msg === 'replication' && l.state === 'running');
      await writeMarkers(dataDir, 1000, 1, 0);
      await waitUntil(async () => {
        const r = await runCli([...args, 'health', '--json']);
        const probe = (JSON.parse(r.stdout).probes as { id: string; status: string }[]).find((p) => p.id === 'replication');
        return probe?.status === 'ok';
      }, 20_000);
    } finally {
      again.child.kill('SIGTERM');
      await again.child;
    }
    expect(liveProcessFromPidFile(pidFilePath(dataDir, 'litestream'))).toBeNull();
  }, 120_000);

  it('restores to a point in time: --at between two writes has the first and not the second', async () => {
    const dir = tempDir('cfa-repl-');
    const args = engineFixture(dir, 'http://127.0.0.1:9', { symbols: ['BTCUSDT'], intervals: ['1h'], ...replicaSettings(path.join(dir, 'replica')) });
    const dataDir = path.join(dir, 'data');
    MarketStore.open(dataDir).close();
    const engine = startDaemon(args);
    let between = 0;
    try {
      await engine.waitFor((l) => l.msg === 'replication' && l.state === 'running');
      await writeMarkers(dataDir, 1, 1, 0);
      // The replica's times have second precision: keep the two writes seconds apart.
      await sleep(2500);
      between = Date.now();
      await sleep(2500);
      await writeMarkers(dataDir, 2, 1, 0);
      await sleep(2500);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
    const run = await runCli([...args, 'restore', '--replica', '--db', 'market', '--at', new Date(between).toISOString(), '--yes', '--json']);
    // The resync cannot reach an exchange here (partial); the restored content is what counts.
    expect(run.events.find((e) => e.step === 'stage market')?.status, run.stdout + run.stderr).toBe('ok');
    const back = markersIn(dataDir);
    expect(back.has(markerOpenTime(1))).toBe(true);
    expect(back.has(markerOpenTime(2))).toBe(false);
  }, 90_000);
});
