import path from 'node:path';
import { listBackups, listRecoveries, type Recovery } from '../backup/catalog.js';
import { describeDiagnosis, diagnose } from '../backup/diagnose.js';
import { pgRecoverPlan, pgRestorePlan, recoverPlan, restorePlan } from '../backup/plans.js';
import { shownUrl } from '../store/postgres/pool.js';
import { recoveryCandidates } from '../backup/selection.js';
import type { ActionPlan } from '../common/plan.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { durationMs } from '../config/schema.js';
import {
  checkReplicaSelection, inspectReplicas, replicaRestorePlan, restoreOpsFromReplica, runReplicaRestore, targetTime, type ReplicaRestoreSelection,
} from '../backup/replica-restore.js';
import { runRecover } from '../backup/recover.js';
import { replicationEnabled } from '../replication/litestream.js';
import { runRestore, selectForRestore, type RecoveryEnv, type RecoveryOutcome, type RestoreSelection } from '../backup/restore.js';
import { runPgRestore } from '../backup/postgres/restore.js';
import { runPgRecover } from '../backup/postgres/recover.js';
import { storeBackend, tierSettings } from '../backup/tiers.js';
import { StepLog, type StepRecord } from '../common/step-log.js';
import { openOpsDb } from '../store/ops-db.js';
import type { RunContext } from './context.js';

export type { RecoveryOutcome, RestoreSelection, ReplicaRestoreSelection };

async function withEnv(ctx: RunContext, onStep: ((s: StepRecord) => void) | undefined, fn: (env: RecoveryEnv) => Promise<RecoveryOutcome>): Promise<RecoveryOutcome> {
  const { config } = ctx.loaded;
  const ops = openOpsDb(ctx.dataDir);
  const log = new StepLog((s) => {
    ctx.emit({ event: 'step', ...s });
    onStep?.(s);
  });
  try {
    return await fn({ ops, config, settings: tierSettings(config), log, confirm: (plan) => ctx.confirm(plan) });
  } finally {
    ops.close();
  }
}

/**
 * Replaces market.db with a backup: the plan (which copy, its age, size, newest candle, the resync
 * it implies) goes to `ctx.confirm` first; then writers paused, the live files quarantined, the
 * copy verified in, a resync to now, writers resumed.
 */
export function restore(options: { selection: RestoreSelection }, ctx: RunContext, onStep?: (s: StepRecord) => void): Promise<RecoveryOutcome> {
  const { selection } = options;
  return withEnv(ctx, onStep, async (env) => {
    if (storeBackend(env.settings) === 'postgres') return runPgRestore(env, ctx.dataDir, selection);
    // The rollback (`--before 48h`): the replica's point in time, exact to the second, when it
    // reaches back that far; else the newest snapshot taken before it.
    if (selection.beforeMs !== undefined && replicationEnabled(env.config)) {
      const replicaSelection: ReplicaRestoreSelection = { dbs: ['market'], beforeMs: selection.beforeMs };
      const since = { startedAt: Date.now(), t0: performance.now() };
      const views = await inspectReplicas(ctx.dataDir, env.config, replicaSelection, since.startedAt).catch((error: unknown) => {
        env.log.add('replica', 'warn', `no point-in-time restore from the replica (${(error as Error).message}): using the snapshot backups`);
        return null;
      });
      if (views) {
        const promptMs = await env.confirm(replicaRestorePlan(views, targetTime(replicaSelection, since.startedAt), Date.now()));
        return runReplicaRestore(env, ctx.dataDir, replicaSelection, views, promptMs, null, since);
      }
    }
    return runRestore(env, ctx.dataDir, selection);
  });
}

/**
 * `restore --replica`: market.db and/or ops.db from a Litestream replica, the newest state or a
 * point in time. The plan (replica, generation, replicated up to, target time) goes to
 * `ctx.confirm` first; ops.db is restored before it is opened (refused while an engine leader
 * runs), market.db through the same pause, quarantine, verify and resync as a snapshot restore.
 */
export async function restoreReplica(options: { selection: ReplicaRestoreSelection }, ctx: RunContext, onStep?: (s: StepRecord) => void): Promise<RecoveryOutcome> {
  const { config } = ctx.loaded;
  const { selection } = options;
  checkReplicaSelection(config, selection);
  const since = { startedAt: Date.now(), t0: performance.now() };
  const views = await inspectReplicas(ctx.dataDir, config, selection);
  const at = targetTime(selection, since.startedAt);
  const promptMs = await ctx.confirm(replicaRestorePlan(views, at, Date.now()));
  const log = new StepLog((s) => {
    ctx.emit({ event: 'step', ...s });
    onStep?.(s);
  });
  const opsView = views.find((v) => v.store === 'ops');
  const opsQuarantine = opsView
    ? await restoreOpsFromReplica({ dataDir: ctx.dataDir, config, view: opsView, at, log, killGraceMs: durationMs(config.daemon.killGrace) })
    : null;
  const ops = openOpsDb(ctx.dataDir);
  try {
    return await runReplicaRestore({ ops, config, settings: tierSettings(config), log, confirm: async () => 0 }, ctx.dataDir, selection, views, promptMs, opsQuarantine, since);
  } finally {
    ops.close();
  }
}

/** Detects corruption and applies the least drastic cure that works, after `ctx.confirm(plan)`. */
export function recover(_options: Record<string, never>, ctx: RunContext, onStep?: (s: StepRecord) => void): Promise<RecoveryOutcome> {
  return withEnv(ctx, onStep, (env) => storeBackend(env.settings) === 'postgres' ? runPgRecover(env, ctx.dataDir) : runRecover(env, ctx.dataDir));
}

/** A recovery outcome as its JSON summary line. */
export function recoverySummaryJson(o: RecoveryOutcome) {
  return {
    event: 'summary', kind: o.kind, status: o.result, recoveryId: o.recoveryId, backupId: o.backup?.id ?? null,
    backupTier: o.backup?.tier ?? null, quarantine: o.quarantine, rtoMs: o.rtoMs, rtoExcludingResyncMs: o.rtoExcludingResyncMs,
    resync: o.resync ? { status: o.resync.status, candlesStored: o.resync.candlesStored, series: o.resync.series, failures: o.resync.failures } : null,
    steps: o.steps, error: o.error,
  };
}

/**
 * The plan a restore would ask consent for, without doing anything: which copy, its age, size,
 * newest candle and the resync. Throws as the restore would when nothing matches the selection.
 */
export function restorePreview(options: { selection: RestoreSelection }, ctx: RunContext): ActionPlan {
  const ops = openOpsDb(ctx.dataDir);
  try {
    const backend = ctx.loaded.config.store.backend;
    const candidates = selectForRestore(ops, options.selection, Date.now(), backend);
    if (backend === 'postgres') return pgRestorePlan({ chosen: candidates[0]!, fallbacks: candidates.length - 1, series: ctx.loaded.config, now: Date.now(), store: shownUrl(ctx.loaded.config.store.url ?? '') });
    return restorePlan({ chosen: candidates[0]!, fallbacks: candidates.length - 1, series: ctx.loaded.config, now: Date.now() });
  } finally {
    ops.close();
  }
}

/** The plan a recovery would ask consent for, or null when the store is healthy (nothing to do). */
export function recoverPreview(_options: Record<string, never>, ctx: RunContext): ActionPlan | null {
  if (ctx.loaded.config.store.backend === 'postgres') {
    // Reading every candle of a shared store is the recovery's own first step, not a preview's.
    const ops = openOpsDb(ctx.dataDir);
    try {
      const known = recoveryCandidates(listBackups(ops, { backend: 'postgres' }));
      return pgRecoverPlan({
        diagnosis: 'not checked yet (recover reads every candle first and leaves a healthy store alone)',
        first: known[0] ?? null, candidates: known.length, series: ctx.loaded.config, now: Date.now(), store: shownUrl(ctx.loaded.config.store.url ?? ''),
      });
    } finally {
      ops.close();
    }
  }
  const d = diagnose(path.join(ctx.dataDir, MARKET_DB_FILE));
  if (d.state === 'healthy') return null;
  const ops = openOpsDb(ctx.dataDir);
  try {
    const known = recoveryCandidates(listBackups(ops, { backend: 'sqlite' }));
    return recoverPlan({ diagnosis: describeDiagnosis(d), indexOnly: d.state === 'index-only', first: known[0] ?? null, candidates: known.length, series: ctx.loaded.config, now: Date.now() });
  } finally {
    ops.close();
  }
}

/** Restores and recoveries recorded since `since`, newest first (what a re-run step checks before restoring again). */
export function recoveriesSince(options: { since: number }, ctx: RunContext): Recovery[] {
  const ops = openOpsDb(ctx.dataDir);
  try {
    return listRecoveries(ops).filter((r) => r.startedAt >= options.since);
  } finally {
    ops.close();
  }
}
