import { z } from 'zod';
import { duration } from '../duration.js';

/** The 3-2-1 tiers (owned by src/backup). Unset dirs mean the tier is not configured. */
export const backupSection = z.object({
  /** Default: <data dir>/backups/hot. */
  hotDir: z.string().min(1).optional(),
  /**
   * Meant for other media (another disk): unset means no warm tier. It must exist: a backup never
   * creates it, so an unmounted disk fails the tier instead of filling the root file system.
   */
  warmDir: z.string().min(1).optional(),
  /** An rclone remote and path, e.g. "s3-glacier:cfa-backups/market"; unset means no offsite tier. */
  offsiteRemote: z.string().min(1).optional(),
  /** The rclone binary: a name looked up on PATH, or a path. */
  rclone: z.string().min(1).default('rclone'),
  /** Passed through to rclone, e.g. ["--s3-storage-class", "GLACIER"]. */
  rcloneFlags: z.array(z.string()).default([]),
  /** rclone --immutable: an uploaded backup is never modified or overwritten. */
  immutable: z.boolean().default(true),
  /** Upper bound of one rclone call (upload, hash, download, delete). */
  rcloneTimeout: duration.default('2h'),
  /** How long restore, recover and compact wait for a running sync or backup to finish first. */
  writerWait: duration.default('10m'),
  retentionDays: z.object({
    hot: z.int().min(1).default(14),
    warm: z.int().min(1).default(30),
    offsite: z.int().min(1).default(90),
  }).strict().prefault({}),
}).strict();
