import { z } from 'zod';

/** The 3-2-1 tiers (owned by src/backup). Unset dirs mean the tier is not configured. */
export const backupSection = z.object({
  /** Default: <data dir>/backups/hot. */
  hotDir: z.string().min(1).optional(),
  /** Meant for other media (another disk): unset means no warm tier. */
  warmDir: z.string().min(1).optional(),
  /** An rclone remote and path, e.g. "s3-glacier:cfa-backups/market"; unset means no offsite tier. */
  offsiteRemote: z.string().min(1).optional(),
  rclone: z.string().min(1).default('rclone'),
  /** Passed through to rclone, e.g. ["--s3-storage-class", "GLACIER"]. */
  rcloneFlags: z.array(z.string()).default([]),
  immutable: z.boolean().default(false),
  retentionDays: z.object({
    hot: z.int().min(1).default(14),
    warm: z.int().min(1).default(30),
    offsite: z.int().min(1).default(90),
  }).strict().prefault({}),
}).strict();
