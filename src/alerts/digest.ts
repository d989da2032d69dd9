import fs from 'node:fs';
import path from 'node:path';
import ms from 'ms';
import type { Config } from '../config/schema.js';
import { INTERVAL_MS, isInterval } from '../exchange/intervals.js';
import type { HealthSnapshot } from '../health/types.js';
import { MARKET_DB_FILE, MarketStore } from '../store/market-db.js';
import type { Db } from '../store/sqlite.js';
import { AlertStore } from './alert-state.js';
import { routeFor, type Channels } from './channels/resolve.js';
import { Outbox, type ChannelQueueStats } from './outbox.js';
import { alertName } from './rules.js';
import { instanceName } from './settings.js';
import { recentRuns } from './sources.js';
import type { AlertRecord, ChannelName, MessageNotification, RunRecord } from './types.js';

/**
 * The daily digest (job `alert-digest`, 04:00 UTC): the last 24 hours of alerts, job results and
 * freshness in one message per channel, so a quiet day is visibly quiet rather than silent.
 */

const DAY_MS = 86_400_000;

export interface FreshnessLine {
  interval: string;
  series: number;
  empty: number;
  worstSymbol: string | null;
  worstAgeMs: number | null;
}

export interface DigestInput {
  now: number;
  instance: string;
  alerts: readonly AlertRecord[];
  runs: readonly RunRecord[];
  /** Null when it could not be read (no market.db yet). */
  freshness: readonly FreshnessLine[] | null;
  outbox: readonly ChannelQueueStats[];
}

const human = (v: number): string => ms(Math.max(0, Math.round(v)));
const iso = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

export function freshnessFromSnapshot(snapshot: HealthSnapshot): FreshnessLine[] {
  const lines = new Map<string, FreshnessLine>();
  for (const s of snapshot.freshness) {
    const line = lines.get(s.interval) ?? { interval: s.interval, series: 0, empty: 0, worstSymbol: null, worstAgeMs: null };
    line.series += 1;
    if (s.ageMs === null) line.empty += 1;
    else if (line.worstAgeMs === null || s.ageMs > line.worstAgeMs) {
      line.worstAgeMs = s.ageMs;
      line.worstSymbol = s.symbol;
    }
    lines.set(s.interval, line);
  }
  return [...lines.values()];
}

/**
 * Freshness straight from market.db, for when no health snapshot is at hand: the age of each
 * series since its newest candle closed. Null when there is no market.db (nothing is created).
 */
export function freshnessFromMarket(dataDir: string, symbols: readonly string[], intervals: readonly string[], now: number): FreshnessLine[] | null {
  if (!fs.existsSync(path.join(dataDir, MARKET_DB_FILE))) return null;
  const store = MarketStore.open(dataDir);
  try {
    return intervals.filter(isInterval).map((interval) => {
      const line: FreshnessLine = { interval, series: 0, empty: 0, worstSymbol: null, worstAgeMs: null };
      for (const symbol of symbols) {
        line.series += 1;
        const open = store.lastOpenTime(symbol, interval);
        if (open === null) {
          line.empty += 1;
          continue;
        }
        const age = Math.max(0, now - (open + INTERVAL_MS[interval]));
        if (line.worstAgeMs === null || age > line.worstAgeMs) {
          line.worstAgeMs = age;
          line.worstSymbol = symbol;
        }
      }
      return line;
    });
  } finally {
    store.db.close();
  }
}

export function buildDigest(input: DigestInput): { title: string; text: string } {
  const since = input.now - DAY_MS;
  const lines: string[] = [];

  const fired = input.alerts.filter((a) => a.firedAt !== null && a.firedAt >= since);
  const open = input.alerts.filter((a) => a.state !== 'resolved');
  const firing = open.filter((a) => a.state === 'firing');
  lines.push(`Alerts: ${fired.length} fired in the last 24 h, ${firing.length} firing now.`);
  const shown = [...new Map([...firing, ...fired].map((a) => [a.id, a])).values()];
  for (const a of shown.slice(0, 30)) {
    const state = a.state === 'resolved'
      ? `resolved ${a.resolvedAt ? iso(a.resolvedAt) : ''} after ${human((a.resolvedAt ?? input.now) - (a.firedAt ?? a.pendingSince))}`
      : `FIRING since ${iso(a.firedAt ?? a.pendingSince)}${a.ackedAt ? `, acked by ${a.ackedBy ?? 'someone'}` : ''}`;
    lines.push(`  [${a.severity.toUpperCase()}] ${alertName(a.rule, a.labels)} (#${a.id}): ${state}`);
  }
  if (shown.length > 30) lines.push(`  … and ${shown.length - 30} more (cfa-console alerts)`);

  const runs = input.runs.filter((r) => r.startedAt >= since && r.status !== 'running');
  const byJob = new Map<string, RunRecord[]>();
  for (const r of runs) byJob.set(r.job, [...(byJob.get(r.job) ?? []), r]);
  lines.push('', `Jobs: ${runs.length} runs in the last 24 h.`);
  for (const [job, list] of [...byJob].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const counts = new Map<string, number>();
    for (const r of list) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    const last = [...list].sort((a, b) => b.startedAt - a.startedAt)[0]!;
    const tally = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
    lines.push(`  ${job}: ${tally}; last ${last.status}${last.durationMs !== null ? ` in ${human(last.durationMs)}` : ''} at ${iso(last.startedAt)}`);
  }

  lines.push('', 'Freshness (stalest series per interval):');
  if (!input.freshness || input.freshness.length === 0) lines.push('  unknown (no market data yet)');
  else {
    for (const f of input.freshness) {
      const worst = f.worstAgeMs === null ? 'no candles' : `${f.worstSymbol} ${human(f.worstAgeMs)} old`;
      lines.push(`  ${f.interval}: ${worst}${f.empty ? `, ${f.empty} of ${f.series} series empty` : ''}`);
    }
  }

  const stuck = input.outbox.filter((o) => o.pending > 0 || o.failed > 0);
  if (stuck.length) {
    lines.push('', 'Delivery problems:');
    for (const o of stuck) lines.push(`  ${o.channel}: ${o.pending} waiting, ${o.failed} given up${o.lastError ? ` (last error: ${o.lastError})` : ''}`);
  }

  const worst = firing.some((a) => a.severity === 'critical') ? 'critical alerts firing' : firing.length ? 'alerts firing' : 'all quiet';
  return { title: `Daily digest for ${iso(since)} to ${iso(input.now)} UTC: ${worst}`, text: lines.join('\n') };
}

/** Where the digest goes: `alerts.digestChannels`, else the info route; never PagerDuty (it pages people). */
export function digestChannels(config: Config, channels: Channels): ChannelName[] {
  const wanted = config.alerts.digestChannels ?? routeFor(config.alerts, channels, 'info');
  return wanted.filter((c, i) => c !== 'pagerduty' && channels.has(c) && wanted.indexOf(c) === i);
}

export interface EnqueueDigestResult {
  channels: ChannelName[];
  outboxIds: number[];
  digest: { title: string; text: string };
}

/** The digest from ops.db, with freshness from the snapshot when given, else from market.db. */
export function composeDigest(db: Db, config: Config & { dataDir: string }, now: number, snapshot?: HealthSnapshot | null): { title: string; text: string } {
  return buildDigest({
    now,
    instance: instanceName(config),
    alerts: new AlertStore(db).since(now - DAY_MS),
    runs: recentRuns(db, now),
    freshness: snapshot ? freshnessFromSnapshot(snapshot) : freshnessFromMarket(config.dataDir, config.symbols, config.intervals, now),
    outbox: new Outbox(db).stats(),
  });
}

/** Builds the digest and writes it to the outbox, one row per digest channel. */
export function enqueueDigest(db: Db, config: Config & { dataDir: string }, channels: Channels, now: number, snapshot?: HealthSnapshot | null): EnqueueDigestResult {
  const digest = composeDigest(db, config, now, snapshot);
  const targets = digestChannels(config, channels);
  const payload: MessageNotification = { kind: 'digest', title: digest.title, text: digest.text, at: now, instance: instanceName(config) };
  const outboxIds = db.transaction(() => new Outbox(db).enqueue(targets.map((channel) => ({ channel, kind: 'digest' as const, payload, at: now }))))();
  return { channels: targets, outboxIds, digest };
}
