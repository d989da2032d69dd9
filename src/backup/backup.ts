import fs from 'node:fs';
import path from 'node:path';
import { MARKET_DB_FILE } from '../store/market-db.js';
import type { Db } from '../store/sqlite.js';
import { jobStates } from '../engine/run-history.js';
import { insertVerifiedBackup, listBackups, recordBackupRun, type BackupBackend, type BackupEntry } from './catalog.js';
import {
  backupFileName, copyWithHashes, describeFailure, errorCode, publish, removeStaleTemps, removeWithSideFiles,
  tempPathFor, type FileHashes,
} from './files.js';
import { deleteRemote, findRclone, remoteFile, remotePath, upload, type Rclone } from './offsite.js';
import { applyRetention, type PruneOutcome } from './prune.js';
import { lastSharedSuccess, pgStoreState, takeVerifiedPgDump } from './postgres/backup.js';
import { PgSourceProblem } from './postgres/dump.js';
import type { PgFacts } from './postgres/facts.js';
import { takeSnapshot } from './snapshot.js';
import { notConfiguredReason, storeBackend, TIERS, type LocalTier, type Tier, type TierSettings } from './tiers.js';
import { inspectWhileHashing, type DbFacts } from './verify.js';

export interface TierOutcome {
  tier: Tier;
  status: 'verified' | 'failed' | 'not-configured';
  backup: BackupEntry | null;
  error: string | null;
  durationMs: number;
  /**
   * Where the time went, for people and the bench: snapshot, verify (integrity check and facts),
   * verifyAndHash (both, the hash running alongside on a worker thread), copy, upload, remoteCheck.
   */
  timings: Record<string, number>;
}

export interface BackupRunResult {
  /**
   * success: every configured tier asked for verified; partial: some did; failed: none did;
   * skipped: a new data dir has nothing to back up yet (`reason` says so), nothing was attempted.
   */
  status: 'success' | 'partial' | 'failed' | 'skipped';
  reason?: string;
  tiers: TierOutcome[];
  retention: PruneOutcome[];
  /** Temp files of killed runs removed before this one started. */
  staleTempsRemoved: string[];
}

export interface BackupRequest {
  ops: Db;
  dataDir: string;
  settings: TierSettings;
  /** The tiers asked for; `all` reports unconfigured tiers as such instead of failing them. */
  tiers: readonly Tier[];
  onTier?: (outcome: TierOutcome) => void;
  /** Aborted (its job lock lost for good): the tiers not begun fail with the reason, and retention waits for the next run. */
  signal?: AbortSignal;
}

/** The source itself is bad (corrupt, not a database, unreachable): another destination would not help. */
class SourceProblem extends Error {}

const SOURCE_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/** One verified local copy of a snapshot, which the other tiers copy or upload. */
export interface Made {
  file: string;
  name: string;
  createdAt: number;
  facts: DbFacts;
  hashes: FileHashes;
  /** A staging copy made only for the upload: removed at the end. */
  temporary: boolean;
  backend: BackupBackend;
  /** A pg_dump's facts (series and tables), for its later verifications. */
  pgFacts?: PgFacts;
}

/** Takes a verified snapshot into a temp file in `dir` and renames it into place (unless temporary). */
type SnapshotMaker = (dir: string, timings: Record<string, number>, options: { md5: boolean; temporary?: boolean }) => Promise<Made>;

const now = () => Date.now();

/** The job whose first success fills a new store. */
const SYNC_JOB = 'sync';
/** A success of these on any host sharing a postgres store means the store had candles once. */
const FILLED_BY_JOBS = [SYNC_JOB, 'backup'] as const;

/**
 * One backup run: a consistent snapshot of market.db, verified and hashed before it is renamed
 * into place; copies of that same snapshot to the other tiers, each checked by hash; catalog
 * entries only for verified copies; then retention for the tiers that verified (a failed tier
 * keeps everything it had). A failure removes its temp file and is recorded in backup_runs.
 *
 * The snapshot is made in the first local tier asked for; when that tier cannot take it (disk
 * full, unmounted), the next local tier makes its own, so a full hot disk does not stop the warm
 * and offsite copies.
 */
export async function runBackup(request: BackupRequest): Promise<BackupRunResult> {
  const { ops, settings } = request;
  const postgresUrl = storeBackend(settings) === 'postgres' ? settings.store?.url ?? null : null;
  const source = path.join(request.dataDir, MARKET_DB_FILE);
  const snapshot: SnapshotMaker = postgresUrl
    ? (dir, timings, options) => takeVerifiedPgDump(postgresUrl, dir, timings, options)
    : (dir, timings, options) => makeSnapshot(source, dir, timings, options);
  const outcomes: TierOutcome[] = [];
  const report = (o: TierOutcome, startedAt: number) => {
    outcomes.push(o);
    // A tier nobody configured was not attempted: nothing to put on record.
    if (o.status !== 'not-configured') {
      try {
        recordBackupRun(ops, {
          startedAt, endedAt: startedAt + o.durationMs, tier: o.tier, result: o.status, backupId: o.backup?.id ?? null,
          error: o.error, durationMs: o.durationMs,
        });
      } catch (error) {
        // ops.db itself may be on the full disk: the outcome is still reported and the exit code says it.
        o.error = `${o.error ? `${o.error}; ` : ''}could not record the attempt in ops.db: ${describeFailure(error)}`;
      }
    }
    request.onTier?.(o);
  };

  const staleTempsRemoved = [settings.hot.dir, settings.warm?.dir]
    .filter((d): d is string => d !== undefined)
    .flatMap((d) => removeStaleTemps(d).map((n) => path.join(d, n)));

  // A new store has nothing to back up before its first sync; a lost one fails loudly below.
  const missing = postgresUrl ? await pgStoreState(postgresUrl) : fs.existsSync(source) ? null : `${source} does not exist yet`;
  const lost = '(the store is lost: `cfa-console recover` restores it)';
  let sourceProblem: string | null = null;
  if (missing !== null && hasHistory(ops)) {
    // A lost store fails every tier. SQLite's snapshot finds no market.db and says so; pg_dump would
    // dump the empty database and catalogue it as the newest verified backup, for recover to restore.
    if (postgresUrl) sourceProblem = `${missing}, though a sync or a backup is on record: nothing to back up ${lost}`;
  } else if (missing !== null) {
    // This ops.db knows of no sync; on postgres another host may have filled the shared store.
    const shared = postgresUrl ? await sharedHistory(postgresUrl) : { successAt: null };
    if ('error' in shared) {
      // A skip would hide a lost store: unsure, the backup fails and says why.
      sourceProblem = `${missing}, and a new store cannot be told from a lost one: ${shared.error}`;
    } else if (shared.successAt !== null) {
      sourceProblem = `${missing}, though another host's sync or backup succeeded on it (the last at ${new Date(shared.successAt).toISOString()}, in the shared run history): nothing to back up ${lost}`;
    } else {
      return {
        status: 'skipped', tiers: [], retention: [], staleTempsRemoved,
        reason: `${missing}: nothing to back up before the first sync`,
      };
    }
  }

  let made: Made | null = null;
  for (const tier of TIERS.filter((t) => request.tiers.includes(t))) {
    const startedAt = now();
    const timings: Record<string, number> = {};
    const finish = (status: TierOutcome['status'], backup: BackupEntry | null, error: string | null) =>
      report({ tier, status, backup, error, durationMs: now() - startedAt, timings }, startedAt);
    if (settings[tier] === null) {
      finish('not-configured', null, notConfiguredReason(tier));
      continue;
    }
    if (sourceProblem) {
      finish('failed', null, sourceProblem);
      continue;
    }
    if (request.signal?.aborted) {
      finish('failed', null, `not begun: ${describeFailure(request.signal.reason)}`);
      continue;
    }
    try {
      if (tier === 'offsite') {
        const entry = await backupOffsite(request, snapshot, made, timings);
        finish('verified', entry, null);
      } else {
        const dir = settings[tier]!.dir;
        prepareDir(tier, dir);
        let entry: BackupEntry;
        if (!made) {
          made = await snapshot(dir, timings, { md5: settings.offsite !== null });
          entry = catalog(ops, tier, made.file, made);
        } else {
          entry = await copyVerified(made, dir, tier, ops, timings);
        }
        finish('verified', entry, null);
      }
    } catch (error) {
      const fromSource = error instanceof SourceProblem || error instanceof PgSourceProblem;
      if (fromSource) sourceProblem = (error as Error).message;
      finish('failed', null, fromSource ? (error as Error).message : describeFailure(error));
    }
  }
  const madeFinal = made as Made | null;
  if (madeFinal?.temporary) removeWithSideFiles(madeFinal.file);

  const configured = outcomes.filter((o) => o.status !== 'not-configured');
  const verified = configured.filter((o) => o.status === 'verified');
  const retention = verified.length && !request.signal?.aborted ? await applyRetention(ops, settings, verified.map((o) => o.tier)) : [];
  return {
    status: verified.length === configured.length && configured.length > 0 ? 'success' : verified.length > 0 ? 'partial' : 'failed',
    tiers: outcomes,
    retention,
    staleTempsRemoved,
  };
}

/**
 * A store that ever had a successful sync or a backup and has no market.db now has lost it: a
 * backup then fails loudly. Only a data dir with neither is new.
 */
function hasHistory(ops: Db): boolean {
  const synced = jobStates(ops).some((s) => s.job === SYNC_JOB && s.lastSuccessAt !== null);
  return synced || listBackups(ops, { includeDeleted: true }).length > 0;
}

/** The last success of a store-filling job on any host, or why the shared history cannot tell. */
async function sharedHistory(url: string): Promise<{ successAt: number | null } | { error: string }> {
  try {
    return { successAt: await lastSharedSuccess(url, FILLED_BY_JOBS) };
  } catch (error) {
    return { error: describeFailure(error) };
  }
}

function prepareDir(tier: LocalTier, dir: string): void {
  if (tier === 'hot') {
    fs.mkdirSync(dir, { recursive: true });
    return;
  }
  // The warm dir is meant to be another disk: creating it would quietly fill the root file system
  // when that disk is not mounted.
  if (!fs.existsSync(dir)) throw new Error(`warm dir ${dir} does not exist: is its disk mounted? (it is never created by a backup)`);
}

async function timed<T>(timings: Record<string, number>, key: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[key] = Math.round(performance.now() - t0);
  }
}

/** Snapshot into a temp file in `dir`, verify it (reading its facts) while hashing it, rename it into place. */
async function makeSnapshot(source: string, dir: string, timings: Record<string, number>, options: { md5: boolean; temporary?: boolean }): Promise<Made> {
  const temporary = options.temporary ?? false;
  if (!fs.existsSync(source)) throw new SourceProblem(`${source} does not exist: nothing to back up (run \`cfa-console sync\` first)`);
  const name = backupFileName(now());
  const dest = path.join(dir, name);
  const temp = tempPathFor(dir, name);
  try {
    const info = await timed(timings, 'snapshot', () => takeSnapshot(source, temp)).catch((error: unknown) => {
      const code = errorCode(error);
      if (code && SOURCE_CODES.has(code)) throw new SourceProblem(`market.db cannot be read whole (${describeFailure(error)}): run \`cfa-console recover\``);
      if ((error as { code?: string }).code === 'not-a-database' || (error as { code?: string }).code === 'corrupt') throw new SourceProblem((error as Error).message);
      throw error;
    });
    // The integrity check and the facts on this thread, the hash on a worker meanwhile.
    const started = performance.now();
    const { verdict, hashes, inspectMs } = await inspectWhileHashing(temp, undefined, { md5: options.md5 });
    timings.verify = inspectMs;
    timings.verifyAndHash = Math.round(performance.now() - started);
    if (!verdict.ok || !verdict.facts) {
      throw new SourceProblem(`the snapshot failed verification, so market.db itself is damaged: ${verdict.problems.slice(0, 3).join('; ')} (run \`cfa-console recover\`)`);
    }
    const facts = verdict.facts;
    if (temporary) return { file: temp, name, createdAt: info.createdAt, facts, hashes, temporary, backend: 'sqlite' };
    publish(temp, dest);
    return { file: dest, name, createdAt: info.createdAt, facts, hashes, temporary, backend: 'sqlite' };
  } catch (error) {
    removeWithSideFiles(temp);
    throw error;
  }
}

/**
 * Enters a published local copy in the catalog. If that fails (ops.db on a full disk), the file is
 * removed again: a backup that no catalog row accounts for would never be verified, restored or
 * cleaned up by retention.
 */
function catalog(ops: Db, tier: Tier, location: string, made: Made): BackupEntry {
  try {
    return insertVerifiedBackup(ops, {
      tier, backend: made.backend, pgFacts: made.pgFacts ?? null, location, sizeBytes: made.hashes.size, sha256: made.hashes.sha256, md5: made.hashes.md5, createdAt: made.createdAt,
      newestCandle: made.facts.newestCandle, schemaVersion: made.facts.schemaVersion, rowCounts: made.facts.rowCounts, verifiedAt: now(),
    });
  } catch (error) {
    if (tier !== 'offsite') fs.rmSync(location, { force: true });
    throw new Error(`the copy verified but could not be entered in the catalog (${describeFailure(error)}); ${tier === 'offsite' ? `the upload ${location} is left on the remote` : 'the file was removed again'}`);
  }
}

/** The verified snapshot copied to another local tier: temp (hashed as it is written), fsync, the same SHA-256, rename. */
async function copyVerified(made: Made, dir: string, tier: LocalTier, ops: Db, timings: Record<string, number>): Promise<BackupEntry> {
  const dest = path.join(dir, made.name);
  const temp = tempPathFor(dir, made.name);
  try {
    const copied = await timed(timings, 'copy', () => copyWithHashes(made.file, temp));
    if (copied.sha256 !== made.hashes.sha256) throw new Error(`the snapshot read back for the copy to ${dir} has another SHA-256 than when it was verified: ${made.file} changed under us`);
    publish(temp, dest);
  } catch (error) {
    removeWithSideFiles(temp);
    throw error;
  }
  return catalog(ops, tier, dest, made);
}

async function backupOffsite(request: BackupRequest, snapshot: SnapshotMaker, made: Made | null, timings: Record<string, number>): Promise<BackupEntry> {
  const offsite = request.settings.offsite!;
  const lookup = findRclone(offsite);
  if (!lookup.ok) throw new Error(lookup.reason);
  let local = made;
  if (!local) {
    // Only offsite was asked for, or no local tier could take a snapshot: stage one in the hot dir.
    fs.mkdirSync(request.settings.hot.dir, { recursive: true });
    local = await snapshot(request.settings.hot.dir, timings, { md5: true, temporary: true });
  }
  try {
    return await uploadVerified(lookup.rclone, local, offsite.remote, request.ops, timings);
  } finally {
    if (!made) removeWithSideFiles(local.file);
  }
}

async function uploadVerified(rclone: Rclone, made: Made, remote: string, ops: Db, timings: Record<string, number>): Promise<BackupEntry> {
  const target = remotePath(remote, made.name);
  await timed(timings, 'upload', () => upload(rclone, made.file, target));
  const found = await timed(timings, 'remoteCheck', () => remoteFile(rclone, target));
  let problem: string | null = null;
  if (found.kind === 'error') problem = `cannot check the upload: ${found.message}`;
  else if (found.kind === 'missing') problem = `${target} is not on the remote after the upload`;
  else if (found.size !== made.hashes.size) problem = `the remote holds ${found.size} bytes, the snapshot has ${made.hashes.size}`;
  else if (found.sha256) {
    if (found.sha256 !== made.hashes.sha256) problem = `the remote's sha256 ${found.sha256} differs from the snapshot's ${made.hashes.sha256}`;
  } else if (found.md5 && made.hashes.md5) {
    if (found.md5 !== made.hashes.md5) problem = `the remote's md5 ${found.md5} differs from the snapshot's ${made.hashes.md5}`;
  } else {
    problem = 'the remote reports neither sha256 nor md5, so the upload cannot be verified';
  }
  if (problem) {
    // An unverified upload must not linger looking like a backup; it is not catalogued either way.
    if (found.kind === 'ok') await deleteRemote(rclone, target).catch(() => {});
    throw new Error(problem);
  }
  return catalog(ops, 'offsite', target, made);
}
