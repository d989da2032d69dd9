/**
 * The game-day drill operations (`cfa-console drill`): which runbooks declare a drill, run them
 * headless in sandboxes (src/runbook/drill/), keep each result in the real data dir's ops.db
 * (`game_day_drills`, the only write there; a chaos soak too), and read the history back. The real data dir is
 * otherwise only read (for `--from-backup`); its lease and daemon are never touched.
 */
import { ConfigError } from '../config/config-error.js';
import { openOpsDb } from '../store/ops-db.js';
import type { RunbookDecl } from '../runbook/types.js';
import type { DrillOptions, DrillResult } from '../runbook/drill/drill.js';
import type { ChaosResult } from '../runbook/drill/chaos.js';
import { listGameDayDrills, recordChaosSoak, recordGameDayDrill, type DrillMode, type DrillRecord } from '../runbook/drill/drill-store.js';
import type { RunContext } from './context.js';
import { loadRunbooks, type RunbookRegistry } from './runbook.js';

/** The scenarios: the runbooks that declare a drill. */
export function drillScenarios(registry: RunbookRegistry): RunbookDecl[] {
  return registry.filter((r) => r.drill !== undefined);
}

export interface RunDrillsOptions {
  /** Scenario ids, or all that declare a drill. */
  scenarios: string[] | 'all';
  fromBackup?: boolean;
  mode?: DrillMode;
  registry?: RunbookRegistry;
  /** Keep the results in the real data dir's drill history (default true). */
  record?: boolean;
  /** Interactive: hands the firing alert to a person (see DrillOptions.walk). */
  walk?: DrillOptions['walk'];
}

/** Runs the drills one after the other; each result is recorded as it ends. */
export async function runDrills(options: RunDrillsOptions, ctx: RunContext): Promise<DrillResult[]> {
  const registry = options.registry ?? await loadRunbooks();
  const scenarios = drillScenarios(registry);
  const chosen = options.scenarios === 'all' ? scenarios : options.scenarios.map((id) => {
    const found = scenarios.find((s) => s.id === id);
    if (!found) throw new ConfigError(`no drill ${JSON.stringify(id)}; the drills are: ${scenarios.map((s) => s.id).join(', ') || '(none)'}`);
    return found;
  });
  const { runDrill } = await import('../runbook/drill/drill.js');
  const { cleanLeftovers } = await import('../runbook/drill/sandbox.js');
  const removed = await cleanLeftovers();
  if (removed.length) ctx.emit({ event: 'sandbox', stage: 'leftovers-removed', dirs: removed });
  const results: DrillResult[] = [];
  for (const decl of chosen) {
    if (ctx.signal?.aborted) break;
    const store = ctx.loaded.config.store;
    const result = await runDrill(decl, {
      registry, fromBackupOf: options.fromBackup ? ctx.dataDir : undefined, emit: ctx.emit, walk: options.walk, signal: ctx.signal,
      // On a postgres install the sandbox's store is a scratch database on its server (never the install's database).
      installStore: { backend: store.backend, url: store.url },
    });
    // Stopped by Ctrl-C: it judged nothing, and is not kept.
    if (ctx.signal?.aborted) { ctx.emit({ ...result }); results.push(result); break; }
    // A drill skipped here (it needs a mount this machine refuses) did not happen: not in the history the SLA audit counts.
    if ((options.record ?? true) && result.skipped === null) {
      const db = openOpsDb(ctx.dataDir);
      try { recordGameDayDrill(db, result, options.mode ?? 'headless'); } finally { db.close(); }
    }
    ctx.emit({ ...result });
    results.push(result);
  }
  return results;
}

export interface ChaosSoakOptions {
  durationMs: number;
  seed: number;
  registry?: RunbookRegistry;
  /** Keep the result in the real data dir's drill history (default true). */
  record?: boolean;
}

/**
 * The chaos soak over every drill of the catalogue (src/runbook/drill/chaos.ts) in a sandbox of
 * its own; `ctx.signal` stops it (its sandbox removed). The real data dir gets only the soak's
 * row in the drill history, once it ran its course (a soak stopped midway judged nothing).
 */
export async function runChaosSoak(options: ChaosSoakOptions, ctx: RunContext): Promise<ChaosResult> {
  const registry = options.registry ?? await loadRunbooks();
  const { runChaos } = await import('../runbook/drill/chaos.js');
  const { cleanLeftovers } = await import('../runbook/drill/sandbox.js');
  const removed = await cleanLeftovers();
  if (removed.length) ctx.emit({ event: 'sandbox', stage: 'leftovers-removed', dirs: removed });
  const result = await runChaos({ scenarios: drillScenarios(registry), durationMs: options.durationMs, seed: options.seed, emit: ctx.emit, signal: ctx.signal });
  if ((options.record ?? true) && !result.aborted) {
    const db = openOpsDb(ctx.dataDir);
    try { recordChaosSoak(db, result); } finally { db.close(); }
  }
  return result;
}

/** The drills run against this data dir, newest first. */
export function drillHistory(options: { limit?: number; since?: number }, ctx: RunContext): DrillRecord[] {
  const db = openOpsDb(ctx.dataDir);
  try { return listGameDayDrills(db, options); } finally { db.close(); }
}
