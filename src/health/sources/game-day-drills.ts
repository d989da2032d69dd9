import type { Db } from '../../store/sqlite.js';

/**
 * Reads the game-day drill history of ops.db (table `game_day_drills`, owned by
 * src/runbook/drill/drill-store.ts, migration ops-v8-drills). The only place src/health reads it,
 * and it never writes: the SLA audit counts the monthly drill from what the drills left.
 */
export interface CatalogGameDay {
  at: number;
  scenario: string;
  passed: boolean;
}

export function gameDayDrillsSince(db: Db, since: number): CatalogGameDay[] {
  const rows = db.prepare('SELECT started_at, scenario, passed FROM game_day_drills WHERE started_at >= ? ORDER BY started_at, id')
    .all(since) as { started_at: number; scenario: string; passed: number }[];
  return rows.map((r) => ({ at: r.started_at, scenario: r.scenario, passed: r.passed === 1 }));
}
