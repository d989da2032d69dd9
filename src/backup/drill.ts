import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from '../store/sqlite-driver.js';
import type { Config } from '../config/schema.js';
import { replicationEnabled, restoreStoreTo } from '../replication/litestream.js';
import { MarketStore } from '../store/market-db.js';
import { inspectDatabase } from './verify.js';
import type { Db } from '../store/sqlite.js';
import { listBackups, markFailed, markVerified, recordDrill, type BackupEntry, type DrillResult } from './catalog.js';
import { byRecency, usable } from './selection.js';
import { stageCopy } from './stage.js';
import { storeBackend, TIERS, type Tier, type TierSettings } from './tiers.js';
import { drillPgDump } from './postgres/drill.js';

export interface DrillOutcome {
  /** `replica`: the Litestream replica (not recorded in restore_drills, whose tiers are the snapshot ones). */
  tier: Tier | 'replica';
  result: DrillResult;
  backup: BackupEntry | null;
  durationMs: number;
  detail: string;
}

/**
 * The monthly restore drill (the original design's backup_test.sh, done properly): for every
 * configured tier, its newest usable backup is fetched into a scratch dir exactly as a restore
 * would fetch it (downloaded for offsite), verified (SHA-256, integrity, schema, candle counts),
 * and opened as a live store by this build (migrations applied, every series readable). With
 * `store.backend: postgres` the newest pg_dump is restored into a scratch database instead and
 * checked there (postgres/drill.ts). The result goes to restore_drills, which the SLA audit reads,
 * and the copy's verification to the catalog. Nothing touches the live market.db or database.
 */
export async function runDrill(options: {
  ops: Db; settings: TierSettings; scratchRoot?: string; onTier?: (o: DrillOutcome) => void;
  /** Aborted (its job lock lost for good): no further tier is drilled (nor recorded). */
  signal?: AbortSignal;
  /** With replication on: both stores also restored from the replica into the scratch dir. */
  replica?: { dataDir: string; config: Config };
}): Promise<DrillOutcome[]> {
  const { ops, settings } = options;
  const backend = storeBackend(settings);
  const outcomes: DrillOutcome[] = [];
  for (const tier of TIERS.filter((t) => settings[t] !== null)) {
    if (options.signal?.aborted) return outcomes;
    const t0 = performance.now();
    const at = Date.now();
    // Copies of the configured store only: a pg_dump never stands in for market.db, nor the other way round.
    const entry = byRecency(usable(listBackups(ops, { tier, backend })))[0] ?? null;
    let result: DrillResult;
    let detail: string;
    if (!entry) {
      result = 'no-backup';
      detail = `no verified ${tier} backup to drill: run \`cfa-console backup --tier ${tier}\``;
    } else {
      const scratch = fs.mkdtempSync(path.join(options.scratchRoot ?? os.tmpdir(), 'cfa-drill-'));
      try {
        ({ result, detail } = await (backend === 'postgres' ? drillPgDump : drillOne)(ops, entry, scratch, settings));
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    }
    const durationMs = Math.round(performance.now() - t0);
    recordDrill(ops, { at, backupId: entry?.id ?? null, tier, result, durationMs, detail });
    const outcome = { tier, result, backup: entry, durationMs, detail };
    outcomes.push(outcome);
    options.onTier?.(outcome);
  }
  if (options.replica && !options.signal?.aborted && replicationEnabled(options.replica.config)) {
    const outcome = await drillReplica(options.replica.dataDir, options.replica.config, options.scratchRoot);
    outcomes.push(outcome);
    options.onTier?.(outcome);
  }
  return outcomes;
}

/** The replica's newest state of both stores restored into a scratch dir, checked and opened by this build. */
async function drillReplica(dataDir: string, config: Config, scratchRoot?: string): Promise<DrillOutcome> {
  const t0 = performance.now();
  const scratch = fs.mkdtempSync(path.join(scratchRoot ?? os.tmpdir(), 'cfa-drill-replica-'));
  const done = (result: DrillResult, detail: string): DrillOutcome => ({ tier: 'replica', result, backup: null, durationMs: Math.round(performance.now() - t0), detail });
  try {
    const market = path.join(scratch, 'market.db');
    const ops = path.join(scratch, 'ops.db');
    await restoreStoreTo({ dataDir, replication: config.replication, store: 'market', output: market });
    await restoreStoreTo({ dataDir, replication: config.replication, store: 'ops', output: ops });
    const verdict = inspectDatabase(market);
    if (!verdict.ok) return done('failed', `the replica's market.db: ${verdict.problems.slice(0, 3).join('; ')}`);
    const opsDb = new Database(ops, { readonly: true, fileMustExist: true });
    let opsCheck: string[];
    try {
      opsCheck = (opsDb.pragma('integrity_check(20)') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } finally {
      opsDb.close();
    }
    if (opsCheck.length !== 1 || opsCheck[0] !== 'ok') return done('failed', `the replica's ops.db: ${opsCheck.slice(0, 3).join('; ')}`);
    const store = MarketStore.openFile(market);
    try {
      const extents = store.seriesExtents();
      return done('ok', `market.db and ops.db restored from the replica into a scratch dir, integrity ok, opened as a store: ${extents.length} series, ${extents.reduce((n, e) => n + e.count, 0)} candles`);
    } finally {
      store.close();
    }
  } catch (error) {
    return done('failed', (error as Error).message);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function drillOne(ops: Db, entry: BackupEntry, scratch: string, settings: TierSettings): Promise<{ result: DrillResult; detail: string }> {
  const staged = await stageCopy(entry, scratch, settings);
  if (!staged.ok) {
    const problems = staged.verdict.problems.join('; ');
    if (staged.verdict.contentBad) markFailed(ops, entry.id, Date.now(), `drill: ${problems}`);
    return { result: 'failed', detail: `backup #${entry.id}: ${problems}` };
  }
  try {
    const store = MarketStore.openFile(staged.file);
    try {
      const extents = store.seriesExtents();
      const candles = extents.reduce((n, e) => n + e.count, 0);
      const expected = Object.values(entry.rowCounts ?? {}).reduce((n, c) => n + c, 0);
      if (candles !== expected) {
        markFailed(ops, entry.id, Date.now(), `drill: opened as a store it holds ${candles} candles, catalogued ${expected}`);
        return { result: 'failed', detail: `backup #${entry.id} opened as a store holds ${candles} candles, catalogued ${expected}` };
      }
      markVerified(ops, entry.id, Date.now());
      return {
        result: 'ok',
        detail: `backup #${entry.id} restored to a scratch dir in ${staged.ms.fetch} ms, verified in ${staged.ms.verify} ms, opened as a store: ${extents.length} series, ${candles} candles`,
      };
    } finally {
      store.close();
    }
  } catch (error) {
    return { result: 'failed', detail: `backup #${entry.id} verified but cannot be opened as a store by this build: ${(error as Error).message}` };
  }
}
