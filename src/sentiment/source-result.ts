/** What one source of the sentiment job did: the same shape for Binance, Fear & Greed and FRED. */

export type SourceName = 'binance' | 'fng' | 'fred';

export interface SourceFailure {
  /** The series (e.g. `BTCUSDT funding`, `DGS10`) or the source itself. */
  item: string;
  error: string;
}

export interface SourceResult {
  source: SourceName;
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  /** Rows written (inserted or updated). */
  stored: number;
  requests: number;
  failures: SourceFailure[];
  /** Plain sentences: gaps that cannot be recovered, missing days, and the like. */
  notes: string[];
}

export function emptyResult(source: SourceName): SourceResult {
  return { source, status: 'ok', stored: 0, requests: 0, failures: [], notes: [] };
}

/** ok when nothing failed, failed when nothing but failures, partial otherwise. */
export function finish(result: SourceResult, items: number): SourceResult {
  const failed = result.failures.length;
  result.status = failed === 0 ? 'ok' : failed >= items ? 'failed' : 'partial';
  return result;
}

export function num(raw: unknown): number | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}
