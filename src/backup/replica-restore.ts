import fs from 'node:fs';
import path from 'node:path';
import Database from '../store/sqlite-driver.js';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import type { ActionPlan } from '../common/plan.js';
import { StepFailed, type StepLog } from '../common/step-log.js';
import { liveLeader } from '../engine/requests.js';
import {
  listGenerations, litestreamMetaDir, replicasOf, replicationEnabled, restoreStoreTo, STORE_FILES, type GenerationInfo, type StoreName,
} from '../replication/litestream.js';
import type { Db } from '../store/sqlite.js';
import { fsyncDir } from './files.js';
import { ageText, isoOrNone } from './report.js';
import { bringUp, newQuarantineDir, recoveryFrame, swapIn, type RecoveryEnv, type RecoveryOutcome } from './restore.js';
import { inspectDatabase } from './verify.js';
import { stopByPidFile } from './writers.js';

export interface ReplicaRestoreSelection {
  /** A replica's name (`cfa-console config get replication.replicas`); default: the first that has the store. */
  replica?: string;
  /** Point in time, epoch ms: the newest state replicated at or before it. */
  at?: number;
  /** `--before 48h`: the state as it was this long ago. */
  beforeMs?: number;
  dbs: StoreName[];
}

/** What the replica holds of one store: the newest generation, its time span. */
export interface ReplicaView {
  store: StoreName;
  replica: string;
  generation: string;
  start: number;
  end: number;
}

/** The target time of a selection, or undefined for "the newest". */
export function targetTime(selection: Pick<ReplicaRestoreSelection, 'at' | 'beforeMs'>, now: number): number | undefined {
  if (selection.at !== undefined) return selection.at;
  if (selection.beforeMs !== undefined) return now - selection.beforeMs;
  return undefined;
}

/**
 * Picks, for each store, the generation a restore uses: on the named replica (or the first that
 * has one), the newest generation that began at or before the target time. Pure: tested alone.
 */
export function chooseGeneration(generations: readonly GenerationInfo[], store: StoreName, at: number | undefined, replica?: string): ReplicaView | null {
  const usable = generations
    .filter((g) => !replica || g.replica === replica)
    // Second precision on the replica: a generation that began in the target's second may hold it.
    .filter((g) => at === undefined || g.start <= at + 999)
    .sort((a, b) => b.end - a.end);
  const g = usable[0];
  return g ? { store, replica: g.replica, generation: g.generation, start: g.start, end: g.end } : null;
}

/** Refuses with a usage error when replication is off or the replica name is unknown. */
export function checkReplicaSelection(config: Pick<Config, 'replication'>, selection: ReplicaRestoreSelection): void {
  if (!replicationEnabled(config)) {
    throw new ConfigError('restore --replica needs replication.replicas in the config (a Litestream replica URL such as file:///mnt/other-disk/cfa); none is configured');
  }
  const names = replicasOf(config.replication).map((r) => r.name);
  if (selection.replica !== undefined && !names.includes(selection.replica)) {
    throw new ConfigError(`no replica named ${JSON.stringify(selection.replica)}: the configured replicas are ${names.join(', ')}`);
  }
}

/** What each store would be restored from; throws (exit 1) when a replica cannot be read or holds nothing usable. */
export async function inspectReplicas(dataDir: string, config: Config, selection: ReplicaRestoreSelection, now = Date.now()): Promise<ReplicaView[]> {
  const at = targetTime(selection, now);
  const views: ReplicaView[] = [];
  for (const store of selection.dbs) {
    let generations: GenerationInfo[];
    try {
      generations = await listGenerations(dataDir, config.replication, store, selection.replica);
    } catch (error) {
      throw Object.assign(new Error(`cannot read the replica${selection.replica ? ` ${selection.replica}` : 's'}: ${(error as Error).message}`), { exitCode: 1 });
    }
    const view = chooseGeneration(generations, store, at, selection.replica);
    if (!view) {
      throw Object.assign(new Error(`the replica${selection.replica ? ` ${selection.replica}` : 's'} hold${selection.replica ? 's' : ''} no copy of ${STORE_FILES[store]}` +
        `${at !== undefined ? ` from before ${new Date(at).toISOString()}` : ''}: nothing to restore (is \`cfa-console --daemon\` replicating? see \`cfa-console health\`)`), { exitCode: 1 });
    }
    views.push(view);
  }
  return views;
}

export function replicaRestorePlan(views: readonly ReplicaView[], at: number | undefined, now: number): ActionPlan {
  const names = views.map((v) => STORE_FILES[v.store]).join(' and ');
  return {
    action: 'restore',
    title: `Replace ${names} with the replica's copy${at === undefined ? ' (newest state)' : ` as of ${isoOrNone(at)}`}?`,
    risk: 'destructive',
    facts: [
      ...views.map((v) => ({
        label: STORE_FILES[v.store],
        value: `replica ${v.replica}, generation ${v.generation}, replicated up to ${isoOrNone(v.end)} (${ageText(Math.max(0, now - v.end))} ago)`,
      })),
      { label: 'point in time', value: at === undefined ? 'the newest replicated state' : `${isoOrNone(at)} (${ageText(Math.max(0, now - at))} ago)` },
    ],
    effects: [
      'stop the sync, backups, the backtest daemon and Litestream (an ops.db restore needs the engine stopped)',
      'restore each store with `litestream restore` beside the live file and verify it (integrity, schema)',
      'move the current files and Litestream\'s local state to quarantine/ (kept, never deleted automatically)',
      'put the restored files in place, resync market.db from its newest candle to now, then resume; Litestream starts a new generation',
    ],
    confirmWord: 'restore',
    data: { at: at ?? null, stores: views.map((v) => ({ ...v, file: STORE_FILES[v.store] })) },
  };
}

function integrity(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check(20)') as { integrity_check: string }[]).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

/** Moves Litestream's local state of `store` into `dir` (its next run begins a new generation). */
function quarantineMeta(dataDir: string, store: StoreName, dir: string | null): void {
  const meta = litestreamMetaDir(dataDir, store);
  if (!fs.existsSync(meta)) return;
  if (dir) fs.renameSync(meta, path.join(dir, path.basename(meta)));
  else fs.rmSync(meta, { recursive: true, force: true });
}

/**
 * Restores ops.db from the replica, before anything opens it: refused while an engine leader
 * runs on it (its lease, locks and supervisor state live there). Litestream, if it survived its
 * leader, is stopped first by its PID file. Returns the quarantine dir of the old files.
 */
export async function restoreOpsFromReplica(options: {
  dataDir: string; config: Config; view: ReplicaView; at: number | undefined; log: StepLog; killGraceMs: number;
}): Promise<string | null> {
  const { dataDir, config, view, log } = options;
  const live = path.join(dataDir, STORE_FILES.ops);
  if (fs.existsSync(live)) {
    let ops: Db | null = null;
    try {
      ops = new Database(live, { fileMustExist: true });
      ops.pragma('busy_timeout = 10000');
      const leader = liveLeader(ops);
      if (leader) {
        throw new StepFailed(`an engine leader runs on this data dir (PID ${leader.pid} on ${leader.host}): stop it first (\`systemctl stop cfa-console\`), then restore ops.db`);
      }
    } catch (error) {
      if (error instanceof StepFailed) {
        log.add('check-engine', 'failed', error.message);
        throw error;
      }
      // An unreadable ops.db is what this restore is for.
    } finally {
      ops?.close();
    }
  }
  await log.run('stop-litestream', () => stopByPidFile(dataDir, options.killGraceMs, () => {}, 'litestream'),
    (r) => (r ? `stopped Litestream (PID ${r.pid}), which outlived its leader` : 'Litestream is not running'));
  const staged = path.join(dataDir, `${STORE_FILES.ops}.replica-restore.tmp`);
  await log.run('stage ops', () => restoreStoreTo({ dataDir, replication: config.replication, store: 'ops', output: staged, replica: view.replica, at: options.at }),
    () => `ops.db restored from replica ${view.replica} (generation ${view.generation}) beside the live file`);
  await log.run('verify ops', () => {
    const p = integrity(staged);
    if (p.length !== 1 || p[0] !== 'ok') throw new Error(`the restored ops.db fails integrity_check: ${p.slice(0, 3).join('; ')}`);
  }, () => 'integrity_check: ok');
  return log.run('swap ops', () => {
    const present = [STORE_FILES.ops, `${STORE_FILES.ops}-wal`, `${STORE_FILES.ops}-shm`].filter((f) => fs.existsSync(path.join(dataDir, f)));
    const dir = present.length || fs.existsSync(litestreamMetaDir(dataDir, 'ops')) ? newQuarantineDir(dataDir, 'replica-restore-ops') : null;
    for (const f of present) fs.renameSync(path.join(dataDir, f), path.join(dir!, f));
    quarantineMeta(dataDir, 'ops', dir);
    fs.renameSync(staged, live);
    fsyncDir(dataDir);
    return dir;
  }, (dir) => (dir ? `the old ops.db and its -wal/-shm are in ${dir}; the restored one is in place` : 'there was no ops.db; the restored one is in place'));
}

/**
 * Stages market.db from the replica, verifies it and swaps it in (the old files and Litestream's
 * local state to quarantine). Writers must be paused. Returns the quarantine dir.
 */
export async function swapInMarketFromReplica(env: RecoveryEnv, dataDir: string, view: { replica?: string; generation?: string }, at: number | undefined, kind: string, why: Record<string, unknown>): Promise<string | null> {
  const { log } = env;
  const staged = path.join(dataDir, `${STORE_FILES.market}.replica-restore.tmp`);
  await log.run('stage market', () => restoreStoreTo({ dataDir, replication: env.config.replication, store: 'market', output: staged, replica: view.replica, at }),
    () => `market.db restored from ${view.replica ? `replica ${view.replica}` : 'the replica'}${view.generation ? ` (generation ${view.generation})` : ''}${at === undefined ? '' : ` as of ${isoOrNone(at)}`} beside the live file`);
  await log.run('verify market', () => {
    const verdict = inspectDatabase(staged);
    if (!verdict.ok) {
      fs.rmSync(staged, { force: true });
      throw new Error(`the restored market.db is unusable: ${verdict.problems.slice(0, 3).join('; ')}`);
    }
    return verdict;
  }, (v) => `integrity_check: ok; schema ${v.facts?.schemaVersion}; ${Object.values(v.facts?.rowCounts ?? {}).reduce((a, b) => a + b, 0)} candles`);
  return log.run('swap', () => swapIn(dataDir, staged, kind, { ...why, replica: view.replica, generation: view.generation, at: at ?? null }), (q) => (q ? `the old market.db and its -wal/-shm are in ${q}; the replica's copy is in place (atomic rename)` : 'there was no market.db; the replica\'s copy is in place'));
}

/**
 * `restore --replica`: market.db through the same frame as a snapshot restore (paused writers,
 * quarantine, verify, resync, recorded with its RTO). ops.db, when asked for, was restored
 * before `env.ops` was opened (restoreOpsFromReplica); its steps are in `env.log` already.
 */
export function runReplicaRestore(env: RecoveryEnv, dataDir: string, selection: ReplicaRestoreSelection, views: readonly ReplicaView[], promptMs: number, opsQuarantine: string | null, since?: { startedAt: number; t0: number }): Promise<RecoveryOutcome> {
  const at = targetTime(selection, Date.now());
  const market = views.find((v) => v.store === 'market');
  return recoveryFrame(env, 'restore', dataDir, async (pause, progress) => {
    progress.promptMs = promptMs;
    progress.quarantine = opsQuarantine;
    if (!market) return 'ok';
    await pause();
    progress.quarantine = await swapInMarketFromReplica(env, dataDir, market, at, 'replica-restore', { kind: 'restore', selection }) ?? opsQuarantine;
    const up = await bringUp(env, dataDir);
    progress.resync = up.resync;
    return up.result;
  }, since);
}

/**
 * For `recover` and the rollback: the replica's copy (newest, or as of `at`) swapped in when
 * replication is on and it works; false (with a warning step) when it is off or fails, so the
 * caller falls back to the snapshot tiers. Writers must be paused.
 */
export async function tryReplicaFirst(env: RecoveryEnv, dataDir: string, at: number | undefined, kind: string, why: Record<string, unknown>): Promise<{ quarantine: string | null } | null> {
  if (!replicationEnabled(env.config)) return null;
  try {
    const quarantine = await swapInMarketFromReplica(env, dataDir, {}, at, kind, why);
    return { quarantine };
  } catch (error) {
    fs.rmSync(path.join(dataDir, `${STORE_FILES.market}.replica-restore.tmp`), { force: true });
    env.log.add('replica', 'warn', `the replica could not be used (${(error as Error).message}): falling back to the snapshot backups`);
    return null;
  }
}
