import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { LoadedConfig } from '../config/load-config.js';
import { durationMs } from '../config/schema.js';
import { sharedLocks } from '../engine/job-lock.js';
import { openSharedRequests } from '../engine/shared-requests.js';
import { MARKET_DB_FILE, MarketStore } from '../store/market-db.js';
import { litestreamMetaDir, replicationEnabled } from '../replication/litestream.js';
import type { Db } from '../store/sqlite.js';
import type { SyncSummary } from '../sync/run-sync.js';
import type { CandleStore } from '../store/candle-store.js';
import type { ActionPlan } from '../common/plan.js';
import {
  getBackup, listBackups, markFailed, recordRecovery, type BackupBackend, type BackupEntry, type RecoveryKind, type RecoveryResult,
} from './catalog.js';
import { fsyncDir, removeStaleTemps } from './files.js';
import { resyncStore } from './resync.js';
import { restoreCandidates } from './selection.js';
import { stageCopy } from './stage.js';
import { StepFailed, StepLog, type StepRecord } from '../common/step-log.js';
import { ageText } from './report.js';
import { restorePlan } from './plans.js';
import type { TierSettings } from './tiers.js';
import { BACKUP_LOCK, pauseWriters, SYNC_LOCK, type PausedWriters } from './writers.js';

export const QUARANTINE_DIR = 'quarantine';

export interface RecoveryEnv {
  ops: Db;
  config: LoadedConfig['config'];
  settings: TierSettings;
  log: StepLog;
  /** Asked with the plan before the first destructive step; resolves with the ms spent waiting for the answer. */
  confirm(plan: ActionPlan): Promise<number>;
}

export interface RecoveryOutcome {
  kind: RecoveryKind;
  result: RecoveryResult;
  recoveryId: number | null;
  backup: BackupEntry | null;
  quarantine: string | null;
  /** From the first step to a validated store, without time spent at the confirmation prompt. */
  rtoMs: number;
  /** The same without the network resync: what the restore itself costs. */
  rtoExcludingResyncMs: number;
  resync: SyncSummary | null;
  steps: StepRecord[];
  error: string | null;
}

const DAY_MS = 86_400_000;

export function describeEntry(e: BackupEntry, now = Date.now()): string {
  const newest = e.newestCandle === null ? 'no candles' : `newest candle ${new Date(e.newestCandle).toISOString().replace('.000Z', 'Z')}`;
  return `#${e.id} (${e.tier}, taken ${ageText(now - e.createdAt)} ago, ${newest})`;
}

function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** A fresh `quarantine/<time>-<kind>/`; the directory is never deleted by anything of ours. */
export function newQuarantineDir(dataDir: string, kind: string): string {
  const base = path.join(dataDir, QUARANTINE_DIR, `${stamp(Date.now())}-${kind}`);
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const LIVE_FILES = [MARKET_DB_FILE, `${MARKET_DB_FILE}-wal`, `${MARKET_DB_FILE}-shm`, `${MARKET_DB_FILE}-journal`];

export function writeNote(dir: string, note: Record<string, unknown>): void {
  try {
    fs.writeFileSync(path.join(dir, 'reason.json'), `${JSON.stringify({ ...note, at: new Date().toISOString(), pid: process.pid }, null, 2)}\n`);
  } catch {
    // The evidence itself matters more than the note about it.
  }
}

/**
 * Moves the live database and its -wal/-shm into quarantine and renames the staged copy into its
 * place, back to back, so the moment without a market.db is as short as two renames. The old
 * WAL must go with its database: left behind, SQLite would replay it into the restored file.
 */
export function swapIn(dataDir: string, staged: string, kind: string, note: Record<string, unknown>): string | null {
  const present = LIVE_FILES.filter((f) => fs.existsSync(path.join(dataDir, f)));
  let dir: string | null = null;
  if (present.length) {
    dir = newQuarantineDir(dataDir, kind);
    for (const f of present) fs.renameSync(path.join(dataDir, f), path.join(dir, f));
  }
  // Litestream's local state of the old file goes with it: its next run starts a new generation.
  const meta = litestreamMetaDir(dataDir, 'market');
  if (fs.existsSync(meta)) {
    dir ??= newQuarantineDir(dataDir, kind);
    fs.renameSync(meta, path.join(dir, path.basename(meta)));
  }
  fs.renameSync(staged, path.join(dataDir, MARKET_DB_FILE));
  fsyncDir(dataDir);
  if (dir) {
    fsyncDir(dir);
    writeNote(dir, { ...note, moved: present });
  }
  return dir;
}

/** Copies (not moves) the live files into quarantine: the evidence before an in-place repair. */
export function quarantineCopy(dataDir: string, kind: string, note: Record<string, unknown>): string | null {
  const present = LIVE_FILES.filter((f) => fs.existsSync(path.join(dataDir, f)));
  if (!present.length) return null;
  const dir = newQuarantineDir(dataDir, kind);
  for (const f of present) fs.copyFileSync(path.join(dataDir, f), path.join(dir, f));
  writeNote(dir, { ...note, copied: present });
  return dir;
}

/**
 * Stages the candidates one by one (fetch + verify the staged bytes) and puts the first good one
 * in place. A copy shown bad by its content is marked failed in the catalog, so no later restore
 * tries it again; one that could not be fetched (network, rclone missing) is only skipped.
 */
export async function restoreFirstGood(env: RecoveryEnv, dataDir: string, candidates: readonly BackupEntry[], kind: RecoveryKind, why: Record<string, unknown>): Promise<{ entry: BackupEntry; quarantine: string | null }> {
  const { log } = env;
  for (const entry of candidates) {
    const t0 = performance.now();
    const staged = await stageCopy(entry, dataDir, env.settings);
    if (!staged.ok) {
      const problems = staged.verdict.problems.slice(0, 3).join('; ');
      if (staged.verdict.contentBad) markFailed(env.ops, entry.id, Date.now(), `${kind}: ${staged.verdict.problems.join('; ')}`);
      log.add(`stage #${entry.id}`, 'warn', `${describeEntry(entry)} is unusable: ${problems}${staged.verdict.contentBad ? ' (marked failed in the catalog)' : ''}; trying the next`, performance.now() - t0);
      continue;
    }
    log.add(`stage #${entry.id}`, 'ok', `${describeEntry(entry)} fetched in ${staged.ms.fetch} ms and verified in ${staged.ms.verify} ms (sha256, integrity, schema, candle counts)`, performance.now() - t0);
    const quarantine = await log.run('swap', () => swapIn(dataDir, staged.file, kind, { ...why, restoredBackup: entry.id }), (q) =>
      q ? `the old market.db and its -wal/-shm are in ${q}; the backup is in place (atomic rename)` : 'there was no market.db; the backup is in place (atomic rename)');
    return { entry, quarantine };
  }
  log.add('stage', 'failed', candidates.length ? `none of the ${candidates.length} candidate backups could be staged and verified; market.db was not touched` : 'no verified backup in the catalog');
  throw new StepFailed('no usable backup');
}

/**
 * The `resync` step of a restore or recovery, on either backend: the candles since the backup
 * fetched again through the sync engine. Null when it could not run at all (the exchange may be
 * down: the restored store is whole, only not caught up); the step log says what happened.
 */
export async function resyncStep(env: Pick<RecoveryEnv, 'log' | 'config'>, store: CandleStore): Promise<SyncSummary | null> {
  return env.log.run('resync', () => resyncStore(store, env.config), (s) => {
    const detail = `${s.candlesStored} candles fetched again over ${s.series.total} series (${s.series.ok} ok, ${s.series.failed} failed, ${s.series.cancelled} unfinished), ${s.requests} requests`;
    return s.status === 'success' ? detail : { status: 'warn', detail: `${detail}; failures: ${s.failures.slice(0, 3).map((f) => `${f.symbol} ${f.interval}: ${f.error}`).join('; ') || s.status}` };
  }).catch(() => null);
}

/**
 * After the swap: open (migrating an older schema), verify, resync from the backup's newest candle
 * to now, validate (integrity + the resync's result), and fold the WAL into the file.
 */
export async function bringUp(env: RecoveryEnv, dataDir: string): Promise<{ result: 'ok' | 'partial'; resync: SyncSummary | null }> {
  const { log } = env;
  // The staged bytes had the full integrity check before the swap; a rename changes no byte, so
  // opening (and migrating) plus quick_check is enough here. The full check comes in validate.
  const store = await log.run('verify', () => {
    const s = MarketStore.open(dataDir);
    const problems = (s.db.pragma('quick_check(20)') as { quick_check: string }[]).map((r) => r.quick_check);
    if (problems.length !== 1 || problems[0] !== 'ok') {
      s.close();
      throw new Error(`quick_check after the swap: ${problems.slice(0, 3).join('; ')}`);
    }
    return s;
  }, () => 'opened as the live store; quick_check: ok; schema up to date');
  try {
    const resync = await resyncStep(env, store);
    const problems = await log.run('validate', () => {
      const p = store.integrityCheck();
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      return p;
    }, (p) => {
      const intact = p.length === 1 && p[0] === 'ok';
      if (!intact) return { status: 'failed', detail: `integrity_check: ${p.slice(0, 3).join('; ')}` };
      if (!resync || resync.status !== 'success') return { status: 'warn', detail: 'integrity_check: ok, but the resync did not complete: run `cfa-console sync` to fetch what is missing' };
      return 'integrity_check: ok; every series resynced to now';
    });
    if (problems.length !== 1 || problems[0] !== 'ok') throw new StepFailed('validation failed');
    return { result: resync?.status === 'success' ? 'ok' : 'partial', resync };
  } finally {
    store.close();
  }
}

export function resumeNote(paused: PausedWriters | null): string {
  if (!paused) return 'nothing was paused';
  const parts = ['released the locks: syncs and backups may run again'];
  if (paused.daemonResumed === 'leader') parts.push('asked the engine\'s leader to resume the backtest daemon');
  else if (paused.daemonResumed === 'next-leader') parts.push(paused.daemonStopped ? 'the backtest daemon is no longer paused: it starts again when the engine does (`cfa-console --daemon`)' : 'the backtest daemon is no longer paused');
  else if (paused.daemonStopped) parts.push('the backtest daemon was stopped: the engine\'s leader starts it again (after its backoff if one is running now, else when `cfa-console --daemon` starts)');
  return parts.join('; ');
}

export interface RestoreSelection {
  id?: number;
  latest?: boolean;
  /** `--before 48h`: the newest backup taken at least this long ago. */
  beforeMs?: number;
}

const BACKEND_WORDS: Record<BackupBackend, string> = { sqlite: 'a copy of market.db (SQLite)', postgres: 'a pg_dump of the PostgreSQL store' };

/**
 * Which copies a restore will try, or a usage error naming what is wrong. Only copies of the
 * configured store's backend (`store.backend`) qualify: a pg_dump never replaces market.db, nor
 * the other way round.
 */
export function selectForRestore(ops: Db, selection: RestoreSelection, now = Date.now(), backend: BackupBackend = 'sqlite'): BackupEntry[] {
  if (selection.id !== undefined) {
    const entry = getBackup(ops, selection.id);
    if (!entry) throw new ConfigError(`no backup #${selection.id} in the catalog (see \`cfa-console backups\`)`);
    if (entry.backend !== backend) throw new ConfigError(`backup #${entry.id} is ${BACKEND_WORDS[entry.backend]}, but store.backend is ${backend}: pick ${BACKEND_WORDS[backend]} (\`cfa-console backups\`)`);
    if (entry.deletedAt !== null) throw new ConfigError(`backup #${entry.id} was removed by retention on ${new Date(entry.deletedAt).toISOString()}; pick another (\`cfa-console backups\`)`);
    if (entry.result !== 'verified') throw new ConfigError(`backup #${entry.id} failed its last verification (${entry.detail ?? 'no detail'}); pick another (\`cfa-console backups\`)`);
    return [entry];
  }
  const cutoff = selection.beforeMs !== undefined ? now - selection.beforeMs : undefined;
  const candidates = restoreCandidates(listBackups(ops, { backend }), cutoff);
  if (!candidates.length) {
    throw Object.assign(new Error(cutoff === undefined
      ? 'no verified backup in the catalog: nothing to restore (run `cfa-console backup` while the store is good)'
      : `no verified backup taken before ${new Date(cutoff).toISOString()}`), { exitCode: 1 });
  }
  return candidates;
}

/** What a restore or recovery has done so far: filled in as it goes, so a failure late on is recorded with it. */
export interface Progress {
  promptMs: number;
  backup: BackupEntry | null;
  quarantine: string | null;
  resync: SyncSummary | null;
}

/** Shared frame of restore and recover: pause, act, resume, record, with the RTO measured. */
export async function recoveryFrame(
  env: RecoveryEnv, kind: RecoveryKind, dataDir: string,
  act: (pause: () => Promise<PausedWriters>, progress: Progress) => Promise<RecoveryResult>,
  /** When the clock started (recover counts its detection in). */
  since: { startedAt: number; t0: number } = { startedAt: Date.now(), t0: performance.now() },
): Promise<RecoveryOutcome> {
  const { startedAt, t0 } = since;
  let paused: PausedWriters | null = null;
  const progress: Progress = { promptMs: 0, backup: null, quarantine: null, resync: null };
  let result: RecoveryResult = 'failed';
  let error: string | null = null;
  const pause = async () => {
    removeStaleTemps(dataDir);
    paused = await env.log.run('stop-writers', () => pauseWriters({
      ops: env.ops, dataDir, locks: [SYNC_LOCK, BACKUP_LOCK], waitMs: env.settings.writerWaitMs, stopDaemon: true,
      killGraceMs: durationMs(env.config.daemon.killGrace), stopReplication: replicationEnabled(env.config),
      shared: sharedLocks(env.config),
      sharedRequests: () => openSharedRequests(env.config),
      onWait: (m) => env.log.add('wait', 'warn', m),
    }), (p) => p.notes.join('; '));
    return paused;
  };
  try {
    result = await act(pause, progress);
  } catch (e) {
    // Refused, declined or a usage error before anything was paused: nothing happened to record.
    if (typeof (e as { exitCode?: unknown }).exitCode === 'number' && !paused) throw e;
    error = (e as Error).message;
  } finally {
    if (paused) {
      await (paused as PausedWriters).release();
      env.log.add('resume', 'ok', resumeNote(paused));
    }
  }
  const rtoMs = Math.round(performance.now() - t0 - progress.promptMs);
  const resyncMs = env.log.totalMs((s) => s.step === 'resync');
  let recoveryId: number | null = null;
  try {
    recoveryId = recordRecovery(env.ops, {
      startedAt, endedAt: Date.now(), kind, result, backupId: progress.backup?.id ?? null, quarantine: progress.quarantine,
      steps: env.log.steps, rtoMs, detail: error,
    });
  } catch {
    // Recorded or not, the outcome is printed and the exit code says it.
  }
  return {
    kind, result, recoveryId, backup: progress.backup, quarantine: progress.quarantine,
    rtoMs, rtoExcludingResyncMs: rtoMs - resyncMs, resync: progress.resync, steps: env.log.steps, error,
  };
}

/**
 * `cfa-console restore`: the chosen backup replaces market.db (the old files go to quarantine),
 * then the resync brings it up to now. Nothing is touched until a copy has been staged and
 * verified beside the live file.
 */
export async function runRestore(env: RecoveryEnv, dataDir: string, selection: RestoreSelection): Promise<RecoveryOutcome> {
  const candidates = selectForRestore(env.ops, selection);
  const chosen = candidates[0]!;
  return recoveryFrame(env, 'restore', dataDir, async (pause, progress) => {
    env.log.add('select', 'ok', `backup ${describeEntry(chosen)}${candidates.length > 1 ? `; ${candidates.length - 1} other cop${candidates.length > 2 ? 'ies' : 'y'} of the same snapshot as fallback` : ''}`);
    progress.promptMs = await env.confirm(restorePlan({ chosen, fallbacks: candidates.length - 1, series: env.config, now: Date.now() }));
    await pause();
    ({ entry: progress.backup, quarantine: progress.quarantine } = await restoreFirstGood(env, dataDir, candidates, 'restore', { kind: 'restore', selection }));
    const up = await bringUp(env, dataDir);
    progress.resync = up.resync;
    return up.result;
  });
}
