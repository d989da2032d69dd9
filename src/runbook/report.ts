/**
 * The seeds' post-incident report (003, "Post-Incident Checklist") filled from an incident and
 * its timeline: date, time, duration, impact, root cause ticked, detection and its delay, the
 * actions with their outcomes, recovery time, data loss measured, and prevention, owner and due
 * date left for a person. Pure: `buildReport` takes values, `reportMarkdown` renders them.
 *
 * Conventions the steps follow so the report can measure (see types.ts):
 * - a step or steady-state probe that finds the cause publishes `rootCause` (one of the runbook's
 *   `rootCauses`), which is ticked;
 * - a steady-state probe that counts candles publishes `missingCandles` (a number): the value
 *   before and after the run is the data loss measured.
 */
import type { Incident, TimelineEntry } from './incidents.js';
import type { RunbookDecl } from './types.js';

export interface ReportAction {
  runbook: string;
  step: string | null;
  kind: string;
  what: string;
  outcome: string;
  summary: string | null;
  at: string;
  durationMs: number | null;
  by: string | null;
}

export interface IncidentReport {
  incident: number;
  runbook: string;
  title: string;
  /** Runbooks the incident went through (handovers). */
  chain: string[];
  state: Incident['state'];
  outcome: string | null;
  date: string;
  time: string;
  openedAt: string;
  closedAt: string | null;
  durationMs: number | null;
  openedBy: string;
  automaticRun: boolean;
  dryRun: boolean;
  impact: string;
  rootCause: { options: { cause: string; ticked: boolean }[]; other: string | null };
  detection: { automated: boolean; alertId: number | null; rule: string | null; alertPendingSince: string | null; delayMs: number | null };
  actions: ReportAction[];
  recoveryMs: number | null;
  dataLoss: { missingCandlesBefore: number | null; missingCandlesAfter: number | null; note: string };
  prevention: { options: string[]; owner: string; due: string };
}

const PREVENTION = ['Auto-restart added', 'Backup validation improved', 'Monitoring threshold adjusted', 'Other: ___'];

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Finds a key in the steady-state results of an entry (`data.results[].data[key]`). */
function steadyValue(entry: TimelineEntry | undefined, key: string): number | null {
  const results = (entry?.data?.results ?? []) as { data?: Record<string, unknown> }[];
  let total: number | null = null;
  for (const r of results) {
    const v = r.data?.[key];
    if (typeof v === 'number' && Number.isFinite(v)) total = (total ?? 0) + v;
  }
  return total;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The report of one incident; `lookup` gives the runbooks of its chain (for titles and root causes). */
export function buildReport(incident: Incident, timeline: readonly TimelineEntry[], lookup: (id: string) => RunbookDecl | undefined): IncidentReport {
  const chain = [incident.runbook, ...timeline.filter((e) => e.kind === 'handover' && e.outcome === 'noted').map((e) => String(e.data?.to ?? ''))].filter(Boolean);
  const decls = chain.map((id) => lookup(id)).filter((d): d is RunbookDecl => d !== undefined);
  const first = decls[0];
  const before = timeline.find((e) => e.kind === 'steady-state-before');
  const after = [...timeline].reverse().find((e) => e.kind === 'steady-state-after');

  const found = new Set<string>();
  for (const e of timeline) {
    const cause = e.data?.rootCause;
    if (typeof cause === 'string') found.add(cause);
    for (const r of (e.data?.results ?? []) as { data?: Record<string, unknown> }[]) if (typeof r.data?.rootCause === 'string') found.add(r.data.rootCause);
  }
  const causes = [...new Set(decls.flatMap((d) => d.rootCauses))];
  const other = [...found].filter((c) => !causes.includes(c));

  const pending = incident.alert?.pendingSince ?? null;
  const start = Math.min(incident.openedAt, pending ?? incident.openedAt);
  const recoveredAt = after?.outcome === 'passed' ? (after.endedAt ?? after.startedAt) : null;
  const missingBefore = steadyValue(before, 'missingCandles');
  const missingAfter = steadyValue(after, 'missingCandles');

  const impact = before
    ? (before.outcome === 'passed' ? 'none measured: the steady state held when the incident was opened' : `steady state broken: ${before.summary ?? ''}`)
    : 'not measured';
  const actions: ReportAction[] = timeline
    .filter((e) => e.kind !== 'steady-state-before' && e.kind !== 'steady-state-after')
    .map((e) => ({
      runbook: e.runbook, step: e.step, kind: e.kind, what: e.intent ?? e.kind, outcome: e.outcome, summary: e.summary,
      at: new Date(e.startedAt).toISOString(), durationMs: e.endedAt === null ? null : e.endedAt - e.startedAt, by: e.by,
    }));

  return {
    incident: incident.id,
    runbook: incident.runbook,
    title: first?.title ?? incident.runbook,
    chain,
    state: incident.state,
    outcome: incident.outcome,
    date: new Date(start).toISOString().slice(0, 10),
    time: `${new Date(start).toISOString().slice(11, 16)} UTC`,
    openedAt: new Date(incident.openedAt).toISOString(),
    closedAt: iso(incident.closedAt),
    durationMs: incident.closedAt === null ? null : incident.closedAt - start,
    openedBy: incident.openedBy,
    automaticRun: incident.automatic,
    dryRun: incident.dryRun,
    impact,
    rootCause: { options: causes.map((cause) => ({ cause, ticked: found.has(cause) })), other: other.length ? other.join(', ') : null },
    detection: {
      automated: incident.alert !== null,
      alertId: incident.alert?.id ?? null,
      rule: incident.alert?.rule ?? null,
      alertPendingSince: iso(pending),
      delayMs: pending === null ? null : incident.openedAt - pending,
    },
    actions,
    recoveryMs: recoveredAt === null ? null : recoveredAt - start,
    dataLoss: {
      missingCandlesBefore: missingBefore,
      missingCandlesAfter: missingAfter,
      note: missingAfter === null
        ? 'not measured: no steady-state probe of this runbook counts candles'
        : missingAfter === 0 ? 'none: every candle missing before was recovered' : `${missingAfter} candle(s) still missing after the run`,
    },
    prevention: { options: PREVENTION, owner: '', due: '' },
  };
}

const box = (on: boolean): string => (on ? '[x]' : '[ ]');

/** The report in the seeds' Markdown layout. */
export function reportMarkdown(r: IncidentReport): string {
  const lines = [
    `# Incident Report: #${r.incident} ${r.title}`,
    '',
    `**Date:** ${r.date}  `,
    `**Time:** ${r.time}  `,
    `**Duration:** ${r.durationMs === null ? 'still open' : formatDuration(r.durationMs)}  `,
    `**Impact:** ${r.impact}  `,
    `**Runbook:** ${r.chain.join(' -> ')} (${r.automaticRun ? 'automatic run' : `run by ${r.openedBy}`}${r.dryRun ? ', dry run' : ''})  `,
    `**Outcome:** ${r.state}${r.outcome && r.state !== 'resolved' ? `: ${r.outcome}` : ''}`,
    '',
    '## Root Cause',
    [...r.rootCause.options.map((o) => `${box(o.ticked)} ${o.cause}`), `${box(r.rootCause.other !== null)} Other: ${r.rootCause.other ?? '___'}`].join(' '),
    '',
    '## Detection',
    `Who found? ${box(r.detection.automated)} Automated${r.detection.alertId !== null ? ` (alert #${r.detection.alertId}, ${r.detection.rule})` : ''} ${box(!r.detection.automated)} Manual notice`,
    `Detection delay: ${r.detection.delayMs === null ? '___' : `${formatDuration(r.detection.delayMs)} (alert pending since ${r.detection.alertPendingSince} -> incident opened ${r.openedAt})`}`,
    '',
    '## Recovery',
    'Action taken:',
    ...(r.actions.length ? r.actions.map((a) => `- ${a.at.slice(11, 19)} ${a.step ?? a.kind}: ${a.what} — ${a.outcome}${a.summary ? ` (${a.summary})` : ''}`) : ['- none']),
    `Recovery time: ${r.recoveryMs === null ? 'not recovered' : formatDuration(r.recoveryMs)}`,
    `Data loss: ${r.dataLoss.missingCandlesBefore === null && r.dataLoss.missingCandlesAfter === null ? r.dataLoss.note
      : `${r.dataLoss.missingCandlesBefore ?? '?'} candle(s) missing before, ${r.dataLoss.missingCandlesAfter ?? '?'} after (${r.dataLoss.note})`}`,
    '',
    '## Prevention',
    ...r.prevention.options.map((o) => `[ ] ${o}`),
    '',
    '## Assigned to',
    `Owner: ${r.prevention.owner || '___'} | Due: ${r.prevention.due || '___'}`,
    '',
  ];
  return lines.join('\n');
}
