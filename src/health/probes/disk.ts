import { humanBytes } from '../format-values.js';
import { judgeBelow, type Limits } from '../status.js';
import type { ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface DiskInput {
  dir: string;
  /** From statfs; null when it could not be read. */
  space: { totalBytes: number; freeBytes: number } | null;
  /** Free percent: below warn is a warning, below critical critical. */
  limits: Limits;
  reason?: string;
}

/** Free space for unprivileged users on the data dir's file system. */
export function judgeDiskFree(input: DiskInput): ProbeResult {
  const threshold = { warn: input.limits.warn, critical: input.limits.critical };
  if (!input.space || input.space.totalBytes <= 0) {
    return probeResult('disk', { status: 'unknown', value: null, threshold, unit: 'percent', detail: `cannot read free space of ${input.dir}${input.reason ? `: ${input.reason}` : ''}` });
  }
  const pct = (input.space.freeBytes / input.space.totalBytes) * 100;
  const status = judgeBelow(pct, input.limits);
  const head = `${humanBytes(input.space.freeBytes)} free of ${humanBytes(input.space.totalBytes)} (${pct.toFixed(1)}%) on ${input.dir}`;
  return probeResult('disk', {
    status, value: Math.round(pct * 10) / 10, threshold, unit: 'percent',
    detail: status === 'ok' ? head : `${head}: free space or the next backup and sync may fail (prune backups, logs, quarantine)`,
  });
}
