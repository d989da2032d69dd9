import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markFailed } from '../../src/backup/catalog.js';
import { readPgFacts } from '../../src/backup/postgres/facts.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { PgMarketStore } from '../../src/store/postgres/market-store.js';
import { freshPgDatabase, leftoverScratchDatabases, withClient, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';
import { candleStoreDifferences } from '../helpers/simulated-exchange.js';
import { ALL, backupEnv, catalog, clockedSimulator, corruptMiddle, DAY, filesIn, summaryOf } from './helpers.js';

const BACKFILL = 5;

async function differences(url: string, sim: Parameters<typeof candleStoreDifferences>[1], symbols: string[]): Promise<string[]> {
  const store = await PgMarketStore.open(url, { poolSize: 2 });
  try {
    return await candleStoreDifferences(store, sim, symbols, ALL, BACKFILL);
  } finally {
    await store.close();
  }
}

/** Everything the drill could change in the live store: the facts a backup is compared by, the schema versions, the database list. */
async function liveState(url: string) {
  return withClient(url, async (c) => ({
    facts: await readPgFacts(c),
    versions: (await c.query('SELECT schema, version, migrated_at FROM cfa_schema_versions ORDER BY schema')).rows,
  }));
}

type Step = { step: string; status: string; detail: string };
const stepsOf = (summary: Record<string, any>) => Object.fromEntries((summary.steps as Step[]).map((s) => [s.step, s]));

/**
 * The postgres store end to end with the real schema: synced from the simulator through the sync
 * engine, backed up with pg_dump, then the simulator's clock moved on so the live store is newer
 * than the backup.
 */
// A restore that ends ok (daemon stopped, quarantine, resync) or partial (exchange unreachable) runs on both backends in recover.test.ts.
describe.skipIf(pgMissing)(`restore, recover and the drill of the postgres store${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop().catch(() => {});
  });

  async function syncedAndBackedUp() {
    const db = await freshPgDatabase('cfa_rc');
    dbs.push(db);
    const { sim, advance } = await clockedSimulator(3);
    const symbols = sim.symbols.slice(0, 3);
    const env = backupEnv({ symbols, sync: { backfillDays: BACKFILL }, store: { backend: 'postgres', url: db.url } }, sim.url);
    const first = await env.run(['sync', '--json']);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect((await env.run(['backup', '--tier', 'hot', '--json'])).exitCode).toBe(0);
    advance(DAY);
    expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
    expect(await differences(db.url, sim, symbols)).toEqual([]);
    return { db, sim, advance, symbols, env, backup: catalog(env.dataDir).backups[0]! };
  }

  it('recover leaves a healthy store alone; a dropped candles table is cured by the newest dump and the resync, with consent', async () => {
    const { db, sim, advance, symbols, env, backup } = await syncedAndBackedUp();
    const healthy = await env.run(['recover']);
    expect(healthy.stderr).toBe('');
    expect(healthy.exitCode).toBe(0);
    expect(healthy.stdout).toMatch(/the PostgreSQL store is healthy: nothing to recover/);
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ kind: 'recover', result: 'not-needed' });

    advance(DAY / 2);
    await withClient(db.url, (c) => c.query('DROP TABLE candles CASCADE'));
    // The consent rules of restore: off a terminal, no --yes is a refusal, and nothing changes.
    const refused = await env.run(['recover']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(await withClient(db.url, async (c) => (await c.query("SELECT to_regclass('candles') AS t")).rows[0].t)).toBeNull();

    const run = await env.run(['recover', '--yes', '--json']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ kind: 'recover', status: 'ok', backupId: backup.id, backupTier: 'hot' });
    expect((summary.steps as Step[]).map((s) => s.step)).toEqual(['detect', 'candidates', 'stop-writers', `stage #${backup.id}`, 'quarantine', 'swap', 'verify', 'resync', 'resume']);
    const steps = stepsOf(summary);
    expect(steps.detect).toMatchObject({ status: 'warn', detail: expect.stringMatching(/has no candles table/) });
    expect(steps.resync?.status).toBe('ok');
    expect(summary.resync.candlesStored).toBeGreaterThan(0);
    expect(await differences(db.url, sim, symbols)).toEqual([]);
    expect(path.basename(summary.quarantine)).toMatch(/-recover$/);
    expect(filesIn(summary.quarantine)).toEqual(['before-recover.dump', 'reason.json']);
    expect(catalog(env.dataDir).recoveries[0]).toMatchObject({ kind: 'recover', result: 'ok', backupId: backup.id });
  });

  it('recover: whole series gone count as damage and come back; with no verified dump it fails and touches nothing; no server is exit 1', async () => {
    const { db, sim, symbols, env, backup } = await syncedAndBackedUp();
    await withClient(db.url, (c) => c.query('DELETE FROM candles WHERE symbol = $1', [symbols[1]]));
    const run = await env.run(['recover', '--yes', '--json']);
    expect(run.exitCode).toBe(0);
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ kind: 'recover', status: 'ok', backupId: backup.id });
    expect(stepsOf(summary).detect).toMatchObject({ status: 'warn', detail: expect.stringMatching(new RegExp(`4 series of the newest verified backup are gone from the store \\(${symbols[1]} `)) });
    expect(await differences(db.url, sim, symbols)).toEqual([]);

    // The only dump failed a check since: nothing to restore, the store is left as it is.
    const ops = openOpsDb(env.dataDir);
    try {
      markFailed(ops, backup.id, Date.now(), 'failed a check (test)');
    } finally {
      ops.close();
    }
    await withClient(db.url, (c) => c.query('DROP TABLE candles CASCADE'));
    const failed = await env.run(['recover', '--yes', '--json']);
    expect(failed.exitCode).toBe(1);
    const failedSummary = summaryOf(failed);
    expect(failedSummary).toMatchObject({ kind: 'recover', status: 'failed', backupId: null });
    expect((failedSummary.steps as Step[]).map((s) => [s.step, s.status])).toEqual([['detect', 'warn'], ['candidates', 'failed']]);
    expect(await withClient(db.url, async (c) => (await c.query("SELECT to_regclass('candles') AS t")).rows[0].t)).toBeNull();

    const elsewhere = backupEnv({ store: { backend: 'postgres' } });
    const gone = `postgresql://cfa:hunter2secret@localhost/cfa?host=${path.join(elsewhere.dir, 'no-server')}`;
    const unreachable = await elsewhere.run(['recover', '--yes'], { env: { CFA_STORE_URL: gone } });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the PostgreSQL store at postgresql:\/\/cfa:••••••@localhost\/cfa.*must be up/);
    expect(unreachable.stdout + unreachable.stderr).not.toContain('hunter2secret');
  });

  it('backup drill restores the newest dump of each tier into a scratch database, checks and opens it there, records it for the SLA audit, and never touches the store', async () => {
    const db = await freshPgDatabase('cfa_dr');
    dbs.push(db);
    const { sim } = await clockedSimulator(2);
    const warm = path.join(tempDir(), 'warm');
    fs.mkdirSync(warm);
    const env = backupEnv({ symbols: sim.symbols.slice(0, 2), sync: { backfillDays: BACKFILL }, store: { backend: 'postgres', url: db.url }, backup: { warmDir: warm } }, sim.url);
    expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
    expect((await env.run(['backup', '--json'])).exitCode).toBe(0);
    const [hot, warmCopy] = catalog(env.dataDir).backups;
    // The live store moves on after the backup: the drill must neither see nor change that.
    await withClient(db.url, (c) => c.query("UPDATE candles SET close = close + 1 WHERE interval = '1d'"));
    const before = await liveState(db.url);

    const run = await env.run(['backup', 'drill', '--json']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const drills = run.events.filter((e) => e.event === 'drill') as Record<string, any>[];
    expect(drills.map((d) => [d.tier, d.result, d.backupId])).toEqual([['hot', 'ok', hot!.id], ['warm', 'ok', warmCopy!.id]]);
    const candles = Object.values(hot!.pgFacts!.series).reduce((n, s) => n + s.count, 0);
    expect(drills[0]!.detail).toMatch(new RegExp(`restored into a scratch database .*opened as a store by this build: 8 series, ${candles} candles; the scratch database is dropped`));
    expect(drills[0]!.durationMs).toBeGreaterThan(0);
    const recorded = catalog(env.dataDir).drills;
    expect(recorded.map((d) => [d.tier, d.result, d.backupId])).toEqual([['warm', 'ok', warmCopy!.id], ['hot', 'ok', hot!.id]]);
    expect(recorded.every((d) => (d.durationMs ?? 0) > 0)).toBe(true);
    expect(await liveState(db.url)).toEqual(before);
    expect(await leftoverScratchDatabases()).toEqual([]);

    const text = await env.run(['backups']);
    expect(text.stdout).toMatch(/^hot .*; last drill \d+s ago: ok$/m);
    expect(text.stdout).toMatch(/^warm .*; last drill \d+s ago: ok$/m);

    // The monthly job's command: a dump that no longer restores fails its drill (marked in the
    // catalog), the next tier still passes: exit 1.
    corruptMiddle(hot!.location, 4096);
    const bad = await env.run(['backup-drill', '--json']);
    expect(bad.exitCode).toBe(1);
    const badDrills = bad.events.filter((e) => e.event === 'drill') as Record<string, any>[];
    expect(badDrills.map((d) => [d.tier, d.result])).toEqual([['hot', 'failed'], ['warm', 'ok']]);
    expect(badDrills[0]!.detail).toMatch(/sha256/);
    expect(catalog(env.dataDir).backups.find((b) => b.id === hot!.id)).toMatchObject({ result: 'failed' });
    expect(await liveState(db.url)).toEqual(before);
    expect(await leftoverScratchDatabases()).toEqual([]);
  });
});

