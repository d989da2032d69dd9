import { AlertService } from '../alerts/service.js';
import { composeDigest, enqueueDigest } from '../alerts/digest.js';
import { createEngineLogger } from '../engine/logger.js';
import { collectHealth } from '../health/collect-health.js';
import type { HealthSnapshot } from '../health/types.js';
import { openOpsDb } from '../store/ops-db.js';
import type { RunContext } from './context.js';

export interface AlertDigestOptions {
  /** Compose the digest without sending it. */
  dryRun?: boolean;
  /** How long to keep delivering before leaving the rest to the engine's worker (default 2 min). */
  waitMs?: number;
}

export type AlertDigestResult =
  | { kind: 'dry-run'; digest: ReturnType<typeof composeDigest> }
  | { kind: 'no-channel'; note: string }
  | {
    kind: 'sent'; title: string; channels: string[]; delivered: string[];
    waiting: { channel: string; error: string | null }[]; givenUp: { channel: string; error: string | null }[]; otherDelivered: number;
  };

/** Freshness for the digest, judged by the health probes (only that probe: the digest must be cheap). */
function freshness(config: RunContext['loaded']['config'], dataDir: string, now: number): HealthSnapshot | null {
  try {
    return collectHealth({ config, dataDir, now, only: ['freshness'] });
  } catch {
    return null;
  }
}

/**
 * The daily digest: the last 24 h of alerts, job results and freshness, written to the outbox and
 * delivered within `waitMs`; what is not delivered by then stays for the engine's worker.
 */
export async function alertDigest(options: AlertDigestOptions, ctx: RunContext): Promise<AlertDigestResult> {
  const { config } = ctx.loaded;
  const db = openOpsDb(ctx.dataDir);
  try {
    const now = Date.now();
    if (options.dryRun) return { kind: 'dry-run', digest: composeDigest(db, config, now, freshness(config, ctx.dataDir, now)) };
    // The log file, not stdout: the CLI's own output stays readable, and health reads the file.
    const logger = ctx.logger ?? createEngineLogger(ctx.dataDir, { stdout: false });
    const service = new AlertService({ db, config, logger });
    const queued = enqueueDigest(db, config, service.channels, now, freshness(config, ctx.dataDir, now));
    if (queued.channels.length === 0) {
      return { kind: 'no-channel', note: 'no channel is configured for the digest (alerts.digestChannels or the info route): nothing sent' };
    }
    const drained = await service.worker.drain({ maxWaitMs: options.waitMs ?? 120_000 });
    const rows = queued.outboxIds.map((id) => service.outbox.get(id)).filter((r) => r !== null);
    const delivered = rows.filter((r) => r.deliveredAt !== null).map((r) => r.channel);
    return {
      kind: 'sent',
      title: queued.digest.title,
      channels: queued.channels,
      delivered,
      waiting: rows.filter((r) => r.deliveredAt === null && r.failedAt === null).map((r) => ({ channel: r.channel, error: r.lastError })),
      givenUp: rows.filter((r) => r.failedAt !== null).map((r) => ({ channel: r.channel, error: r.lastError })),
      otherDelivered: drained.delivered - delivered.length,
    };
  } finally {
    db.close();
  }
}
