/**
 * The probes, in the order `health` shows them: the original design's six-point check first
 * (freshness, coverage, integrity, size, backup, logs), then the rest. The ids are a contract:
 * `health --only`, alert rules and metrics name probes by them.
 */
export const PROBE_IDS = [
  'freshness', 'coverage', 'integrity', 'size', 'backup', 'logs',
  'continuity', 'disk', 'last-sync', 'daemon', 'sentiment', 'replication',
] as const;

export type ProbeId = (typeof PROBE_IDS)[number];

export const PROBE_TITLES: Record<ProbeId, string> = {
  freshness: 'Data freshness',
  coverage: 'Symbol coverage',
  integrity: 'Database integrity',
  size: 'Database size',
  backup: 'Backup age',
  logs: 'Recent logs',
  continuity: 'Continuity',
  disk: 'Disk free',
  'last-sync': 'Last sync',
  daemon: 'Backtest daemon',
  sentiment: 'Sentiment and macro',
  replication: 'Replication',
};

export function isProbeId(id: string): id is ProbeId {
  return (PROBE_IDS as readonly string[]).includes(id);
}

export class UnknownProbeError extends Error {
  readonly exitCode = 2;
  constructor(readonly ids: string[]) {
    super(`unknown probe id${ids.length > 1 ? 's' : ''} ${ids.map((i) => JSON.stringify(i)).join(', ')} in --only; valid ids: ${PROBE_IDS.join(', ')}`);
  }
}

/** The probes to run, in display order; undefined or empty means all. Unknown ids are refused. */
export function selectProbes(only: readonly string[] | undefined): ProbeId[] {
  if (!only || only.length === 0) return [...PROBE_IDS];
  const wanted = only.map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((id) => !isProbeId(id));
  if (unknown.length > 0) throw new UnknownProbeError(unknown);
  return PROBE_IDS.filter((id) => wanted.includes(id));
}
