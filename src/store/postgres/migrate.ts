import type { Migration } from '../sqlite.js';
import { StoreError } from '../store-error.js';
import { inTransaction, type PgPool } from './pool.js';

/**
 * Versioned migrations in PostgreSQL, as `user_version` does for a SQLite file: one row per
 * schema (`market`, `ops`) in `cfa_schema_versions`. Hosts that start together are serialised by
 * a transaction-scoped advisory lock, so a migration runs once.
 */
export async function migratePg(pool: PgPool, schema: string, migrations: readonly Migration[]): Promise<number> {
  migrations.forEach((m, i) => {
    const previous = migrations[i - 1];
    if (previous && m.version <= previous.version) {
      throw new Error(`migrations of ${schema} out of order: version ${m.version} follows ${previous.version}; list them in ascending order`);
    }
  });
  const newest = migrations.at(-1)?.version ?? 0;
  // Up to date (every start but the first after an upgrade): nothing to serialise, so the lock is
  // not taken. A host stalled inside a migration (SIGSTOP, a partition) then holds up only hosts
  // that have something to migrate, not every job start that checks its schema.
  const known = await pool.query<{ version: number }>('SELECT version FROM cfa_schema_versions WHERE schema = $1', [schema]).then(
    (r) => r.rows[0]?.version ?? 0,
    () => null, // no versions table yet: the locked path makes it
  );
  if (known === newest) return newest;
  return inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('cfa_schema_versions'))");
    await client.query('CREATE TABLE IF NOT EXISTS cfa_schema_versions (schema TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at BIGINT NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM cfa_schema_versions WHERE schema = $1', [schema])).rows[0];
    const current = row?.version ?? 0;
    if (current > newest) {
      throw new StoreError(`the ${schema} schema in PostgreSQL has version ${current}, newer than this cfa-console knows (${newest}); upgrade cfa-console.`, 'open-failed');
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.up);
    }
    if (newest > current) {
      await client.query(
        `INSERT INTO cfa_schema_versions (schema, version, migrated_at) VALUES ($1, $2, $3)
         ON CONFLICT (schema) DO UPDATE SET version = EXCLUDED.version, migrated_at = EXCLUDED.migrated_at`,
        [schema, newest, Date.now()],
      );
    }
    return newest;
  });
}

/**
 * `migratePg` once per process for one owner of a schema: every call shares the first run, and a
 * failed run is tried again by the next call (the server may have been down).
 */
export function migrateOnce(pool: PgPool, schema: string, migrations: readonly Migration[]): () => Promise<unknown> {
  let ready: Promise<unknown> | null = null;
  return () => {
    ready ??= migratePg(pool, schema, migrations).catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };
}
