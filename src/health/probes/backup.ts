import { humanDuration } from '../format-values.js';
import { judgeAbove, worstStatus, type Limits } from '../status.js';
import type { HealthStatus, Offender, ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export type BackupTier = 'hot' | 'warm' | 'offsite';
export const BACKUP_TIERS: readonly BackupTier[] = ['hot', 'warm', 'offsite'];

export interface TierFacts {
  tier: BackupTier;
  /** Unset config (backup.warmDir, backup.offsiteRemote) means the tier does not exist. */
  configured: boolean;
  /** The config key that configures the tier, named when it is unset. */
  configKey: string;
  /** Creation time of the newest verified, not deleted backup of the tier, or null. */
  newestVerifiedAt: number | null;
}

export interface BackupInput {
  tiers: readonly TierFacts[];
  now: number;
  limits: Limits;
  /** Set when the catalog could not be read at all. */
  catalogError?: string;
}

interface TierVerdict { tier: BackupTier; status: HealthStatus; ageMs: number | null; detail: string }

function judgeTier(t: TierFacts, now: number, limits: Limits): TierVerdict {
  if (!t.configured) return { tier: t.tier, status: 'unknown', ageMs: null, detail: `${t.tier} tier not configured (${t.configKey})` };
  if (t.newestVerifiedAt === null) return { tier: t.tier, status: 'unknown', ageMs: null, detail: `no verified ${t.tier} backup in the catalog` };
  const ageMs = Math.max(0, now - t.newestVerifiedAt);
  const status = judgeAbove(ageMs, limits);
  return { tier: t.tier, status, ageMs, detail: `newest verified ${t.tier} backup ${humanDuration(ageMs)} old` };
}

/** A measured age over its limit says so; unknown needs no label, its words say why. */
function withStatus(v: TierVerdict): string {
  return v.status === 'warn' || v.status === 'critical' ? `${v.detail} (${v.status})` : v.detail;
}

/**
 * Age of the newest verified backup per tier. A tier without one is unknown, never ok: a
 * backup nobody verified is not known to restore. An unconfigured tier is unknown and says so.
 */
export function judgeBackup(input: BackupInput): ProbeResult {
  const threshold = { warn: input.limits.warn, critical: input.limits.critical };
  if (input.catalogError) {
    return probeResult('backup', { status: 'unknown', value: null, threshold, unit: 'ms', detail: `cannot read the backup catalog: ${input.catalogError}` });
  }
  const verdicts = input.tiers.map((t) => judgeTier(t, input.now, input.limits));
  const ages = verdicts.flatMap((v) => (v.ageMs === null ? [] : [v.ageMs]));
  const offenders: Offender[] = verdicts
    .filter((v) => v.status !== 'ok')
    .map((v) => ({ name: v.tier, value: v.ageMs, detail: withStatus(v) }));
  return probeResult('backup', {
    status: worstStatus(verdicts.map((v) => v.status)),
    value: ages.length ? Math.max(...ages) : null,
    threshold,
    unit: 'ms',
    detail: verdicts.map(withStatus).join('; '),
    offenders,
  });
}
