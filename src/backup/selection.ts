import type { BackupEntry } from './catalog.js';
import { TIERS } from './tiers.js';

/**
 * Which catalogued copy a restore or a recovery uses: pure functions over catalog entries. Only
 * copies that verified when made and have not failed a verification since, and that retention
 * has not removed, are ever candidates.
 */
type Entry = Pick<BackupEntry, 'id' | 'tier' | 'createdAt' | 'result' | 'deletedAt' | 'sha256'>;

const tierRank = (t: Entry['tier']) => TIERS.indexOf(t);

export function usable<T extends Entry>(entries: readonly T[]): T[] {
  return entries.filter((e) => e.result === 'verified' && e.deletedAt === null);
}

/** Newest snapshot first; copies of one snapshot in hot, warm, offsite order (the nearest first). */
export function byRecency<T extends Entry>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => b.createdAt - a.createdAt || tierRank(a.tier) - tierRank(b.tier) || b.id - a.id);
}

/**
 * `restore --latest` (cutoff undefined) or `restore --before 48h` (cutoff = now - 48h): the newest
 * usable snapshot at or before the cutoff, then the other copies of that same snapshot (same
 * SHA-256) as fallbacks, so a bad copy on one disk does not change what the operator asked for.
 */
export function restoreCandidates<T extends Entry>(entries: readonly T[], cutoff?: number): T[] {
  const ordered = byRecency(usable(entries)).filter((e) => cutoff === undefined || e.createdAt <= cutoff);
  const first = ordered[0];
  if (!first) return [];
  return ordered.filter((e) => e.sha256 === first.sha256);
}

/**
 * `recover`: every usable copy, tier by tier (hot, then warm, then offsite: nearest and fastest
 * first), newest first within a tier. The resync afterwards fills whatever an older copy lacks,
 * so falling back costs time, not candles.
 */
export function recoveryCandidates<T extends Entry>(entries: readonly T[]): T[] {
  return [...usable(entries)].sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || b.createdAt - a.createdAt || b.id - a.id);
}
