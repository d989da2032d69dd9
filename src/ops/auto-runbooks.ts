/**
 * The leader's automatic runbooks: when an alert becomes firing and its runbook is automatic
 * (config `runbooks.auto`, else the runbook's own `automatic`), the leader runs it itself, with
 * the config's consent for its mutating steps. An automatic run is an incident like any other;
 * it pages only when it escalates. One run at a time, in the order the alerts fired; an alert
 * whose runbook already has an open incident is left to that incident.
 */
import type { AlertRecord } from '../alerts/types.js';
import type { Logger } from '../engine/logger.js';
import type { RunbookDecl } from '../runbook/types.js';
import type { RunContext } from './context.js';
import { loadRunbooks, runbooksFor, runRunbook, type RunbookRegistry } from './runbook.js';
import type { RunSummary } from '../runbook/runner.js';
import { claimIsLive, IncidentStore, type Incident } from '../runbook/incidents.js';
import { openOpsDb } from '../store/ops-db.js';

export interface AutoRunbooksOptions {
  logger?: Logger;
  /** Default: runbooks/index.ts. */
  registry?: RunbookRegistry;
  /** Told of every finished automatic run (the tests, the console's feed). */
  onFinished?: (summary: RunSummary) => void;
}

/** Whether the leader runs `decl` itself: the config's word, else the runbook's own default. */
export function isAutomatic(decl: RunbookDecl, auto: Readonly<Record<string, boolean>>): boolean {
  return auto[decl.id] ?? decl.automatic;
}

function stillOpen(ctx: RunContext, id: number): boolean {
  const db = openOpsDb(ctx.dataDir);
  try {
    return new IncidentStore(db).get(id)?.state === 'open';
  } finally {
    db.close();
  }
}

/** The runbook an alert opens: the one the rule names, else the first that opens on its rule. */
export function runbookForAlert(registry: RunbookRegistry, alert: Pick<AlertRecord, 'rule' | 'runbook'>): RunbookDecl | undefined {
  return registry.find((r) => r.id === alert.runbook) ?? runbooksFor(registry, alert.rule)[0];
}

/**
 * The handler for `EngineOptions.onAlertsFired`. `ctx` is the leader's context; its `confirm`
 * is replaced by the config's consent. Returns the handler and `idle()` (resolves when every
 * queued run has finished: for a graceful stop and for tests).
 */
export function autoRunbooks(ctx: RunContext, options: AutoRunbooksOptions = {}): {
  onFired: (alerts: AlertRecord[]) => void;
  resumeOrphans: () => void;
  idle: () => Promise<void>;
} {
  let chain: Promise<void> = Promise.resolve();
  const queued = new Set<string>();
  /** Queues one automatic run of the runbook `pick` finds (none: nothing to do). */
  const enqueue = (pick: (registry: RunbookRegistry) => RunbookDecl | undefined, alertId: number | null): void => {
    chain = chain.then(async () => {
      const registry = options.registry ?? await loadRunbooks();
      const decl = pick(registry);
      if (!decl || !isAutomatic(decl, ctx.loaded.config.runbooks.auto) || queued.has(decl.id)) return;
      queued.add(decl.id);
      try {
        options.logger?.info({ runbook: decl.id, alert: alertId }, 'automatic runbook starting');
        const summary = await runRunbook(decl.id, { registry, alertId: alertId ?? undefined, automatic: true }, { ...ctx, confirm: async () => 0 });
        options.logger?.[summary.outcome === 'resolved' ? 'info' : 'warn']({ runbook: decl.id, incident: summary.incidentId, outcome: summary.outcome, reason: summary.reason }, 'automatic runbook finished');
        options.onFinished?.(summary);
      } catch (error) {
        // Somebody works it already (a console), or it could not start: the alert stays for people.
        options.logger?.warn({ runbook: decl.id, alert: alertId, err: error }, 'automatic runbook not run');
      } finally {
        queued.delete(decl.id);
      }
    });
  };
  const onFired = (alerts: AlertRecord[]): void => {
    for (const alert of alerts) enqueue((registry) => runbookForAlert(registry, alert), alert.id);
  };
  /**
   * On becoming leader, and when incidents were taken over from another host's leader: the
   * automatic incidents whose runner is gone (a leader killed mid-run) are resumed where they stopped. Their alert fired before and will not fire again, so without
   * this they would stay open until a person came (found by the chaos soak's kill -9).
   */
  const resumeOrphans = (): void => {
    let orphans: Incident[];
    const db = openOpsDb(ctx.dataDir);
    try {
      orphans = new IncidentStore(db).active().filter((i) => i.automatic && (i.claim === null || !claimIsLive(i.claim)));
    } finally {
      db.close();
    }
    for (const incident of orphans) {
      options.logger?.warn({ incident: incident.id, runbook: incident.runbook }, 'automatic incident left by a dead leader: resuming it');
      // Still open when its turn comes: called again (incidents handed over from another host), a
      // run queued before may have closed it, and a run of a closed one would open another.
      enqueue((registry) => (stillOpen(ctx, incident.id) ? registry.find((r) => r.id === incident.runbook) : undefined), null);
    }
  };
  return { onFired, resumeOrphans, idle: () => chain };
}
