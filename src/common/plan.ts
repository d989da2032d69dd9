/**
 * Confirmation as data: an action that needs consent describes what it will do, with the real
 * numbers, and waits for a yes. The CLI answers from a terminal prompt or `--yes`, the console
 * from a dialog, a drill from its script; all of them show the same plan.
 */
export interface PlanFact {
  label: string;
  value: string;
}

export interface ActionPlan {
  /** Which action asks, e.g. `restore` or `recover`. */
  action: string;
  /** One line: what is about to happen. */
  title: string;
  risk: 'mutate' | 'destructive';
  /** The figures a person checks before saying yes (which backup, its age, size, newest candle…). */
  facts: PlanFact[];
  /** What will be done, in order. */
  effects: string[];
  /** The word a person types to confirm a destructive plan in the console. */
  confirmWord?: string;
  /** The same figures for programs (JSON, the incident timeline). */
  data: Record<string, unknown>;
}

/** The operator said no: nothing was changed. */
export class Declined extends Error {
  readonly exitCode = 1;
}

/** The plan as lines for a terminal or a dialog: the title, the facts aligned, then the effects. */
export function planLines(plan: ActionPlan): string[] {
  const width = Math.max(0, ...plan.facts.map((f) => f.label.length));
  return [
    plan.title,
    ...plan.facts.map((f) => `  ${f.label.padEnd(width)}  ${f.value}`),
    ...plan.effects.map((e, i) => `  ${i + 1}. ${e}`),
  ];
}
