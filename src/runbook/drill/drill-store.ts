/**
 * Owns `game_day_drills` (ops.db v8): the drills run against this data dir, kept for `drill
 * history` and the SLA audit's monthly drill. The row holds the whole result (score and report).
 * A chaos soak (`drill chaos`) is kept here too, as scenario `chaos` (headless): its row holds the
 * soak's result (seed, duration, its table and every episode).
 */
import type { Db } from '../../store/sqlite.js';
import type { ChaosResult } from './chaos.js';
import type { DrillResult } from './drill.js';

export type DrillMode = 'headless' | 'interactive';

/** The scenario a chaos soak is kept under (no runbook can be drilled by that name: `drill chaos` is the soak). */
export const CHAOS_SCENARIO = 'chaos';

interface RecordBase {
  id: number;
  scenario: string;
  mode: DrillMode;
  startedAt: number;
  endedAt: number;
  passed: boolean;
  reason: string | null;
  toSteadyMs: number | null;
  targetMs: number | null;
}

/** One drill of a runbook, or one chaos soak. */
export type DrillRecord = RecordBase & ({ kind: 'drill'; result: DrillResult } | { kind: 'chaos'; result: ChaosResult });

interface Row {
  id: number; scenario: string; mode: DrillMode; started_at: number; ended_at: number; passed: number;
  reason: string | null; to_steady_ms: number | null; target_ms: number | null; result: string;
}

function toRecord(r: Row): DrillRecord {
  const base: RecordBase = {
    id: r.id, scenario: r.scenario, mode: r.mode, startedAt: r.started_at, endedAt: r.ended_at, passed: r.passed === 1,
    reason: r.reason, toSteadyMs: r.to_steady_ms, targetMs: r.target_ms,
  };
  const result = JSON.parse(r.result) as DrillResult | ChaosResult;
  return result.event === 'chaos' ? { ...base, kind: 'chaos', result } : { ...base, kind: 'drill', result };
}

export function recordGameDayDrill(db: Db, result: DrillResult, mode: DrillMode): number {
  const target = result.score?.targetMs;
  return Number(db.prepare(`INSERT INTO game_day_drills (scenario, mode, started_at, ended_at, passed, reason, to_steady_ms, target_ms, result)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    result.scenario, mode, result.startedAt, result.endedAt, result.passed ? 1 : 0, result.reason,
    result.score?.toSteadyMs ?? null, target !== undefined && Number.isFinite(target) ? target : null, JSON.stringify(result),
  ).lastInsertRowid);
}

/** A finished chaos soak (one stopped by Ctrl-C did not run its course: the caller leaves it out). */
export function recordChaosSoak(db: Db, result: ChaosResult): number {
  return Number(db.prepare(`INSERT INTO game_day_drills (scenario, mode, started_at, ended_at, passed, reason, to_steady_ms, target_ms, result)
    VALUES (?, 'headless', ?, ?, ?, ?, NULL, NULL, ?)`).run(
    CHAOS_SCENARIO, result.startedAt, result.endedAt, result.passed ? 1 : 0, result.reasons.join('; ') || null, JSON.stringify(result),
  ).lastInsertRowid);
}

/** Newest first: the drills of runbooks and the chaos soaks. */
export function listGameDayDrills(db: Db, options: { since?: number; limit?: number } = {}): DrillRecord[] {
  return (db.prepare('SELECT * FROM game_day_drills WHERE started_at >= ? ORDER BY started_at DESC, id DESC LIMIT ?')
    .all(options.since ?? 0, options.limit ?? 100) as Row[]).map(toRecord);
}
