import type { HealthStatus } from '../health/types.js';
import type { EngineSnapshot } from '../engine/engine.js';
import type { DaemonStartView } from './daemon-elsewhere.js';
import ms from 'ms';
import type { Interval } from '../exchange/intervals.js';
import type { HealthSnapshot } from '../health/types.js';

export interface SeriesPoint {
  at: number;
  value: number;
}

export interface ResourceHistory {
  hostCpu: SeriesPoint[];
  hostMemBytes: SeriesPoint[];
  hostMemTotalBytes: number | null;
  daemonCpu: SeriesPoint[];
  daemonRssBytes: SeriesPoint[];
}

export interface BackupTierView {
  tier: 'hot' | 'warm' | 'offsite';
  configured: boolean;
  newestAt: number | null;
  sizeBytes: number | null;
  lastVerifiedAt: number | null;
  lastDrill: { at: number; result: string } | null;
}

/** The replication line under the backups: the health probe's verdict, short. */
export interface ReplicationView {
  status: HealthStatus;
  /** E.g. `lag 0s, snapshot 12m` or why it is not ok; never a replica URL. */
  text: string;
}

/** From the health snapshot's replication probe; null when replication is off or not judged yet. */
export function replicationView(probes: readonly { id: string; status: ReplicationView['status']; value: number | null; detail: string; offenders: { detail?: string }[] }[] | undefined): ReplicationView | null {
  const p = probes?.find((x) => x.id === 'replication');
  if (!p || p.value === null && p.status === 'ok') return null;
  const lag = p.value === null ? 'lag ?' : `lag ${p.value < 1000 ? '0s' : ms(Math.round(p.value))}`;
  const running = /Litestream not running/.test(p.detail) ? 'not running' : null;
  return { status: p.status, text: [lag, running ?? (p.status === 'ok' ? '' : p.offenders[0]?.detail ?? '')].filter(Boolean).join(', ') };
}

export interface AlertView {
  id: number;
  rule: string;
  severity: 'critical' | 'warning' | 'info';
  state: 'pending' | 'firing' | 'resolved';
  summary: string;
  /** When it fired; null while it is pending. */
  firedAt: number | null;
  /** When its condition first held (it is pending from then until it fires). */
  pendingSince?: number | null;
  acked: boolean;
  runbook: string | null;
}

/** What to say of an alert's time: `pending since`, `firing since`, or `resolved` (when it left the open list). */
export function alertSince(a: AlertView): { word: 'pending since' | 'firing since' | 'resolved'; at: number | null } {
  if (a.state === 'resolved') return { word: 'resolved', at: null };
  if (a.state === 'pending') return { word: 'pending since', at: a.pendingSince ?? null };
  return { word: 'firing since', at: a.firedAt ?? a.pendingSince ?? null };
}

export interface LogView {
  title: string;
  file: string | null;
  lines: string[];
}

/** Everything the views show, as plain values: the views never reach into the engine. */
export interface ConsoleModel {
  host: string;
  dataDir: string;
  engine: EngineSnapshot | null;
  health: HealthSnapshot | null;
  /** Set when the health shown is not fresh from a leader: how old it is, or who computed it. */
  healthNote: string | null;
  /** Freshness limit per interval (critical; warning at half), to rank the worst series as the probe does. */
  freshnessCriticalMs: Partial<Record<Interval, number>>;
  resources: ResourceHistory | null;
  backups: BackupTierView[] | null;
  alerts: AlertView[] | null;
  log: LogView;
  /** Progress of runs in flight, by job: the last JSON progress line the job printed. */
  progress: Record<string, { done: number; total: number; rateLimited429: number; startedAt: number } | undefined>;
  /** One line for the footer after an action: "sync started", "alert 3 acknowledged". */
  notice: string | null;
  /**
   * store.backend postgres, on a host that does not lead while the leader's host runs the daemon:
   * the newest start of the daemon by any leader (daemon-elsewhere.ts); null otherwise or when none is recorded.
   */
  daemonStart: DaemonStartView | null;
}

export function emptyModel(host: string, dataDir: string): ConsoleModel {
  return {
    host, dataDir, engine: null, health: null, healthNote: null, freshnessCriticalMs: {}, resources: null, backups: null, alerts: null,
    log: { title: 'engine', file: null, lines: [] }, progress: {}, notice: null, daemonStart: null,
  };
}

/**
 * The alert a detail view shows, given the one it showed before: the same alert by id while it is
 * open, marked resolved once it left the open list, never the next one in the list. With none
 * shown yet, the selected one.
 */
export function viewedAlert(previous: AlertView | null, open: readonly AlertView[], selected: AlertView | null): AlertView | null {
  if (!previous) return selected;
  return open.find((a) => a.id === previous.id) ?? { ...previous, state: 'resolved' };
}
