import { severityOf, type Severity } from '../status/vocabulary.js';
import type { WizardStepState } from './wizard.js';

/** A wizard step's state as the one vocabulary's severity (pending is quiet: nothing happened yet). */
export function statusWordSeverity(state: WizardStepState): Severity {
  if (state === 'pending') return 'neutral';
  if (state === 'done') return severityOf('done');
  return severityOf(state === 'current' ? 'running' : state);
}

export type { Severity };
