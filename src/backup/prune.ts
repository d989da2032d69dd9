import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/sqlite.js';
import { getBackup, listBackups, markDeleted } from './catalog.js';
import { describeFailure, fsyncDir } from './files.js';
import { deleteRemote, findRclone } from './offsite.js';
import { chooseDeletions } from './retention.js';
import { retentionDays, type Tier, type TierSettings } from './tiers.js';

export interface PruneOutcome {
  id: number;
  tier: Tier;
  location: string;
  ageDays: number;
  supersededBy: number;
  deleted: boolean;
  error?: string;
}

/**
 * Applies the retention rules to `tiers` only (the caller passes the tiers whose backup just
 * verified, so a failing run never deletes anything). The copy is removed first and the catalog
 * marked after: a crash in between leaves a row pointing at a missing file, which
 * `backup verify` reports, rather than a file that no catalog row accounts for.
 */
export async function applyRetention(db: Db, settings: TierSettings, tiers: readonly Tier[], now = Date.now()): Promise<PruneOutcome[]> {
  const entries = listBackups(db);
  const chosen = chooseDeletions(entries, now, retentionDays(settings)).filter((d) => tiers.includes(d.tier));
  const outcomes: PruneOutcome[] = [];
  for (const d of chosen) {
    const entry = getBackup(db, d.id)!;
    const outcome: PruneOutcome = { id: d.id, tier: d.tier, location: entry.location, ageDays: d.ageDays, supersededBy: d.supersededBy, deleted: false };
    try {
      if (d.tier === 'offsite') {
        const lookup = settings.offsite ? findRclone(settings.offsite) : { ok: false as const, reason: 'offsite tier not configured' };
        if (!lookup.ok) throw new Error(lookup.reason);
        await deleteRemote(lookup.rclone, entry.location);
      } else {
        fs.rmSync(entry.location, { force: true });
        fsyncDir(path.dirname(entry.location));
      }
      markDeleted(db, d.id, Date.now());
      outcome.deleted = true;
    } catch (error) {
      outcome.error = describeFailure(error);
    }
    outcomes.push(outcome);
  }
  return outcomes;
}
