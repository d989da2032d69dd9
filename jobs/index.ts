import type { JobDefinition } from '../src/engine/job-definition.js';
import { syncJob } from './sync.js';

/** Every job the engine knows: adding one is a file beside this one and a line here. */
export const JOBS: readonly JobDefinition[] = [syncJob];
