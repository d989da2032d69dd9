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
