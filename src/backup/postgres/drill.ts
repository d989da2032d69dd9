import { PgMarketStore } from '../../store/postgres/market-store.js';
import type { Db } from '../../store/sqlite.js';
import { markFailed, markVerified, type BackupEntry, type DrillResult } from '../catalog.js';
import { stageCopy } from '../stage.js';
import type { TierSettings } from '../tiers.js';
import { connect } from './connection.js';
import { stampMarketVersion } from './dump.js';

/**
 * The restore drill of one pg_dump: fetched into the scratch dir as a restore would fetch it
 * (downloaded for offsite), its SHA-256 checked, restored into a scratch database on the store's
 * server (never the store database itself) whose facts must equal the catalog's, and opened there
 * as a market store by this build (the backup's schema version stamped, migrations applied, every
 * series listed). The scratch database is dropped whatever happened (verifyPgDump). The caller
 * times the whole as the drill's RTO and records it.
 */
export async function drillPgDump(ops: Db, entry: BackupEntry, scratchDir: string, settings: TierSettings): Promise<{ result: DrillResult; detail: string }> {
  let opened = '';
  const staged = await stageCopy(entry, scratchDir, settings, async (scratchUrl) => {
    opened = await openAsStore(scratchUrl, entry);
  });
  if (!staged.ok) {
    const problems = staged.verdict.problems.join('; ');
    if (staged.verdict.contentBad) markFailed(ops, entry.id, Date.now(), `drill: ${problems}`);
    return { result: 'failed', detail: `backup #${entry.id}: ${problems}` };
  }
  markVerified(ops, entry.id, Date.now());
  return {
    result: 'ok',
    detail: `backup #${entry.id} (pg_dump) fetched in ${staged.ms.fetch} ms, restored into a scratch database and verified in ${staged.ms.verify} ms (sha256; candles, checksums and rows as catalogued), opened as a store by this build: ${opened}; the scratch database is dropped`,
  };
}

async function openAsStore(scratchUrl: string, entry: BackupEntry): Promise<string> {
  const client = await connect(scratchUrl, 'cfa-console backup drill');
  try {
    await stampMarketVersion(client, entry.pgFacts?.schemaVersion ?? 0);
  } finally {
    await client.end().catch(() => {});
  }
  let store: PgMarketStore;
  try {
    store = await PgMarketStore.open(scratchUrl, { poolSize: 1 });
  } catch (error) {
    throw new Error(`this build cannot open it as a store: ${(error as Error).message}`);
  }
  try {
    const extents = await store.seriesExtents();
    const candles = extents.reduce((n, e) => n + e.count, 0);
    const expected = Object.values(entry.pgFacts?.series ?? {}).reduce((n, s) => n + s.count, 0);
    if (candles !== expected) throw new Error(`opened as a store it holds ${candles} candles, catalogued ${expected}`);
    return `${extents.length} series, ${candles} candles`;
  } finally {
    await store.close();
  }
}
