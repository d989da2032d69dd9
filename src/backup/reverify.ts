import type { Db } from '../store/sqlite.js';
import { getBackup, listBackups, markFailed, markVerified, type BackupEntry } from './catalog.js';
import { findRclone } from './offsite.js';
import { verifyPgDump, type VerifyPgOptions } from './postgres/dump.js';
import type { TierSettings } from './tiers.js';
import { verifyLocalCopy, verifyOffsiteCopy, type Verdict } from './verify.js';

export interface ReverifyOutcome {
  entry: BackupEntry;
  /** verified; failed (the copy is bad, now marked so); unchecked (could not look: rclone, network); deleted (retention removed it meanwhile). */
  status: 'verified' | 'failed' | 'unchecked' | 'deleted';
  problems: string[];
  durationMs: number;
}

/** A pg_dump is checked by restoring it into a scratch database on the store's server. */
export function pgDumpCheck(entry: BackupEntry, settings: TierSettings, opened?: VerifyPgOptions['opened']): ((file: string) => Promise<Verdict>) | Verdict {
  const url = settings.store?.url;
  if (!url) return { ok: false, contentBad: false, facts: null, problems: ['a pg_dump backup is verified by restoring it into a scratch database: set store.url (or CFA_STORE_URL) to the PostgreSQL server'] };
  if (!entry.pgFacts) return { ok: false, contentBad: true, facts: null, problems: ['the catalog holds no facts for this pg_dump to compare with'] };
  const expected = entry.pgFacts;
  return (file) => verifyPgDump(file, url, expected, { opened });
}

async function check(entry: BackupEntry, settings: TierSettings): Promise<Verdict> {
  if (entry.tier !== 'offsite' && entry.backend === 'postgres') {
    const pg = pgDumpCheck(entry, settings);
    return typeof pg === 'function' ? verifyLocalCopy(entry.location, entry, pg) : pg;
  }
  if (entry.tier !== 'offsite') return verifyLocalCopy(entry.location, entry);
  if (!settings.offsite) return { ok: false, contentBad: false, facts: null, problems: ['the offsite tier is not configured (backup.offsiteRemote)'] };
  const lookup = findRclone(settings.offsite);
  if (!lookup.ok) return { ok: false, contentBad: false, facts: null, problems: [lookup.reason] };
  return verifyOffsiteCopy(lookup.rclone, entry);
}

/**
 * `cfa-console backup verify [ID]`: checks catalogued copies again, local ones fully (size,
 * SHA-256, integrity, schema, candle counts), offsite ones by the hash the remote reports, and
 * records what it found. Without an ID, every copy that still exists.
 */
export async function reverify(ops: Db, settings: TierSettings, id?: number, onEntry?: (o: ReverifyOutcome) => void): Promise<ReverifyOutcome[]> {
  const entries = id === undefined ? listBackups(ops) : [getBackup(ops, id)].filter((e): e is BackupEntry => e !== null);
  const outcomes: ReverifyOutcome[] = [];
  for (const entry of entries) {
    const t0 = performance.now();
    let outcome: ReverifyOutcome;
    if (entry.deletedAt !== null) {
      outcome = { entry, status: 'deleted', problems: [`removed by retention on ${new Date(entry.deletedAt).toISOString()}`], durationMs: 0 };
    } else {
      const verdict = await check(entry, settings);
      const durationMs = Math.round(performance.now() - t0);
      const now = Date.now();
      if (verdict.ok) {
        markVerified(ops, entry.id, now);
        outcome = { entry: getBackup(ops, entry.id)!, status: 'verified', problems: [], durationMs };
      } else if (!verdict.contentBad) {
        outcome = { entry, status: 'unchecked', problems: verdict.problems, durationMs };
      } else if (getBackup(ops, entry.id)?.deletedAt != null) {
        // Retention removed it while we looked: gone on purpose, not broken.
        outcome = { entry, status: 'deleted', problems: ['removed by retention during the check'], durationMs };
      } else {
        markFailed(ops, entry.id, now, verdict.problems.join('; '));
        outcome = { entry: getBackup(ops, entry.id)!, status: 'failed', problems: verdict.problems, durationMs };
      }
    }
    outcomes.push(outcome);
    onEntry?.(outcome);
  }
  return outcomes;
}
