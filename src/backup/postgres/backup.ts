import path from 'node:path';
import { describePgError, openPgPool, shownUrl } from '../../store/postgres/pool.js';
import { PgRunHistory } from '../../store/postgres/run-history.js';
import { backupFileName, fsyncFile, hashFile, publish, removeWithSideFiles, tempPathFor, type FileHashes } from '../files.js';
import type { DbFacts } from '../verify.js';
import { connect } from './connection.js';
import { PgSourceProblem, takePgDump, verifyPgDump } from './dump.js';
import { hasCandlesTable, summarize, type PgFacts } from './facts.js';

/** A verified pg_dump in a tier's dir, as runBackup copies, uploads and catalogues it. */
export interface PgMade {
  file: string;
  name: string;
  createdAt: number;
  facts: DbFacts;
  pgFacts: PgFacts;
  hashes: FileHashes;
  temporary: boolean;
  backend: 'postgres';
}

/**
 * Null when the store has something to back up; else why not (no candles table yet: a database
 * nobody has synced into). An unreachable server is not "nothing to back up": null, and the dump
 * fails saying why.
 */
export async function pgStoreState(url: string): Promise<string | null> {
  let client;
  try {
    client = await connect(url);
  } catch {
    return null;
  }
  try {
    return (await hasCandlesTable(client)) ? null : `the PostgreSQL store at ${shownUrl(url)} has no candles table yet`;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * When one of `jobs` last succeeded on any host sharing the store, from the shared run history
 * (cfa_job_runs); null when none ever did. A host that never synced itself still learns from it
 * that the store had candles once. Throws, naming the server by its masked URL, when it cannot be read.
 */
export async function lastSharedSuccess(url: string, jobs: readonly string[]): Promise<number | null> {
  const pool = openPgPool(url, { size: 1, applicationName: 'cfa-console backup' });
  try {
    const successes = (await new PgRunHistory(pool).jobStates())
      .filter((s) => jobs.includes(s.job) && s.lastSuccessAt !== null)
      .map((s) => s.lastSuccessAt!);
    return successes.length ? Math.max(...successes) : null;
  } catch (error) {
    throw describePgError(url, error, 'cannot read the shared run history');
  } finally {
    await pool.end().catch(() => {});
  }
}

/**
 * The postgres counterpart of a SQLite snapshot: pg_dump (custom format) into a temp file in
 * `dir`, fsynced; then, at the same time, its SHA-256 (a worker thread) and its verification
 * (restored into a scratch database, compared with the facts read in the dump's snapshot); only
 * then renamed into place. A dump that fails verification is removed and never catalogued.
 */
export async function takeVerifiedPgDump(url: string, dir: string, timings: Record<string, number>, options: { md5: boolean; temporary?: boolean }): Promise<PgMade> {
  const temporary = options.temporary ?? false;
  const name = backupFileName(Date.now(), 'dump');
  const temp = tempPathFor(dir, name);
  try {
    const t0 = performance.now();
    const info = await takePgDump(url, temp).finally(() => { timings.snapshot = Math.round(performance.now() - t0); });
    fsyncFile(temp);
    const started = performance.now();
    const hashing = hashFile(temp, { md5: options.md5 });
    hashing.catch(() => {});
    const verdict = await verifyPgDump(temp, url, info.facts);
    timings.verify = verdict.ms;
    const hashes = await hashing;
    timings.verifyAndHash = Math.round(performance.now() - started);
    if (!verdict.ok) {
      throw new PgSourceProblem(`the dump of ${shownUrl(url)} failed verification (${verdict.contentBad ? 'restored into a scratch database, it does not hold what the store held' : 'it could not be checked'}): ${verdict.problems.slice(0, 3).join('; ')}`);
    }
    const made = { name, createdAt: info.createdAt, facts: summarize(info.facts), pgFacts: info.facts, hashes, temporary, backend: 'postgres' as const };
    if (temporary) return { ...made, file: temp };
    const dest = path.join(dir, name);
    publish(temp, dest);
    return { ...made, file: dest };
  } catch (error) {
    removeWithSideFiles(temp);
    throw error;
  }
}
