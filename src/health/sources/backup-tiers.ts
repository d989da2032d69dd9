import type { Config } from '../../config/schema.js';
import { BACKUP_TIERS, type BackupTier } from '../probes/backup.js';

export interface TierConfig {
  tier: BackupTier;
  configured: boolean;
  /** The config key that sets the tier up, named when it is unset. */
  configKey: string;
}

/** Which tiers exist: hot always (it defaults into the data dir); warm and offsite when configured. */
export function backupTiers(config: Config): TierConfig[] {
  const keys: Record<BackupTier, [boolean, string]> = {
    hot: [true, 'backup.hotDir'],
    warm: [config.backup.warmDir !== undefined, 'backup.warmDir'],
    offsite: [config.backup.offsiteRemote !== undefined, 'backup.offsiteRemote'],
  };
  return BACKUP_TIERS.map((tier) => ({ tier, configured: keys[tier][0], configKey: keys[tier][1] }));
}
