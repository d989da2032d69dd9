import type { Db } from '../store/sqlite.js';
import { Outbox, type NewOutboxMessage } from './outbox.js';
import type {
  ActiveAlert, AlertNotification, AlertRecord, AlertState, ChannelName, Labels, RuleId, RunbookId, Severity, Silence,
} from './types.js';

/**
 * Owns the `alerts` and `silences` tables of ops.db.
 *
 * An alert is one rule with one set of labels (its fingerprint). It opens as `pending`, turns
 * `firing` once its condition has held for the rule's `for`, and `resolved` when the condition
 * is gone (a pending alert that never fired is simply dropped: a blip is not history). Because
 * the state lives in ops.db, a restarted leader carries on: a firing alert stays firing and is
 * not announced again as new.
 */

export interface ApplyOptions {
  now: number;
  /** The configured channels a notification of this severity goes to. */
  routeFor(severity: Severity): ChannelName[];
  repeatCriticalMs: number;
  instance: string;
  /** The instance part of dedup keys, when it must be the same whichever host sends (default: `instance`). */
  dedupInstance?: string;
  /**
   * Rules that could not be judged this time (their inputs were unknown, or they threw): their
   * open alerts are left exactly as they are, neither resolved nor refreshed.
   */
  undetermined?: readonly RuleId[];
}

export interface ApplyResult {
  opened: AlertRecord[];
  fired: AlertRecord[];
  resolved: AlertRecord[];
  repeated: AlertRecord[];
  /** Firing but not announced because a silence holds the rule. */
  silenced: AlertRecord[];
  /** Outbox rows written. */
  enqueued: number;
}

interface AlertRow {
  id: number; rule: RuleId; fingerprint: string; severity: Severity; state: AlertState; labels: string; summary: string;
  runbook: RunbookId | null; pending_since: number; fired_at: number | null; resolved_at: number | null;
  last_notified_at: number | null; notified_channels: string; acked_at: number | null; acked_by: string | null; updated_at: number;
}

interface SilenceRow { id: number; rule: RuleId; until: number; reason: string; created_at: number; created_by: string | null }

function toRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id, rule: r.rule, fingerprint: r.fingerprint, severity: r.severity, state: r.state,
    labels: JSON.parse(r.labels) as Labels, summary: r.summary, runbook: r.runbook, pendingSince: r.pending_since,
    firedAt: r.fired_at, resolvedAt: r.resolved_at, lastNotifiedAt: r.last_notified_at,
    notifiedChannels: JSON.parse(r.notified_channels) as ChannelName[], ackedAt: r.acked_at, ackedBy: r.acked_by,
    updatedAt: r.updated_at,
  };
}

function toSilence(r: SilenceRow): Silence {
  return { id: r.id, rule: r.rule, until: r.until, reason: r.reason, createdAt: r.created_at, createdBy: r.created_by };
}

/** PagerDuty's dedup_key: the same for the trigger and the resolve of one alert, and for every alert of one rule and labels. */
export function dedupKey(instance: string, rule: string, fingerprint: string): string {
  return `cfa-console/${instance}/${rule}/${fingerprint}`;
}

/** What a person did on some host's CLI, carried to the leader through PostgreSQL (src/alerts/handover.ts). */
export type RemoteAlertCommand =
  | { kind: 'ack'; fingerprint: string; rule: RuleId; by: string | null; at: number }
  | { kind: 'silence'; rule: RuleId; until: number; reason: string; by: string | null; at: number }
  | { kind: 'unsilence'; rule: RuleId; createdAt: number; createdBy: string | null; at: number };

/** An error a person caused (no such alert, no such silence): exit 2 from the CLI. */
export class AlertUsageError extends Error {
  readonly exitCode = 2;
}

export class AlertStore {
  private readonly outbox: Outbox;

  constructor(private readonly db: Db) {
    this.outbox = new Outbox(db);
  }

  /**
   * Applies one evaluation: opens, fires, repeats and resolves alerts, and writes their
   * notifications to the outbox, all in one IMMEDIATE transaction. Two evaluators (a leader and
   * a CLI run) are serialised by SQLite and each sees the other's result.
   */
  apply(active: readonly ActiveAlert[], options: ApplyOptions): ApplyResult {
    return this.db.transaction(() => this.applyInTransaction(active, options)).immediate();
  }

  private applyInTransaction(active: readonly ActiveAlert[], options: ApplyOptions): ApplyResult {
    const { now } = options;
    const result: ApplyResult = { opened: [], fired: [], resolved: [], repeated: [], silenced: [], enqueued: 0 };
    const open = new Map(this.openRows().map((r) => [r.fingerprint, r]));
    const silenced = new Set(this.activeSilences(now).map((s) => s.rule));
    const undetermined = new Set(options.undetermined ?? []);
    const messages: NewOutboxMessage[] = [];
    const seen = new Set<string>();

    const insert = this.db.prepare(`INSERT INTO alerts (rule, fingerprint, severity, state, labels, summary, runbook, pending_since, updated_at)
      VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)`);
    const refresh = this.db.prepare('UPDATE alerts SET summary = ?, severity = ?, runbook = ?, updated_at = ? WHERE id = ?');
    const fire = this.db.prepare("UPDATE alerts SET state = 'firing', fired_at = ?, updated_at = ? WHERE id = ?");
    const notified = this.db.prepare('UPDATE alerts SET last_notified_at = ?, notified_channels = ? WHERE id = ?');
    const repeated = this.db.prepare('UPDATE alerts SET last_notified_at = ? WHERE id = ?');
    const resolve = this.db.prepare("UPDATE alerts SET state = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?");
    const drop = this.db.prepare('DELETE FROM alerts WHERE id = ?');

    const announce = (record: AlertRecord, kind: AlertNotification['kind'], channels: readonly ChannelName[]) => {
      const payload: AlertNotification = {
        kind, alertId: record.id, rule: record.rule, severity: record.severity, labels: record.labels,
        summary: record.summary, runbook: record.runbook, dedupKey: dedupKey(options.dedupInstance ?? options.instance, record.rule, record.fingerprint),
        firedAt: record.firedAt, resolvedAt: record.resolvedAt, at: now, instance: options.instance,
      };
      for (const channel of channels) {
        messages.push({ channel, alertId: record.id, kind, dedupKey: payload.dedupKey, payload, at: now });
      }
    };

    for (const a of active) {
      if (seen.has(a.fingerprint)) continue;
      seen.add(a.fingerprint);
      let row = open.get(a.fingerprint);
      if (!row) {
        const id = Number(insert.run(a.rule, a.fingerprint, a.severity, JSON.stringify(a.labels), a.summary, a.runbook, now, now).lastInsertRowid);
        row = this.row(id)!;
        result.opened.push(toRecord(row));
      } else {
        refresh.run(a.summary, a.severity, a.runbook, now, row.id);
        row = { ...row, summary: a.summary, severity: a.severity, runbook: a.runbook, updated_at: now };
      }
      if (row.state === 'pending' && now - row.pending_since >= a.forMs) {
        fire.run(now, now, row.id);
        row = { ...row, state: 'firing', fired_at: now };
        result.fired.push(toRecord(row));
      }
      if (row.state !== 'firing') continue;
      const record = toRecord(row);
      if (silenced.has(row.rule)) {
        result.silenced.push(record);
        continue;
      }
      if (row.last_notified_at === null) {
        // First announcement: at firing, or once a silence over it has ended.
        const channels = options.routeFor(row.severity);
        if (channels.length === 0) continue;
        announce(record, 'firing', channels);
        notified.run(now, JSON.stringify(channels), row.id);
      } else if (row.severity === 'critical' && row.acked_at === null && now - row.last_notified_at >= options.repeatCriticalMs) {
        // A reminder, not a new incident: PagerDuty already has it open under the same key.
        const channels = options.routeFor(row.severity).filter((c) => c !== 'pagerduty');
        repeated.run(now, row.id);
        if (channels.length) announce(record, 'repeat', channels);
        result.repeated.push(record);
      }
    }

    for (const row of open.values()) {
      if (seen.has(row.fingerprint) || undetermined.has(row.rule)) continue;
      if (row.state === 'pending') {
        drop.run(row.id);
        continue;
      }
      resolve.run(now, now, row.id);
      const record = toRecord({ ...row, state: 'resolved', resolved_at: now, updated_at: now });
      result.resolved.push(record);
      // The resolve goes where the trigger went (PagerDuty must close what it opened), even
      // under a silence: it is the one message that ends a page.
      if (record.notifiedChannels.length) announce(record, 'resolved', record.notifiedChannels);
    }

    this.outbox.enqueue(messages);
    result.enqueued = messages.length;
    return result;
  }

  private row(id: number): AlertRow | undefined {
    return this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
  }

  private openRows(): AlertRow[] {
    return this.db.prepare("SELECT * FROM alerts WHERE state != 'resolved' ORDER BY id").all() as AlertRow[];
  }

  get(id: number): AlertRecord | null {
    const row = this.row(id);
    return row ? toRecord(row) : null;
  }

  /** Pending and firing alerts, oldest first. */
  open(): AlertRecord[] {
    return this.openRows().map(toRecord);
  }

  /** Alerts open now or active at any time since `since` (the digest's day), oldest first. */
  since(since: number): AlertRecord[] {
    return (this.db.prepare(`SELECT * FROM alerts WHERE state != 'resolved' OR resolved_at >= ? OR pending_since >= ?
      ORDER BY pending_since, id`).all(since, since) as AlertRow[]).map(toRecord);
  }

  firingCount(): { rule: RuleId; severity: Severity; count: number }[] {
    return this.db.prepare(`SELECT rule, severity, count(*) AS count FROM alerts WHERE state = 'firing' GROUP BY rule, severity`)
      .all() as { rule: RuleId; severity: Severity; count: number }[];
  }

  /** "I am on it": stops the repeats of a critical alert; its resolve is still sent. */
  ack(id: number, by: string | null, now: number): AlertRecord {
    const row = this.row(id);
    if (!row) throw new AlertUsageError(`no alert ${id} (see \`cfa-console alerts\` for the open ones)`);
    if (row.state === 'resolved') throw new AlertUsageError(`alert ${id} (${row.rule}) is already resolved`);
    if (row.acked_at === null) this.db.prepare('UPDATE alerts SET acked_at = ?, acked_by = ?, updated_at = ? WHERE id = ?').run(now, by, now, id);
    return toRecord(this.row(id)!);
  }

  silence(rule: RuleId, until: number, reason: string, by: string | null, now: number): Silence {
    const id = Number(this.db.prepare('INSERT INTO silences (rule, until, reason, created_at, created_by) VALUES (?, ?, ?, ?, ?)')
      .run(rule, until, reason, now, by).lastInsertRowid);
    return toSilence(this.db.prepare('SELECT * FROM silences WHERE id = ?').get(id) as SilenceRow);
  }

  /** Ends a silence now (it stays in the table, expired, for the record). */
  unsilence(id: number, now: number): Silence {
    const row = this.db.prepare('SELECT * FROM silences WHERE id = ?').get(id) as SilenceRow | undefined;
    if (!row) throw new AlertUsageError(`no silence ${id} (see \`cfa-console alerts\` for the active ones)`);
    if (row.until > now) this.db.prepare('UPDATE silences SET until = ? WHERE id = ?').run(now, id);
    return toSilence({ ...row, until: Math.min(row.until, now) });
  }

  activeSilences(now: number): Silence[] {
    return (this.db.prepare('SELECT * FROM silences WHERE until > ? ORDER BY until').all(now) as SilenceRow[]).map(toSilence);
  }

  /**
   * Takes over the open alerts and active silences another host's leader handed over
   * (src/alerts/handover.ts): they replace what this ops.db holds open. An alert open here but not
   * there ended under that leader (its resolve was its business): pending ones are dropped, firing
   * ones closed without a notification. A silence is known across hosts by its rule, start and
   * author. Returns this ops.db's id of each adopted alert by fingerprint.
   */
  adopt(alerts: readonly AlertRecord[], silences: readonly Silence[], now: number): Map<string, number> {
    return this.db.transaction(() => {
      const local = new Map(this.openRows().map((r) => [r.fingerprint, r]));
      const handed = new Set(alerts.map((a) => a.fingerprint));
      for (const row of local.values()) {
        if (handed.has(row.fingerprint)) continue;
        if (row.state === 'pending') this.db.prepare('DELETE FROM alerts WHERE id = ?').run(row.id);
        else this.db.prepare("UPDATE alerts SET state = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?").run(now, now, row.id);
      }
      const ids = new Map<string, number>();
      const values = (a: AlertRecord) => [a.rule, a.severity, a.state, JSON.stringify(a.labels), a.summary, a.runbook, a.pendingSince, a.firedAt,
        a.lastNotifiedAt, JSON.stringify(a.notifiedChannels), a.ackedAt, a.ackedBy, now];
      for (const a of alerts) {
        const row = local.get(a.fingerprint);
        if (row) {
          this.db.prepare(`UPDATE alerts SET rule = ?, severity = ?, state = ?, labels = ?, summary = ?, runbook = ?, pending_since = ?, fired_at = ?,
            last_notified_at = ?, notified_channels = ?, acked_at = ?, acked_by = ?, updated_at = ? WHERE id = ?`).run(...values(a), row.id);
          ids.set(a.fingerprint, row.id);
        } else {
          ids.set(a.fingerprint, Number(this.db.prepare(`INSERT INTO alerts (rule, severity, state, labels, summary, runbook, pending_since, fired_at,
            last_notified_at, notified_channels, acked_at, acked_by, updated_at, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
            .run(...values(a), a.fingerprint).lastInsertRowid));
        }
      }
      const key = (s: Pick<Silence, 'rule' | 'createdAt' | 'createdBy'>) => `${s.rule}|${s.createdAt}|${s.createdBy ?? ''}`;
      const handedSilences = new Set(silences.map(key));
      for (const s of this.activeSilences(now)) if (!handedSilences.has(key(s))) this.endSilence(s, now);
      for (const s of silences) this.addSilence(s);
      return ids;
    }).immediate();
  }

  /**
   * Applies a person's command from any host (src/alerts/handover.ts). Idempotent: a command
   * applied twice (a leader that died before recording it as applied) changes nothing the second
   * time. Returns whether anything changed.
   */
  applyRemote(command: RemoteAlertCommand, now: number): boolean {
    switch (command.kind) {
      case 'ack':
        return this.db.prepare(`UPDATE alerts SET acked_at = ?, acked_by = ?, updated_at = ?
          WHERE fingerprint = ? AND state != 'resolved' AND acked_at IS NULL`).run(command.at, command.by, now, command.fingerprint).changes > 0;
      case 'silence':
        return this.addSilence({ rule: command.rule, until: command.until, reason: command.reason, createdAt: command.at, createdBy: command.by });
      case 'unsilence': {
        const row = this.db.prepare('SELECT * FROM silences WHERE rule = ? AND created_at = ? AND created_by IS ? AND until > ?')
          .get(command.rule, command.createdAt, command.createdBy, command.at) as SilenceRow | undefined;
        if (row) this.endSilence(toSilence(row), command.at);
        return Boolean(row);
      }
    }
  }

  /** Adds a silence unless one of the same rule, start and author exists (a command seen twice). */
  private addSilence(s: Omit<Silence, 'id'>): boolean {
    const exists = this.db.prepare('SELECT 1 FROM silences WHERE rule = ? AND created_at = ? AND created_by IS ?').get(s.rule, s.createdAt, s.createdBy);
    if (exists) return false;
    this.db.prepare('INSERT INTO silences (rule, until, reason, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(s.rule, s.until, s.reason, s.createdAt, s.createdBy);
    return true;
  }

  private endSilence(s: Silence, now: number): void {
    this.db.prepare('UPDATE silences SET until = ? WHERE id = ? AND until > ?').run(now, s.id, now);
  }

  /** Deletes resolved alerts and expired silences older than `olderThan`. */
  prune(olderThan: number): { alerts: number; silences: number } {
    return {
      alerts: this.db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?").run(olderThan).changes,
      silences: this.db.prepare('DELETE FROM silences WHERE until < ?').run(olderThan).changes,
    };
  }
}
