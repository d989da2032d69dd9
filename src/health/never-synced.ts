import type { HealthSnapshot, ProbeResult } from './types.js';
import { worstStatus } from './status.js';

/** What tells a new data dir from one that lost its store. */
export interface StoreHistory {
  /** market.db does not exist. */
  marketMissing: boolean;
  /** market.db is missing or holds no candle of any configured series. */
  storeEmpty: boolean;
  /** When a sync last succeeded according to ops.db; null when none ever did. */
  lastSyncSuccessAt: number | null;
  /** Verified backups in the catalog. */
  verifiedBackups: number;
  /** A sync is running now. */
  syncRunning: boolean;
}

/**
 * A store that was never filled: no successful sync and no backup on record, and either no
 * candle or the first sync still filling it. A store that had any of these and lost it is an
 * incident, and stays judged as one.
 */
export function isNeverSynced(h: StoreHistory): boolean {
  return (h.storeEmpty || h.syncRunning) && h.lastSyncSuccessAt === null && h.verifiedBackups === 0;
}

function note(h: StoreHistory): string {
  return h.syncRunning ? 'never synced yet: the first sync is running' : 'never synced yet: the first sync fills the store';
}

/** The probes that judge the store's contents, and when a new store turns them to `never-synced`. */
const REWRITES: Record<string, (p: ProbeResult, h: StoreHistory) => string | null> = {
  freshness: (p) => (p.value === null ? 'no candle stored yet' : null),
  coverage: (p) => (p.status !== 'ok' ? 'no symbol has candles yet' : null),
  integrity: (_p, h) => (h.marketMissing ? 'market.db is created by the first sync' : null),
  size: (p) => (p.status !== 'ok' ? 'market.db is empty or not created yet' : null),
  continuity: (_p, h) => (h.marketMissing ? 'nothing to scan yet' : null),
  'last-sync': (p) => (p.status === 'unknown' ? 'no sync recorded yet' : null),
  backup: (p) => (p.value === null && p.status === 'unknown' ? 'nothing to back up before the first sync' : null),
};

/**
 * The snapshot of a new data dir as what it is: the probes that judge the store say
 * `never-synced` (not critical, not unknown) with why, the empty series are unknown rather than
 * critical, and the overall status follows. Any other finding (a full disk, an error in the
 * logs, a failed sync) is left as measured. Pure; returns the snapshot unchanged for a store with
 * a history.
 */
export function markNeverSynced(snapshot: HealthSnapshot, history: StoreHistory): HealthSnapshot {
  if (!isNeverSynced(history)) return snapshot;
  const probes = snapshot.probes.map((p) => {
    const why = REWRITES[p.id]?.(p, history);
    if (!why) return p;
    return { ...p, status: 'never-synced' as const, detail: `${note(history)} (${why})`, offenders: [] };
  });
  return {
    ...snapshot,
    probes,
    overall: worstStatus(probes.map((p) => p.status)),
    freshness: snapshot.freshness.map((s) => (s.lastOpenTime === null ? { ...s, status: 'unknown' } : s)),
    coverage: snapshot.coverage.map((c) => (c.present === 0 ? { ...c, status: 'unknown' } : c)),
  };
}
