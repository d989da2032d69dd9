import type { Config } from '../config/schema.js';
import { hostName } from '../common/host-name.js';
import { PgAlertHandover, type AlertCommandKind, type HandoverRow } from '../store/postgres/alert-handover.js';
import type { Fence } from '../store/postgres/lease.js';
import { openPgPool, type PgPool } from '../store/postgres/pool.js';
import type { Db } from '../store/sqlite.js';
import { IncidentStore, type HandedIncident } from '../runbook/incidents.js';
import { AlertStore, type RemoteAlertCommand } from './alert-state.js';
import { silentLogger, type AlertLogger } from './clock.js';
import { Outbox, type ChannelQueueStats, type OutboxRow } from './outbox.js';
import type { AlertRecord, ChannelName, Silence } from './types.js';

/**
 * Alerting across hosts (store.backend postgres) as a handover, not a shared live store: the
 * leader evaluates and delivers from its own ops.db as on SQLite, and mirrors into PostgreSQL,
 * under its epoch, what the next leader needs to carry on without paging twice or losing a page:
 * its open alerts (state, fired_at, last_notified_at, notified_channels, ack), its undelivered
 * notifications and its active silences (src/store/postgres/alert-handover.ts). It mirrors after
 * every evaluation and after every delivery attempt.
 *
 * A leader seeds its ops.db from the mirror before its first evaluation or delivery when another
 * host wrote it (its own host's ops.db is the newer copy of its own mirror), and writes the mirror
 * at once, so a crash after seeding does not seed twice. Known windows, both short: a leader killed
 * between a channel's 2xx and the next mirror (a few milliseconds) has the next leader send that
 * notification again, under the same dedup key (PagerDuty folds it into the open incident; chat
 * channels show it twice); a leader killed between an evaluation and its mirror loses that
 * evaluation's notifications, and the next leader announces the alert itself when it finds it
 * firing (delayed by the rule's `for`, not lost).
 */

/** An undelivered outbox row as it travels: no id, no claim, the alert by fingerprint (ids are per ops.db). */
export type HandoverMessage = Pick<OutboxRow, 'channel' | 'kind' | 'dedupKey' | 'payload' | 'createdAt' | 'attempts' | 'nextAttemptAt'> & {
  fingerprint: string | null;
};

export interface HandoverState {
  alerts: AlertRecord[];
  silences: Silence[];
  outbox: HandoverMessage[];
}

/** The delivery queue per channel as a leader mirrored it (what waits; what it gave up on is not handed over). */
export function handedQueueStats(state: HandoverState): ChannelQueueStats[] {
  const byChannel = new Map<ChannelName, ChannelQueueStats>();
  for (const m of state.outbox) {
    const q = byChannel.get(m.channel) ?? { channel: m.channel, pending: 0, failed: 0, oldestPendingAt: null, lastError: null };
    q.pending += 1;
    q.oldestPendingAt = Math.min(q.oldestPendingAt ?? m.createdAt, m.createdAt);
    byChannel.set(m.channel, q);
  }
  return [...byChannel.values()].sort((a, b) => a.channel.localeCompare(b.channel));
}

/** Reads what this ops.db would hand over now. */
export function handoverState(db: Db, now: number): HandoverState {
  const store = new AlertStore(db);
  const fingerprints = new Map<number, string | null>();
  const fingerprintOf = (id: number | null): string | null => {
    if (id === null) return null;
    if (!fingerprints.has(id)) fingerprints.set(id, store.get(id)?.fingerprint ?? null);
    return fingerprints.get(id) ?? null;
  };
  return {
    alerts: store.open(),
    silences: store.activeSilences(now),
    // A test message is somebody waiting at that host's terminal: it does not travel.
    outbox: new Outbox(db).undelivered().filter((r) => r.kind !== 'test').map((r) => ({
      channel: r.channel, kind: r.kind, dedupKey: r.dedupKey, payload: r.payload, createdAt: r.createdAt,
      attempts: r.attempts, nextAttemptAt: r.nextAttemptAt, fingerprint: fingerprintOf(r.alertId),
    })),
  };
}

/** How long a closed incident still travels, so a host that had it open learns that it ended. */
const CLOSED_INCIDENTS_TRAVEL_MS = 24 * 3_600_000;

/**
 * The incidents this ops.db would hand over now: the open ones with their timelines, the recently
 * closed ones; their alerts named by fingerprint. The incidents follow the alerts: the next leader
 * resumes the same incident (an automatic one) instead of opening another for the same alert.
 */
export function handoverIncidents(db: Db, now: number): HandedIncident[] {
  const alerts = new AlertStore(db);
  return new IncidentStore(db).handover(now - CLOSED_INCIDENTS_TRAVEL_MS, (id) => alerts.get(id)?.fingerprint ?? null);
}

/** Takes over the incidents another host mirrored; their alerts found here by fingerprint (adopt the alerts first). */
export function adoptIncidents(db: Db, from: HandoverRow<HandedIncident[]>): number[] {
  const open = new Map(new AlertStore(db).open().map((a) => [a.fingerprint, a.id]));
  return new IncidentStore(db).adopt(from.state, (key) => open.get(key) ?? null);
}

/** Replaces this ops.db's open alerts, active silences and waiting notifications with a handed-over state, in one transaction. */
export function adoptHandover(db: Db, from: HandoverRow<HandoverState>, now: number): { alerts: number; outbox: number; silences: number } {
  const { state } = from;
  return db.transaction(() => {
    const ids = new AlertStore(db).adopt(state.alerts, state.silences, now);
    const rows = new Outbox(db).adopt(state.outbox.map((m) => ({
      channel: m.channel, kind: m.kind, dedupKey: m.dedupKey, payload: m.payload, at: m.createdAt,
      attempts: m.attempts, nextAttemptAt: m.nextAttemptAt, alertId: m.fingerprint === null ? null : ids.get(m.fingerprint) ?? null,
    })), `superseded: ${from.host} led at epoch ${from.epoch} and handed over its own queue`, now);
    return { alerts: ids.size, outbox: rows.length, silences: state.silences.length };
  }).immediate();
}

export interface AlertHandoverOptions {
  db: Db;
  store: PgAlertHandover;
  /** The leader's fencing token now; null while this process does not lead. */
  fence: () => Fence | null;
  /** This host's name, as in the lease. */
  host: string;
  logger?: AlertLogger;
  /** Told when seeding took over incidents from another host (the leader resumes the automatic ones: auto-runbooks' resumeOrphans). */
  onIncidentsAdopted?: () => void;
}

/** The leader's side: seed once per leadership, apply people's commands, mirror. */
export class AlertHandover {
  private seeded = false;
  /** Commands applied to ops.db, to be marked applied with the next mirror. */
  private readonly applied = new Set<number>();
  private tail: Promise<unknown> = Promise.resolve();
  private queued: Promise<boolean> | null = null;
  private readonly logger: AlertLogger;
  private readonly store: AlertStore;
  /** The incidents last mirrored, and under which epoch: unchanged ones are not written again. */
  private incidentsMirrored: { epoch: number; json: string } | null = null;

  constructor(private readonly options: AlertHandoverOptions) {
    this.logger = options.logger ?? silentLogger;
    this.store = new AlertStore(options.db);
  }

  get isSeeded(): boolean {
    return this.seeded;
  }

  /** Counts leaderships: a seeding that finishes after its leadership ended does not count for the next. */
  private generation = 0;

  /** A new leadership: it seeds again (another host may have led meanwhile). */
  reset(): void {
    this.generation += 1;
    this.seeded = false;
    this.applied.clear();
  }

  /**
   * Takes over another host's mirror, then writes this leader's own. Throws when either fails:
   * the caller must neither evaluate nor deliver until it succeeds.
   */
  async seed(now = Date.now()): Promise<void> {
    if (this.seeded) return;
    const generation = this.generation;
    const from = await this.options.store.read<HandoverState>();
    if (from && from.host !== this.options.host) {
      const taken = adoptHandover(this.options.db, from, now);
      this.logger.info({ fromHost: from.host, fromEpoch: from.epoch, ...taken }, 'alert state taken over from the previous leader');
    }
    // After the alerts: an incident's alert is found here by fingerprint.
    const incidents = await this.options.store.readIncidents<HandedIncident[]>();
    const adopted = incidents && incidents.host !== this.options.host ? adoptIncidents(this.options.db, incidents) : [];
    if (adopted.length > 0) this.logger.info({ fromHost: incidents!.host, fromEpoch: incidents!.epoch, incidents: adopted }, 'incidents taken over from the previous leader');
    if (!(await this.mirror())) throw new Error('the alert state could not be mirrored into PostgreSQL under this epoch: another host leads, or the lease lapsed');
    if (generation !== this.generation) throw new Error('leadership changed while the alert state was taken over; it is taken over again');
    this.seeded = true;
    if (adopted.length > 0) this.options.onIncidentsAdopted?.();
  }

  /** Applies the commands people gave on any host since the last mirror; they are marked applied by the next one. */
  async applyCommands(now = Date.now()): Promise<number> {
    const waiting = await this.options.store.waitingCommands<RemoteAlertCommand>();
    let changed = 0;
    for (const c of waiting) {
      if (this.applied.has(c.id)) continue;
      const command = { ...c.detail, kind: c.kind } as RemoteAlertCommand;
      try {
        if (this.store.applyRemote(command, now)) changed += 1;
        this.logger.info({ command: c.kind, fromHost: c.host, id: c.id }, 'alert command from the CLI applied');
      } catch (error) {
        this.logger.error({ command: c.kind, fromHost: c.host, id: c.id, err: error }, 'alert command from the CLI could not be applied');
      }
      this.applied.add(c.id);
    }
    return changed;
  }

  /** Forgets commands applied longer ago than `olderThanMs`, under this leader's fence. */
  async prune(olderThanMs: number): Promise<number> {
    const fence = this.options.fence();
    return fence ? this.options.store.prune(fence, olderThanMs) : 0;
  }

  /**
   * Writes the mirror from ops.db as it is when the write starts; writes are one after another,
   * and calls while one waits share it. Resolves false when the database refused it.
   */
  mirror(): Promise<boolean> {
    if (this.queued) return this.queued;
    const run = this.tail.then(async () => {
      this.queued = null;
      const fence = this.options.fence();
      if (!fence) return false;
      const applied = [...this.applied];
      const now = Date.now();
      const ok = await this.options.store.write(fence, handoverState(this.options.db, now), applied);
      if (ok) for (const id of applied) this.applied.delete(id);
      if (!ok) return false;
      // Written at least once per epoch (followers tell the leader by the row's host), then on a change.
      const incidents = handoverIncidents(this.options.db, now);
      const json = JSON.stringify(incidents);
      const last = this.incidentsMirrored;
      if (last && last.epoch === fence.epoch && last.json === json) return true;
      const written = await this.options.store.writeIncidents(fence, incidents);
      this.incidentsMirrored = written ? { epoch: fence.epoch, json } : null;
      return written;
    });
    this.queued = run;
    this.tail = run.catch(() => false);
    return run;
  }
}

/** The CLI's side on store.backend postgres: what the leader mirrored, and commands for it. */
export interface SharedAlerts {
  /** This host's name, as in the lease. */
  host: string;
  /** The leader's mirrored state, or null before any leader wrote one. */
  leaderState(): Promise<HandoverRow<HandoverState> | null>;
  /** The leader's mirrored incidents (open ones with their timelines), or null before any leader wrote them. */
  leaderIncidents(): Promise<HandoverRow<HandedIncident[]> | null>;
  /** Records a command for whichever host leads; it applies it at its next evaluation. */
  record(command: RemoteAlertCommand): Promise<number>;
  close(): Promise<void>;
}

/** Null on store.backend sqlite (everything is in this host's ops.db). */
export function openSharedAlerts(config: Config): SharedAlerts | null {
  if (config.store.backend !== 'postgres' || !config.store.url) return null;
  const pool: PgPool = openPgPool(config.store.url, { size: 1, applicationName: 'cfa-console alerts' });
  const store = new PgAlertHandover(pool);
  return {
    host: hostName(config.engine.host),
    leaderState: () => store.read<HandoverState>(),
    leaderIncidents: () => store.readIncidents<HandedIncident[]>(),
    record: ({ kind, ...detail }) => store.addCommand(kind as AlertCommandKind, detail, hostName(config.engine.host)),
    close: () => pool.end(),
  };
}
