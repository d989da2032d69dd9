import type { ChannelName, RuleId, Severity } from '../config/sections/alerts.js';

export type { ChannelName, RuleId, Severity };

/** The runbooks (in runbooks/) that handle an alert; the console opens one with Enter. */
export type RunbookId =
  | 'daemon-dead' | 'stale-data' | 'sync-failed' | 'db-corruption' | 'backup-stale' | 'daemon-hung'
  | 'daemon-crash-loop' | 'disk-low' | 'rate-limited' | 'missing-symbols' | 'sentiment-stale';

export type Labels = Record<string, string>;

/**
 * One finished or running job run, as the rules need it. Structurally a subset of the engine's
 * `JobRun` (src/engine/run-history.ts), so its values pass straight in, and the rules stay free
 * of the engine.
 */
export interface RunRecord {
  id: number;
  job: string;
  status: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  exitCode?: number | null;
  summary: Record<string, unknown> | null;
}

/**
 * The supervised daemon as the rules see it. Structurally a subset of the supervisor's
 * `SupervisorStatus`; `readDaemonFacts` (sources.ts) builds it from ops.db when no live status is
 * at hand (a follower, the CLI).
 */
export interface DaemonFacts {
  name: string;
  /** False when `daemon.command` is not set: then no daemon rule fires. */
  configured: boolean;
  state: string | null;
  pid: number | null;
  heartbeatAgeMs: number | null;
  cpuPercent: number | null;
  rssBytes: number | null;
}

/** What a rule found wrong, for one set of labels (one alert). */
export interface Finding {
  labels: Labels;
  summary: string;
  /** The measured figure, where there is one (for people and the digest). */
  value?: number | null;
}

/** A finding with its rule's identity attached: what the alert state machine consumes. */
export interface ActiveAlert extends Finding {
  rule: RuleId;
  severity: Severity;
  runbook: RunbookId;
  fingerprint: string;
  forMs: number;
}

export type AlertState = 'pending' | 'firing' | 'resolved';

export interface AlertRecord {
  id: number;
  rule: RuleId;
  fingerprint: string;
  severity: Severity;
  state: AlertState;
  labels: Labels;
  summary: string;
  runbook: RunbookId | null;
  pendingSince: number;
  firedAt: number | null;
  resolvedAt: number | null;
  lastNotifiedAt: number | null;
  /** Channels the firing notification went to: the resolve goes to the same ones. */
  notifiedChannels: ChannelName[];
  ackedAt: number | null;
  ackedBy: string | null;
  updatedAt: number;
}

export interface Silence {
  id: number;
  rule: RuleId;
  until: number;
  reason: string;
  createdAt: number;
  createdBy: string | null;
}

/** What is written to the outbox and rendered by the channels. */
export type NotificationKind = 'firing' | 'resolved' | 'repeat' | 'test' | 'digest' | 'escalation';

export interface AlertNotification {
  kind: 'firing' | 'resolved' | 'repeat';
  alertId: number;
  rule: RuleId;
  severity: Severity;
  labels: Labels;
  summary: string;
  runbook: RunbookId | null;
  /** Stable per rule and labels: PagerDuty's dedup_key. */
  dedupKey: string;
  firedAt: number | null;
  resolvedAt: number | null;
  /** When the notification was decided. */
  at: number;
  instance: string;
}

export interface MessageNotification {
  /** `escalation`: a runbook could not reach steady state and pages (src/runbook/runner.ts). */
  kind: 'test' | 'digest' | 'escalation';
  title: string;
  text: string;
  at: number;
  instance: string;
}

export type Notification = AlertNotification | MessageNotification;

export function isAlertNotification(n: Notification): n is AlertNotification {
  return n.kind === 'firing' || n.kind === 'resolved' || n.kind === 'repeat';
}
