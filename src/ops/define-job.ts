import type { JobDefinition } from '../engine/job-definition.js';
import type { OperationName, OptionsOf } from './index.js';

export interface JobDeclaration<K extends OperationName> extends Omit<JobDefinition, 'operation' | 'options'> {
  operation: K;
  options: OptionsOf<K>;
}

/** A job file's declaration, with its options checked against its operation's at compile time. */
export function defineJob<K extends OperationName>(job: JobDeclaration<K>): JobDefinition {
  return job as unknown as JobDefinition;
}
