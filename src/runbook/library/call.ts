import { humanDuration } from '../../health/format-values.js';
import type { ActionPlan } from '../../common/plan.js';
import type { StepCall, StepContext, StepResult } from '../types.js';

/** Builds a StepCall: the library's factories use it, runbooks never do. */
export function stepCall(
  name: string, args: Record<string, unknown>, run: (ctx: StepContext) => Promise<StepResult> | StepResult,
  plan?: (ctx: StepContext) => Promise<ActionPlan> | ActionPlan,
): StepCall {
  return {
    name, args,
    run: async (ctx) => run(ctx),
    ...(plan ? { plan: async (ctx: StepContext) => plan(ctx) } : {}),
  };
}

/** A value published by an earlier step, by bare key or `<step>.<key>`. */
export function fact<T>(ctx: StepContext, key: string): T | undefined {
  return ctx.facts[key] as T | undefined;
}

export const iso = (ms: number | null | undefined): string => (ms == null ? 'never' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function human(msValue: number | null | undefined): string {
  return msValue == null ? 'unknown' : humanDuration(Math.max(0, msValue));
}

/** The error of a failed call as a result: the step failed, the reason is kept. */
export function failed(summary: string, data: Record<string, unknown> = {}, output?: string[]): StepResult {
  return { ok: false, summary, data, ...(output ? { output } : {}) };
}
