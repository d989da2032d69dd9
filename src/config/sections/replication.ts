import { z } from 'zod';
import { duration } from '../duration.js';

/**
 * One Litestream replica: a URL (`file:///mnt/other-disk/cfa`, `s3://bucket/path`,
 * `sftp://user@host/path`) and an optional name (default: the scheme, then `-2`, `-3`, …).
 * Each store goes under it as `<url>/market` and `<url>/ops`. Credentials do not belong in the
 * config: S3 keys come from the environment (`LITESTREAM_ACCESS_KEY_ID`,
 * `LITESTREAM_SECRET_ACCESS_KEY`, or the AWS_ ones), and a URL may name an environment variable
 * (`sftp://cfa:${CFA_SFTP_PASSWORD}@host/cfa`), which Litestream expands. A password written in
 * the URL still works, but it is masked wherever we print or log the URL, and it is handed to
 * Litestream through its environment, never written into the generated config file.
 */
const replica = z.union([
  z.string().min(1),
  z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'a replica name is lower-case letters, digits and dashes, e.g. other-disk').optional(), url: z.string().min(1) }).strict(),
]);

/** Continuous replication of market.db and ops.db with Litestream (owned by src/replication). */
export const replicationSection = z.object({
  /** Replication is on when this list is not empty. */
  replicas: z.array(replica).default([]),
  /** How often Litestream ships new WAL frames to the replicas: the RPO while it runs. */
  syncInterval: duration.default('1s'),
  /** How often a full snapshot is written (a restore replays the WAL from the newest one). */
  snapshotInterval: duration.default('1h'),
  /** How far back a point-in-time restore can go; covers the 48 h rollback. */
  retention: duration.default('72h'),
  /** The Litestream binary; default: the one shipped in @flydotio/litestream-linux-x64 (an optional dependency). */
  litestream: z.string().min(1).optional(),
  /** Replication lag (unreplicated change) above this is a warning ... */
  lagWarning: duration.default('1m'),
  /** ... and above this critical: the seeds' RPO of 2 h. */
  lagCritical: duration.default('2h'),
  /** The newest snapshot on a replica older than this is a warning (snapshotInterval plus slack). */
  snapshotMaxAge: duration.default('26h'),
}).strict();
