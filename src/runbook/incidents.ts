/**
 * Owns `incidents` and `incident_timeline` in ops.db (migration 7): every run of a runbook, who
 * works it, its step machine (persisted after every event, for resume), and its timeline: each
 * step's intent, start, end, outcome and output, and the steady state before and after.
 *
 * One process works an incident at a time: the claim names it (`user@host`, pid and start time).
 * Another console sees "being worked by ... since ..." and reads; it may take over (with the
 * person's confirmation), and takes over at once a claim whose process is gone on this host.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { currentProcess, isAlive } from '../engine/process-identity.js';
import { readJsonObject } from '../store/json-column.js';
import type { Db } from '../store/sqlite.js';
import type { RunState } from './machine.js';

export type IncidentState = 'open' | 'resolved' | 'escalated' | 'aborted';

/** Who runs a runbook: the person (user@host, tty) and the process, for the claim. */
export interface Who {
  user: string;
  host: string;
  tty: string | null;
  pid: number;
  startTicks: number | null;
}

export function whoAmI(tty: string | null = process.stdin.isTTY ? (process.env.SSH_TTY ?? 'tty') : null): Who {
  let user = process.env.USER ?? 'unknown';
  try { user = os.userInfo().username; } catch { /* no passwd entry (containers) */ }
  const me = currentProcess();
  return { user, host: os.hostname(), tty, pid: me.pid, startTicks: me.startTicks };
}

export function whoLabel(who: Pick<Who, 'user' | 'host'>): string {
  return `${who.user}@${who.host}`;
}

export interface IncidentAlert {
  id: number;
  rule: string;
  pendingSince: number | null;
  firedAt: number | null;
}

export interface Incident {
  id: number;
  runbook: string;
  alert: IncidentAlert | null;
  openedBy: string;
  tty: string | null;
  automatic: boolean;
  dryRun: boolean;
  openedAt: number;
  state: IncidentState;
  outcome: string | null;
  closedAt: number | null;
  machine: RunState | null;
  claim: Claim | null;
}

export interface Claim {
  by: string;
  pid: number;
  startTicks: number | null;
  host: string;
  since: number;
}

export type TimelineKind = 'steady-state-before' | 'steady-state-after' | 'step' | 'already-done' | 'skip' | 'abort'
  | 'handover' | 'escalation' | 'take-over' | 'resume' | 'retry';

export type TimelineOutcome = 'running' | 'ok' | 'failed' | 'skipped' | 'unknown' | 'already-done' | 'planned'
  | 'declined' | 'aborted' | 'passed' | 'not-passed' | 'sent' | 'noted';

export interface TimelineEntry {
  id: number;
  incidentId: number;
  runbook: string;
  step: string | null;
  kind: TimelineKind;
  intent: string | null;
  risk: string | null;
  startedAt: number;
  endedAt: number | null;
  outcome: TimelineOutcome;
  summary: string | null;
  data: Record<string, unknown> | null;
  /** The lines kept (all of them up to a limit, else the first and last ones). */
  output: string[];
  /** How many lines the operation gave. */
  outputLines: number;
  /** sha256 of all the lines when some were left out, so a copy elsewhere can be matched. */
  outputDigest: string | null;
  by: string | null;
}

export interface NewEntry {
  runbook: string;
  step?: string | null;
  kind: TimelineKind;
  intent?: string | null;
  risk?: string | null;
  startedAt: number;
  endedAt?: number | null;
  outcome: TimelineOutcome;
  summary?: string | null;
  data?: Record<string, unknown> | null;
  output?: readonly string[];
  by?: string | null;
}

/** Lines kept whole up to here; beyond, the first and last halves and a digest of all. */
export const KEPT_OUTPUT_LINES = 200;
const MAX_LINE_CHARS = 2000;

export function keepOutput(lines: readonly string[], limit = KEPT_OUTPUT_LINES): { lines: string[]; total: number; digest: string | null } {
  const clipped = lines.map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}…` : l));
  if (lines.length <= limit) return { lines: clipped, total: lines.length, digest: null };
  const half = Math.floor(limit / 2);
  const digest = crypto.createHash('sha256').update(lines.join('\n')).digest('hex');
  return {
    lines: [...clipped.slice(0, half), `… ${lines.length - 2 * half} lines left out (sha256 ${digest.slice(0, 16)}) …`, ...clipped.slice(-half)],
    total: lines.length,
    digest,
  };
}

interface IncidentRow {
  id: number; runbook: string; alert_id: number | null; alert_rule: string | null; alert_pending_since: number | null;
  alert_fired_at: number | null; opened_by: string; tty: string | null; automatic: number; dry_run: number; opened_at: number;
  state: IncidentState; outcome: string | null; closed_at: number | null; machine: string | null; claimed_by: string | null;
  claim_pid: number | null; claim_start_ticks: number | null; claim_host: string | null; claimed_at: number | null;
}

interface EntryRow {
  id: number; incident_id: number; runbook: string; step: string | null; kind: TimelineKind; intent: string | null;
  risk: string | null; started_at: number; ended_at: number | null; outcome: TimelineOutcome; summary: string | null;
  data: string | null; output: string | null; output_lines: number | null; output_digest: string | null; by_whom: string | null;
}

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    runbook: r.runbook,
    alert: r.alert_id === null ? null : { id: r.alert_id, rule: r.alert_rule ?? '', pendingSince: r.alert_pending_since, firedAt: r.alert_fired_at },
    openedBy: r.opened_by,
    tty: r.tty,
    automatic: r.automatic === 1,
    dryRun: r.dry_run === 1,
    openedAt: r.opened_at,
    state: r.state,
    outcome: r.outcome,
    closedAt: r.closed_at,
    machine: r.machine ? (JSON.parse(r.machine) as RunState) : null,
    claim: r.claimed_by === null || r.claim_pid === null
      ? null
      : { by: r.claimed_by, pid: r.claim_pid, startTicks: r.claim_start_ticks, host: r.claim_host ?? '', since: r.claimed_at ?? r.opened_at },
  };
}

function toEntry(r: EntryRow): TimelineEntry {
  return {
    id: r.id, incidentId: r.incident_id, runbook: r.runbook, step: r.step, kind: r.kind, intent: r.intent, risk: r.risk,
    startedAt: r.started_at, endedAt: r.ended_at, outcome: r.outcome, summary: r.summary,
    data: r.data === null ? null : readJsonObject(r.data),
    output: r.output === null ? [] : (JSON.parse(r.output) as string[]),
    outputLines: r.output_lines ?? 0, outputDigest: r.output_digest, by: r.by_whom,
  };
}

/**
 * An incident as it travels to another host (store.backend postgres, src/alerts/handover.ts): ids
 * are per ops.db, so it is known there by where it was opened (runbook, opened_at, opened_by), its
 * alert by a key the caller gives (the alert's fingerprint), and open ones carry their timeline.
 */
export interface HandedIncident extends Omit<Incident, 'id' | 'alert'> {
  /** Its id on the host that handed it over (for people: `incident show` there). */
  originId: number;
  alert: (IncidentAlert & { key: string | null }) | null;
  /** Open incidents only; closed ones travel for their state. */
  timeline: Omit<TimelineEntry, 'id' | 'incidentId'>[];
}

export type ClaimResult = { ok: true } | { ok: false; holder: Claim };

/** The claim is held by a process that still runs (on another host: presumed to run). */
export function claimIsLive(claim: Claim, here = os.hostname()): boolean {
  if (claim.host !== here) return true;
  return isAlive({ pid: claim.pid, startTicks: claim.startTicks });
}

export function describeClaim(claim: Claim): string {
  return `being worked by ${claim.by} (pid ${claim.pid}) since ${new Date(claim.since).toISOString()}`;
}

export class IncidentStore {
  constructor(private readonly db: Db) {}

  /** Opens an incident claimed by `who`, with the run's first machine state. */
  open(input: { runbook: string; alert?: IncidentAlert | null; who: Who; automatic?: boolean; dryRun?: boolean; at: number; machine: RunState }): Incident {
    const { who } = input;
    const id = Number(this.db.prepare(`INSERT INTO incidents (runbook, alert_id, alert_rule, alert_pending_since, alert_fired_at,
        opened_by, tty, automatic, dry_run, opened_at, state, machine, claimed_by, claim_pid, claim_start_ticks, claim_host, claimed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`).run(
      input.runbook, input.alert?.id ?? null, input.alert?.rule ?? null, input.alert?.pendingSince ?? null, input.alert?.firedAt ?? null,
      whoLabel(who), who.tty, input.automatic ? 1 : 0, input.dryRun ? 1 : 0, input.at, JSON.stringify(input.machine),
      whoLabel(who), who.pid, who.startTicks, who.host, input.at,
    ).lastInsertRowid);
    return this.get(id)!;
  }

  get(id: number): Incident | null {
    const row = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
    return row ? toIncident(row) : null;
  }

  /** Newest first. */
  list(options: { limit?: number; state?: IncidentState } = {}): Incident[] {
    const rows = options.state
      ? this.db.prepare('SELECT * FROM incidents WHERE state = ? ORDER BY id DESC LIMIT ?').all(options.state, options.limit ?? 50)
      : this.db.prepare('SELECT * FROM incidents ORDER BY id DESC LIMIT ?').all(options.limit ?? 50);
    return (rows as IncidentRow[]).map(toIncident);
  }

  /** The open (not dry-run) incident of a runbook, if one is: a new run resumes it instead of opening another. */
  activeFor(runbook: string): Incident | null {
    const row = this.db.prepare("SELECT * FROM incidents WHERE runbook = ? AND state = 'open' AND dry_run = 0 ORDER BY id DESC LIMIT 1")
      .get(runbook) as IncidentRow | undefined;
    return row ? toIncident(row) : null;
  }

  /** Every open incident (the console's badge). */
  active(): Incident[] {
    return (this.db.prepare("SELECT * FROM incidents WHERE state = 'open' AND dry_run = 0 ORDER BY id").all() as IncidentRow[]).map(toIncident);
  }

  /** After every machine event: what a resume starts from. */
  saveMachine(id: number, machine: RunState): void {
    this.db.prepare('UPDATE incidents SET machine = ? WHERE id = ?').run(JSON.stringify(machine), id);
  }

  close(id: number, state: Exclude<IncidentState, 'open'>, outcome: string, at: number): void {
    this.db.prepare(`UPDATE incidents SET state = ?, outcome = ?, closed_at = ?, claimed_by = NULL, claim_pid = NULL,
      claim_start_ticks = NULL, claim_host = NULL, claimed_at = NULL WHERE id = ?`).run(state, outcome, at, id);
  }

  /** Reopens an escalated incident for another try (a retry from the wizard). */
  reopen(id: number): void {
    this.db.prepare("UPDATE incidents SET state = 'open', outcome = NULL, closed_at = NULL WHERE id = ?").run(id);
  }

  /**
   * Claims the incident for `who`: granted when nobody holds it, `who`'s own process does, or the
   * holder's process is gone; otherwise the live holder is returned (read-only for `who`).
   */
  claim(id: number, who: Who, at: number): ClaimResult {
    return this.db.transaction((): ClaimResult => {
      const incident = this.get(id);
      if (!incident) throw new Error(`no incident #${id}`);
      const c = incident.claim;
      if (c && !(c.pid === who.pid && c.host === who.host) && claimIsLive(c, who.host)) return { ok: false, holder: c };
      this.setClaim(id, who, at);
      return { ok: true };
    }).immediate();
  }

  /** Takes the incident from whoever holds it (after the person confirmed); returns the previous holder. */
  takeOver(id: number, who: Who, at: number): Claim | null {
    return this.db.transaction(() => {
      const previous = this.get(id)?.claim ?? null;
      this.setClaim(id, who, at);
      return previous;
    }).immediate();
  }

  /** True while `who` still holds the claim (a take-over by someone else ends it). */
  holds(id: number, who: Who): boolean {
    const c = this.get(id)?.claim;
    return Boolean(c && c.pid === who.pid && c.host === who.host);
  }

  release(id: number, who: Who): void {
    this.db.prepare(`UPDATE incidents SET claimed_by = NULL, claim_pid = NULL, claim_start_ticks = NULL, claim_host = NULL, claimed_at = NULL
      WHERE id = ? AND claim_pid = ? AND claim_host = ?`).run(id, who.pid, who.host);
  }

  private setClaim(id: number, who: Who, at: number): void {
    this.db.prepare('UPDATE incidents SET claimed_by = ?, claim_pid = ?, claim_start_ticks = ?, claim_host = ?, claimed_at = ? WHERE id = ?')
      .run(whoLabel(who), who.pid, who.startTicks, who.host, at, id);
  }

  addEntry(incidentId: number, e: NewEntry): number {
    const kept = keepOutput(e.output ?? []);
    return Number(this.db.prepare(`INSERT INTO incident_timeline (incident_id, runbook, step, kind, intent, risk, started_at, ended_at,
        outcome, summary, data, output, output_lines, output_digest, by_whom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      incidentId, e.runbook, e.step ?? null, e.kind, e.intent ?? null, e.risk ?? null, e.startedAt, e.endedAt ?? null, e.outcome,
      e.summary ?? null, e.data ? JSON.stringify(e.data) : null, JSON.stringify(kept.lines), kept.total, kept.digest, e.by ?? null,
    ).lastInsertRowid);
  }

  /** Completes an entry written when its step started. */
  finishEntry(entryId: number, e: { endedAt: number; outcome: TimelineOutcome; summary?: string | null; data?: Record<string, unknown> | null; output?: readonly string[] }): void {
    const kept = keepOutput(e.output ?? []);
    this.db.prepare(`UPDATE incident_timeline SET ended_at = ?, outcome = ?, summary = ?, data = ?, output = ?, output_lines = ?, output_digest = ?
      WHERE id = ?`).run(e.endedAt, e.outcome, e.summary ?? null, e.data ? JSON.stringify(e.data) : null, JSON.stringify(kept.lines), kept.total, kept.digest, entryId);
  }

  /** Entries left `running` by a process that died: their outcome is unknown. */
  markUnknown(incidentId: number, at: number): number {
    return this.db.prepare(`UPDATE incident_timeline SET outcome = 'unknown', ended_at = ?, summary = coalesce(summary, 'the run stopped before this step ended')
      WHERE incident_id = ? AND outcome = 'running'`).run(at, incidentId).changes;
  }

  timeline(incidentId: number): TimelineEntry[] {
    return (this.db.prepare('SELECT * FROM incident_timeline WHERE incident_id = ? ORDER BY id').all(incidentId) as EntryRow[]).map(toEntry);
  }

  /**
   * What another host needs to carry on: every open incident (not dry runs) with its timeline,
   * and the newest `limit` of those closed since `closedSince` (so a host that had one open learns
   * it ended). The limit never drops an open one: an incident waiting for a person for days must
   * not vanish from the next leader behind a burst of closed ones. `alertKey` names an incident's
   * alert across hosts (ids are per ops.db).
   */
  handover(closedSince: number, alertKey: (alertId: number) => string | null, limit = 50): HandedIncident[] {
    const open = this.db.prepare(`SELECT * FROM incidents WHERE dry_run = 0 AND state = 'open'`).all() as IncidentRow[];
    const closed = this.db.prepare(`SELECT * FROM incidents WHERE dry_run = 0 AND state <> 'open' AND closed_at >= ? ORDER BY id DESC LIMIT ?`)
      .all(closedSince, limit) as IncidentRow[];
    return [...open, ...closed].sort((x, y) => x.id - y.id).map(toIncident).map(({ id, alert, ...rest }) => ({
      ...rest,
      originId: id,
      alert: alert ? { ...alert, key: alertKey(alert.id) } : null,
      timeline: rest.state === 'open' ? this.timeline(id).map(({ id: _id, incidentId: _incident, ...e }) => e) : [],
    }));
  }

  /**
   * Takes over incidents handed over by another host, in one transaction: one already here (the
   * same runbook, opening time and opener: it travelled before, or started here) takes the handed
   * state, and an open one its timeline, unless a live process of this machine works it (then this
   * ops.db is its truth); another open one is inserted (a closed one not here is the other host's
   * history, left there). The claim of an automatic run is dropped unless its process lives on
   * this machine: the engine that held it no longer leads, and the incident is resumed here; a
   * person's claim stands. `alertId` finds the alert here by its key. Returns the ids here.
   */
  adopt(handed: readonly HandedIncident[], alertId: (key: string) => number | null): number[] {
    const here = os.hostname();
    const liveHere = (c: Claim | null): boolean => c !== null && c.host === here && claimIsLive(c, here);
    return this.db.transaction(() => handed.flatMap((h) => {
      const row = this.db.prepare('SELECT * FROM incidents WHERE runbook = ? AND opened_at = ? AND opened_by = ? ORDER BY id LIMIT 1')
        .get(h.runbook, h.openedAt, h.openedBy) as IncidentRow | undefined;
      const local = row ? toIncident(row) : null;
      if ((!local && h.state !== 'open') || (local && liveHere(local.claim))) return [];
      // An alert no longer open there was not handed over: its id there means nothing here.
      const localAlert = h.alert?.key ? alertId(h.alert.key) : null;
      const claim = h.claim && (!h.automatic || liveHere(h.claim)) ? h.claim : null;
      const values = [
        h.runbook, localAlert, h.alert?.rule ?? null, h.alert?.pendingSince ?? null, h.alert?.firedAt ?? null, h.openedBy, h.tty,
        h.automatic ? 1 : 0, h.openedAt, h.state, h.outcome, h.closedAt, h.machine ? JSON.stringify(h.machine) : null,
        claim?.by ?? null, claim?.pid ?? null, claim?.startTicks ?? null, claim?.host ?? null, claim?.since ?? null,
      ];
      let id: number;
      if (local) {
        id = local.id;
        this.db.prepare(`UPDATE incidents SET runbook = ?, alert_id = ?, alert_rule = ?, alert_pending_since = ?, alert_fired_at = ?, opened_by = ?,
            tty = ?, automatic = ?, opened_at = ?, state = ?, outcome = ?, closed_at = ?, machine = ?, claimed_by = ?, claim_pid = ?,
            claim_start_ticks = ?, claim_host = ?, claimed_at = ? WHERE id = ?`).run(...values, id);
      } else {
        id = Number(this.db.prepare(`INSERT INTO incidents (runbook, alert_id, alert_rule, alert_pending_since, alert_fired_at, opened_by, tty,
            automatic, opened_at, state, outcome, closed_at, machine, claimed_by, claim_pid, claim_start_ticks, claim_host, claimed_at, dry_run)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`).run(...values).lastInsertRowid);
      }
      if (h.state === 'open') {
        this.db.prepare('DELETE FROM incident_timeline WHERE incident_id = ?').run(id);
        for (const e of h.timeline) {
          this.db.prepare(`INSERT INTO incident_timeline (incident_id, runbook, step, kind, intent, risk, started_at, ended_at, outcome, summary,
              data, output, output_lines, output_digest, by_whom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
            id, e.runbook, e.step, e.kind, e.intent, e.risk, e.startedAt, e.endedAt, e.outcome, e.summary,
            e.data ? JSON.stringify(e.data) : null, JSON.stringify(e.output), e.outputLines, e.outputDigest, e.by);
        }
      }
      return [id];
    })).immediate();
  }
}
