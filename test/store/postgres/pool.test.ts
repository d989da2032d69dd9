import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePg } from '../../../src/store/postgres/migrate.js';
import { describePgError, openPgPool, type PgPool } from '../../../src/store/postgres/pool.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../../helpers/postgres.js';

describe.skipIf(pgMissing)(`PostgreSQL pool and migrations${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  let pool: PgPool;
  beforeAll(async () => {
    db = await freshPgDatabase();
    pool = openPgPool(db.url, { size: 3 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('returns BIGINT as numbers, as SQLite does', async () => {
    const { rows } = await pool.query('SELECT 1733011200000::bigint AS t');
    expect(rows[0].t).toBe(1733011200000);
  });

  it('applies each migration once, also when two hosts start together', async () => {
    const migrations = [
      { version: 1, up: 'CREATE TABLE m1 (id INTEGER PRIMARY KEY)' },
      { version: 3, up: 'CREATE TABLE m3 (id INTEGER PRIMARY KEY); INSERT INTO m3 VALUES (1)' },
    ];
    const other = openPgPool(db.url, { size: 1 });
    try {
      const versions = await Promise.all([migratePg(pool, 'demo', migrations), migratePg(other, 'demo', migrations)]);
      expect(versions).toEqual([3, 3]);
    } finally {
      await other.end();
    }
    expect((await pool.query('SELECT count(*)::int AS n FROM m3')).rows[0].n).toBe(1);
    await expect(migratePg(pool, 'demo', migrations.slice(0, 1))).rejects.toThrow(/version 3, newer than this cfa-console knows \(1\)/);
  });

  it('an up-to-date schema is checked without the migration lock: a session stuck holding it delays only a migration', async () => {
    const migrations = [{ version: 1, up: 'CREATE TABLE IF NOT EXISTS quick1 (a INT)' }];
    await migratePg(pool, 'quick', migrations);
    const holder = await pool.connect();
    try {
      // What a host stalled inside a migration holds (the lock's key as migratePg takes it).
      await holder.query('BEGIN');
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('cfa_schema_versions'))");
      await expect(migratePg(pool, 'quick', migrations)).resolves.toBe(1);
      // A version to apply does wait for the lock: still pending after the up-to-date check answered.
      const pending = migratePg(pool, 'quick', [...migrations, { version: 2, up: 'CREATE TABLE quick2 (a INT)' }]);
      const first = await Promise.race([pending.then(() => 'migrated'), migratePg(pool, 'quick', migrations).then(() => 'checked')]);
      expect(first).toBe('checked');
      await holder.query('COMMIT');
      await expect(pending).resolves.toBe(2);
    } finally {
      holder.release();
    }
  });

  it('names the server without its password when it cannot connect', async () => {
    const url = 'postgresql://cfa:hunter2secret@127.0.0.1:1/cfa';
    const bad = openPgPool(url, { size: 1 });
    try {
      const error = await bad.query('SELECT 1').then(() => null, (e: unknown) => describePgError(url, e));
      expect(error?.message).toMatch(/cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@127\.0\.0\.1:1\/cfa/);
      expect(error?.message).not.toContain('hunter2secret');
    } finally {
      await bad.end();
    }
  });
});
