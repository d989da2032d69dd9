import fs from 'node:fs';
import path from 'node:path';
import { StepFailed } from '../../common/step-log.js';
import { PgMarketStore } from '../../store/postgres/market-store.js';
import { shownUrl } from '../../store/postgres/pool.js';
import type { SyncSummary } from '../../sync/run-sync.js';
import { markFailed, type BackupEntry, type RecoveryKind, type RecoveryResult } from '../catalog.js';
import { removeWithSideFiles } from '../files.js';
import { pgRestorePlan } from '../plans.js';
import {
  describeEntry, newQuarantineDir, recoveryFrame, resyncStep, selectForRestore, writeNote, type Progress, type RecoveryEnv, type RecoveryOutcome, type RestoreSelection,
} from '../restore.js';
import { stageCopy } from '../stage.js';
import { checkRestorable, dumpForQuarantine, restorePgInPlace } from './dump.js';

/**
 * `cfa-console restore` with `store.backend: postgres`. The same frame and consent as for
 * market.db (select, confirm, stop-writers, stage, swap, verify, resync, resume, recorded in
 * `recoveries`), with the database in place of the file:
 *
 * - stage: the copy is fetched into the data dir (downloaded for offsite), its SHA-256 checked and
 *   restored into a scratch database, whose candles (count, newest, checksum per series) and table
 *   rows must equal the catalog's. A copy that fails is marked failed, the next fallback tried.
 * - quarantine: the current market data is dumped to `quarantine/<time>-restore/` first (a failed
 *   dump of a wrecked store is a warning: the operator asked to replace it).
 * - swap: pg_restore --single-transaction --clean into the store database itself (restorePgInPlace
 *   says why in place rather than into a new database and a rename).
 * - verify: the live store counted again against the backup's facts.
 * - resync: the candles since the backup fetched again by the sync engine into the store
 *   (PgMarketStore), under the sync lock the pause holds; `ok` once every series is caught up,
 *   `partial` when the exchange could not be reached (the restored data is whole).
 */
export async function runPgRestore(env: RecoveryEnv, dataDir: string, selection: RestoreSelection): Promise<RecoveryOutcome> {
  const url = storeUrl(env);
  const candidates = selectForRestore(env.ops, selection, Date.now(), 'postgres');
  const chosen = candidates[0]!;
  return recoveryFrame(env, 'restore', dataDir, async (pause, progress) => {
    env.log.add('select', 'ok', `backup ${describeEntry(chosen)}${candidates.length > 1 ? `; ${candidates.length - 1} other cop${candidates.length > 2 ? 'ies' : 'y'} of the same snapshot as fallback` : ''}`);
    progress.promptMs = await env.confirm(pgRestorePlan({ chosen, fallbacks: candidates.length - 1, series: env.config, now: Date.now(), store: shownUrl(url) }));
    return restorePgFirstGood(env, dataDir, url, candidates, pause, progress, { kind: 'restore', selection });
  });
}

/** The store's URL, or the usage error naming the setting. */
export function storeUrl(env: Pick<RecoveryEnv, 'settings'>): string {
  const url = env.settings.store?.url;
  if (!url) throw Object.assign(new Error('store.backend is postgres but no store.url is set (or CFA_STORE_URL)'), { exitCode: 2 });
  return url;
}

/**
 * From the pause on, for restore and recover alike: stage the candidates one by one (the first
 * that verifies in a scratch database wins), dump the current data to quarantine, replace the
 * market tables in one transaction, count them again, resync.
 */
export async function restorePgFirstGood(
  env: RecoveryEnv, dataDir: string, url: string, candidates: readonly BackupEntry[],
  pause: () => Promise<unknown>, progress: Progress, note: { kind: RecoveryKind } & Record<string, unknown>,
): Promise<RecoveryResult> {
  const { log } = env;
  const store = shownUrl(url);
  // Refused before anything is paused or touched (a usage error: exit 2).
  const { liveVersion } = await checkRestorable(url, candidates[0]?.pgFacts?.schemaVersion ?? 0);
  await pause();
  let staged: { entry: BackupEntry; file: string } | null = null;
  for (const entry of candidates) {
    const t0 = performance.now();
    const s = await stageCopy(entry, dataDir, env.settings);
    if (!s.ok) {
      if (s.verdict.contentBad) markFailed(env.ops, entry.id, Date.now(), `${note.kind}: ${s.verdict.problems.join('; ')}`);
      log.add(`stage #${entry.id}`, 'warn', `${describeEntry(entry)} is unusable: ${s.verdict.problems.slice(0, 3).join('; ')}${s.verdict.contentBad ? ' (marked failed in the catalog)' : ''}; trying the next`, performance.now() - t0);
      continue;
    }
    if (liveVersion > 0 && (entry.pgFacts?.schemaVersion ?? 0) > 0 && entry.pgFacts!.schemaVersion !== liveVersion) {
      // A fallback of another schema version than the first: refused as checkRestorable would.
      log.add(`stage #${entry.id}`, 'warn', `${describeEntry(entry)} holds market schema version ${entry.pgFacts!.schemaVersion}, the store is at ${liveVersion}; trying the next`, performance.now() - t0);
      removeWithSideFiles(s.file);
      continue;
    }
    log.add(`stage #${entry.id}`, 'ok', `${describeEntry(entry)} fetched in ${s.ms.fetch} ms and verified in ${s.ms.verify} ms (sha256; restored into a scratch database: candles, checksums and rows as catalogued)`, performance.now() - t0);
    staged = { entry, file: s.file };
    break;
  }
  if (!staged) {
    log.add('stage', 'failed', `none of the ${candidates.length} candidate backups could be staged and verified; the store was not touched`);
    throw new StepFailed('no usable backup');
  }
  const { entry, file } = staged;
  progress.backup = entry;
  try {
    progress.quarantine = await log.run('quarantine', async () => {
      const dir = newQuarantineDir(dataDir, note.kind);
      const dump = path.join(dir, `before-${note.kind}.dump`);
      try {
        await dumpForQuarantine(url, dump);
        writeNote(dir, { ...note, restoredBackup: entry.id, store, dumped: path.basename(dump) });
        return { dir, dump, error: null };
      } catch (error) {
        writeNote(dir, { ...note, restoredBackup: entry.id, store, dumpFailed: (error as Error).message });
        return { dir, dump, error: (error as Error).message };
      }
    }, (q) => q.error ? { status: 'warn', detail: `could not dump the current market data (${q.error}); restoring anyway, as asked` } : `the current market data is dumped to ${q.dump}`).then((q) => q.dir);
    const restored = await log.run('swap', () => restorePgInPlace(file, url, entry.pgFacts!, { lockTimeoutMs: env.settings.writerWaitMs, liveVersion }),
      () => `the market tables of ${store} replaced in one transaction (pg_restore --single-transaction --clean)`);
    await log.run('verify', () => {
      if (restored.problems.length) throw new Error(`the store does not hold what backup #${entry.id} held: ${restored.problems.slice(0, 3).join('; ')}`);
    }, () => `counted again in the store: ${Object.keys(entry.pgFacts!.series).length} series, candles and checksums as catalogued`);
  } finally {
    removeWithSideFiles(file);
    fs.rmSync(`${file}.partial`, { force: true });
  }
  progress.resync = await resyncPg(env, url);
  if (progress.resync?.status === 'success') return 'ok';
  log.add('validate', 'warn', 'the restored data is whole, but the resync did not complete: run `cfa-console sync` to fetch what is missing');
  return 'partial';
}

/** The resync into PostgreSQL through the sync engine; null when the store could not be opened for it. */
async function resyncPg(env: RecoveryEnv, url: string): Promise<SyncSummary | null> {
  let market: PgMarketStore;
  try {
    market = await PgMarketStore.open(url, { poolSize: env.config.store.poolSize });
  } catch (error) {
    env.log.add('resync', 'warn', `cannot open the store to resync it: ${(error as Error).message}`);
    return null;
  }
  try {
    return await resyncStep(env, market);
  } finally {
    await market.close();
  }
}
