import type { HealthSnapshot, HealthStatus, ProbeResult } from '../health/types.js';
import { STATUS_ORDER } from '../health/types.js';
import { worstStatus } from '../health/status.js';

/**
 * Which panel shows each probe's verdict. A probe on none of them is on the Health row, so every
 * probe that can move the header's status is on screen somewhere.
 */
export const PANEL_OF_PROBE: Readonly<Record<string, string>> = {
  freshness: 'Freshness',
  coverage: 'Coverage',
  continuity: 'Coverage',
  replication: 'Backups',
};

/** The probes the Health row shows: those no panel shows, the worst first (so a cut row loses only good ones). */
export function healthRowProbes(health: HealthSnapshot | null): ProbeResult[] {
  if (!health) return [];
  return health.probes
    .filter((p) => !(p.id in PANEL_OF_PROBE))
    .map((p, i) => ({ p, i }))
    .sort((a, b) => STATUS_ORDER[b.p.status] - STATUS_ORDER[a.p.status] || a.i - b.i)
    .map(({ p }) => p);
}

export interface HeaderStatus {
  status: HealthStatus;
  /** The probes at that status, by id: what the header names as its cause. */
  causes: string[];
}

/**
 * The header's status, from the probes the panels and the Health row show: their worst, and
 * which of them are at it. With no probe yet it is unknown, with no cause.
 */
export function headerStatus(health: HealthSnapshot | null): HeaderStatus {
  if (!health || health.probes.length === 0) return { status: 'unknown', causes: [] };
  const status = worstStatus(health.probes.map((p) => p.status));
  if (status === 'ok') return { status, causes: [] };
  return { status, causes: health.probes.filter((p) => p.status === status).map((p) => p.id) };
}

/** `size`, `freshness, size`, or `freshness +2`: short enough for the header at 80 columns. */
export function causeText(causes: readonly string[]): string {
  if (causes.length <= 2) return causes.join(', ');
  return `${causes[0]} +${causes.length - 1}`;
}
