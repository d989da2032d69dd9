import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertVerifiedBackup } from '../../../src/backup/catalog.js';
import { startSimulator, syntheticSeries } from '../../../src/exchange/simulator/index.js';
import { drillBackend, fromBackupNote } from '../../../src/runbook/drill/drill.js';
import { openOpsDb } from '../../../src/store/ops-db.js';
import { PgMarketStore } from '../../../src/store/postgres/market-store.js';
import { loadRunbooks } from '../../../src/ops/runbook.js';
import { runCli, startCli, writeTestConfig } from '../../helpers/cli.js';
import { hashFiles, opsTables, realDataDir, sandboxesIn } from '../../helpers/drill.js';
import { freshPgDatabase, leftoverScratchDatabases, pgMissing, pgServerUrl, withClient, type TestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The game-day drills on an install whose store is PostgreSQL: the sandbox's store is a scratch
 * database on the install's server (made and dropped by the drill), unless the fault is one of a
 * SQLite file; the install's own database is never touched.
 */

describe('which backend a drill runs on', () => {
  it('a postgres install drills its store-content faults on postgres, and a damaged SQLite file on SQLite, saying so; a SQLite install on SQLite', async () => {
    const registry = await loadRunbooks();
    const decl = (id: string) => registry.find((r) => r.id === id)!;
    const pg = { backend: 'postgres' as const, url: 'postgresql://cfa@db/cfa' };
    for (const id of ['stale-data', 'sync-failed', 'rate-limited', 'backup-stale', 'sentiment-stale']) {
      expect(drillBackend(decl(id), pg), id).toEqual({ backend: 'postgres', note: null });
    }
    expect(drillBackend(decl('db-corruption'), pg)).toEqual({ backend: 'sqlite', note: 'runs on a SQLite sandbox: the fault is a damaged SQLite file' });
    expect(drillBackend(decl('db-corruption'), { backend: 'sqlite' })).toEqual({ backend: 'sqlite', note: null });
    expect(drillBackend(decl('stale-data'), undefined)).toEqual({ backend: 'sqlite', note: null });
  });

  it('--from-backup on a postgres install seeds a postgres sandbox from a pg_dump; a SQLite sandbox there (db-corruption) is seeded from the simulator, saying so', () => {
    const pg = { backend: 'postgres' as const, url: 'postgresql://cfa@db/cfa' };
    expect(fromBackupNote({ backend: 'postgres' }, pg, true)).toBeNull();
    expect(fromBackupNote({ backend: 'sqlite' }, pg, true)).toBe('--from-backup does not apply: the install\'s backups are pg_dumps and this drill runs on a SQLite sandbox; seeded from the simulator instead');
    expect(fromBackupNote({ backend: 'sqlite' }, pg, false)).toBeNull();
    expect(fromBackupNote({ backend: 'sqlite' }, { backend: 'sqlite' }, true)).toBeNull();
    expect(fromBackupNote({ backend: 'sqlite' }, undefined, true)).toBeNull();
  });
});

/** What the install's database holds: every table of every schema, and the candles per series with a checksum. */
async function installFacts(url: string): Promise<unknown> {
  return withClient(url, async (c) => ({
    tables: (await c.query("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")).rows,
    candles: (await c.query('SELECT symbol, interval, count(*)::int AS n, md5(string_agg(open_time::text || close::text, \',\' ORDER BY open_time)) AS sum FROM candles GROUP BY 1, 2 ORDER BY 1, 2')).rows,
    versions: (await c.query('SELECT * FROM cfa_schema_versions ORDER BY 1')).rows,
  }));
}

const databases = async () => withClient(pgServerUrl, async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname));

describe.skipIf(pgMissing)(`cfa-console drill on a postgres install${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let install: TestDatabase;
  beforeAll(async () => {
    install = await freshPgDatabase('cfa_drill_install');
    // The install's own candles: a series no sandbox has, so a drill that wrote here would show.
    const store = await PgMarketStore.open(install.url, { poolSize: 1 });
    const series = syntheticSeries('SOLUSDT', '1h');
    await store.upsertCandles(Array.from({ length: 24 }, (_, i) => series.candle(Date.UTC(2026, 0, 1) + i * 3_600_000)), Date.UTC(2026, 1, 1));
    await store.close();
  });
  afterAll(async () => { await install?.drop(); }, 60_000);

  it('drill stale-data --yes --json runs on a scratch database on the install\'s server: it passes, names postgres, checks the candles there, drops it; the install\'s database is unchanged', async () => {
    const { dataDir, env: baseEnv, sandboxes } = await realDataDir();
    const root = path.dirname(dataDir);
    const kept = tempDir('cfa-drill-pg-kept-');
    // The URL in the environment, as an install keeps its password: the sandbox must not inherit it.
    const config = writeTestConfig(root, { store: { backend: 'postgres' } });
    const env = { ...baseEnv, CFA_CONFIG: config, CFA_STORE_URL: install.url, CFA_DRILL_KEEP_SANDBOX: kept };
    const before = { files: hashFiles(dataDir), ops: opsTables(dataDir), db: await installFacts(install.url) };

    const run = await runCli(['drill', 'stale-data', '--yes', '--json'], { env, timeout: 400_000 });
    const result = run.events.find((e) => e.event === 'drill');
    expect(result, `exit ${run.exitCode}: ${run.stderr.slice(-3000)}`).toBeDefined();
    expect(result, String(result!.reason)).toMatchObject({ scenario: 'stale-data', passed: true, outcome: 'resolved', backend: 'postgres', backendNote: null });
    const database = String(result!.database);
    expect(database).toMatch(/^cfa_scratch_[0-9a-f]{8}_drill_\d+_\d+_[0-9a-f]+$/);
    expect(run.events.find((e) => e.event === 'sandbox' && e.stage === 'scratch-database')).toMatchObject({ database });
    expect(run.events.find((e) => e.event === 'sandbox' && e.stage === 'scratch-dropped')).toMatchObject({ database });
    // The fault deleted candles through the store, the runbook's resync put them back, and every series was compared.
    expect(String(result!.injected)).toMatch(/^[1-9]\d* BTCUSDT 15m candles deleted/);
    expect(result!.candles).toMatchObject({ series: expect.any(Number), missing: 0, wrong: 0 });
    expect((result!.candles as { series: number }).series).toBeGreaterThanOrEqual(2);
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);

    // The sandbox's candles were in the scratch database: its data dir never had a market.db with candles.
    const [keptDir] = fs.readdirSync(kept);
    const keptMarket = path.join(kept, keptDir!, 'data', 'market.db');
    expect(fs.existsSync(keptMarket) ? fs.statSync(keptMarket).size : 0).toBe(0);
    // Dropped, and nothing left behind; the install's database as it was, its data dir but for the history.
    expect(await databases()).not.toContain(database);
    expect((await leftoverScratchDatabases()).filter((n) => n.includes('_drill_'))).toEqual([]);
    expect(await installFacts(install.url)).toEqual(before.db);
    expect(hashFiles(dataDir)).toEqual(before.files);
    expect(opsTables(dataDir)).toEqual(before.ops);
    expect(sandboxesIn(sandboxes)).toEqual([]);

    const history = await runCli(['drill', 'history', '--json'], { env });
    expect(history.exitCode, history.stderr).toBe(0);
    expect(history.events).toEqual([expect.objectContaining({ scenario: 'stale-data', passed: true, backend: 'postgres' })]);
  }, 420_000);

  it('Ctrl-C during a drill on postgres: the drill stops, its sandbox and scratch database are gone, nothing is kept in the history', async () => {
    const { dataDir, env: baseEnv, sandboxes } = await realDataDir();
    const config = writeTestConfig(path.dirname(dataDir), { store: { backend: 'postgres', url: install.url } });
    const env = { ...baseEnv, CFA_CONFIG: config };
    const before = await installFacts(install.url);
    const child = startCli(['drill', 'sync-failed', '--yes', '--json'], { env, buffer: false });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const database = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the drill did not reach its steady state: ${stdout}`)), 180_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const made = /"stage":"scratch-database","database":"([a-z0-9_]+)"/.exec(stdout);
        if (made && /"stage":"steady"/.test(stdout)) { clearTimeout(timer); resolve(made[1]!); }
      });
    });
    expect(await databases()).toContain(database);
    child.kill('SIGINT');
    const ended = await child;
    expect(ended.exitCode).toBe(1);
    expect(stderr).toMatch(/drill stopped/);
    expect(await databases()).not.toContain(database);
    expect(sandboxesIn(sandboxes)).toEqual([]);
    expect(await installFacts(install.url)).toEqual(before);
    const history = await runCli(['drill', 'history', '--json'], { env });
    expect(history.events).toEqual([]);
  }, 240_000);

  it('drill sentiment-stale --yes on postgres: fear & greed days deleted through the sentiment store in the scratch database; the runbook pages as the drill expects', async () => {
    const { dataDir, env: baseEnv } = await realDataDir();
    const config = writeTestConfig(path.dirname(dataDir), { store: { backend: 'postgres', url: install.url } });
    const run = await runCli(['drill', 'sentiment-stale', '--yes', '--json'], { env: { ...baseEnv, CFA_CONFIG: config }, timeout: 400_000 });
    const result = run.events.find((e) => e.event === 'drill');
    expect(result, `exit ${run.exitCode}: ${run.stderr.slice(-3000)}`).toBeDefined();
    expect(result, String(result!.reason)).toMatchObject({ passed: true, outcome: 'escalated', backend: 'postgres' });
    expect(String(result!.injected)).toMatch(/[1-9]\d* day\(s\) missing from the store/);
    expect(await databases()).not.toContain(result!.database);
  }, 420_000);

  it('drill db-corruption --from-backup on a postgres install: a damaged SQLite file, so a SQLite sandbox seeded from the simulator, both said before it starts; no scratch database is made', async () => {
    // Stopped once its sandbox is steady: the whole db-corruption drill runs in drill-command's --all
    // (2 minutes); what differs on a postgres install is decided and said before the fault.
    const { dataDir, env: baseEnv, sandboxes } = await realDataDir();
    const config = writeTestConfig(path.dirname(dataDir), { store: { backend: 'postgres', url: install.url } });
    const env = { ...baseEnv, CFA_CONFIG: config };
    // Other test files make and drop databases on this server meanwhile: a drill's are named `_drill_`.
    const drillDatabases = async () => (await databases()).filter((n) => n.includes('_drill_'));
    const before = await drillDatabases();
    // With --from-backup: the install's backups are pg_dumps, which a SQLite sandbox cannot take; said too.
    const child = startCli(['drill', 'db-corruption', '--yes', '--from-backup', '--json'], { env, buffer: false });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the drill did not reach its steady state: ${stdout}\n${stderr.slice(-3000)}`)), 180_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/"stage":"steady"/.test(stdout)) { clearTimeout(timer); resolve(); }
      });
    });
    const steps = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; stage?: string; what?: string; from?: string });
    expect(steps.find((e) => e.stage === 'backend')?.what).toBe('runs on a SQLite sandbox: the fault is a damaged SQLite file');
    expect(steps.find((e) => e.stage === 'seed')?.what).toBe('--from-backup does not apply: the install\'s backups are pg_dumps and this drill runs on a SQLite sandbox; seeded from the simulator instead');
    expect(steps.filter((e) => e.event === 'sandbox' && e.stage === 'seeded').map((e) => e.from)).toEqual(['simulator']);
    expect(stdout).not.toMatch(/"stage":"scratch-database"/);
    expect(await drillDatabases()).toEqual(before);
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(1);
    expect(sandboxesIn(sandboxes)).toEqual([]);
  }, 240_000);

  it('--from-backup on a postgres install: the newest verified pg_dump is restored into the scratch database, the sync continues from there, the drill passes; the install\'s database and backup files are only read', async () => {
    const sim = await startSimulator({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    const own = await freshPgDatabase('cfa_drill_frombk');
    try {
      const root = tempDir('cfa-drill-pg-backup-');
      const dataDir = path.join(root, 'real');
      const sandboxes = path.join(root, 'tmp');
      fs.mkdirSync(sandboxes);
      const config = writeTestConfig(root, { symbols: ['BTCUSDT', 'ETHUSDT'], sync: { backfillDays: 1 }, store: { backend: 'postgres' } });
      const env = { CFA_DATA_DIR: dataDir, CFA_CONFIG: config, CFA_STORE_URL: own.url, TMPDIR: sandboxes };
      const sync = await runCli(['--exchange-url', sim.url, 'sync'], { env });
      expect(sync.exitCode, sync.stderr).toBe(0);
      const backup = await runCli(['backup', '--tier', 'hot', '--json'], { env, timeout: 120_000 });
      expect(backup.exitCode, backup.stderr).toBe(0);
      const hot = backup.events.find((e) => e.event === 'tier' && e.tier === 'hot');
      expect(hot).toMatchObject({ status: 'verified', location: expect.stringMatching(/\.dump$/) });
      // An older market.db copy in the catalog too (the install was on SQLite once): never the one restored.
      const ops = openOpsDb(dataDir);
      const oldFile = path.join(root, 'old-market.db');
      fs.writeFileSync(oldFile, 'SQLite format 3');
      insertVerifiedBackup(ops, { tier: 'hot', backend: 'sqlite', location: oldFile, sizeBytes: 15, sha256: 'e'.repeat(64), md5: null, createdAt: Date.now() + 60_000, newestCandle: null, schemaVersion: 1, rowCounts: {}, verifiedAt: Date.now() });
      ops.close();
      expect((await runCli(['drill', 'history'], { env })).exitCode).toBe(0);
      const before = { files: hashFiles(dataDir), ops: opsTables(dataDir), db: await installFacts(own.url) };
      const installCandles = (before.db as { candles: { n: number }[] }).candles.reduce((n, s) => n + s.n, 0);
      expect(installCandles).toBeGreaterThan(0);

      const run = await runCli(['drill', 'stale-data', '--yes', '--from-backup', '--json'], { env, timeout: 400_000 });
      const result = run.events.find((e) => e.event === 'drill');
      expect(result, `exit ${run.exitCode}: ${run.stderr.slice(-3000)}`).toBeDefined();
      // Seeded from that pg_dump (restored into the scratch database, every candle of it counted there), not from the simulator.
      const seeded = run.events.filter((e) => e.event === 'sandbox' && e.stage === 'seeded');
      expect(seeded).toEqual([expect.objectContaining({ from: 'backup', backupId: hot!.backupId, backend: 'postgres', file: hot!.location, candles: installCandles })]);
      expect(result, String(result!.reason)).toMatchObject({ scenario: 'stale-data', passed: true, backend: 'postgres', candles: { missing: 0, wrong: 0 } });
      expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
      const database = String(result!.database);
      expect(run.events.find((e) => e.event === 'sandbox' && e.stage === 'scratch-dropped')).toMatchObject({ database });
      expect(await databases()).not.toContain(database);
      // The install: its database, its files (the dump included) and its ops.db as they were, but for the drill's row.
      expect(await installFacts(own.url)).toEqual(before.db);
      expect(hashFiles(dataDir)).toEqual(before.files);
      expect(opsTables(dataDir)).toEqual(before.ops);
      expect(sandboxesIn(sandboxes)).toEqual([]);
    } finally {
      await sim.close();
      await own.drop();
    }
  }, 480_000);

  it('--from-backup on a postgres install without a verified pg_dump on disk: the drill fails naming the data dir and what to run; its scratch database is dropped', async () => {
    const root = tempDir('cfa-drill-pg-nobackup-');
    const dataDir = path.join(root, 'real');
    const sandboxes = path.join(root, 'tmp');
    fs.mkdirSync(sandboxes);
    const config = writeTestConfig(root, { store: { backend: 'postgres', url: install.url } });
    const env = { CFA_DATA_DIR: dataDir, CFA_CONFIG: config, TMPDIR: sandboxes };
    expect((await runCli(['drill', 'history'], { env })).exitCode).toBe(0);
    // A verified pg_dump whose file is gone: not on disk, so not a candidate.
    const ops = openOpsDb(dataDir);
    insertVerifiedBackup(ops, { tier: 'hot', backend: 'postgres', location: path.join(root, 'gone.dump'), sizeBytes: 5, sha256: 'd'.repeat(64), md5: null, createdAt: Date.now(), newestCandle: null, schemaVersion: 1, rowCounts: {}, verifiedAt: Date.now() });
    ops.close();
    const before = await installFacts(install.url);

    const run = await runCli(['drill', 'stale-data', '--yes', '--from-backup', '--json'], { env, timeout: 120_000 });
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(1);
    const result = run.events.find((e) => e.event === 'drill');
    expect(result).toMatchObject({ passed: false, backend: 'postgres' });
    expect(result!.reason).toBe(`no verified hot or warm pg_dump backup (store.backend postgres) of ${dataDir} is on disk; run \`cfa-console backup\` first, or drill without --from-backup`);
    const made = run.events.find((e) => e.event === 'sandbox' && e.stage === 'scratch-database');
    expect(run.events.find((e) => e.event === 'sandbox' && e.stage === 'scratch-dropped')).toMatchObject({ database: made!.database });
    expect(await databases()).not.toContain(made!.database);
    expect(run.events.filter((e) => e.event === 'sandbox' && e.stage === 'seeded')).toEqual([]);
    expect(await installFacts(install.url)).toEqual(before);
    expect(sandboxesIn(sandboxes)).toEqual([]);
  }, 180_000);
});
