import fs from 'node:fs';
import type { Command } from 'commander';
import { planLines, type ActionPlan } from '../common/plan.js';
import { durationMs } from '../config/duration-ms.js';
import type { HandedIncident, Incident, TimelineEntry } from '../runbook/incidents.js';
import type { HandoverRow } from '../store/postgres/alert-handover.js';
import type { RunSummary } from '../runbook/runner.js';
import type { RunbookDecl, StepDecl } from '../runbook/types.js';
import { confirmOnTerminal } from './confirm.js';
import { createContext, opContext, prepareDataDir, type CliContext, type GlobalOptions, type ProgramResult } from './context.js';
import { EXIT } from './exit-codes.js';
import { isoOrDash, statusMark, table } from './format.js';
import { printJsonLine } from './progress.js';
import { usageError, parsePositiveId } from './usage.js';

/**
 * `runbook list|show|run` and `incident list|show|report`: the runbooks on the command line. A
 * run is the same as the console's wizard: the same step machine, incident and timeline; consent
 * from `--yes` or a terminal prompt; JSON lines one per step and a summary with `--json`.
 */

async function registry() {
  const ops = await import('../ops/runbook.js');
  return { ops, runbooks: await ops.loadRunbooks() };
}

function stepJson(s: StepDecl): Record<string, unknown> {
  return {
    id: s.id, kind: s.kind, title: s.title, why: s.why, risk: s.risk ?? 'read',
    call: s.call ? { name: s.call.name, args: s.call.args } : null,
    alreadyDone: s.alreadyDone ? { name: s.alreadyDone.name, args: s.alreadyDone.args } : null,
    publishes: s.publishes ?? [], onFail: s.onFail ?? null, next: (s.next ?? []).map((b) => ({ when: b.when, goto: b.goto })),
    causes: (s.causes ?? []).map((c) => ({ when: c.when, cause: c.cause })),
    skippable: s.skippable ?? false, confirmWord: s.confirmWord ?? null, wait: s.wait ?? null,
  };
}

/** The runbook as data: what `runbook show --json` prints and the console's step list reads. */
export function runbookJson(r: RunbookDecl, auto: boolean): Record<string, unknown> {
  return {
    id: r.id, title: r.title, summary: r.summary, opensOn: r.opensOn, automatic: r.automatic, auto,
    targetTime: r.targetTime, rootCauses: r.rootCauses, escalation: r.escalation,
    steadyState: r.steadyState.map((c) => ({ name: c.name, args: c.args })),
    steps: r.steps.map(stepJson),
  };
}

export function runbookMarkdown(r: RunbookDecl, auto: boolean): string {
  const lines = [
    `# ${r.title} (\`${r.id}\`)`, '', r.summary, '',
    `- Opens on: ${r.opensOn.length ? r.opensOn.map((o) => `\`${o}\``).join(', ') : 'by hand only'}`,
    `- Automatic: ${auto ? 'yes' : 'no'}${auto !== r.automatic ? ' (runbooks.auto)' : ''}; target time ${r.targetTime}`,
    `- Fixed when: ${r.steadyState.map((c) => `\`${c.name}\``).join(', ')}`, '', '## Steps', '',
  ];
  r.steps.forEach((s, i) => {
    const risk = s.risk && s.risk !== 'read' ? ` **[${s.risk}]**` : '';
    lines.push(`${i + 1}. **${s.title}** (\`${s.id}\`, ${s.kind})${risk}${s.call ? `: \`${s.call.name}\`` : ''}  `);
    lines.push(`   ${s.why}`);
    for (const b of s.next ?? []) lines.push(`   - when ${b.when}: go to \`${b.goto}\``);
    for (const c of s.causes ?? []) lines.push(`   - when ${c.when}: root cause "${c.cause}"`);
    if (s.onFail) lines.push(`   - on failure: ${s.onFail.retry ? `retry ${s.onFail.retry}, then ` : ''}${s.onFail.goto ?? 'escalate'}`);
  });
  lines.push('', '## Escalation', '', ...r.escalation.map((l) => `- ${l.level}: ${l.who} (after ${l.after})`), '');
  return lines.join('\n');
}

function autoOf(ctx: CliContext, r: RunbookDecl): boolean {
  return ctx.loaded.config.runbooks.auto[r.id] ?? r.automatic;
}

function stepLine(e: Record<string, unknown>): string {
  return `${statusMark(String(e.outcome)).padEnd(14)} ${String(e.step)}  ${String(e.title)}: ${String(e.summary)}`;
}

function humanEvents(ctx: CliContext) {
  return (e: Record<string, unknown>): void => {
    if (e.event === 'runbook-step') {
      ctx.stdout.write(`${stepLine(e)}\n`);
      if (e.outcome === 'planned' && e.plan) ctx.stdout.write(`${planLines(e.plan as ActionPlan).map((l) => `    ${l}`).join('\n')}\n`);
    } else if (e.event === 'steady-state') {
      ctx.stdout.write(`${statusMark(e.passed ? 'passed' : 'not-passed').padEnd(14)} steady state ${String(e.phase)}: ${(e.results as { summary: string }[]).map((r) => r.summary).join('; ')}\n`);
    } else if (e.event === 'handover') {
      ctx.stdout.write(`→ handed over to runbook ${String(e.to)}\n`);
    } else if (e.event === 'escalation') {
      ctx.stdout.write(`${statusMark('escalated')} ${String(e.reason)}; paged: ${(e.channels as string[]).join(', ') || 'nobody (no channel on the critical route)'}\n`);
    }
  };
}

function exitFor(summary: RunSummary): number {
  if (summary.outcome === 'resolved') return EXIT.ok;
  return EXIT.failure;
}

interface RunFlags {
  alert?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  timeout?: string;
  takeOver?: boolean;
}

async function runCommand(id: string, flags: RunFlags, globals: GlobalOptions): Promise<number> {
  const ctx = await createContext(globals, Boolean(flags.json));
  const { ops, runbooks } = await registry();
  const decl = ops.findRunbook(runbooks, id);
  const alertId = flags.alert === undefined ? null : parsePositiveId(flags.alert, '--alert');
  let timeoutMs: number | null = null;
  if (flags.timeout !== undefined) {
    timeoutMs = durationMs(flags.timeout);
    if (!(typeof timeoutMs === 'number' && timeoutMs > 0)) throw usageError(`--timeout takes a duration such as 90s, 10m or 1h, got ${JSON.stringify(flags.timeout)}`);
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = timeoutMs === null ? null : setTimeout(() => { timedOut = true; controller.abort(new Error(`--timeout ${flags.timeout} reached`)); }, timeoutMs);
  const base = opContext(ctx, (plan) => confirmOnTerminal(plan, { yes: Boolean(flags.yes) }));
  const emit = flags.json ? (e: Record<string, unknown>) => printJsonLine(ctx.stdout, e) : humanEvents(ctx);
  const runCtx = { ...base, emit, signal: controller.signal };
  const { IncidentClaimed } = await import('../runbook/runner.js');
  try {
    let summary: RunSummary;
    try {
      summary = await ops.runRunbook(decl.id, { registry: runbooks, alertId, dryRun: flags.dryRun }, runCtx);
    } catch (error) {
      if (!(error instanceof IncidentClaimed) || !flags.takeOver) throw error;
      const holder = error.incident.claim;
      await confirmOnTerminal({
        action: 'take-over', title: `Take incident #${error.incident.id} (${decl.id}) over from ${holder?.by ?? 'its holder'}?`, risk: 'mutate',
        facts: [{ label: 'held by', value: holder ? `${holder.by} (pid ${holder.pid})` : '-' }, { label: 'since', value: isoOrDash(holder?.since) }],
        effects: ['the other console keeps watching read-only', 'this run resumes the incident where it stopped'],
        data: { incident: error.incident.id },
      }, { yes: Boolean(flags.yes) });
      summary = await ops.runRunbook(decl.id, { registry: runbooks, alertId, dryRun: flags.dryRun, takeOver: true }, runCtx);
    }
    if (flags.json) printJsonLine(ctx.stdout, summary);
    else {
      const word = summary.outcome === 'resolved' ? 'resolved' : summary.outcome;
      ctx.stdout.write(`${statusMark(word)}: incident #${summary.incidentId} (${summary.chain.join(' -> ')})${summary.reason ? `: ${summary.reason}` : ''}${summary.dryRun ? ' [dry run: nothing was changed]' : ''}\n`);
      ctx.stdout.write(`report: cfa-console incident report ${summary.incidentId}\n`);
    }
    if (timedOut) return EXIT.timeout;
    return summary.dryRun ? (summary.outcome === 'aborted' ? EXIT.failure : EXIT.ok) : exitFor(summary);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function incidents(ctx: CliContext) {
  const [{ openOpsDb }, { IncidentStore }] = await Promise.all([import('../store/ops-db.js'), import('../runbook/incidents.js')]);
  const db = openOpsDb(prepareDataDir(ctx));
  return { db, store: new IncidentStore(db) };
}

/**
 * store.backend postgres: the incidents the leader mirrored, when another host leads (this
 * ops.db holds only what ran here); null on SQLite, when this host leads or nobody led yet. A
 * PostgreSQL that cannot be read is said on stderr: the local list still stands.
 */
async function leaderIncidents(ctx: CliContext): Promise<HandoverRow<HandedIncident[]> | null> {
  const { openSharedAlerts } = await import('../alerts/handover.js');
  const shared = openSharedAlerts(ctx.loaded.config);
  if (!shared) return null;
  try {
    const mirror = await shared.leaderIncidents();
    return mirror && mirror.host !== shared.host ? mirror : null;
  } catch (error) {
    process.stderr.write(`warning: the leader's incidents could not be read from PostgreSQL: ${(error as Error).message}\n`);
    return null;
  } finally {
    await shared.close().catch(() => {});
  }
}

/** The columns of `incident list`, for an incident here or one the leader mirrored (`label`: its number there). */
function incidentRow(i: Omit<Incident, 'id'>, label: string, alert: string): string[] {
  return [
    label, i.runbook, statusMark(i.state), isoOrDash(i.openedAt), i.automatic ? 'leader (auto)' : i.openedBy,
    alert, (i.outcome ?? (i.claim ? `worked by ${i.claim.by}` : '-')).slice(0, 60),
  ];
}

function incidentJson(i: Incident): Record<string, unknown> {
  const { machine, ...rest } = i;
  return { ...rest, currentStep: machine?.current ?? null, phase: machine?.phase ?? null };
}

function writeIncident(ctx: CliContext, i: Omit<Incident, 'id'>, label: string, timeline: readonly Omit<TimelineEntry, 'id' | 'incidentId'>[]): void {
  ctx.stdout.write(`incident ${label.includes('#') ? label : `#${label}`}  ${i.runbook}  ${statusMark(i.state)}  opened ${isoOrDash(i.openedAt)} by ${i.openedBy}${i.automatic ? ' (automatic)' : ''}\n`);
  if (i.claim) ctx.stdout.write(`being worked by ${i.claim.by} since ${isoOrDash(i.claim.since)}\n`);
  if (i.outcome) ctx.stdout.write(`outcome: ${i.outcome}\n`);
  ctx.stdout.write(`${timeline.map(entryLine).join('\n')}\n`);
}

function entryLine(e: Omit<TimelineEntry, 'id' | 'incidentId'>): string {
  return `${isoOrDash(e.startedAt)}  ${statusMark(e.outcome).padEnd(14)} ${e.step ?? e.kind}${e.intent ? `: ${e.intent}` : ''}${e.summary ? ` — ${e.summary}` : ''}`;
}

export function registerRunbookCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  const runbook = program.command('runbook').description('Runbooks: the incident scenarios, walked step by step (list, show, run)');

  runbook.command('list').description('The runbooks, the alerts that open them, and whether the leader runs them itself')
    .option('--json', 'one JSON object per runbook')
    .action(async (o: { json?: boolean }) => {
      const ctx = await createContext(globals(), Boolean(o.json));
      const { runbooks } = await registry();
      if (o.json) {
        for (const r of runbooks) printJsonLine(ctx.stdout, { id: r.id, title: r.title, opensOn: r.opensOn, automatic: r.automatic, auto: autoOf(ctx, r), targetTime: r.targetTime, steps: r.steps.length });
        return;
      }
      if (runbooks.length === 0) { ctx.stdout.write('no runbooks\n'); return; }
      ctx.stdout.write(table(['RUNBOOK', 'AUTO', 'TARGET', 'OPENS ON', 'TITLE'],
        runbooks.map((r) => [r.id, autoOf(ctx, r) ? 'yes' : 'no', r.targetTime, r.opensOn.join(',') || '-', r.title])));
    });

  runbook.command('show').description('A runbook\'s steps, branches, steady state and escalation').argument('<id>', 'the runbook (see `runbook list`)')
    .option('--json', 'as JSON').option('--markdown', 'as Markdown')
    .action(async (id: string, o: { json?: boolean; markdown?: boolean }) => {
      const ctx = await createContext(globals(), Boolean(o.json));
      const { ops, runbooks } = await registry();
      const r = ops.findRunbook(runbooks, id);
      if (o.json) printJsonLine(ctx.stdout, runbookJson(r, autoOf(ctx, r)));
      else ctx.stdout.write(runbookMarkdown(r, autoOf(ctx, r)));
    });

  runbook.command('run').description('Run (or resume) a runbook: an incident with a timeline; exit 0 fixed, 1 escalated, 2 bad input or refused, 124 timeout')
    .argument('<id>', 'the runbook (see `runbook list`)')
    .option('--alert <n>', 'the alert that opened it (`alerts list` shows the numbers)')
    .option('--yes', 'consent to every mutating step (without a terminal they are refused otherwise)')
    .option('--dry-run', 'run the read-only steps, print each mutating step\'s plan, change nothing')
    .option('--json', 'JSON lines: one per step, then a summary')
    .option('--timeout <duration>', 'stop after this long and exit 124')
    .option('--take-over', 'take the incident from the console working it (asks, or --yes)')
    .action(async (id: string, o: RunFlags) => {
      result.exitCode = await runCommand(id, o, globals());
    });

  const incident = program.command('incident').description('Incidents: runbook runs, their timelines and post-incident reports');

  incident.command('list').description('Incidents, newest first').option('--json', 'one JSON object per incident').option('--limit <n>', 'how many', '20')
    .action(async (o: { json?: boolean; limit: string }) => {
      const ctx = await createContext(globals(), Boolean(o.json));
      const { db, store } = await incidents(ctx);
      try {
        const list = store.list({ limit: parsePositiveId(o.limit, '--limit') });
        const remote = await leaderIncidents(ctx);
        const mirrored = remote ? [...remote.state].reverse() : [];
        if (o.json) {
          for (const i of list) printJsonLine(ctx.stdout, incidentJson(i));
          for (const { originId, timeline: _timeline, machine, ...i } of mirrored) {
            printJsonLine(ctx.stdout, { id: originId, ...i, currentStep: machine?.current ?? null, phase: machine?.phase ?? null, host: remote!.host, mirroredAt: remote!.writtenAt });
          }
          return;
        }
        const headers = ['#', 'RUNBOOK', 'STATE', 'OPENED', 'BY', 'ALERT', 'OUTCOME'];
        if (list.length === 0 && mirrored.length === 0) { ctx.stdout.write('no incidents\n'); return; }
        if (list.length > 0) ctx.stdout.write(table(headers, list.map((i) => incidentRow(i, String(i.id), i.alert ? `#${i.alert.id}` : '-'))));
        if (remote && mirrored.length > 0) {
          ctx.stdout.write(`${list.length > 0 ? '\n' : ''}on the leader ${remote.host} (epoch ${remote.epoch}, mirrored ${isoOrDash(remote.writtenAt)}; \`incident show\` there):\n`);
          ctx.stdout.write(table(headers, mirrored.map((i) => incidentRow(i, `${remote.host}#${i.originId}`, i.alert ? i.alert.rule : '-'))));
        }
      } finally { db.close(); }
    });

  incident.command('show').description('An incident and its timeline').argument('<id>', 'the incident number; HOST#N: one the leader on HOST mirrored (store.backend postgres)').option('--json', 'as JSON')
    .action(async (raw: string, o: { json?: boolean }) => {
      const ctx = await createContext(globals(), Boolean(o.json));
      const remoteRef = /^(.+)#(\d+)$/.exec(raw);
      if (remoteRef) {
        const remote = await leaderIncidents(ctx);
        const h = remote?.host === remoteRef[1] ? remote!.state.find((x) => x.originId === Number(remoteRef[2])) : undefined;
        if (!h) {
          throw usageError(`no incident ${raw} mirrored: ${remote ? `the leader is ${remote.host}` : 'no other host leads (or store.backend is sqlite)'}; \`cfa-console incident list\` shows them`);
        }
        const { originId, timeline, machine, ...rest } = h;
        if (o.json) { printJsonLine(ctx.stdout, { id: originId, ...rest, currentStep: machine?.current ?? null, phase: machine?.phase ?? null, host: remote!.host, mirroredAt: remote!.writtenAt, timeline }); return; }
        writeIncident(ctx, h, raw, timeline);
        ctx.stdout.write(`mirrored by the leader ${remote!.host} at ${isoOrDash(remote!.writtenAt)}\n`);
        return;
      }
      const { db, store } = await incidents(ctx);
      try {
        const i = store.get(parsePositiveId(raw, 'the incident'));
        if (!i) throw usageError(`no incident #${raw}; \`cfa-console incident list\` shows them`);
        const timeline = store.timeline(i.id);
        if (o.json) { printJsonLine(ctx.stdout, { ...incidentJson(i), timeline }); return; }
        writeIncident(ctx, i, String(i.id), timeline);
      } finally { db.close(); }
    });

  incident.command('report').description('The post-incident report (the seeds\' template), filled from the timeline')
    .argument('<id>', 'the incident number')
    .option('--format <format>', 'md or json', 'md')
    .option('--out <file>', 'write it to a file instead of stdout')
    .action(async (raw: string, o: { format: string; out?: string }) => {
      if (o.format !== 'md' && o.format !== 'json') throw usageError(`--format is md or json, got ${JSON.stringify(o.format)}`);
      const ctx = await createContext(globals(), o.format === 'json');
      const [{ runbooks }, report] = await Promise.all([registry(), import('../runbook/report.js')]);
      const { db, store } = await incidents(ctx);
      try {
        const i = store.get(parsePositiveId(raw, 'the incident'));
        if (!i) throw usageError(`no incident #${raw}; \`cfa-console incident list\` shows them`);
        const built = report.buildReport(i, store.timeline(i.id), (id) => runbooks.find((r) => r.id === id));
        const text = o.format === 'json' ? `${JSON.stringify(built, null, 2)}\n` : report.reportMarkdown(built);
        if (o.out) {
          fs.writeFileSync(o.out, text);
          process.stderr.write(`report of incident #${i.id} written to ${o.out}\n`);
        } else {
          ctx.stdout.write(text);
        }
      } finally { db.close(); }
    });
}
