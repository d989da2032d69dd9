import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthSnapshot } from '../../src/health/types.js';
import { PgMarketStore } from '../../src/store/postgres/market-store.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

const probe = (s: HealthSnapshot, id: string) => s.probes.find((p) => p.id === id)!;

describe.skipIf(pgMissing)(`health with the candles in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('judges freshness, coverage, size and continuity from PostgreSQL, not from a market.db that is not there', async () => {
    // The simulator on the real clock: health judges ages against now.
    const sim = await simulator({ symbols: 3, now: Date.now });
    const dir = tempDir();
    const symbols = sim.symbols.slice(0, 3);
    writeTestConfig(dir, { symbols, sync: { backfillDays: 10 }, store: { backend: 'postgres' }, health: { dbMinSizeMb: 1 } });
    const env = { CFA_STORE_URL: db.url };
    const dataDir = path.join(dir, 'data');
    const globals = ['--data-dir', dataDir, '--config', path.join(dir, 'config.json'), '--exchange-url', sim.url];
    const sync = await runCli([...globals, 'sync', '--json'], { env });
    expect(sync.stderr).toBe('');
    expect(sync.exitCode).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);

    const healthy = JSON.parse((await runCli([...globals, 'health', '--json'], { env })).stdout) as HealthSnapshot;
    expect(probe(healthy, 'freshness'), JSON.stringify(healthy.probes, null, 1)).toMatchObject({ status: 'ok' });
    expect(healthy.freshness).toHaveLength(12);
    expect(probe(healthy, 'coverage').status).toBe('ok');
    expect(probe(healthy, 'integrity')).toMatchObject({ status: 'ok' });
    expect(probe(healthy, 'integrity').detail).toMatch(/PostgreSQL at postgresql:\/\/.*answers/);
    expect(probe(healthy, 'size').detail).toMatch(/the store in PostgreSQL is/);
    expect(probe(healthy, 'continuity')).toMatchObject({ status: 'ok' });
    expect(probe(healthy, 'continuity').detail).toMatch(/no series misses more than \d+ candles in 12 series \(counted in PostgreSQL/);

    // Candles lost in PostgreSQL: the newest two days of one series.
    const pg = await PgMarketStore.open(db.url);
    try {
      const newest = (await pg.lastOpenTime(symbols[0]!, '1h'))!;
      expect(await pg.deleteCandlesFrom(symbols[0]!, '1h', newest - 2 * 86_400_000)).toBeGreaterThan(40);
    } finally {
      await pg.close();
    }
    const stale = await runCli([...globals, 'health', '--json'], { env });
    const snapshot = JSON.parse(stale.stdout) as HealthSnapshot;
    expect(probe(snapshot, 'freshness').status).not.toBe('ok');
    expect(probe(snapshot, 'freshness').offenders.map((o) => o.name)).toContain(`${symbols[0]} 1h`);
    expect(stale.exitCode).not.toBe(0);
  });

  it('compact vacuums the tables in PostgreSQL and looks for no market.db', async () => {
    const dir = tempDir();
    writeTestConfig(dir, { store: { backend: 'postgres' } });
    const dataDir = path.join(dir, 'data');
    const run = await runCli(['--data-dir', dataDir, '--config', path.join(dir, 'config.json'), 'compact', '--json'], { env: { CFA_STORE_URL: db.url } });
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = run.events.filter((e) => e.event === 'step').map((e) => [e.step, e.status]);
    expect(steps).toEqual([['connect', 'ok'], ['vacuum', 'ok'], ['size', 'ok']]);
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);
  });

  it('says it cannot read the candles when the server refuses, naming it without the password', async () => {
    const dir = tempDir();
    writeTestConfig(dir, { store: { backend: 'postgres' } });
    const url = new URL(db.url);
    url.password = 'hunter2secret';
    url.pathname = '/no_such_database';
    const run = await runCli(['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), 'health', '--json'], { env: { CFA_STORE_URL: url.toString() } });
    const snapshot = JSON.parse(run.stdout) as HealthSnapshot;
    expect(probe(snapshot, 'freshness').status).toBe('unknown');
    expect(probe(snapshot, 'freshness').detail).toMatch(/cannot read the candles in PostgreSQL at postgresql:\/\/[^ ]*••••••@.*no_such_database/);
    expect(run.stdout).not.toContain('hunter2secret');
    expect(run.exitCode).toBe(1);
  });
});
