import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Command } from 'commander';
import { CONSOLE_BIN } from '../common/entry-points.js';
import { runContext } from '../ops/context.js';
import type { DrillResult } from '../runbook/drill/drill.js';
import type { ChaosResult } from '../runbook/drill/chaos.js';
import { durationMs } from '../config/duration-ms.js';
import { formatDuration } from '../runbook/report.js';
import { createContext, type CliContext, type GlobalOptions, type ProgramResult } from './context.js';
import { EXIT } from './exit-codes.js';
import { isoOrDash, table } from './format.js';
import { printJsonLine } from './progress.js';
import { usageError } from './usage.js';

/**
 * `cfa-console drill list|<scenario>|--all --yes|history`: game-day drills of the runbooks in
 * sandboxes (src/ops/drill.ts). The real data dir keeps only the drill history.
 */

interface DrillFlags { all?: boolean; yes?: boolean; json?: boolean; fromBackup?: boolean; limit: string; duration?: string; seed?: string }


const dur = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatDuration(v));

function resultLines(r: DrillResult): string {
  const s = r.score;
  if (r.skipped) return `SKIP ${r.scenario}: ${r.title} — ${r.skipped}\n`;
  const head = `${r.passed ? 'PASS' : 'FAIL'} ${r.scenario}: ${r.title}${r.reason ? ` — ${r.reason}` : ''}`;
  if (!s) return `${head}\n${r.backendNote ? `  ${r.backendNote}\n` : ''}`;
  const rows = [
    ['store', storeLine(r)],
    ['fault', r.injected ?? '—'],
    ['alert firing', `${dur(s.toAlertMs)}${r.alert ? ` (#${r.alert.id} ${r.alert.rule})` : ''}`],
    ['acknowledged', `${dur(s.toAckMs)}${s.ackedBy ? ` (by ${s.ackedBy})` : ''}`],
    ['runbook opened', dur(s.toOpenedMs)],
    r.expected === 'escalated'
      ? ['escalated', `${dur(s.toEscalatedMs)} (the drill expects a page; target ${r.targetTime}: ${s.metTarget ? 'met' : 'missed'})`]
      : ['steady state', `${dur(s.toSteadyMs)} (target ${r.targetTime}: ${s.metTarget ? 'met' : 'missed'})`],
    ['steps skipped', s.skipped.length ? s.skipped.join(', ') : 'none'],
    ...(r.person ? [['the person', r.person]] : []),
    ...(r.reverted ? [['reverted', r.reverted]] : []),
    ['alert resolved', r.cleared ? `${dur(r.cleared.afterMs)} (by the engine, after the revert)` : '— (not seen)'],
    ...(r.candles ? [['candles', `${r.candles.missing} missing, ${r.candles.wrong} wrong (${r.candles.series} series)`]] : []),
  ];
  const steps = s.steps.map((st) => `    ${(st.step ?? st.kind).padEnd(16)} ${st.outcome.padEnd(12)} ${dur(st.durationMs)}`);
  return `${head}\n${rows.map(([k, v]) => `  ${k!.padEnd(15)} ${v}`).join('\n')}\n  steps:\n${steps.join('\n')}\n`;
}

/** The store the drill ran on: its one line (a record older than the field ran on SQLite). */
function storeLine(r: DrillResult): string {
  if (r.backend === 'postgres') return `postgres (scratch database ${r.database ?? '?'}, dropped)`;
  return r.backendNote ?? 'sqlite (market.db in the sandbox)';
}

/** The soak's table: what was broken, what the engine did about it, what the store holds. */
function chaosLines(r: ChaosResult): string {
  const i = r.incidents;
  const rows: string[][] = [
    ['faults injected', String(r.faultsInjected), r.engineKills ? `${r.engineKills} of them kill -9 of the engine` : ''],
    ['alerts raised', String(r.alertsRaised), r.alertsLost.length ? `${r.alertsLost.length} fault(s) raised no alert: ${r.alertsLost.map((l) => `${l.fault} (${l.expects})`).join(', ')}` : 'every fault raised its alert'],
    ...(r.healedBeforeAlert.length ? [['healed before seen', String(r.healedBeforeAlert.length), `no alert due: ${r.healedBeforeAlert.map((h) => `${h.fault} by ${h.by}`).join(', ')}`]] : []),
    ['incidents resolved automatically', String(i.resolvedAutomatically), `of ${i.opened} opened`],
    ['escalated', String(i.escalated), i.aborted ? `${i.aborted} aborted` : ''],
    ['left open', String(i.open), 'goal 0'],
    ['candles missing', r.candles ? String(r.candles.missing) : '—', 'goal 0'],
    ['candles wrong', r.candles ? String(r.candles.wrong) : '—', r.candles ? `goal 0 (${r.candles.series} series compared)` : ''],
  ];
  const head = `${r.passed ? 'PASS' : 'FAIL'} chaos soak, seed ${r.seed}, ${formatDuration(r.durationMs)} of faults (${r.drills.join(', ')})\n`;
  const excluded = r.excluded.map((e) => `  left out: ${e.id}: ${e.reason}\n`).join('');
  const reasons = r.reasons.map((x) => `  ✖ ${x}\n`).join('');
  // The incidents the runbooks did not resolve, for the person to read up on.
  const notResolved = r.incidentList.filter((x) => x.state !== 'resolved')
    .map((x) => `  incident #${x.id} ${x.runbook} (${x.alertRule ?? 'no alert'}): ${x.state}${x.outcome ? `: ${x.outcome}` : ''}\n`).join('');
  return `${head}${excluded}${table(['', 'COUNT', ''], rows)}${notResolved}${reasons}`;
}

async function chaosCommand(o: DrillFlags, globals: GlobalOptions): Promise<number> {
  const ctx = await createContext(globals, Boolean(o.json));
  if (o.duration === undefined) throw usageError('drill chaos needs --duration, e.g. --duration 10m');
  const soakMs = durationMs(o.duration);
  if (!Number.isFinite(soakMs) || soakMs <= 0) throw usageError(`--duration takes a duration such as 2m or 10m, got ${JSON.stringify(o.duration)}`);
  const seed = o.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(o.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw usageError(`--seed must be a whole number of 0 or more, got ${JSON.stringify(o.seed)}`);
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => controller.abort(new Error(`${signal} received`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
  const ops = await import('../ops/drill.js');
  try {
    const result = await ops.runChaosSoak({ durationMs: soakMs, seed }, runContext(ctx.loaded, {
      signal: controller.signal,
      // Progress for the person watching (stderr, also with --json: stdout holds the one result).
      emit: (e) => {
        if (e.event === 'chaos-step') process.stderr.write(`chaos ${typeof e.at === 'number' ? clock(e.at) : '--:--'} ${e.fault ? `${String(e.fault)} ` : ''}${String(e.stage)}${e.what ? `: ${String(e.what)}` : ''}\n`);
        else if (e.event === 'sandbox' && e.stage === 'leftovers-removed') process.stderr.write(`removed sandboxes left by killed drills: ${(e.dirs as string[]).join(', ')}\n`);
        else if (e.event === 'sandbox') process.stderr.write(`chaos sandbox ${String(e.stage)}${e.stage === 'kept' ? `: ${String(e.dir)}` : ''}\n`);
      },
    }));
    if (ctx.json) printJsonLine(ctx.stdout, result);
    else ctx.stdout.write(chaosLines(result));
    if (result.aborted) return EXIT.failure;
    return result.passed ? EXIT.ok : EXIT.failure;
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, stop);
  }
}

/** mm:ss from the soak's start. */
function clock(msFromStart: number): string {
  const s = Math.max(0, Math.round(msFromStart / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

async function listCommand(ctx: CliContext): Promise<number> {
  const { loadRunbooks } = await import('../ops/runbook.js');
  const { drillScenarios } = await import('../ops/drill.js');
  const scenarios = drillScenarios(await loadRunbooks());
  if (ctx.json) {
    for (const r of scenarios) printJsonLine(ctx.stdout, { scenario: r.id, title: r.title, expects: r.drill!.expects, fault: r.drill!.inject.name, summary: r.drill!.summary, targetTime: r.targetTime });
    return EXIT.ok;
  }
  if (scenarios.length === 0) { ctx.stdout.write('no runbook declares a drill\n'); return EXIT.ok; }
  ctx.stdout.write(table(['SCENARIO', 'TARGET', 'ALERT', 'FAULT'], scenarios.map((r) => [r.id, r.targetTime, r.drill!.expects, r.drill!.summary])));
  return EXIT.ok;
}

/** Month-day and time: the tables fit 80 columns (`--json` has the full times). */
const when = (at: number) => isoOrDash(at).slice(5, 16).replace('T', ' ');

async function historyCommand(ctx: CliContext, limit: number): Promise<number> {
  const { drillHistory } = await import('../ops/drill.js');
  const records = drillHistory({ limit }, runContext(ctx.loaded));
  if (ctx.json) {
    for (const d of records) {
      const head = { id: d.id, kind: d.kind, scenario: d.scenario, mode: d.mode, ...(d.kind === 'drill' ? { backend: d.result.backend ?? 'sqlite' } : {}), startedAt: d.startedAt, endedAt: d.endedAt, passed: d.passed, reason: d.reason };
      if (d.kind === 'chaos') {
        const r = d.result;
        printJsonLine(ctx.stdout, { ...head, seed: r.seed, durationMs: r.durationMs, faultsInjected: r.faultsInjected, engineKills: r.engineKills, alertsRaised: r.alertsRaised, alertsLost: r.alertsLost, healedBeforeAlert: r.healedBeforeAlert, incidents: r.incidents, candles: r.candles });
      } else {
        printJsonLine(ctx.stdout, { ...head, toAlertMs: d.result.score?.toAlertMs ?? null, toAckMs: d.result.score?.toAckMs ?? null, toSteadyMs: d.toSteadyMs, targetMs: d.targetMs, score: d.result.score, report: d.result.report });
      }
    }
    return EXIT.ok;
  }
  if (records.length === 0) { ctx.stdout.write('no drills recorded (run `cfa-console drill --all --yes`)\n'); return EXIT.ok; }
  const drills = records.flatMap((d) => (d.kind === 'drill' ? [d] : []));
  const soaks = records.flatMap((d) => (d.kind === 'chaos' ? [d] : []));
  if (drills.length) {
    ctx.stdout.write(table(['#', 'WHEN (UTC)', 'SCENARIO', 'MODE', 'RUN', 'ALERT', 'ACK', 'STEADY', 'GOAL'], drills.map((d) => [
      String(d.id), when(d.startedAt), d.scenario, d.mode, d.passed ? 'pass' : 'FAIL',
      dur(d.result.score?.toAlertMs), dur(d.result.score?.toAckMs),
      d.result.expected === 'escalated' ? `page ${dur(d.result.score?.toEscalatedMs)}` : dur(d.toSteadyMs), d.result.targetTime ?? dur(d.targetMs),
    ])));
  }
  if (soaks.length) {
    if (drills.length) ctx.stdout.write('\nchaos soaks (`drill chaos`):\n');
    ctx.stdout.write(table(['#', 'WHEN (UTC)', 'RUN', 'SEED', 'FOR', 'FAULTS', 'ALERTS', 'AUTO', 'ESC', 'CANDLES'], soaks.map(({ id, startedAt, passed, result: r }) => [
      String(id), when(startedAt), passed ? 'pass' : 'FAIL', String(r.seed), formatDuration(r.durationMs), String(r.faultsInjected),
      r.alertsLost.length ? `${r.alertsRaised} (${r.alertsLost.length} lost)` : String(r.alertsRaised),
      String(r.incidents.resolvedAutomatically), String(r.incidents.escalated), r.candles ? `${r.candles.missing}/${r.candles.wrong}` : '—',
    ])));
    ctx.stdout.write('AUTO: incidents resolved automatically, ESC: escalated,\nCANDLES: missing/wrong (goal 0/0); `--json` has every figure\n');
  }
  return EXIT.ok;
}

/** The console on the sandbox with the DRILL banner; resolves when the person quits it. */
function consoleOn(sandbox: { dataDir: string; configPath: string; simulator: { url: string }; env(): NodeJS.ProcessEnv }, scenario: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONSOLE_BIN, '--data-dir', sandbox.dataDir, '--config', sandbox.configPath, '--exchange-url', sandbox.simulator.url], {
      stdio: 'inherit', env: { ...sandbox.env(), CFA_DRILL: scenario },
    });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

async function runCommand(scenario: string | undefined, o: DrillFlags, globals: GlobalOptions): Promise<number> {
  const ctx = await createContext(globals, Boolean(o.json));
  if (o.all && scenario) throw usageError(`--all runs every drill: name a scenario or --all, not both (got ${JSON.stringify(scenario)})`);
  if (!o.all && !scenario) throw usageError('name a scenario (`cfa-console drill list`), or --all --yes for every drill headless');
  const interactive = !o.all && !o.yes;
  if (o.all && !o.yes) throw usageError('--all runs every drill headless, the drill\'s script answering consent: add --yes');
  if (interactive && !(process.stdin.isTTY && process.stdout.isTTY)) throw usageError(`drill ${scenario} is interactive and needs a terminal; add --yes to run it headless`);
  const ops = await import('../ops/drill.js');
  const { walk, events } = interactive
    ? { walk: async (sandbox: Parameters<typeof consoleOn>[0]) => consoleOn(sandbox, scenario!), events: false }
    : { walk: undefined, events: true };
  // Ctrl-C or SIGTERM: the drill stops, its sandbox and scratch database are removed, nothing is kept.
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => controller.abort(new Error(`${signal} received: the drill stopped`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
  const results = await ops.runDrills({
    scenarios: o.all ? 'all' : [scenario!], fromBackup: o.fromBackup, mode: interactive ? 'interactive' : 'headless', walk,
  }, runContext(ctx.loaded, {
    signal: controller.signal,
    emit: (e) => {
      if (ctx.json && events) { printJsonLine(ctx.stdout, e); return; }
      if (ctx.json) return;
      if (e.event === 'drill') ctx.stdout.write(resultLines(e as unknown as DrillResult));
      else if (e.event === 'drill-step') process.stderr.write(`drill ${String(e.scenario)}: ${String(e.stage)}${e.what ? `: ${String(e.what)}` : ''}${e.why ? `: ${String(e.why)}` : ''}${e.rule ? `: ${String(e.rule)} firing` : ''}\n`);
      else if (e.event === 'sandbox' && e.stage === 'leftovers-removed') process.stderr.write(`removed sandboxes left by killed drills: ${(e.dirs as string[]).join(', ')}\n`);
    },
  }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, stop);
  if (controller.signal.aborted) {
    process.stderr.write('drill stopped: its sandbox is removed; nothing kept in the history\n');
    // What the stopped drill left running in this process (its polls) does not hold the exit:
    // runAndExit ends the process once the command returns.
    return EXIT.failure;
  }
  const passed = results.filter((r) => r.passed).length;
  // A drill this machine cannot run (a mount that needs root) is skipped, said plainly, and no failure.
  const skipped = results.filter((r) => r.skipped !== null).length;
  const failed = results.length - passed - skipped;
  if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', drills: results.length, passed, failed, skipped });
  else ctx.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped (see SKIP above)` : ''}\n`);
  return results.length > 0 && failed === 0 ? EXIT.ok : EXIT.failure;
}

export function registerDrillCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  program.command('drill')
    .description('Game-day drills: a runbook practised on a sandbox with a real fault, scored (list, <scenario>, --all --yes, chaos, history)')
    .argument('[scenario]', '`list`, `history`, `chaos` (the soak), or a scenario (a runbook that declares a drill; see `drill list`)')
    .option('--all', 'every scenario, one after the other (headless; needs --yes)')
    .option('--yes', 'headless: the drill\'s script answers every consent and the runbook runs by itself')
    .option('--from-backup', 'seed the sandbox from the newest verified hot/warm backup of the data dir (read-only; on postgres a pg_dump restored into the scratch database) instead of a synthetic backfill')
    .option('--limit <n>', 'history: how many', '20')
    .option('--duration <duration>', 'chaos: how long faults are injected, e.g. 10m (then the engine settles)')
    .option('--seed <n>', 'chaos: the seed of the fault plan (default: random, printed); the same seed, the same plan')
    .option('--json', 'JSON lines: the sandbox\'s and drill\'s events, one result per drill, then a summary (chaos: one JSON object; progress stays on stderr)')
    .addHelpText('after', `
The sandbox is a fresh temporary directory with its own simulator and
engine; the real data dir, its lease and its daemon are never touched (its
ops.db keeps the drill history). A sandbox left by a drill killed with kill -9
is removed by the next drill, which also stops the engine of a sandbox deleted
from outside. With store.backend postgres the sandbox's store is a scratch
database on the install's server (cfa_scratch_*_drill_*, dropped afterwards;
the role needs CREATEDB), except for a fault of a SQLite file, which runs on a
SQLite sandbox and says so (and, with --from-backup, that it is seeded from the
simulator: the install's backups are pg_dumps). Scored: fault to alert, to
acknowledgement (the console's \`a\`, or the runbook opened), to steady state,
against the runbook's target. A drill
that needs what this machine refuses (disk-low mounts a small tmpfs: root
only) is skipped and says why. Exit 0 when no drill failed.

\`drill chaos --duration 10m [--seed N]\` is the soak: one sandbox, its engine
in automatic mode, random faults of every drill (several at once, and kill -9
of the engine, restarted as systemd would) for the duration. Then it checks,
after the next scheduled sync, the store against the exchange's closed candles;
that every fault raised its alert (or was undone by the system before the
leader looked, shown by the run that undid it); and that no incident is left
open. Exit 0 only when all three hold. Its table (seed, duration, faults,
alerts, incidents, candles) is kept in \`drill history\`.
Ctrl-C or SIGTERM stops it, removes its sandbox and keeps nothing.
`)
    .action(async (scenario: string | undefined, o: DrillFlags) => {
      const ctx = await createContext(globals(), Boolean(o.json));
      if (scenario === 'list') { result.exitCode = await listCommand(ctx); return; }
      if (scenario === 'history') {
        const limit = Number(o.limit);
        if (!Number.isSafeInteger(limit) || limit <= 0) throw usageError(`--limit must be a positive number, got ${JSON.stringify(o.limit)}`);
        result.exitCode = await historyCommand(ctx, limit);
        return;
      }
      if (scenario === 'chaos') { result.exitCode = await chaosCommand(o, globals()); return; }
      if (scenario && !fs.existsSync(CONSOLE_BIN) && !o.yes) throw usageError('the console binary is not built (dist/components/main.js)');
      result.exitCode = await runCommand(scenario, o, globals());
    });
}
