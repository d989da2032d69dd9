/**
 * The rows of the detail views behind Coverage, Heartbeat, CPU/RAM and Backups, as plain values
 * built from what the console already read: the views only lay them out.
 */
import ms from 'ms';
import type { BackupEntry } from '../backup/catalog.js';
import type { DaemonEvent } from '../engine/supervisor/daemon-store.js';
import { intervalMs, type Interval } from '../exchange/intervals.js';
import type { HealthSnapshot, MeasuredStatus } from '../health/types.js';
import type { ResourceHistory, SeriesPoint } from './console-model.js';
import { windowStart } from './list-nav.js';

/** `2026-11-30 02:00`: minutes, UTC, as every table of the console shows times. */
export function utcMinute(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ');
}

/** Bytes as the panels write them: `512K`, `300M`, `1.2G`. */
export function sizeText(bytes: number | null): string {
  if (bytes === null) return '-';
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)}G`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)}M`;
  return `${Math.max(bytes > 0 ? 1 : 0, Math.round(bytes / 1024))}K`;
}

/** Keeps the selected row on screen while scrolling through a long table: the slice to show and where it starts. */
export function windowed<T>(items: readonly T[], row: number, height: number): { items: T[]; offset: number } {
  const offset = windowStart(items.length, row, height);
  return { items: items.slice(offset, offset + height), offset };
}

// --- Coverage ------------------------------------------------------------------------------

export interface CoverageRow {
  symbol: string;
  interval: Interval;
  /** The series has candles at all. */
  stored: boolean;
  newestOpenTime: number | null;
  /** Open gaps longer than the limit, and the candles they miss; known exchange-side gaps apart. */
  gaps: number;
  missingCandles: number;
  knownGaps: number;
  status: MeasuredStatus;
}

/**
 * Every configured series with what coverage says of it: stored or missing, its newest candle,
 * its open gaps. Missing series first, then the most candles missing, then by name.
 */
export function coverageRows(health: HealthSnapshot | null): CoverageRow[] {
  if (!health) return [];
  const key = (s: { symbol: string; interval: string }) => `${s.symbol}/${s.interval}`;
  const gaps = new Map<string, { gaps: number; missing: number }>();
  for (const g of health.gaps ?? []) {
    const current = gaps.get(key(g)) ?? { gaps: 0, missing: 0 };
    gaps.set(key(g), { gaps: current.gaps + 1, missing: current.missing + g.missing });
  }
  const known = new Map<string, number>();
  for (const g of health.knownGaps ?? []) known.set(key(g), (known.get(key(g)) ?? 0) + 1);
  const rows = health.freshness.map((s): CoverageRow => {
    const g = gaps.get(key(s));
    const stored = s.lastOpenTime !== null;
    return {
      symbol: s.symbol, interval: s.interval, stored, newestOpenTime: s.lastOpenTime,
      gaps: g?.gaps ?? 0, missingCandles: g?.missing ?? 0, knownGaps: known.get(key(s)) ?? 0,
      status: !stored ? 'critical' : g ? 'warn' : 'ok',
    };
  });
  return rows.sort((a, b) => Number(a.stored) - Number(b.stored) || b.missingCandles - a.missingCandles
    || a.symbol.localeCompare(b.symbol) || intervalMs(a.interval) - intervalMs(b.interval));
}

// --- Heartbeat -----------------------------------------------------------------------------

export interface EventRow {
  at: number;
  kind: DaemonEvent['kind'];
  /** The event's detail as `key=value` words, the most telling first (exit code, signal, reason). */
  text: string;
  /** How it reads: a crash or hang is critical, a restart or a resource limit a warning. */
  severity: 'ok' | 'warn' | 'critical' | 'neutral';
}

const EVENT_SEVERITY: Record<DaemonEvent['kind'], EventRow['severity']> = {
  start: 'ok', resume: 'ok', exit: 'neutral', stop: 'neutral', pause: 'neutral',
  restart: 'warn', 'cpu-high': 'warn', 'rss-high': 'warn',
  crash: 'critical', hang: 'critical', 'spawn-failed': 'critical', 'crash-loop': 'critical',
};

/** The detail words read first: why it exited, then how long it ran, then the rest in the order recorded. */
const FIRST_WORDS = ['code', 'signal', 'reason', 'message', 'attempt', 'delayMs', 'uptimeMs', 'pid'];
/** Words for the supervisor, not for people (`diagnose daemon --json` has them). */
const LEFT_OUT = new Set(['startTicks']);

/** One event's detail as `code=3 uptimeMs=1.2s pid=42 ...`: durations readable, nothing empty. */
export function eventText(detail: Record<string, unknown> | null): string {
  const rank = (k: string) => (FIRST_WORDS.includes(k) ? FIRST_WORDS.indexOf(k) : FIRST_WORDS.length);
  return Object.entries(detail ?? {}).filter(([k, v]) => v !== null && v !== undefined && !LEFT_OUT.has(k))
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => `${k}=${typeof v === 'number' && /Ms$/.test(k) ? ms(v) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
}

/** The daemon's events, newest first, each with its detail in one line. */
export function eventRows(events: readonly DaemonEvent[]): EventRow[] {
  return [...events].reverse().map((e) => ({ at: e.at, kind: e.kind, text: eventText(e.detail), severity: EVENT_SEVERITY[e.kind] ?? 'neutral' }));
}

/** How many restarts and crashes (crash, hang, failed spawn) the events hold. */
export function eventCounts(events: readonly DaemonEvent[]): { restarts: number; crashes: number } {
  return {
    restarts: events.filter((e) => e.kind === 'restart').length,
    crashes: events.filter((e) => e.kind === 'crash' || e.kind === 'hang' || e.kind === 'spawn-failed').length,
  };
}

// --- CPU/RAM -------------------------------------------------------------------------------

export interface SeriesStats {
  now: number | null;
  min: number | null;
  avg: number | null;
  max: number | null;
}

export function seriesStats(points: readonly SeriesPoint[]): SeriesStats {
  if (points.length === 0) return { now: null, min: null, avg: null, max: null };
  const values = points.map((p) => p.value);
  return {
    now: values.at(-1)!,
    min: Math.min(...values),
    avg: values.reduce((a, b) => a + b, 0) / values.length,
    max: Math.max(...values),
  };
}

export interface ResourceRow {
  /** Start of the minute. */
  at: number;
  hostCpu: number | null;
  hostMemBytes: number | null;
  daemonCpu: number | null;
  daemonRssBytes: number | null;
}

const MINUTE = 60_000;

/** The history a minute a row, newest first: each figure the average of its samples in that minute; minutes without any sample left out. */
export function resourceRows(history: ResourceHistory | null): ResourceRow[] {
  if (!history) return [];
  const minutes = new Map<number, { [K in keyof Omit<ResourceRow, 'at'>]: number[] }>();
  const add = (points: readonly SeriesPoint[], field: keyof Omit<ResourceRow, 'at'>) => {
    for (const p of points) {
      const at = Math.floor(p.at / MINUTE) * MINUTE;
      const row = minutes.get(at) ?? { hostCpu: [], hostMemBytes: [], daemonCpu: [], daemonRssBytes: [] };
      row[field].push(p.value);
      minutes.set(at, row);
    }
  };
  add(history.hostCpu, 'hostCpu');
  add(history.hostMemBytes, 'hostMemBytes');
  add(history.daemonCpu, 'daemonCpu');
  add(history.daemonRssBytes, 'daemonRssBytes');
  const avg = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  return [...minutes.entries()].sort(([a], [b]) => b - a).map(([at, r]) => ({
    at, hostCpu: avg(r.hostCpu), hostMemBytes: avg(r.hostMemBytes), daemonCpu: avg(r.daemonCpu), daemonRssBytes: avg(r.daemonRssBytes),
  }));
}

// --- Backups -------------------------------------------------------------------------------

/** How a backup is named where one is: `hot 2026-11-30 02:00` (its tier and when it was taken). */
export function backupLabel(b: Pick<BackupEntry, 'tier' | 'createdAt'>): string {
  return `${b.tier} ${utcMinute(b.createdAt)}`;
}

/** What its last verification says, with when: `✔ verified 3h ago`-ready parts; never verified reads as unknown. */
export function verificationOf(b: Pick<BackupEntry, 'result' | 'verifiedAt'>): { status: 'ok' | 'critical' | 'unknown'; word: string } {
  if (b.verifiedAt === null) return { status: 'unknown', word: 'unverified' };
  return b.result === 'verified' ? { status: 'ok', word: 'verified' } : { status: 'critical', word: 'failed' };
}
