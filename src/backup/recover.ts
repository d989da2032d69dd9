import path from 'node:path';
import Database from '../store/sqlite-driver.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { listBackups, recordRecovery } from './catalog.js';
import { describeDiagnosis, diagnose, type Diagnosis } from './diagnose.js';
import { bringUp, quarantineCopy, recoveryFrame, restoreFirstGood, type RecoveryEnv, type RecoveryOutcome } from './restore.js';
import { recoveryCandidates } from './selection.js';
import { recoverPlan } from './plans.js';
import { StepFailed } from '../common/step-log.js';
import { tryReplicaFirst } from './replica-restore.js';

/** REINDEX in place; resolves with what integrity_check says afterwards. */
function reindex(file: string): string[] {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.exec('REINDEX');
    return (db.pragma('integrity_check(100)') as { integrity_check: string }[]).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

/** A healthy store is left alone: recorded as `not-needed`, with the detection's steps. */
export function notNeeded(env: Pick<RecoveryEnv, 'ops' | 'log'>, since: { startedAt: number; t0: number }): RecoveryOutcome {
  const rtoMs = Math.round(performance.now() - since.t0);
  let recoveryId: number | null = null;
  try {
    recoveryId = recordRecovery(env.ops, { startedAt: since.startedAt, endedAt: Date.now(), kind: 'recover', result: 'not-needed', backupId: null, quarantine: null, steps: env.log.steps, rtoMs, detail: null });
  } catch {
    // Nothing was done; not being able to say so is no failure.
  }
  return { kind: 'recover', result: 'not-needed', recoveryId, backup: null, quarantine: null, rtoMs, rtoExcludingResyncMs: rtoMs, resync: null, steps: env.log.steps, error: null };
}

/**
 * `cfa-console recover`: detect, then the least drastic cure that works.
 *  1. detect: integrity_check on a read-only connection ("file is not a database" counts too);
 *     a healthy store is left alone (recorded as not-needed, exit 0);
 *  2. only indexes damaged: the files are copied to quarantine, REINDEX rebuilds the indexes from
 *     the table data, and integrity_check must then say ok;
 *  3. otherwise (or when REINDEX did not cure it): the newest backup that verifies, tier by tier
 *     (hot, warm, offsite), older copies as fallbacks; bad copies are marked failed on the way;
 *  4. resync from the restored backup's newest candle to now, validate, resume.
 */
export async function runRecover(env: RecoveryEnv, dataDir: string): Promise<RecoveryOutcome> {
  const file = path.join(dataDir, MARKET_DB_FILE);
  const { log } = env;
  const since = { startedAt: Date.now(), t0: performance.now() };
  const diagnosis = await log.run('detect', () => diagnose(file), (d: Diagnosis) =>
    d.state === 'healthy' ? describeDiagnosis(d) : { status: 'warn', detail: describeDiagnosis(d) });
  if (diagnosis.state === 'healthy') return notNeeded(env, since);
  const why = { kind: 'recover', diagnosis };
  return recoveryFrame(env, 'recover', dataDir, async (pause, progress) => {
    const known = recoveryCandidates(listBackups(env.ops, { backend: 'sqlite' }));
    progress.promptMs = await env.confirm(recoverPlan({
      diagnosis: describeDiagnosis(diagnosis), indexOnly: diagnosis.state === 'index-only', first: known[0] ?? null,
      candidates: known.length, series: env.config, now: Date.now(),
    }));
    await pause();
    if (diagnosis.state === 'index-only') {
      progress.quarantine = await log.run('quarantine-copy', () => quarantineCopy(dataDir, 'recover', why), (q) => q ? `the damaged files are copied to ${q}` : 'nothing to copy');
      const after = await log.run('reindex', () => reindex(file), (p) =>
        p.length === 1 && p[0] === 'ok' ? 'REINDEX done; integrity_check: ok' : { status: 'warn', detail: `REINDEX did not cure it (${p.slice(0, 2).join('; ')}): restoring a backup instead` });
      if (after.length === 1 && after[0] === 'ok') {
        const up = await bringUp(env, dataDir);
        progress.resync = up.resync;
        return up.result;
      }
    }
    // Continuous replication loses seconds where the newest snapshot loses hours: it goes first.
    const fromReplica = await tryReplicaFirst(env, dataDir, undefined, 'recover', why);
    if (fromReplica) {
      progress.quarantine = fromReplica.quarantine ?? progress.quarantine;
      const up = await bringUp(env, dataDir);
      progress.resync = up.resync;
      return up.result;
    }
    const candidates = recoveryCandidates(listBackups(env.ops, { backend: 'sqlite' }));
    log.add('candidates', candidates.length ? 'ok' : 'failed', candidates.length
      ? `${candidates.length} verified cop${candidates.length > 1 ? 'ies' : 'y'} to try, in order: ${candidates.slice(0, 8).map((c) => `#${c.id} ${c.tier}`).join(', ')}${candidates.length > 8 ? ', …' : ''}`
      : 'no verified backup in the catalog: escalate (the damaged file is untouched; the exchange still has the candles: move market.db aside and run a full `cfa-console sync`)');
    if (!candidates.length) throw new StepFailed('no verified backup to restore');
    ({ entry: progress.backup, quarantine: progress.quarantine } = await restoreFirstGood(env, dataDir, candidates, 'recover', why));
    const up = await bringUp(env, dataDir);
    progress.resync = up.resync;
    return up.result;
  }, since);
}
