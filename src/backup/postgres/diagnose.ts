import type pg from 'pg';
import { pgFailureKind, shownUrl } from '../../store/postgres/pool.js';
import { cleanMessage, connect } from './connection.js';
import { hasCandlesTable, readPgFacts, type PgFacts } from './facts.js';

/**
 * What `recover` finds in the PostgreSQL store. The server keeps its own files consistent (WAL,
 * crash recovery), so the damage a restore cures is to the data: the candles table gone (dropped,
 * or a database recreated empty), pages that cannot be read (PostgreSQL reports those as errors
 * of class XX or 58 when every row is read), or whole series the newest verified backup holds
 * missing from the store (a TRUNCATE or DELETE by accident).
 */
export type PgDiagnosis =
  | { state: 'healthy'; series: number; candles: number }
  | { state: 'missing'; detail: string }
  | { state: 'unreadable'; detail: string }
  | { state: 'lost'; series: string[] };

/** SQLSTATE classes of damaged data: XX (data_corrupted, index_corrupted, internal) and 58 (I/O). */
export function isDamageError(error: unknown): boolean {
  return pgFailureKind(error) === 'damaged';
}

/**
 * Series the backup holds that the store no longer has at all: pure, over the two sets of facts.
 * A series with fewer candles is not counted (a repair deletes and fetches again); a whole series
 * gone is what no sync does.
 */
export function lostSeries(live: Pick<PgFacts, 'series'>, backup: Pick<PgFacts, 'series'> | null): string[] {
  if (!backup) return [];
  return Object.keys(backup.series).filter((key) => (backup.series[key]?.count ?? 0) > 0 && !live.series[key]).sort();
}

/**
 * Reads every candle once (the facts a backup is compared by) in a read-only transaction, so a
 * damaged page surfaces as an error, and compares the series with `newestBackup`'s. Changes
 * nothing. A server that cannot be reached is thrown (exit 1): a restore needs it up.
 */
export async function diagnosePg(url: string, newestBackup: PgFacts | null): Promise<PgDiagnosis> {
  let client: pg.Client;
  try {
    client = await connect(url, 'cfa-console recover');
  } catch (error) {
    throw Object.assign(new Error(`cannot reach the PostgreSQL store at ${shownUrl(url)}: ${cleanMessage((error as Error).message)}; recover restores into that server, so it must be up (check the server and store.url) before anything can be recovered`, { cause: error }), { exitCode: 1 });
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    if (!(await hasCandlesTable(client))) return { state: 'missing', detail: `the store ${shownUrl(url)} has no candles table` };
    let facts: PgFacts;
    try {
      facts = await readPgFacts(client);
    } catch (error) {
      if (isDamageError(error)) return { state: 'unreadable', detail: `reading every candle failed: ${cleanMessage((error as Error).message)} (SQLSTATE ${(error as { code: string }).code})` };
      throw error;
    }
    const lost = lostSeries(facts, newestBackup);
    if (lost.length) return { state: 'lost', series: lost };
    const series = Object.values(facts.series);
    return { state: 'healthy', series: series.length, candles: series.reduce((n, s) => n + s.count, 0) };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  }
}

export function describePgDiagnosis(d: PgDiagnosis): string {
  switch (d.state) {
    case 'healthy': return `every candle readable (${d.series} series, ${d.candles} candles); no series of the newest backup missing`;
    case 'missing': return d.detail;
    case 'unreadable': return `damaged: ${d.detail}`;
    case 'lost': return `${d.series.length} series of the newest verified backup ${d.series.length > 1 ? 'are' : 'is'} gone from the store (${d.series.slice(0, 4).join(', ')}${d.series.length > 4 ? ', …' : ''})`;
  }
}
