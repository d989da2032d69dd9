import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MarketStore } from '../store/market-db.js';
import type { Db } from '../store/sqlite.js';
import { listBackups, markFailed, markVerified, recordDrill, type BackupEntry, type DrillResult } from './catalog.js';
import { byRecency, usable } from './selection.js';
import { stageCopy } from './stage.js';
import { TIERS, type Tier, type TierSettings } from './tiers.js';

export interface DrillOutcome {
  tier: Tier;
  result: DrillResult;
  backup: BackupEntry | null;
  durationMs: number;
  detail: string;
}

/**
 * The monthly restore drill (the original design's backup_test.sh, done properly): for every
 * configured tier, its newest usable backup is fetched into a scratch dir exactly as a restore
 * would fetch it (downloaded for offsite), verified (SHA-256, integrity, schema, candle counts),
 * and opened as a live store by this build (migrations applied, every series readable). The
 * result goes to restore_drills, which the SLA audit reads, and the copy's verification to the
 * catalog. Nothing touches the live market.db.
 */
export async function runDrill(options: { ops: Db; settings: TierSettings; scratchRoot?: string; onTier?: (o: DrillOutcome) => void }): Promise<DrillOutcome[]> {
  const { ops, settings } = options;
  const outcomes: DrillOutcome[] = [];
  for (const tier of TIERS.filter((t) => settings[t] !== null)) {
    const t0 = performance.now();
    const at = Date.now();
    const entry = byRecency(usable(listBackups(ops, { tier })))[0] ?? null;
    let result: DrillResult;
    let detail: string;
    if (!entry) {
      result = 'no-backup';
      detail = `no verified ${tier} backup to drill: run \`cfa-console backup --tier ${tier}\``;
    } else {
      const scratch = fs.mkdtempSync(path.join(options.scratchRoot ?? os.tmpdir(), 'cfa-drill-'));
      try {
        ({ result, detail } = await drillOne(ops, entry, scratch, settings));
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    }
    const durationMs = Math.round(performance.now() - t0);
    recordDrill(ops, { at, backupId: entry?.id ?? null, tier, result, durationMs, detail });
    const outcome = { tier, result, backup: entry, durationMs, detail };
    outcomes.push(outcome);
    options.onTier?.(outcome);
  }
  return outcomes;
}

async function drillOne(ops: Db, entry: BackupEntry, scratch: string, settings: TierSettings): Promise<{ result: DrillResult; detail: string }> {
  const staged = await stageCopy(entry, scratch, settings);
  if (!staged.ok) {
    const problems = staged.verdict.problems.join('; ');
    if (staged.verdict.contentBad) markFailed(ops, entry.id, Date.now(), `drill: ${problems}`);
    return { result: 'failed', detail: `backup #${entry.id}: ${problems}` };
  }
  try {
    const store = MarketStore.openFile(staged.file);
    try {
      const extents = store.seriesExtents();
      const candles = extents.reduce((n, e) => n + e.count, 0);
      const expected = Object.values(entry.rowCounts ?? {}).reduce((n, c) => n + c, 0);
      if (candles !== expected) {
        markFailed(ops, entry.id, Date.now(), `drill: opened as a store it holds ${candles} candles, catalogued ${expected}`);
        return { result: 'failed', detail: `backup #${entry.id} opened as a store holds ${candles} candles, catalogued ${expected}` };
      }
      markVerified(ops, entry.id, Date.now());
      return {
        result: 'ok',
        detail: `backup #${entry.id} restored to a scratch dir in ${staged.ms.fetch} ms, verified in ${staged.ms.verify} ms, opened as a store: ${extents.length} series, ${candles} candles`,
      };
    } finally {
      store.close();
    }
  } catch (error) {
    return { result: 'failed', detail: `backup #${entry.id} verified but cannot be opened as a store by this build: ${(error as Error).message}` };
  }
}
