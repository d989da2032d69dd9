/**
 * The step library: the calls runbooks are made of (runbooks/ hold no SQL, HTTP or process
 * handling). checks: read-only probes, alreadyDone and steady-state checks; actions: mutating
 * calls with plans; waits: what wait-until steps poll; notify: the incident channel and pages.
 */
export * as checks from './checks.js';
export * as actions from './actions.js';
export * as waits from './waits.js';
export * as notify from './notify.js';
export { stepCall } from './call.js';
