import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertVerifiedBackup } from '../../src/backup/catalog.js';
import { scratchPrefix } from '../../src/backup/postgres/connection.js';
import { verifyPgDump } from '../../src/backup/postgres/dump.js';
import { opsTableNames, dumpScopeExclusions } from '../../src/backup/postgres/facts.js';
import which from 'which';
import { hashFile } from '../../src/backup/files.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { freshPgDatabase, leftoverScratchDatabases, withClient, pgBin, pgMissing, pgServerUrl, withDatabase, type TestDatabase } from '../helpers/postgres.js';
import { backupEnv, catalog, corruptMiddle, filesIn, summaryOf } from './helpers.js';

/**
 * FIXTURE, not the real schema: the market tables in PostgreSQL belong to the pg market store
 * (src/store/schema/, another change). This is the `candles` contract of src/store/market-db.ts in
 * raw SQL, plus the versions table migratePg keeps and an ops table (`lease`), so these tests
 * depend on nothing but that contract.
 */
const FIXTURE_DDL = `
  CREATE TABLE candles (
    symbol text NOT NULL, interval text NOT NULL, open_time bigint NOT NULL,
    open double precision NOT NULL, high double precision NOT NULL, low double precision NOT NULL, close double precision NOT NULL,
    volume double precision NOT NULL, close_time bigint NOT NULL, quote_volume double precision NOT NULL, trades bigint NOT NULL,
    taker_buy_base double precision NOT NULL, taker_buy_quote double precision NOT NULL,
    PRIMARY KEY (symbol, interval, open_time)
  );
  CREATE TABLE cfa_schema_versions (schema TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at BIGINT NOT NULL);
  INSERT INTO cfa_schema_versions VALUES ('market', 1, 0), ('ops', 7, 0);
  CREATE TABLE lease (name text PRIMARY KEY, epoch bigint NOT NULL, holder text);
  INSERT INTO lease VALUES ('leader', 41, 'host-a');
`;

const T0 = 1_700_000_000_000;
const rclone = which.sync('rclone', { nothrow: true });
// A remote named `testremote` of type local, defined by the environment alone (as in offsite.test.ts).
const RCLONE_ENV = { RCLONE_CONFIG_TESTREMOTE_TYPE: 'local' };
const HOUR = 3_600_000;

/** Candles with values that differ row by row, for `symbols` x 1h x `count`. */
async function fillCandles(client: pg.Client, symbols: string[], count: number): Promise<void> {
  await client.query(`
    INSERT INTO candles
    SELECT s, '1h', $1::bigint + i::bigint * ${HOUR}, 100 + i % 17 + 0.125, 120 + i % 13, 90 - i % 11, 101 + (i * 7919) % 997 / 7.0,
           i * 1.5, $1::bigint + i::bigint * ${HOUR} + ${HOUR - 1}, i * 151.25, i, i * 0.75, i * 75.5
    FROM unnest($2::text[]) s, generate_series(0, $3::int - 1) i`, [T0, symbols, count]);
}

async function seriesCount(url: string, symbol: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query('SELECT count(*) AS n FROM candles WHERE symbol = $1', [symbol])).rows[0].n));
}

async function fixture(db: TestDatabase, symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], count = 3000): Promise<void> {
  await withClient(db.url, async (c) => {
    await c.query(FIXTURE_DDL);
    await fillCandles(c, symbols, count);
  });
}

describe.skipIf(pgMissing)(`backups of the postgres store${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const dbs: TestDatabase[] = [];
  const freshDb = async () => {
    const db = await freshPgDatabase('cfa_bk');
    dbs.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of dbs) await db.drop().catch(() => {});
  });

  it('dumps the store with pg_dump to hot and warm, verified by a restore into a scratch database; backup verify checks it again', async () => {
    const db = await freshDb();
    await fixture(db);
    const warm = path.join(tempDir(), 'warm');
    fs.mkdirSync(warm);
    const env = backupEnv({ store: { backend: 'postgres', url: db.url }, backup: { warmDir: warm } });
    const run = await env.run(['backup', '--json']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const tiers = run.events.filter((e) => e.event === 'tier') as Record<string, any>[];
    expect(tiers.map((t) => [t.tier, t.status])).toEqual([['hot', 'verified'], ['warm', 'verified'], ['offsite', 'not-configured']]);
    const [hot, warmCopy] = tiers;
    expect(hot!.location).toMatch(/market-\d{8}T\d+Z-[0-9a-f]{6}\.dump$/);
    expect(path.dirname(hot!.location)).toBe(path.join(env.dataDir, 'backups', 'hot'));
    expect(warmCopy!.sha256).toBe(hot!.sha256);
    expect(fs.readFileSync(hot!.location).subarray(0, 5).toString()).toBe('PGDMP');
    expect(hot!.rowCounts).toEqual({ '1h': 9000 });
    expect(hot!.timings).toMatchObject({ snapshot: expect.any(Number), verify: expect.any(Number), verifyAndHash: expect.any(Number) });

    const { backups } = catalog(env.dataDir);
    expect(backups.map((b) => [b.tier, b.backend, b.result])).toEqual([['hot', 'postgres', 'verified'], ['warm', 'postgres', 'verified']]);
    const facts = backups[0]!.pgFacts!;
    expect(Object.keys(facts.series)).toEqual(['BTCUSDT 1h', 'ETHUSDT 1h', 'SOLUSDT 1h']);
    expect(facts.series['BTCUSDT 1h']).toMatchObject({ count: 3000, newest: T0 + 2999 * HOUR });
    expect(facts.schemaVersion).toBe(1);
    // The ops tables (the lease and its epoch) and the versions table are not in the backup.
    expect(facts.tables).toEqual({ 'public.candles': 9000 });
    const toc = await execa(path.join(pgBin, 'pg_restore'), ['--list', hot!.location]);
    expect(toc.stdout).toMatch(/TABLE DATA public candles/);
    expect(toc.stdout).not.toMatch(/\blease\b|cfa_schema_versions/);
    expect(await leftoverScratchDatabases()).toEqual([]);

    // Listing the two and the shared verify contract run on both backends in backup.test.ts.
    const verify = await env.run(['backup', 'verify', '--json']);
    expect(verify.exitCode).toBe(0);
    expect(summaryOf(verify)).toMatchObject({ checked: 2, verified: 2, failed: 0 });
    expect(await leftoverScratchDatabases()).toEqual([]);
  });

  // Skipping a database nobody has synced into yet runs on both backends in backup.test.ts.
  it('an unreachable server fails the backup, naming it without its password', async () => {
    const warm = path.join(tempDir(), 'warm');
    fs.mkdirSync(warm);
    const gone = `postgresql://cfa:hunter2secret@localhost/cfa?host=${path.join(tempDir(), 'no-server')}`;
    const env = backupEnv({ store: { backend: 'postgres' }, backup: { warmDir: warm } });
    // A store that has been backed up before: a failure now is loud, not a skip.
    const ops = openOpsDb(env.dataDir);
    insertVerifiedBackup(ops, { tier: 'hot', backend: 'postgres', location: '/gone.dump', sizeBytes: 1, sha256: 'c'.repeat(64), md5: null, createdAt: 1, newestCandle: null, schemaVersion: 1, rowCounts: {}, verifiedAt: 1 });
    ops.close();
    const run = await env.run(['backup', '--json'], { env: { CFA_STORE_URL: gone } });
    expect(run.exitCode).toBe(1);
    // The backup lock is shared in that same server (src/store/postgres/job-locks.ts): without it no tier is tried.
    expect(run.stderr).toMatch(/cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@localhost\/cfa.*; the backup lock is kept there for every host/);
    expect(run.events.filter((e) => e.event === 'tier')).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain('hunter2secret');
    expect(JSON.stringify(catalog(env.dataDir))).not.toContain('hunter2secret');
  });

  it('reads the counts in the dump\'s own snapshot: writers carry on during the backup and it still verifies exactly', async () => {
    const db = await freshDb();
    await fixture(db, ['BTCUSDT', 'ETHUSDT'], 20_000);
    const env = backupEnv({ store: { backend: 'postgres', url: db.url } });
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    let stop = false;
    let writes = 0;
    const writing = (async () => {
      for (let i = 20_000; !stop; i++) {
        // New candles in one series, and changed values in the other: counts and checksums move.
        await writer.query("INSERT INTO candles SELECT 'BTCUSDT', '1h', $1::bigint, 1, 2, 0.5, 1.5, 10, $1::bigint + 1, 15, 3, 4, 6", [T0 + i * HOUR]);
        await writer.query("UPDATE candles SET close = close + 1 WHERE symbol = 'ETHUSDT' AND open_time = $1", [T0 + (i % 20_000) * HOUR]);
        writes++;
      }
    })();
    try {
      const run = await env.run(['backup', '--tier', 'hot', '--json']);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
    } finally {
      stop = true;
      await writing;
      await writer.end();
    }
    expect(writes).toBeGreaterThan(10);
    const entry = catalog(env.dataDir).backups[0]!;
    expect(entry.pgFacts!.series['BTCUSDT 1h']!.count).toBeGreaterThan(20_000);
    expect(await seriesCount(db.url, 'BTCUSDT')).toBeGreaterThan(entry.pgFacts!.series['BTCUSDT 1h']!.count);
  });

  it('a restore that cannot finish rolls back whole: the store is as it was', async () => {
    const db = await freshDb();
    await fixture(db, ['BTCUSDT', 'ETHUSDT'], 1000);
    const env = backupEnv({ store: { backend: 'postgres', url: db.url }, backup: { writerWait: '2s' } });
    expect((await env.run(['backup', '--tier', 'hot'])).exitCode).toBe(0);
    await withClient(db.url, (c) => c.query("DELETE FROM candles WHERE symbol = 'ETHUSDT'"));
    // A reader on another host in a long transaction: the restore cannot take its table lock in time.
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM candles');
      const run = await env.run(['restore', '--latest', '--yes', '--json'], { timeout: 30_000 });
      expect(run.exitCode).toBe(1);
      const summary = summaryOf(run);
      expect(summary.status).toBe('failed');
      const swap = (summary.steps as { step: string; status: string; detail: string }[]).find((s) => s.step === 'swap');
      expect(swap).toMatchObject({ status: 'failed', detail: expect.stringMatching(/rolled back, the store is as it was.*lock timeout: waited more than 2 s \(backup\.writerWait\) for a table lock held by PID \d+/) });
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    expect(await seriesCount(db.url, 'ETHUSDT')).toBe(0);
    expect(await seriesCount(db.url, 'BTCUSDT')).toBe(1000);
  });

  it('drops the scratch databases of killed processes of this host, not those of live ones', async () => {
    const db = await freshDb();
    await fixture(db, ['BTCUSDT'], 100);
    const dead = execa('true');
    await dead;
    const stale = `${scratchPrefix()}${dead.pid}_0_deadbeef`;
    const live = `${scratchPrefix()}${process.pid}_0_cafebabe`;
    await withClient(pgServerUrl, async (c) => {
      await c.query(`CREATE DATABASE ${stale}`);
      await c.query(`CREATE DATABASE ${live}`);
    });
    try {
      const env = backupEnv({ store: { backend: 'postgres', url: db.url } });
      expect((await env.run(['backup', '--tier', 'hot'])).exitCode).toBe(0);
      expect(await leftoverScratchDatabases()).toEqual([]);
      expect(await withClient(pgServerUrl, async (c) => (await c.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [[stale, live]])).rows.map((r) => r.datname))).toEqual([live]);
    } finally {
      await withClient(pgServerUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${stale}`).then(() => c.query(`DROP DATABASE IF EXISTS ${live}`)));
    }
  });

  it('a dump with flipped bytes fails verification and says why: the hash, and the scratch restore without it', async () => {
    const db = await freshDb();
    await fixture(db, ['BTCUSDT'], 20_000);
    const env = backupEnv({ store: { backend: 'postgres', url: db.url } });
    const run = await env.run(['backup', '--tier', 'hot', '--json']);
    expect(run.exitCode).toBe(0);
    const entry = catalog(env.dataDir).backups[0]!;
    // The scratch restore alone (what would catch a dump that went wrong before it was hashed).
    const pristine = path.join(tempDir(), 'pristine.dump');
    fs.copyFileSync(entry.location, pristine);
    corruptMiddle(entry.location, 4096);

    const verify = await env.run(['backup', 'verify', String(entry.id), '--json']);
    expect(verify.exitCode).toBe(1);
    const line = verify.events.find((e) => e.event === 'backup') as Record<string, any>;
    expect(line.status).toBe('failed');
    expect(line.problems.join(' ')).toMatch(/sha256 [0-9a-f]+… does not match the catalogued/);
    expect(catalog(env.dataDir).backups[0]).toMatchObject({ result: 'failed', detail: expect.stringMatching(/sha256/) });

    const content = await verifyPgDump(entry.location, db.url, entry.pgFacts!);
    expect(content.ok).toBe(false);
    expect(content.contentBad).toBe(true);
    expect(content.problems.join(' ')).toMatch(/pg_restore into the scratch database cfa_scratch_\w+ failed|BTCUSDT 1h: (checksum|\d+ candles)|not a readable pg_dump archive/);
    // The same check passes the undamaged bytes, so it is the damage that fails it.
    expect((await verifyPgDump(pristine, db.url, entry.pgFacts!)).ok).toBe(true);
    expect(await leftoverScratchDatabases()).toEqual([]);
  });

  it('restore brings back deleted and altered candles in one transaction, leaves the lease alone, keeps the old data in quarantine', async () => {
    const db = await freshDb();
    await fixture(db);
    const env = backupEnv({ store: { backend: 'postgres', url: db.url } });
    expect((await env.run(['backup', '--tier', 'hot'])).exitCode).toBe(0);
    const entry = catalog(env.dataDir).backups[0]!;
    await withClient(db.url, async (c) => {
      await c.query("DELETE FROM candles WHERE symbol = 'ETHUSDT'");
      await c.query("UPDATE candles SET close = -1 WHERE symbol = 'BTCUSDT' AND open_time = $1", [T0 + 5 * HOUR]);
      await c.query("UPDATE lease SET epoch = 42, holder = 'host-b'");
    });

    // The consent rules of a restore: off a terminal, no --yes is a refusal, and nothing changes.
    const refused = await env.run(['restore', '--latest']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(await seriesCount(db.url, 'ETHUSDT')).toBe(0);

    const run = await env.run(['restore', '--latest', '--yes', '--json']);
    const summary = summaryOf(run);
    const steps = Object.fromEntries((summary.steps as { step: string; status: string; detail: string }[]).map((s) => [s.step, s]));
    expect(steps[`stage #${entry.id}`]?.status).toBe('ok');
    expect(steps.quarantine?.status).toBe('ok');
    expect(steps.swap?.status).toBe('ok');
    expect(steps.verify?.status).toBe('ok');
    // The resync cannot reach the exchange (127.0.0.1:9): the restore says so and is partial (exit 1).
    expect(steps.resync?.status).not.toBe('ok');
    expect(steps.validate).toMatchObject({ status: 'warn', detail: expect.stringMatching(/cfa-console sync/) });
    expect(summary).toMatchObject({ kind: 'restore', status: 'partial', backupId: entry.id });
    expect(run.exitCode).toBe(1);

    expect(await seriesCount(db.url, 'ETHUSDT')).toBe(3000);
    await withClient(db.url, async (c) => {
      expect(Number((await c.query("SELECT close FROM candles WHERE symbol = 'BTCUSDT' AND open_time = $1", [T0 + 5 * HOUR])).rows[0].close)).not.toBe(-1);
      // Restoring market data never rolls the lease's epoch back.
      expect((await c.query('SELECT epoch, holder FROM lease')).rows[0]).toEqual({ epoch: '42', holder: 'host-b' });
      expect((await c.query("SELECT version FROM cfa_schema_versions WHERE schema = 'ops'")).rows[0].version).toBe(7);
    });
    expect(path.basename(summary.quarantine)).toMatch(/-restore$/);
    expect(filesIn(summary.quarantine)).toEqual(['before-restore.dump', 'reason.json']);
    const toc = await execa(path.join(pgBin, 'pg_restore'), ['--list', path.join(summary.quarantine, 'before-restore.dump')]);
    expect(toc.stdout).toMatch(/TABLE DATA public candles/);
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ kind: 'restore', result: 'partial', backupId: entry.id });
    expect(filesIn(env.dataDir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    expect(await leftoverScratchDatabases()).toEqual([]);

  });

  it.skipIf(!rclone)('offsite through rclone: the dump uploaded and checked by hash, and a restore downloads it', async () => {
    const db = await freshDb();
    await fixture(db, ['BTCUSDT', 'ETHUSDT'], 1000);
    const remoteDir = path.join(tempDir('cfa-remote-'), 'cfa');
    const env = backupEnv({ store: { backend: 'postgres', url: db.url }, backup: { offsiteRemote: `testremote:${remoteDir}` } });
    const run = await env.run(['backup', '--tier', 'offsite', '--json'], { env: RCLONE_ENV });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const offsite = run.events.find((e) => e.event === 'tier' && e.tier === 'offsite') as Record<string, any>;
    expect(offsite).toMatchObject({ status: 'verified', location: expect.stringMatching(/^testremote:.*\.dump$/) });
    expect((await hashFile(path.join(remoteDir, path.basename(offsite.location)))).sha256).toBe(offsite.sha256);
    // The dump staged for the upload is gone again.
    expect(filesIn(path.join(env.dataDir, 'backups', 'hot'))).toEqual([]);

    await withClient(db.url, (c) => c.query("DELETE FROM candles WHERE symbol = 'BTCUSDT' AND open_time > $1", [T0 + 100 * HOUR]));
    const restore = await env.run(['restore', '--latest', '--yes', '--json'], { env: RCLONE_ENV });
    const summary = summaryOf(restore);
    expect(summary).toMatchObject({ status: 'partial', backupTier: 'offsite' });
    expect(await seriesCount(db.url, 'BTCUSDT')).toBe(1000);
  });

  describe('with a role that has a password', () => {
    const role = `cfa_pw_${process.pid}`;
    const password = `Pw:${process.pid}\\s3cr3t-never-printed`;
    let hbaFile: string | null = null;
    let hbaBefore = '';
    let enforced = false;
    beforeAll(async () => {
      await withClient(pgServerUrl, async (c) => {
        await c.query(`CREATE ROLE ${role} LOGIN CREATEDB PASSWORD '${password.replace(/'/g, "''")}'`);
        // Make the server ask this role for its password (the test server trusts everyone else).
        try {
          hbaFile = (await c.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
          hbaBefore = fs.readFileSync(hbaFile, 'utf8');
          fs.writeFileSync(hbaFile, `local all ${role} scram-sha-256\nhost all ${role} 127.0.0.1/32 scram-sha-256\n${hbaBefore}`);
          await c.query('SELECT pg_reload_conf()');
          enforced = true;
        } catch {
          hbaFile = null;
        }
      });
    });
    afterAll(async () => {
      await withClient(pgServerUrl, async (c) => {
        if (hbaFile) {
          fs.writeFileSync(hbaFile, hbaBefore);
          await c.query('SELECT pg_reload_conf()');
        }
        for (const db of dbs) await c.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`).catch(() => {});
        await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
      });
    });

    it('never puts the password in argv, the environment of pg_dump/pg_restore, output, the catalog or the data dir', async () => {
      const db = await freshDb();
      await withClient(pgServerUrl, (c) => c.query(`ALTER DATABASE ${db.name} OWNER TO ${role}`));
      const u = new URL(withDatabase(pgServerUrl, db.name));
      u.username = role;
      u.password = encodeURIComponent(password);
      const url = u.toString();
      // The private test server lets us ask this role for its password; a server given by CFA_TEST_PG_URL may not.
      if (!process.env.CFA_TEST_PG_URL) expect(enforced).toBe(true);
      if (enforced) {
        const wrong = new URL(url);
        wrong.password = 'wrong';
        await expect(withClient(wrong.toString(), async () => {})).rejects.toThrow(/password authentication failed/);
      }
      await withClient(url, async (c) => {
        await c.query(FIXTURE_DDL);
        await fillCandles(c, ['BTCUSDT'], 500);
      });

      // pg_dump and pg_restore found first on PATH: wrappers that log their argv and password variables.
      const wrapDir = tempDir('cfa-pgwrap-');
      const log = path.join(wrapDir, 'calls.log');
      for (const tool of ['pg_dump', 'pg_restore']) {
        const file = path.join(wrapDir, tool);
        fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "${tool} $*" "PGPASSWORD=\${PGPASSWORD-unset} PGPASSFILE=\${PGPASSFILE-unset}" >> ${log}\nexec ${path.join(pgBin, tool)} "$@"\n`, { mode: 0o755 });
      }
      const env = backupEnv({ store: { backend: 'postgres' } });
      const childEnv = { CFA_STORE_URL: url, PATH: `${wrapDir}${path.delimiter}${process.env.PATH}`, PGPASSWORD: 'inherited-not-used' };
      const run = await env.run(['backup', '--tier', 'hot', '--json'], { env: childEnv });
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      const verify = await env.run(['backup', 'verify', '--json'], { env: childEnv });
      expect(verify.exitCode).toBe(0);
      const restore = await env.run(['restore', '--latest', '--yes', '--json'], { env: childEnv });
      expect(summaryOf(restore).status).toBe('partial');

      const calls = fs.readFileSync(log, 'utf8');
      expect(calls).toMatch(/pg_dump --format=custom --snapshot=\S+ --no-password/);
      expect(calls).toMatch(/pg_restore --single-transaction --clean --if-exists/);
      expect(calls).toContain(`--dbname=postgresql://${role}@localhost/${db.name}?host=`);
      expect(calls).toMatch(/PGPASSWORD=unset PGPASSFILE=\/\S+\/pgpass/);
      const secret = [password, encodeURIComponent(password), 's3cr3t-never-printed'];
      for (const text of [calls, run.stdout, run.stderr, verify.stdout, restore.stdout, restore.stderr, JSON.stringify(catalog(env.dataDir))]) {
        for (const s of secret) expect(text).not.toContain(s);
      }
      // Every file of the data dir, ops.db and the logs included.
      const files = (fs.readdirSync(env.dataDir, { recursive: true }) as string[]).map((f) => path.join(env.dataDir, f)).filter((f) => fs.statSync(f).isFile());
      for (const f of files) expect(fs.readFileSync(f).includes('s3cr3t-never-printed'), f).toBe(false);
      // The passfiles are gone.
      for (const m of calls.matchAll(/PGPASSFILE=(\/\S+)/g)) expect(fs.existsSync(m[1]!)).toBe(false);
    });
  });

  it('leaves the ops tables out of the dump by the ops schema description', () => {
    expect(opsTableNames()).toEqual(expect.arrayContaining(['lease', 'locks', 'job_runs', 'backups', 'alerts', 'incidents']));
    // The fenced lease's tables in PostgreSQL: a restore must never roll the epoch back.
    expect(dumpScopeExclusions()).toEqual(expect.arrayContaining(['cfa_lease', 'cfa_slot_claims', 'cfa_leader_actions', 'cfa_alert_handover', 'cfa_alert_commands', 'cfa_leader_requests', 'cfa_job_runs', 'cfa_schema_versions']));
  });
});
