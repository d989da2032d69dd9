import { PROBE_TITLES, type ProbeId } from '../probe-ids.js';
import type { HealthStatus, Offender, ProbeResult } from '../types.js';

/** At most this many offenders per probe: the worst first, the rest counted in the detail. */
export const MAX_OFFENDERS = 10;

export function probeResult(id: ProbeId, fields: Omit<ProbeResult, 'id' | 'title' | 'offenders'> & { offenders?: Offender[] }): ProbeResult {
  return { id, title: PROBE_TITLES[id], ...fields, offenders: (fields.offenders ?? []).slice(0, MAX_OFFENDERS) };
}

/** A probe that could not run: `unknown` (or `critical` when not running is itself the fault) with the reason. */
export function probeFailed(id: ProbeId, reason: string, status: HealthStatus = 'unknown'): ProbeResult {
  return probeResult(id, { status, value: null, threshold: null, unit: 'none', detail: reason });
}
