import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { durationMs, type Config } from '../config/schema.js';

export const TIERS = ['hot', 'warm', 'offsite'] as const;
export type Tier = (typeof TIERS)[number];
export type LocalTier = Exclude<Tier, 'offsite'>;

export function isTier(value: string): value is Tier {
  return (TIERS as readonly string[]).includes(value);
}

/** `--tier`: one tier or all, refused with what would be right. */
export function parseTierOption(raw: string | undefined): Tier | 'all' {
  const value = (raw ?? 'all').toLowerCase();
  if (value === 'all' || isTier(value)) return value;
  throw new ConfigError(`--tier ${JSON.stringify(raw)} is not valid: expected hot, warm, offsite or all`);
}

/** Where each tier lives, resolved from the config; null for a tier that is not configured. */
export interface TierSettings {
  hot: { dir: string; retentionDays: number };
  warm: { dir: string; retentionDays: number } | null;
  offsite: {
    remote: string;
    rclone: string;
    flags: string[];
    immutable: boolean;
    timeoutMs: number;
    retentionDays: number;
  } | null;
  /** How long restore/recover/compact wait for a running sync or backup. */
  writerWaitMs: number;
  /**
   * The store that is backed up: market.db (default, also when absent) or the PostgreSQL database
   * at `url` (secret: printed only through shownUrl). `url` is also where a pg_dump copy is
   * restored into a scratch database to verify it.
   */
  store?: { backend: 'sqlite' | 'postgres'; url: string | null };
}

/** The backend whose copies backups make and restores use. */
export function storeBackend(settings: Pick<TierSettings, 'store'>): 'sqlite' | 'postgres' {
  return settings.store?.backend ?? 'sqlite';
}

export function tierSettings(config: Config & { dataDir: string }): TierSettings {
  const b = config.backup;
  return {
    hot: { dir: path.resolve(b.hotDir ?? path.join(config.dataDir, 'backups', 'hot')), retentionDays: b.retentionDays.hot },
    warm: b.warmDir ? { dir: path.resolve(b.warmDir), retentionDays: b.retentionDays.warm } : null,
    offsite: b.offsiteRemote
      ? {
        remote: b.offsiteRemote,
        rclone: b.rclone,
        flags: [...b.rcloneFlags],
        immutable: b.immutable,
        timeoutMs: durationMs(b.rcloneTimeout),
        retentionDays: b.retentionDays.offsite,
      }
      : null,
    writerWaitMs: durationMs(b.writerWait),
    store: { backend: config.store.backend, url: config.store.url ?? null },
  };
}

export function isConfigured(settings: TierSettings, tier: Tier): boolean {
  return settings[tier] !== null;
}

export function retentionDays(settings: TierSettings): Record<Tier, number> {
  return {
    hot: settings.hot.retentionDays,
    warm: settings.warm?.retentionDays ?? Infinity,
    offsite: settings.offsite?.retentionDays ?? Infinity,
  };
}

/** What to say about a tier that is not configured, with the key that configures it. */
export function notConfiguredReason(tier: Tier): string {
  return tier === 'warm'
    ? 'not configured: set backup.warmDir to a directory on other media (another disk)'
    : tier === 'offsite'
      ? 'not configured: set backup.offsiteRemote to an rclone remote and path, e.g. "s3:my-bucket/cfa"'
      : 'not configured';
}
