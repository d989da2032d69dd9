import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe } from 'vitest';
import type { SimulatorHandle } from '../../src/exchange/simulator/index.js';
import type { Interval } from '../../src/exchange/intervals.js';
import type { CandleStore } from '../../src/store/candle-store.js';
import { openCandleStore } from '../../src/store/open-candle-store.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import Database from '../../src/store/sqlite-driver.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from './postgres.js';
import { ANCHOR, candleStoreDifferences } from './simulated-exchange.js';

export type BackendName = 'sqlite' | 'postgres';

/**
 * One store backend as a test sees it: the config that selects it, and a backend-neutral way to
 * read what a run stored (the CandleStore both backends implement) instead of opening market.db.
 * For postgres every test gets a database of its own, created before it and dropped after it.
 */
export interface Backend {
  readonly name: BackendName;
  /** This test's PostgreSQL database URL; throws on sqlite, where there is none. */
  readonly url: string;
  /** Test-config settings with this backend's `store` section merged in (`{}` adds nothing on sqlite). */
  config(settings?: Record<string, unknown>): Record<string, unknown>;
  /** The candle store a run on `dataDir` with this backend's config wrote to; the caller closes it. */
  openStore(dataDir: string): Promise<CandleStore>;
  /** `fn` on that store, closed afterwards. */
  withStore<T>(dataDir: string, fn: (store: CandleStore) => Promise<T> | T): Promise<T>;
  /**
   * The rows of one SQL query without parameters on the market store (market.db read-only, or this
   * test's database with BIGINT as numbers, as the product reads it): for what the CandleStore does
   * not answer, such as the ohlcv_* views.
   */
  rows<T = Record<string, unknown>>(dataDir: string, sql: string): Promise<T[]>;
  /** Every difference between that store and the simulator's closed candles (see storeDifferences). */
  differences(dataDir: string, sim: SimulatorHandle, symbols: readonly string[], intervals: readonly Interval[], backfillDays: number, anchor?: number): Promise<string[]>;
}

function backend(name: BackendName, database: () => TestDatabase | null): Backend {
  const url = () => {
    const db = database();
    if (!db) throw new Error(name === 'sqlite' ? 'the sqlite backend has no database URL' : 'no PostgreSQL database outside a test');
    return db.url;
  };
  const store = () => (name === 'postgres' ? { backend: 'postgres' as const, url: url(), poolSize: 2 } : { backend: 'sqlite' as const, poolSize: 2 });
  const self: Backend = {
    name,
    get url() { return url(); },
    config(settings = {}) {
      if (name === 'sqlite') return settings;
      return { ...settings, store: { ...(settings.store as Record<string, unknown> | undefined), backend: 'postgres', url: url() } };
    },
    openStore: (dataDir) => openCandleStore({ store: store() }, dataDir),
    async withStore(dataDir, fn) {
      // A market.db next to a postgres run means the run wrote to SQLite: the variant would test nothing.
      if (name === 'postgres' && fs.existsSync(path.join(dataDir, 'market.db'))) {
        throw new Error(`${path.join(dataDir, 'market.db')} exists in a postgres test: the run did not use store.backend postgres`);
      }
      const s = await self.openStore(dataDir);
      try {
        return await fn(s);
      } finally {
        await s.close();
      }
    },
    async rows<T>(dataDir: string, sql: string): Promise<T[]> {
      if (name === 'sqlite') {
        const db = new Database(path.join(dataDir, 'market.db'), { readonly: true });
        try {
          return db.prepare(sql).all() as T[];
        } finally {
          db.close();
        }
      }
      const pool = openPgPool(url(), { size: 1 });
      try {
        return (await pool.query(sql)).rows as T[];
      } finally {
        await pool.end();
      }
    },
    differences: (dataDir, sim, symbols, intervals, backfillDays, anchor = ANCHOR) =>
      self.withStore(dataDir, (s) => candleStoreDifferences(s, sim, symbols, intervals, backfillDays, anchor)),
  };
  return self;
}

/** The default backend, for SQLite-only cases that share a fixture with converted ones. */
export const sqliteBackend: Backend = backend('sqlite', () => null);

/**
 * Runs `body`'s cases once per backend: `${title} [sqlite]` on the data dir's market.db, and
 * `${title} [postgres]` on a fresh database per test. Without a PostgreSQL test server the postgres
 * variant is skipped and its title says why (with CFA_TEST_PG_REQUIRED=1 a missing server fails
 * the run instead: test/helpers/postgres-server.ts).
 */
export function describeBackends(title: string, body: (backend: Backend) => void): void {
  describe(`${title} [sqlite]`, () => body(sqliteBackend));
  describe.skipIf(pgMissing)(`${title} [postgres]${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
    let db: TestDatabase | null = null;
    beforeEach(async () => {
      db = await freshPgDatabase('cfa_b');
    });
    afterEach(async () => {
      await db?.drop();
      db = null;
    });
    body(backend('postgres', () => db));
  });
}
