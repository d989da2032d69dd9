/**
 * The runbook operations: list, look up and run a runbook over a RunContext. The registry is the
 * list in `runbooks/index.ts`, loaded on first use; a caller may pass its own (the tests, a drill).
 * `CFA_RUNBOOKS_MODULE` (an absolute path to an ES module exporting `RUNBOOKS`) replaces it: for
 * tests only, so end-to-end tests can run the real binary over runbooks built for the test.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config-error.js';
import type { RunbookDecl } from '../runbook/types.js';
import type { RunContext } from './context.js';
import type { RunOptions, RunSummary } from '../runbook/runner.js';

export type RunbookRegistry = readonly RunbookDecl[];

/** For tests only: the module whose `RUNBOOKS` replaces runbooks/index.ts. */
export const RUNBOOKS_MODULE_ENV = 'CFA_RUNBOOKS_MODULE';

let loaded: Promise<RunbookRegistry> | null = null;

/** The runbooks of this build (or of `CFA_RUNBOOKS_MODULE`). */
export function loadRunbooks(): Promise<RunbookRegistry> {
  loaded ??= (async () => {
    const override = process.env[RUNBOOKS_MODULE_ENV];
    const mod = override
      ? await import(pathToFileURL(path.resolve(override)).href) as { RUNBOOKS?: RunbookRegistry }
      : await import('../../runbooks/index.js') as { RUNBOOKS?: RunbookRegistry };
    if (!Array.isArray(mod.RUNBOOKS)) throw new ConfigError(`${override ?? 'runbooks/index'} exports no RUNBOOKS list`);
    return mod.RUNBOOKS;
  })();
  return loaded;
}

/** Unknown runbook: exit 2, naming the known ones. */
export class UnknownRunbook extends ConfigError {
  constructor(id: string, registry: RunbookRegistry) {
    super(`no runbook ${JSON.stringify(id)}; the runbooks are: ${registry.map((r) => r.id).join(', ') || '(none)'}`);
  }
}

export function findRunbook(registry: RunbookRegistry, id: string): RunbookDecl {
  const decl = registry.find((r) => r.id === id);
  if (!decl) throw new UnknownRunbook(id, registry);
  return decl;
}

/** The runbooks that open on an alert rule. */
export function runbooksFor(registry: RunbookRegistry, rule: string): RunbookDecl[] {
  return registry.filter((r) => (r.opensOn as readonly string[]).includes(rule));
}

export interface RunRunbookOptions extends Omit<RunOptions, 'lookup'> {
  registry?: RunbookRegistry;
}

/** Runs (or resumes) runbook `id`: see src/runbook/runner.ts. */
export async function runRunbook(id: string, options: RunRunbookOptions, ctx: RunContext): Promise<RunSummary> {
  const registry = options.registry ?? await loadRunbooks();
  const decl = findRunbook(registry, id);
  const { runRunbook: run } = await import('../runbook/runner.js');
  return run(decl, ctx, { ...options, lookup: (other) => registry.find((r) => r.id === other) });
}
