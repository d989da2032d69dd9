import { loadConfig } from '../../../src/config/load-config.js';
import type { ActionPlan } from '../../../src/common/plan.js';
import { runContext } from '../../../src/ops/context.js';
import type { StepCall, StepContext, StepResult } from '../../../src/runbook/types.js';

/**
 * A StepContext as the runner builds it: the operations' context for this data dir and config
 * file (no environment: the test's own CFA_ variables must not leak in), no incident unless given.
 */
export function stepContext(options: {
  dataDir: string; configFile: string; exchangeUrl?: string; incidentId?: number | null;
  facts?: Record<string, unknown>; confirm?: (plan: ActionPlan) => Promise<number>;
}): StepContext & { plans: ActionPlan[] } {
  const loaded = loadConfig({ configPath: options.configFile, dataDir: options.dataDir, exchangeUrl: options.exchangeUrl }, {});
  const plans: ActionPlan[] = [];
  const confirm = options.confirm ?? (async () => 0);
  return {
    ...runContext(loaded, { confirm: async (plan) => { plans.push(plan); return confirm(plan); } }),
    incidentId: options.incidentId ?? null, alert: null, facts: options.facts ?? {}, dryRun: false, plans,
  };
}

/** The context with more facts, as the runner passes them to later steps (bare and `<step>.<key>`). */
export function withFacts(ctx: StepContext & { plans: ActionPlan[] }, step: string, data: Record<string, unknown>): StepContext & { plans: ActionPlan[] } {
  const facts: Record<string, unknown> = { ...ctx.facts };
  for (const [k, v] of Object.entries(data)) {
    facts[k] = v;
    facts[`${step}.${k}`] = v;
  }
  return { ...ctx, facts };
}

/** Runs `call` until it is ok (what a wait-until step does); fails with its last summary after `timeoutMs`. */
export async function until(call: StepCall, ctx: StepContext, timeoutMs = 20_000, everyMs = 200): Promise<StepResult> {
  const deadline = Date.now() + timeoutMs;
  let last: StepResult;
  for (;;) {
    last = await call.run(ctx);
    if (last.ok) return last;
    if (Date.now() > deadline) throw new Error(`${call.name} not ok after ${timeoutMs} ms: ${last.summary}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
