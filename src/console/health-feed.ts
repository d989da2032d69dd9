import os from 'node:os';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import { holderIsGone, readLease } from '../engine/leadership.js';
import type { Logger } from '../engine/logger.js';
import { humanDuration } from '../health/format-values.js';
import { HealthRefresher } from '../health/health-refresher.js';
import { newestHealthSnapshot, newestSnapshotRecord, type StoredSnapshot } from '../health/snapshot-store.js';
import { PgMarketFactsSource } from '../health/sources/pg-market-facts.js';
import type { HealthSnapshot } from '../health/types.js';
import { probeResult } from '../health/probes/probe-result.js';
import { worstStatus } from '../health/status.js';

/** A stored snapshot older than this many monitor intervals is shown with its age. */
export const STALE_AFTER_INTERVALS = 2;

export interface HealthSourceInput {
  /** This process's engine holds the lease. */
  isLeader: boolean;
  /** Some process holds an unexpired lease (this one or another). */
  leaderAlive: boolean;
  /** Age of the newest stored snapshot, or null when none is stored. */
  storedAgeMs: number | null;
  /** The leader's `engine.monitorEvery`. */
  intervalMs: number;
}

export type HealthSource =
  /** This engine leads: its monitor's own snapshot, nothing computed twice. */
  | { from: 'own-monitor' }
  /** Another process leads: the newest snapshot it stored; stale when older than two intervals. */
  | { from: 'stored'; ageMs: number; stale: boolean }
  /** A leader is alive but has stored nothing yet: show nothing new rather than compute a second one. */
  | { from: 'wait' }
  /** No live leader: the only case where a console computes health itself. */
  | { from: 'compute' };

/**
 * A snapshot computed on a host whose daemon runs with the leader on `host`: this host's ops.db
 * holds no state of it, or a stale one from when this host led, so its daemon probe says where
 * the daemon is judged instead (unknown here), and the overall status is taken again without it.
 */
export function daemonJudgedOn(host: string, snapshot: HealthSnapshot): HealthSnapshot {
  const probes = snapshot.probes.map((p) => (p.id !== 'daemon' ? p
    : probeResult('daemon', { status: 'unknown', value: null, threshold: null, unit: p.unit, detail: `runs on ${host} with the leader: judged there` })));
  // Not counted in the overall: the leader's host judges the daemon, and a follower whose every
  // other probe is ok should not read UNKNOWN to the person looking at it.
  return { ...snapshot, probes, overall: worstStatus(probes.filter((p) => p.id !== 'daemon').map((p) => p.status)) };
}

/** Where the console's health comes from; pure, so each case is tested without I/O. */
export function chooseHealthSource(input: HealthSourceInput): HealthSource {
  if (input.isLeader) return { from: 'own-monitor' };
  if (!input.leaderAlive) return { from: 'compute' };
  if (input.storedAgeMs === null) return { from: 'wait' };
  const ageMs = Math.max(0, input.storedAgeMs);
  return { from: 'stored', ageMs, stale: ageMs > STALE_AFTER_INTERVALS * input.intervalMs };
}

export interface HealthReading {
  snapshot: HealthSnapshot | null;
  /** One line for the view when the snapshot is not fresh from a leader: its age, or who computed it. */
  note: string | null;
}

/**
 * The console's health: the leader's snapshot, read rather than computed again. While this
 * process leads it is the monitor's own; while another leads, the newest one in ops.db; only
 * with no live leader does the console compute (and log) its own.
 */
export class HealthFeed {
  private refresher: HealthRefresher | null = null;
  /** store.backend postgres: where a snapshot computed here reads the candles (one pooled connection, closed by `close`). */
  private pgFacts: PgMarketFactsSource | null = null;
  private computedAt = 0;
  private stored: StoredSnapshot | null = null;
  private last: HealthReading = { snapshot: null, note: null };

  constructor(
    private readonly engine: Engine,
    private readonly config: Config & { dataDir: string },
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Synchronous but for a snapshot computed here over candles in PostgreSQL. */
  read(now = Date.now()): HealthReading | Promise<HealthReading> {
    const { db } = this.engine;
    const isLeader = this.engine.role === 'leader';
    const lease = isLeader ? null : readLease(db);
    const leaderAlive = isLeader || (lease !== null && !holderIsGone(lease, now, os.hostname()));
    const newest = newestSnapshotRecord(db);
    const source = chooseHealthSource({ isLeader, leaderAlive, storedAgeMs: newest ? now - newest.takenAt : null, intervalMs: this.intervalMs });
    switch (source.from) {
      case 'own-monitor': {
        const own = this.engine.latestHealth();
        if (own) this.last = { snapshot: own, note: null };
        // Just elected, before the monitor's first tick: the newest stored one, for what it is.
        else if (newest) this.last = this.fromStore(newest.id, now - newest.takenAt, true);
        break;
      }
      case 'stored':
        this.last = this.fromStore(newest!.id, source.ageMs, source.stale);
        break;
      case 'wait':
        break;
      case 'compute': {
        // At the monitor's pace, as a leader would, not at the view's.
        if (this.refresher && now - this.computedAt < this.intervalMs) break;
        this.refresher ??= new HealthRefresher(this.config);
        this.computedAt = now;
        // The candles in PostgreSQL are read first, as the leader's monitor reads them.
        if (this.config.store.backend === 'postgres') return this.computeWithPg(now);
        this.computed(this.refresher.refresh(now));
        break;
      }
    }
    return this.last;
  }

  /** The computation under way: `close` waits for it, so a connection it opens is not left behind. */
  private computing: Promise<HealthReading> | null = null;

  private computeWithPg(now: number): Promise<HealthReading> {
    this.pgFacts ??= new PgMarketFactsSource(this.config);
    const source = this.pgFacts;
    const computing = source.gather(now).then((facts) => {
      this.computed(this.refresher!.refresh(now, undefined, facts));
      return this.last;
    }).finally(() => { if (this.computing === computing) this.computing = null; });
    this.computing = computing;
    return computing;
  }

  private computed(computed: HealthSnapshot): void {
    // With the lease in PostgreSQL the leader may be alive on another host, its snapshots in its own ops.db.
    const leader = this.config.store.backend === 'postgres' ? this.engine.leader : null;
    const elsewhere = leader && leader.host !== this.engine.hostName ? leader.host : null;
    const snapshot = elsewhere ? daemonJudgedOn(elsewhere, computed) : computed;
    this.logger.info({ overall: snapshot.overall, durationMs: snapshot.durationMs, ...(elsewhere ? { leaderHost: elsewhere } : {}) },
      elsewhere ? 'health computed here: the leader is on another host' : 'health computed here: no live leader');
    this.last = { snapshot, note: elsewhere ? `▲ leader on ${elsewhere} (its health stays there): health computed by this console` : '▲ no live leader: health computed by this console' };
  }

  /** Lets go of the PostgreSQL connection a computed snapshot used. */
  async close(): Promise<void> {
    await this.computing?.catch(() => {});
    await this.pgFacts?.close();
    this.pgFacts = null;
  }

  /** The stored snapshot `id`, read (and parsed) only when it is not the one read last time. */
  private fromStore(id: number, ageMs: number, stale: boolean): HealthReading {
    if (this.stored?.id !== id) this.stored = newestHealthSnapshot(this.engine.db);
    const stored = this.stored!;
    const note = stale ? `▲ health from the leader is ${humanDuration(ageMs)} old (PID ${stored.computedBy.pid}@${stored.computedBy.host})` : null;
    return { snapshot: stored.snapshot, note };
  }
}
