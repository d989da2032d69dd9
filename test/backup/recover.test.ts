import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../../src/backup/files.js';
import { processStartTicks } from '../../src/engine/process-identity.js';
import { DaemonStore } from '../../src/engine/supervisor/daemon-store.js';
import { pidFilePath, writePidFile } from '../../src/engine/supervisor/pid-file.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli } from '../helpers/cli.js';
import type { SimulatorHandle } from '../../src/exchange/simulator/index.js';
import { describeBackends, sqliteBackend, type Backend } from '../helpers/backends.js';
import { ALL, backupEnv, catalog, clockedSimulator, corruptMiddle, DAY, filesIn, summaryOf } from './helpers.js';

const BACKFILL = 10;

/** A store synced against the simulator, backed up, then synced further (so the live store is newer than the backup). */
async function syncedAndBackedUp(backups = 1, backend: Backend = sqliteBackend) {
  const { sim, advance } = await clockedSimulator(4);
  const symbols = sim.symbols.slice(0, 4);
  const env = backupEnv(backend.config({ symbols, sync: { backfillDays: BACKFILL } }), sim.url);
  expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
  for (let i = 0; i < backups; i++) {
    expect((await env.run(['backup', '--json'])).exitCode).toBe(0);
    advance(DAY);
    expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
  }
  expect(await backend.differences(env.dataDir, sim, symbols, ALL, BACKFILL)).toEqual([]);
  return { sim, advance, symbols, env, market: path.join(env.dataDir, 'market.db') };
}

/** storeDifferences of the SQLite cases. */
const differences = (dataDir: string, sim: SimulatorHandle, symbols: string[]) => sqliteBackend.differences(dataDir, sim, symbols, ALL, BACKFILL);

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

// SQLite only: damage to market.db (pages, header, an index) and what recover does about it; the
// postgres store's damage and recover are in postgres-recover.test.ts.
describe('cfa-console recover', () => {
  it('restores the newest backup of a corrupted store and resyncs: exactly the exchange\'s closed candles, none missing', async () => {
    const { sim, advance, symbols, env, market } = await syncedAndBackedUp();
    advance(DAY / 2);
    corruptMiddle(market);
    const run = await env.run(['recover', '--yes', '--json']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ kind: 'recover', status: 'ok', backupId: 1, backupTier: 'hot' });
    expect(summary.resync.candlesStored).toBeGreaterThan(0);
    expect(summary.rtoMs).toBeGreaterThan(0);
    expect(summary.rtoExcludingResyncMs).toBeLessThanOrEqual(summary.rtoMs);
    const steps = (run.events.filter((e) => e.event === 'step') as { step: string; status: string; ms: number }[]);
    expect(steps.map((s) => s.step)).toEqual(['detect', 'stop-writers', 'candidates', 'stage #1', 'swap', 'verify', 'resync', 'validate', 'resume']);
    expect(steps[0]!.status).toBe('warn');
    expect(steps.every((s) => typeof s.ms === 'number')).toBe(true);

    expect(integrity(market)).toBe('ok');
    expect(await differences(env.dataDir, sim, symbols)).toEqual([]);
    // The damaged file is kept for forensics.
    expect(fs.existsSync(path.join(summary.quarantine, 'market.db'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(summary.quarantine, 'reason.json'), 'utf8'))).toMatchObject({ kind: 'recover', restoredBackup: 1 });
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ kind: 'recover', result: 'ok', backupId: 1, quarantine: summary.quarantine });

    const text = await env.run(['recover']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/healthy: nothing to recover/);
  });

  it('falls back to an older backup when the newest is corrupted too, and still loses nothing', async () => {
    const { sim, symbols, env, market } = await syncedAndBackedUp(2);
    const [older, newest] = catalog(env.dataDir).backups.sort((a, b) => a.id - b.id);
    corruptMiddle(newest!.location, 8192);
    corruptMiddle(market);
    const run = await env.run(['recover', '--yes']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`stage #${newest!.id} .*unusable: sha256`));
    expect(run.stdout).toMatch(new RegExp(`recovered: backup #${older!.id} \\(hot`));
    expect(run.stdout).toMatch(/RTO \d/);
    expect(integrity(market)).toBe('ok');
    expect(await differences(env.dataDir, sim, symbols)).toEqual([]);
    expect(catalog(env.dataDir).backups.find((b) => b.id === newest!.id)).toMatchObject({ result: 'failed' });
  });

  it('recovers a file that is not a database any more (header overwritten)', async () => {
    const { sim, symbols, env, market } = await syncedAndBackedUp();
    const fd = fs.openSync(market, 'r+');
    fs.writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    fs.closeSync(fd);
    const run = await env.run(['recover', '--yes', '--json']);
    expect(run.exitCode).toBe(0);
    expect((run.events.find((e) => e.step === 'detect') as Record<string, string>).detail).toMatch(/not a database/);
    expect(await differences(env.dataDir, sim, symbols)).toEqual([]);
  });

  it('repairs index-only damage with REINDEX in place, keeping a copy in quarantine', async () => {
    const { sim, symbols, env, market } = await syncedAndBackedUp();
    // Damage an index only: a small table of our own with a UNIQUE index (independent of the
    // market schema), one entry dropped from the index b-tree while the table keeps its rows.
    const db = new Database(market);
    db.exec("CREATE TABLE probe (id INTEGER PRIMARY KEY, k TEXT UNIQUE); INSERT INTO probe (k) VALUES ('a'), ('b'), ('c')");
    const root = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_probe_1'").pluck().get();
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
    db.prepare("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', 'idx_view', 'idx_view', ?, 'CREATE TABLE idx_view (k, id, PRIMARY KEY (k, id)) WITHOUT ROWID')").run(root);
    db.close();
    const hack = new Database(market);
    hack.unsafeMode(true);
    hack.prepare("DELETE FROM idx_view WHERE k = 'b'").run();
    hack.pragma('writable_schema = ON');
    hack.prepare("DELETE FROM sqlite_master WHERE name = 'idx_view'").run();
    hack.close();
    expect(integrity(market)).not.toBe('ok');

    const run = await env.run(['recover', '--yes', '--json']);
    expect(run.exitCode).toBe(0);
    const summary = summaryOf(run);
    expect(summary.backupId).toBeNull();
    expect(run.events.filter((e) => e.event === 'step').map((e) => e.step)).toContain('reindex');
    expect(fs.existsSync(path.join(summary.quarantine, 'market.db'))).toBe(true);
    expect(integrity(market)).toBe('ok');
    expect(await differences(env.dataDir, sim, symbols)).toEqual([]);
    const check = new Database(market, { readonly: true });
    expect(check.prepare("SELECT count(*) FROM probe WHERE k = 'b'").pluck().get()).toBe(1);
    check.close();
  });

  it('restores a whole store even when the exchange is unreachable, and says the resync is still owed (exit 1)', async () => {
    const { env, market } = await syncedAndBackedUp();
    corruptMiddle(market);
    const argv = env.argv(['recover', '--yes', '--json']);
    argv[argv.indexOf('--exchange-url') + 1] = 'http://127.0.0.1:9';
    const run = await runCli(argv);
    expect(run.exitCode).toBe(1);
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ status: 'partial', backupId: 1 });
    expect(run.events.find((e) => e.step === 'resync')).toMatchObject({ status: 'failed' });
    expect(run.events.find((e) => e.step === 'validate')).toMatchObject({ status: 'warn' });
    expect(integrity(market)).toBe('ok');
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ result: 'partial', backupId: 1, quarantine: summary.quarantine });
  });

  it('refuses without --yes when nobody is at a terminal (exit 2), touching nothing', async () => {
    const { env, market } = await syncedAndBackedUp();
    corruptMiddle(market);
    const before = (await hashFile(market)).sha256;
    const run = await env.run(['recover']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/add --yes/);
    const restore = await env.run(['restore', '--latest']);
    expect(restore.exitCode).toBe(2);
    expect(restore.stderr).toMatch(/add --yes/);
    expect((await hashFile(market)).sha256).toBe(before);
    expect(filesIn(path.join(env.dataDir, 'quarantine'))).toEqual([]);
    expect(catalog(env.dataDir).recoveries).toEqual([]);
  });
  it('fails plainly when no backup verifies, leaving the damaged file where it is (exit 1, recorded)', async () => {
    const env = backupEnv();
    const market = path.join(env.dataDir, 'market.db');
    fs.writeFileSync(market, 'garbage '.repeat(1000));
    const run = await env.run(['recover', '--yes', '--json']);
    expect(run.exitCode).toBe(1);
    expect(summaryOf(run)).toMatchObject({ status: 'failed', backupId: null, quarantine: null });
    expect(fs.readFileSync(market, 'utf8')).toMatch(/^garbage/);
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ kind: 'recover', result: 'failed' });
  });
});

describeBackends('cfa-console restore', (backend) => {
  it('restores a chosen backup, stops the backtest daemon first, quarantines the current data and resyncs to now', async () => {
    const { sim, symbols, env, market } = await syncedAndBackedUp(1, backend);
    // A whole series lost since the backup: the restore brings back what the backup held, the resync the rest.
    await backend.withStore(env.dataDir, (s) => s.deleteCandlesFrom(symbols[0]!, '1h', 0));
    // A stand-in for the supervised daemon, in its own process group as the supervisor starts it.
    const daemon = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => daemon.once('exit', (_code, signal) => resolve(signal)));
    writePidFile(pidFilePath(env.dataDir, 'backtest'), { pid: daemon.pid!, startTicks: processStartTicks(daemon.pid!), startedAt: Date.now(), command: ['x'] });
    let run;
    try {
      run = await env.run(['restore', '1', '--yes', '--json']);
    } finally {
      // Never leave the stand-in behind, whatever happened to the restore.
      try { process.kill(-daemon.pid!, 'SIGKILL'); } catch { /* gone, as it should be */ }
    }
    expect(run.exitCode).toBe(0);
    expect(await exited).toBe('SIGTERM');
    const stop = run.events.find((e) => e.step === 'stop-writers') as Record<string, string>;
    expect(stop.detail).toMatch(new RegExp(`stopped the backtest daemon \\(PID ${daemon.pid}\\) with SIGTERM`));
    expect(stop.detail).toMatch(/holding the sync, backup locks/);
    // No leader: the daemon was marked paused meanwhile (a leader starting then leaves it stopped),
    // and the mark is lifted at the end so the next leader starts it; nothing counted as a crash.
    expect(stop.detail).toMatch(/no engine leader is running: the daemon is marked paused until we are done/);
    expect((run.events.find((e) => e.step === 'resume') as Record<string, string>).detail).toMatch(/the backtest daemon is no longer paused: it starts again when the engine does/);
    const ops = openOpsDb(env.dataDir);
    try {
      const daemonStore = new DaemonStore(ops);
      expect(daemonStore.readState('backtest')?.state).toBe('stopped');
      expect(daemonStore.recentEvents('backtest', 0).map((e) => e.kind)).toEqual(['pause', 'resume']);
    } finally {
      ops.close();
    }
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ kind: 'restore', status: 'ok', backupId: 1 });
    expect(summary.resync.candlesStored).toBeGreaterThan(0);
    if (backend.name === 'sqlite') {
      expect(filesIn(summary.quarantine)).toContain('market.db');
      expect(integrity(market)).toBe('ok');
    } else {
      expect(filesIn(summary.quarantine)).toEqual(['before-restore.dump', 'reason.json']);
      expect(run.events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual(['select', 'stop-writers', 'stage #1', 'quarantine', 'swap', 'verify', 'resync', 'resume']);
    }
    expect(summary.rtoExcludingResyncMs).toBeLessThanOrEqual(summary.rtoMs);
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ kind: 'restore', result: 'ok', backupId: 1, quarantine: summary.quarantine });
    expect(await backend.differences(env.dataDir, sim, symbols, ALL, BACKFILL)).toEqual([]);
    // Locks released: a sync runs again.
    expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
  });


  it('restores the whole backup when the exchange is unreachable, and says the resync is still owed (exit 1)', async () => {
    const { env } = await syncedAndBackedUp(1, backend);
    const backup = catalog(env.dataDir).backups[0]!;
    await backend.withStore(env.dataDir, async (s) => {
      for (const e of await s.seriesExtents()) await s.deleteCandlesFrom(e.symbol, e.interval, 0);
    });
    const argv = env.argv(['restore', '--latest', '--yes', '--json']);
    argv[argv.indexOf('--exchange-url') + 1] = 'http://127.0.0.1:9';
    const run = await runCli(argv);
    expect(run.exitCode).toBe(1);
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ kind: 'restore', status: 'partial', backupId: backup.id });
    // The sync engine could not reach the exchange at all: the step failed, the restore did not.
    expect(run.events.find((e) => e.step === 'resync')).toMatchObject({ status: 'failed' });
    expect(run.events.find((e) => e.step === 'validate')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/run `cfa-console sync`/) });
    const held = await backend.withStore(env.dataDir, async (s) => (await s.seriesExtents()).reduce((n, e) => n + e.count, 0));
    expect(held).toBe(Object.values(backup.rowCounts!).reduce((n, c) => n + c, 0));
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ kind: 'restore', result: 'partial', backupId: backup.id });
  });
});

// SQLite only: picking by age is the same selection code on both backends (selection.test.ts); one backend suffices for the CLI.
describe('cfa-console restore', () => {
  it('--before picks the newest backup at least that old; says so when there is none', async () => {
    const { env } = await syncedAndBackedUp(2);
    expect((await env.run(['restore', '--before', '48h', '--yes'])).exitCode).toBe(1);
    const ops = openOpsDb(env.dataDir);
    ops.prepare('UPDATE backups SET created_at = created_at - ? WHERE id = 1').run(3 * DAY);
    ops.close();
    const run = await env.run(['restore', '--before', '48h', '--yes', '--json']);
    expect(run.exitCode).toBe(0);
    expect(summaryOf(run).backupId).toBe(1);
    expect((await env.run(['restore', '--latest', '7', '--yes'])).exitCode).toBe(2);
    expect((await env.run(['restore', '42', '--yes'])).exitCode).toBe(2);
  });
});
