import type { Tier } from './tiers.js';

/**
 * Which catalogued copies retention removes: a pure function of the catalog, the clock and the
 * retention days, so the rules are tested without files.
 *
 * A copy goes when it is older than its tier's retention AND a newer verified copy exists in the
 * same tier. Hence the newest verified copy of a tier is never deleted, whatever its age (a tier
 * whose backups have been failing for a month still has its last good one), and nothing is
 * deleted on the strength of a copy that did not verify. Backends are apart: a pg_dump never
 * makes a copy of market.db redundant, nor the other way round (a store moved to PostgreSQL keeps
 * its last SQLite copy of each tier). Age is the catalog's `created_at`,
 * never a file name or mtime.
 */
export interface RetentionEntry {
  id: number;
  tier: Tier;
  /** Copies of market.db and pg_dumps of the PostgreSQL store are kept apart (default sqlite). */
  backend?: 'sqlite' | 'postgres';
  createdAt: number;
  result: 'verified' | 'failed';
  deletedAt: number | null;
}

export interface Deletion {
  id: number;
  tier: Tier;
  ageDays: number;
  /** The newer verified copy that makes this one redundant. */
  supersededBy: number;
}

const DAY_MS = 86_400_000;

export function chooseDeletions(entries: readonly RetentionEntry[], now: number, retentionDays: Record<Tier, number>): Deletion[] {
  const live = entries.filter((e) => e.deletedAt === null);
  const deletions: Deletion[] = [];
  for (const e of live) {
    const limitDays = retentionDays[e.tier];
    const ageMs = now - e.createdAt;
    if (!(ageMs > limitDays * DAY_MS)) continue;
    const newer = live
      .filter((v) => v.tier === e.tier && (v.backend ?? 'sqlite') === (e.backend ?? 'sqlite') && v.id !== e.id && v.result === 'verified' && v.createdAt > e.createdAt)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!newer) continue;
    deletions.push({ id: e.id, tier: e.tier, ageDays: Math.floor(ageMs / DAY_MS), supersededBy: newer.id });
  }
  return deletions.sort((a, b) => a.id - b.id);
}
