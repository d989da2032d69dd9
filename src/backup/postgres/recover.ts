import { StepFailed } from '../../common/step-log.js';
import { shownUrl } from '../../store/postgres/pool.js';
import { listBackups } from '../catalog.js';
import { pgRecoverPlan } from '../plans.js';
import { notNeeded } from '../recover.js';
import { recoveryFrame, type RecoveryEnv, type RecoveryOutcome } from '../restore.js';
import { byRecency, recoveryCandidates, usable } from '../selection.js';
import { describePgDiagnosis, diagnosePg, type PgDiagnosis } from './diagnose.js';
import { restorePgFirstGood, storeUrl } from './restore.js';

/**
 * `cfa-console recover` with `store.backend: postgres`: detect, and when the store is damaged,
 * the newest pg_dump that verifies, then the resync.
 *
 *  1. detect (diagnosePg): every candle read once in a read-only transaction; the candles table
 *     gone, a page that cannot be read, or whole series of the newest verified backup missing
 *     count as damage. A healthy store is left alone (`not-needed`, exit 0); a server that cannot
 *     be reached is an error (exit 1): there is nothing to restore into.
 *  2. the consent of restore (the plan with the diagnosis and the first copy it would use).
 *  3. every verified pg_dump, tier by tier (hot, warm, offsite), newest first within a tier; the
 *     first that verifies in a scratch database replaces the market data in one transaction
 *     (restorePgFirstGood: stage, quarantine dump, swap, verify, resync), bad copies marked failed.
 *
 * Unlike market.db there is no REINDEX path: a restore rebuilds every index anyway (an index the
 * scan does not read is not checked; README says so).
 */
export async function runPgRecover(env: RecoveryEnv, dataDir: string): Promise<RecoveryOutcome> {
  const url = storeUrl(env);
  const { log } = env;
  const since = { startedAt: Date.now(), t0: performance.now() };
  const newest = byRecency(usable(listBackups(env.ops, { backend: 'postgres' })))[0]?.pgFacts ?? null;
  const diagnosis = await log.run('detect', () => diagnosePg(url, newest), (d: PgDiagnosis) =>
    d.state === 'healthy' ? describePgDiagnosis(d) : { status: 'warn', detail: describePgDiagnosis(d) });
  if (diagnosis.state === 'healthy') return notNeeded(env, since);
  return recoveryFrame(env, 'recover', dataDir, async (pause, progress) => {
    const candidates = recoveryCandidates(listBackups(env.ops, { backend: 'postgres' }));
    progress.promptMs = await env.confirm(pgRecoverPlan({
      diagnosis: describePgDiagnosis(diagnosis), first: candidates[0] ?? null, candidates: candidates.length, series: env.config, now: Date.now(), store: shownUrl(url),
    }));
    log.add('candidates', candidates.length ? 'ok' : 'failed', candidates.length
      ? `${candidates.length} verified pg_dump${candidates.length > 1 ? 's' : ''} to try, in order: ${candidates.slice(0, 8).map((c) => `#${c.id} ${c.tier}`).join(', ')}${candidates.length > 8 ? ', …' : ''}`
      : 'no verified pg_dump in the catalog: escalate (the store is untouched; the exchange still has the candles: a full `cfa-console sync` fetches them again)');
    if (!candidates.length) throw new StepFailed('no verified backup to restore');
    return restorePgFirstGood(env, dataDir, url, candidates, pause, progress, { kind: 'recover', diagnosis });
  }, since);
}
