import { humanBytes } from '../format-values.js';
import type { ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface DbSizeInput {
  file: string;
  /** What the detail calls it (default market.db). */
  name?: string;
  /** The database and its WAL, or null when the file is missing. */
  bytes: number | null;
  minBytes: number;
}

/** The original design's sanity check: a market.db smaller than expected suggests lost data. */
export function judgeDbSize(input: DbSizeInput): ProbeResult {
  const threshold = { warn: input.minBytes };
  if (input.bytes === null) {
    return probeResult('size', { status: 'unknown', value: null, threshold, unit: 'bytes', detail: `${input.file} does not exist` });
  }
  if (input.bytes < input.minBytes) {
    return probeResult('size', {
      status: 'warn', value: input.bytes, threshold, unit: 'bytes',
      detail: `${input.name ?? 'market.db'} is ${humanBytes(input.bytes)}, under the ${humanBytes(input.minBytes)} a full store has: possible data loss (compare coverage and continuity)`,
    });
  }
  return probeResult('size', { status: 'ok', value: input.bytes, threshold, unit: 'bytes', detail: `${input.name ?? 'market.db'} is ${humanBytes(input.bytes)}` });
}
