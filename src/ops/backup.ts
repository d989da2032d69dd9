import { runBackup, type BackupRunResult, type TierOutcome } from '../backup/backup.js';
import { getBackup, listBackups, tierOverview, type BackupEntry, type TierOverview } from '../backup/catalog.js';
import { runCompact, type CompactResult } from '../backup/compact.js';
import { runDrill, type DrillOutcome } from '../backup/drill.js';
import { reverify, type ReverifyOutcome } from '../backup/reverify.js';
import { notConfiguredReason, TIERS, tierSettings, type Tier } from '../backup/tiers.js';
import { BACKUP_LOCK, DRILL_LOCK } from '../backup/writers.js';
import { StepLog, type StepRecord } from '../common/step-log.js';
import { ConfigError } from '../config/config-error.js';
import { takeOpLock } from './job-lock.js';
import { openOpsDb } from '../store/ops-db.js';
import { replicationEnabled } from '../replication/litestream.js';
import { durationMs } from '../config/schema.js';
import type { Db } from '../store/sqlite.js';
import type { RunContext } from './context.js';

function withOps<T>(ctx: RunContext, fn: (ops: Db) => Promise<T>): Promise<T> {
  const ops = openOpsDb(ctx.dataDir);
  return fn(ops).finally(() => ops.close());
}

/** A tier outcome as scripts and the job runner see it. */
export function tierJson(o: TierOutcome) {
  const b = o.backup;
  return {
    tier: o.tier, status: o.status, error: o.error, durationMs: o.durationMs, timings: o.timings,
    backupId: b?.id ?? null, location: b?.location ?? null, sizeBytes: b?.sizeBytes ?? null, sha256: b?.sha256 ?? null,
    newestCandle: b?.newestCandle ?? null, rowCounts: b?.rowCounts ?? null,
  };
}

export interface BackupOptions {
  /** One tier, or all (default): tiers that are not configured are reported, not failed. */
  tier?: Tier | 'all';
}

/** A verified snapshot of market.db to each tier asked for, then retention; under the backup lock. */
export async function backup(options: BackupOptions, ctx: RunContext, onTier?: (o: TierOutcome) => void): Promise<BackupRunResult> {
  const choice = options.tier ?? 'all';
  const settings = tierSettings(ctx.loaded.config);
  if (choice !== 'all' && settings[choice] === null) throw new ConfigError(`--tier ${choice}: the ${choice} tier is ${notConfiguredReason(choice)}`);
  return withOps(ctx, async (ops) => {
    const release = await takeOpLock(ctx, ops, BACKUP_LOCK);
    try {
      const result = await runBackup({
        ops, dataDir: ctx.dataDir, settings, tiers: choice === 'all' ? TIERS : [choice], signal: release.lost,
        onTier: (o) => {
          ctx.emit({ event: 'tier', ...tierJson(o) });
          onTier?.(o);
        },
      });
      for (const r of result.retention) ctx.emit({ event: 'retention', ...r });
      // Lost for good to another host: the tiers not begun failed through the signal (verified copies stay catalogued); the run fails.
      release.lost.throwIfAborted();
      return result;
    } finally {
      await release();
    }
  });
}

/** Restores the newest copy of each configured tier into a scratch dir (a pg_dump: a scratch database) and checks it (the monthly drill). */
export async function backupDrill(_options: Record<string, never>, ctx: RunContext, onTier?: (o: DrillOutcome) => void): Promise<DrillOutcome[]> {
  const settings = tierSettings(ctx.loaded.config);
  return withOps(ctx, async (ops) => {
    const release = await takeOpLock(ctx, ops, DRILL_LOCK);
    try {
      const outcomes = await runDrill({
        ops, settings, replica: { dataDir: ctx.dataDir, config: ctx.loaded.config }, signal: release.lost,
        onTier: (o) => {
          ctx.emit({ event: 'drill', tier: o.tier, result: o.result, backupId: o.backup?.id ?? null, durationMs: o.durationMs, detail: o.detail });
          onTier?.(o);
        },
      });
      release.lost.throwIfAborted();
      return outcomes;
    } finally {
      await release();
    }
  });
}

/** VACUUM, ANALYZE and a truncating checkpoint with writers paused. */
export async function compact(_options: Record<string, never>, ctx: RunContext, onStep?: (s: StepRecord) => void): Promise<CompactResult & { durationMs: number }> {
  const settings = tierSettings(ctx.loaded.config);
  if (ctx.loaded.config.store.backend === 'postgres') return compactPostgres(ctx, onStep);
  return withOps(ctx, async (ops) => {
    const log = new StepLog((s) => {
      ctx.emit({ event: 'step', ...s });
      onStep?.(s);
    });
    const r = await runCompact({
      ops, dataDir: ctx.dataDir, waitMs: settings.writerWaitMs, log,
      stopReplication: replicationEnabled(ctx.loaded.config), killGraceMs: durationMs(ctx.loaded.config.daemon.killGrace),
    });
    return { ...r, durationMs: log.totalMs() };
  });
}

/**
 * `compact` with the candles in PostgreSQL: VACUUM (ANALYZE) of the candle and sentiment tables
 * there (no writer pause: VACUUM does not block them), its size before and after. market.db is
 * not the store then, so it is not looked for.
 */
async function compactPostgres(ctx: RunContext, onStep?: (s: StepRecord) => void): Promise<CompactResult & { durationMs: number }> {
  const log = new StepLog((s) => {
    ctx.emit({ event: 'step', ...s });
    onStep?.(s);
  });
  const { PgMarketStore } = await import('../store/postgres/market-store.js');
  const { MARKET_TABLES } = await import('../store/schema/market.js');
  const { humanBytes } = await import('../health/format-values.js');
  let bytesBefore = 0;
  let bytesAfter = 0;
  try {
    const store = await log.run('connect', () => PgMarketStore.open(ctx.loaded.config.store.url ?? '', { poolSize: 1 }), () => 'PostgreSQL answers');
    try {
      bytesBefore = await store.databaseBytes();
      await log.run('vacuum', () => store.vacuumAnalyze(MARKET_TABLES.map((t) => t.name)), () => `VACUUM (ANALYZE) of ${MARKET_TABLES.length} tables`);
      bytesAfter = await store.databaseBytes();
      log.add('size', 'ok', `${humanBytes(bytesBefore)} before, ${humanBytes(bytesAfter)} after`);
    } finally {
      await store.close();
    }
    return { status: 'success', bytesBefore, bytesAfter, checkpoint: null, error: null, durationMs: log.totalMs() };
  } catch (error) {
    return { status: 'failed', bytesBefore, bytesAfter, checkpoint: null, error: (error as Error).message, durationMs: log.totalMs() };
  }
}

/** Verifies catalogued copies again: one by ID, or every copy that still exists. */
export async function verifyBackups(options: { id?: number }, ctx: RunContext, onEntry?: (o: ReverifyOutcome) => void): Promise<ReverifyOutcome[]> {
  const settings = tierSettings(ctx.loaded.config);
  return withOps(ctx, async (ops) => {
    if (options.id !== undefined && !getBackup(ops, options.id)) throw new ConfigError(`no backup #${options.id} in the catalog (see \`cfa-console backups\`)`);
    return reverify(ops, settings, options.id, (o) => {
      ctx.emit({ event: 'backup', id: o.entry.id, tier: o.entry.tier, location: o.entry.location, status: o.status, problems: o.problems, durationMs: o.durationMs });
      onEntry?.(o);
    });
  });
}

/** The catalog: each tier's state and every copy. */
export async function backupCatalog(options: { all?: boolean }, ctx: RunContext): Promise<{ tiers: TierOverview[]; backups: BackupEntry[] }> {
  const settings = tierSettings(ctx.loaded.config);
  return withOps(ctx, async (ops) => ({ tiers: tierOverview(ops, settings), backups: listBackups(ops, { includeDeleted: options.all }) }));
}
