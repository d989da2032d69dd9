import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../../src/backup/files.js';
import { parseJsonLines, startCli } from '../helpers/cli.js';
import { describeBackends } from '../helpers/backends.js';
import { withClient } from '../helpers/postgres.js';
import type { JobRun } from '../../src/engine/run-history.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { PgRunHistory } from '../../src/store/postgres/run-history.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ALL, backupEnv, catalog, clockedSimulator, corruptMiddle, filesIn, fillStore, mountTmpfs, storeCandles, summaryOf } from './helpers.js';

describeBackends('cfa-console backup', (backend) => {
  it('makes one verified copy, copies it to the warm dir by hash, catalogues both and lists them', async () => {
    const warm = path.join(tempDir(), 'warm');
    fs.mkdirSync(warm);
    const env = backupEnv(backend.config({ backup: { warmDir: warm } }));
    const stored = await storeCandles(backend, env.dataDir, 2500);
    const run = await env.run(['backup', '--json']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const tiers = run.events.filter((e) => e.event === 'tier') as Record<string, any>[];
    expect(tiers.map((t) => [t.tier, t.status])).toEqual([['hot', 'verified'], ['warm', 'verified'], ['offsite', 'not-configured']]);
    expect(tiers[2]!.error).toMatch(/backup\.offsiteRemote/);
    const [hot, warmCopy] = tiers;
    expect(hot!.sha256).toBe(warmCopy!.sha256);
    expect(path.dirname(hot!.location)).toBe(path.join(env.dataDir, 'backups', 'hot'));
    expect(path.dirname(warmCopy!.location)).toBe(warm);
    expect((await hashFile(hot!.location)).sha256).toBe(hot!.sha256);
    expect((await hashFile(warmCopy!.location)).sha256).toBe(hot!.sha256);
    expect(hot!.rowCounts).toEqual({ '15m': stored });
    expect(summaryOf(run).status).toBe('success');

    if (backend.name === 'sqlite') {
      // The copy is a whole database with the counts the catalog holds, in rollback-journal mode.
      const db = new Database(hot!.location, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(db.prepare("SELECT count(*) FROM candles WHERE interval = '15m'").pluck().get()).toBe(hot!.rowCounts['15m']);
      db.close();
    } else {
      // A pg_dump archive (what it holds is checked in postgres.test.ts).
      expect(fs.readFileSync(hot!.location).subarray(0, 5).toString()).toBe('PGDMP');
    }
    expect(filesIn(path.dirname(hot!.location))).toEqual([path.basename(hot!.location)]);

    const { backups, runs } = catalog(env.dataDir);
    expect(backups.map((b) => [b.tier, b.backend, b.result, b.sha256 === hot!.sha256])).toEqual([['hot', backend.name, 'verified', true], ['warm', backend.name, 'verified', true]]);
    expect(runs.map((r) => [r.tier, r.result]).sort()).toEqual([['hot', 'verified'], ['warm', 'verified']]);

    const list = await env.run(['backups']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/#1\s+hot\s+\d+s ago/);
    expect(list.stdout).toMatch(/offsite\s+· not configured/);
    const json = JSON.parse((await env.run(['backups', '--json'])).stdout) as { backups: { id: number; ageMs: number }[] };
    expect(json.backups.map((b) => b.id).sort()).toEqual([1, 2]);
    expect(json.backups[0]!.ageMs).toBeGreaterThanOrEqual(0);

    const verify = await env.run(['backup', 'verify', '--json']);
    expect(verify.exitCode).toBe(0);
    expect(summaryOf(verify)).toMatchObject({ checked: 2, verified: 2, failed: 0 });
  });

  it('refuses a tier named explicitly that is not configured (exit 2), and fails a warm dir that is not there', async () => {
    const env = backupEnv(backend.config({ backup: { warmDir: path.join(tempDir(), 'not-mounted') } }));
    await storeCandles(backend, env.dataDir, 500);
    const offsite = await env.run(['backup', '--tier', 'offsite']);
    expect(offsite.exitCode).toBe(2);
    expect(offsite.stderr).toMatch(/backup\.offsiteRemote/);
    expect((await env.run(['backup', '--tier', 'cold'])).exitCode).toBe(2);
    const warm = await env.run(['backup', '--json']);
    expect(warm.exitCode).toBe(1);
    expect(summaryOf(warm).status).toBe('partial');
    const w = warm.events.find((e) => e.event === 'tier' && e.tier === 'warm') as Record<string, any>;
    expect(w.status).toBe('failed');
    expect(w.error).toMatch(/does not exist: is its disk mounted/);
    expect(fs.existsSync(path.join(env.dir, 'not-mounted'))).toBe(false);
  });

  it('reports a configured offsite tier without rclone plainly and exits 1, the local tiers still done', async () => {
    const env = backupEnv(backend.config({ backup: { offsiteRemote: 'nowhere:cfa', rclone: '/nonexistent/rclone' } }));
    await storeCandles(backend, env.dataDir, 500);
    const run = await env.run(['backup', '--json']);
    expect(run.exitCode).toBe(1);
    const offsite = run.events.find((e) => e.event === 'tier' && e.tier === 'offsite') as Record<string, any>;
    expect(offsite).toMatchObject({ status: 'failed' });
    expect(offsite.error).toMatch(/rclone not found/);
    expect(run.events.find((e) => e.event === 'tier' && e.tier === 'hot')).toMatchObject({ status: 'verified' });
    expect(catalog(env.dataDir).runs.find((r) => r.tier === 'offsite')).toMatchObject({ result: 'failed' });
  });

  it('skips a new store (never synced, no backup on record) with that reason, exit 0; a lost store still fails', async () => {
    const env = backupEnv(backend.config());
    const json = await env.run(['backup', '--json']);
    expect(json.exitCode).toBe(0);
    const missing = backend.name === 'sqlite' ? /market\.db does not exist yet/ : /has no candles table yet/;
    expect(summaryOf(json)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(missing), tiers: [] });
    expect(summaryOf(json).reason).toMatch(/: nothing to back up before the first sync$/);
    const text = await env.run(['backup']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/backup skipped: .*nothing to back up before the first sync/);
    expect(catalog(env.dataDir).runs).toEqual([]);

    // Once a sync has succeeded, a store without candles is a lost store: the backup fails loudly.
    const ops = new Database(path.join(env.dataDir, 'ops.db'));
    ops.prepare("INSERT INTO job_state (job, last_status, last_run_at, last_success_at) VALUES ('sync', 'success', 1, 1)").run();
    ops.close();
    const lost = await env.run(['backup', '--json']);
    expect(lost.exitCode).toBe(1);
    expect(summaryOf(lost).status).toBe('failed');
    expect(lost.events.find((e) => e.event === 'tier' && e.tier === 'hot')).toMatchObject({ status: 'failed', error: expect.stringMatching(/nothing to back up/) });
    // Nothing catalogued: an empty copy must never become the newest backup a recover would restore.
    expect(catalog(env.dataDir).backups).toEqual([]);
  });

  // Postgres only: on SQLite every host has its own store, and no other host's runs to consult.
  if (backend.name === 'postgres') {
    it("fails on a host that never synced itself once the shared store lost its candles after another host's sync", async () => {
      const a = backupEnv(backend.config());
      await storeCandles(backend, a.dataDir, 50);
      const b = backupEnv(backend.config());
      const asB = { env: { CFA_HOST: 'b' } };
      const pool = openPgPool(backend.url, { size: 1 });
      const sync = (id: number, status: 'failed' | 'success'): JobRun => ({
        id, job: 'sync', trigger: 'schedule', slot: null, startedAt: Date.now() - 60_000, endedAt: Date.now() - 30_000, status,
        exitCode: status === 'success' ? 0 : 1, durationMs: 30_000, summary: null, logPath: null, pid: null, host: 'a',
      });
      try {
        await withClient(backend.url, (c) => c.query('DROP TABLE candles CASCADE'));
        // Host a's only sync failed: for b the store is still new, and the backup skips.
        await new PgRunHistory(pool).upsert('a', [sync(1, 'failed')]);
        const skipped = await b.run(['backup', '--json'], asB);
        expect(skipped.exitCode, skipped.stderr).toBe(0);
        expect(summaryOf(skipped)).toMatchObject({ status: 'skipped', tiers: [] });

        // Host a's sync succeeded (in cfa_job_runs, not in b's ops.db): the store is lost, not new.
        await new PgRunHistory(pool).upsert('a', [sync(2, 'success')]);
        const lost = await b.run(['backup', '--json'], asB);
        expect(lost.exitCode).toBe(1);
        expect(summaryOf(lost).status).toBe('failed');
        const hot = lost.events.find((e) => e.event === 'tier' && e.tier === 'hot') as Record<string, any>;
        expect(hot).toMatchObject({ status: 'failed' });
        expect(hot.error).toMatch(/has no candles table yet, though another host's sync or backup succeeded on it \(the last at \d{4}-.*shared run history\).*cfa-console recover/);
        expect(catalog(b.dataDir).backups).toEqual([]);
        expect(catalog(b.dataDir).runs.map((r) => [r.tier, r.result])).toEqual([['hot', 'failed']]);
      } finally {
        await pool.end();
      }
    });
  }
});


// SQLite only from here: copies of market.db (the online backup API under a writer, its temp file,
// a full disk sized by the file, damaged pages); the postgres
// counterparts are in postgres.test.ts.
describe('cfa-console backup', () => {
  it('copies consistently while a sync writes in another process', async () => {
    const { sim } = await clockedSimulator(8);
    const symbols = sim.symbols.slice(0, 8);
    sim.setFaults({ latencyMs: 40 });
    const env = backupEnv({ symbols, sync: { backfillDays: 60, concurrency: 2 } }, sim.url);
    const sync = startCli(env.argv(['sync', '--json']), { buffer: false });
    let seen = '';
    await new Promise<void>((resolve) => {
      sync.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (parseJsonLines(seen).filter((e) => e.event === 'series').length >= 3) resolve();
      });
    });
    const backups: Record<string, any>[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await env.run(['backup', '--tier', 'hot', '--json']);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      backups.push(run.events.find((e) => e.event === 'tier')!);
    }
    const done = await sync;
    expect(done.exitCode).toBe(0);
    // The sync went on while we copied: the copies differ and none holds everything.
    const counts = backups.map((b) => Object.values(b.rowCounts as Record<string, number>).reduce((n, c) => n + c, 0));
    expect(new Set(counts).size).toBeGreaterThan(1);
    for (const b of backups) {
      const db = new Database(b.location, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        // Consistent: every series is whole pages from its first candle on, no hole, exactly the
        // exchange's candles; and the totals are what the catalog recorded for this copy.
        const series = db.prepare('SELECT symbol, interval, min(open_time) AS first, max(open_time) AS last, count(*) AS n FROM candles GROUP BY symbol, interval').all() as { symbol: string; interval: string; first: number; last: number; n: number }[];
        for (const s of series) {
          const expected = sim.closedCandles(s.symbol, s.interval as (typeof ALL)[number], s.first, s.last + 1);
          expect(s.n, `${s.symbol} ${s.interval}`).toBe(expected.length);
        }
        const perInterval = db.prepare('SELECT interval, count(*) AS n FROM candles GROUP BY interval').all() as { interval: string; n: number }[];
        expect(Object.fromEntries(perInterval.map((r) => [r.interval, r.n]))).toEqual(b.rowCounts);
      } finally {
        db.close();
      }
    }
  });

  it('leaves no catalog entry and no half file when killed with -9 mid-way; the next run cleans up', async () => {
    const env = backupEnv();
    fillStore(env.dataDir, 120_000_000);
    const hotDir = path.join(env.dataDir, 'backups', 'hot');
    const child = startCli(env.argv(['backup', '--tier', 'hot', '--json']), { buffer: false });
    let sawTemp = false;
    for (let i = 0; i < 6000 && !sawTemp; i++) {
      sawTemp = filesIn(hotDir).some((f) => f.startsWith('.tmp-'));
      if (!sawTemp) await new Promise((r) => setTimeout(r, 5));
    }
    expect(sawTemp, 'the backup started writing its temp file').toBe(true);
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    expect(catalog(env.dataDir).backups).toEqual([]);
    expect(catalog(env.dataDir).runs).toEqual([]);
    // Only the killed run's temp file(s) remain: no file under a backup's name.
    expect(filesIn(hotDir).every((f) => f.startsWith('.tmp-'))).toBe(true);

    const next = await env.run(['backup', '--tier', 'hot', '--json']);
    expect(next.exitCode).toBe(0);
    expect(summaryOf(next).staleTempsRemoved.length).toBeGreaterThan(0);
    const entries = catalog(env.dataDir).backups;
    expect(entries).toHaveLength(1);
    expect(filesIn(hotDir)).toEqual([path.basename(entries[0]!.location)]);
  }, 120_000);

  it('fails cleanly when the hot disk is full: earlier backups untouched, temp removed, run recorded, warm still made', async (ctx) => {
    const root = tempDir();
    const hot = path.join(root, 'hot');
    const warm = path.join(root, 'warm');
    fs.mkdirSync(warm);
    const env = backupEnv({ backup: { hotDir: hot } });
    fillStore(env.dataDir, 3_000_000);
    const size = fs.statSync(path.join(env.dataDir, 'market.db')).size;
    const unmount = mountTmpfs(hot, `${Math.ceil((size * 1.6) / 1024)}k`);
    if (!unmount) return ctx.skip();
    try {
      const first = await env.run(['backup', '--tier', 'hot', '--json']);
      expect(first.exitCode).toBe(0);
      const before = catalog(env.dataDir).backups[0]!;
      const beforeHash = (await hashFile(before.location)).sha256;

      fs.writeFileSync(env.configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(env.configFile, 'utf8')), backup: { hotDir: hot, warmDir: warm } }));
      const full = await env.run(['backup', '--json']);
      expect(full.exitCode).toBe(1);
      const hotTier = full.events.find((e) => e.event === 'tier' && e.tier === 'hot') as Record<string, any>;
      expect(hotTier.status).toBe('failed');
      expect(hotTier.error).toMatch(/no space left on device|SQLITE_FULL|ENOSPC/);
      expect(full.events.find((e) => e.event === 'tier' && e.tier === 'warm')).toMatchObject({ status: 'verified' });
      expect(summaryOf(full).status).toBe('partial');
      expect(filesIn(hot)).toEqual([path.basename(before.location)]);
      expect((await hashFile(before.location)).sha256).toBe(beforeHash);
      const { backups, runs } = catalog(env.dataDir);
      expect(backups.filter((b) => b.tier === 'hot')).toHaveLength(1);
      expect(runs.find((r) => r.tier === 'hot' && r.result === 'failed')?.error).toMatch(/no space left on device/);
    } finally {
      unmount();
    }
  });

  it('fails cleanly when the warm disk is full during the copy: earlier warm backup untouched, temp removed', async (ctx) => {
    const warm = path.join(tempDir(), 'warm');
    const env = backupEnv({ backup: { warmDir: warm } });
    fillStore(env.dataDir, 3_000_000);
    const size = fs.statSync(path.join(env.dataDir, 'market.db')).size;
    const unmount = mountTmpfs(warm, `${Math.ceil((size * 1.6) / 1024)}k`);
    if (!unmount) return ctx.skip();
    try {
      expect((await env.run(['backup', '--json'])).exitCode).toBe(0);
      const earlier = catalog(env.dataDir).backups.find((b) => b.tier === 'warm')!;
      const run = await env.run(['backup', '--json']);
      expect(run.exitCode).toBe(1);
      const w = run.events.find((e) => e.event === 'tier' && e.tier === 'warm') as Record<string, any>;
      expect(w.error).toMatch(/no space left on device/);
      expect(filesIn(warm)).toEqual([path.basename(earlier.location)]);
      expect((await hashFile(earlier.location)).sha256).toBe(earlier.sha256);
      // The hot copy of the same run verified, and retention did not touch the failed tier.
      expect(run.events.find((e) => e.event === 'tier' && e.tier === 'hot')).toMatchObject({ status: 'verified' });
    } finally {
      unmount();
    }
  });

  it('never catalogues a copy of a damaged store', async () => {
    const env = backupEnv();
    fillStore(env.dataDir, 2_000_000);
    corruptMiddle(path.join(env.dataDir, 'market.db'));
    const run = await env.run(['backup', '--tier', 'hot', '--json']);
    expect(run.exitCode).toBe(1);
    const hot = run.events.find((e) => e.event === 'tier') as Record<string, any> | undefined;
    expect(hot, `${run.stdout}\n${run.stderr}`).toBeDefined();
    expect(hot!.error).toMatch(/recover/);
    expect(catalog(env.dataDir).backups).toEqual([]);
    expect(filesIn(path.join(env.dataDir, 'backups', 'hot'))).toEqual([]);
  });

  it('re-verification finds a copy that rotted on disk, marks it failed, and says so with exit 1', async () => {
    const env = backupEnv();
    fillStore(env.dataDir, 1_000_000);
    expect((await env.run(['backup'])).exitCode).toBe(0);
    const entry = catalog(env.dataDir).backups[0]!;
    corruptMiddle(entry.location, 4096);
    const run = await env.run(['backup', 'verify', String(entry.id)]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/failed.*sha256/);
    expect(catalog(env.dataDir).backups[0]).toMatchObject({ result: 'failed' });
    expect((await env.run(['backup', 'verify', '99'])).exitCode).toBe(2);
  });

  it('declares the backup, compact and backup-drill jobs with their schedules', async () => {
    const env = backupEnv();
    const run = await env.run(['jobs', '--json']);
    const jobs = JSON.parse(run.stdout) as { name: string; schedule: string }[];
    expect(jobs.filter((j) => ['backup', 'compact', 'backup-drill'].includes(j.name)).map((j) => [j.name, j.schedule])).toEqual([
      ['backup', '0 2 * * *'], ['compact', '0 3 * * 0'], ['backup-drill', '0 4 1 * *'],
    ]);
  });
});
