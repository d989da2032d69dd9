import { ConfigError } from '../config/config-error.js';
import { durationMs } from '../config/schema.js';
import { mark, seconds, bytes, stepLine } from '../backup/report.js';
import { recover, recoverySummaryJson, restore, restoreReplica, type RecoveryOutcome, type ReplicaRestoreSelection, type RestoreSelection } from '../ops/restore.js';
import type { StepRecord } from '../common/step-log.js';
import { parseId } from './backup-output.js';
import { confirmOnTerminal } from './confirm.js';
import { opContext, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { printJsonLine } from './progress.js';

export interface RawRestoreOptions {
  latest?: boolean;
  before?: string;
  yes?: boolean;
  /** `--replica` (true) or `--replica NAME`. */
  replica?: string | boolean;
  at?: string;
  db?: string;
}

/** `--replica [NAME] [--at TIME | --before AGE] [--db market|ops|both]`, or a usage error naming the bad value. */
export function parseReplicaSelection(rawId: string | undefined, o: RawRestoreOptions, now = Date.now()): ReplicaRestoreSelection {
  if (rawId !== undefined || o.latest) throw new ConfigError('restore --replica takes no backup ID and no --latest: the replica\'s newest state is the default; use --at TIME or --before AGE for an earlier one');
  if (o.at !== undefined && o.before !== undefined) throw new ConfigError('give --at TIME or --before AGE, not both');
  const selection: ReplicaRestoreSelection = { dbs: [] };
  if (typeof o.replica === 'string') selection.replica = o.replica;
  if (o.at !== undefined) {
    const at = /^\d+$/.test(o.at) ? Number(o.at) : Date.parse(o.at);
    if (!Number.isFinite(at)) throw new ConfigError(`--at ${JSON.stringify(o.at)} is not a time: expected ISO 8601 such as 2026-05-01T13:45:00Z (UTC) or epoch milliseconds`);
    if (at > now) throw new ConfigError(`--at ${JSON.stringify(o.at)} is in the future`);
    selection.at = at;
  }
  if (o.before !== undefined) {
    const ms = durationMs(o.before);
    if (!(typeof ms === 'number' && ms > 0)) throw new ConfigError(`--before ${JSON.stringify(o.before)} is not valid: expected an age such as 48h, 2d or 90m`);
    selection.beforeMs = ms;
  }
  const db = o.db ?? 'both';
  if (db === 'both') selection.dbs = ['market', 'ops'];
  else if (db === 'market' || db === 'ops') selection.dbs = [db];
  else throw new ConfigError(`--db ${JSON.stringify(db)} is not valid: expected market, ops or both`);
  return selection;
}

export function parseRestoreSelection(rawId: string | undefined, o: RawRestoreOptions): RestoreSelection {
  const given = [rawId !== undefined, !!o.latest, o.before !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw new ConfigError('restore needs exactly one of: a backup ID (see `cfa-console backups`), --latest, or --before <age> such as --before 48h');
  }
  if (rawId !== undefined) return { id: parseId(rawId) };
  if (o.latest) return { latest: true };
  const ms = durationMs(o.before!);
  if (!(typeof ms === 'number' && ms > 0)) throw new ConfigError(`--before ${JSON.stringify(o.before)} is not valid: expected an age such as 48h, 2d or 90m`);
  return { beforeMs: ms };
}

/** Step lines for a person as they end; JSON lines come from the context. */
function stepPrinter(ctx: CliContext): (s: StepRecord) => void {
  return (s) => { if (!ctx.json) ctx.stdout.write(stepLine(s)); };
}

function withConsent(ctx: CliContext, yes: boolean) {
  return opContext(ctx, (plan) => confirmOnTerminal(plan, { yes }));
}

function finish(ctx: CliContext, outcome: RecoveryOutcome): number {
  report(ctx, outcome);
  return outcome.result === 'ok' || outcome.result === 'not-needed' ? EXIT.ok : EXIT.failure;
}

function report(ctx: CliContext, o: RecoveryOutcome): void {
  if (ctx.json) {
    printJsonLine(ctx.stdout, recoverySummaryJson(o));
    return;
  }
  const lines: string[] = [];
  if (o.result === 'not-needed') {
    lines.push(`${mark('ok')} ${ctx.loaded.config.store.backend === 'postgres' ? 'the PostgreSQL store' : 'market.db'} is healthy: nothing to recover`);
  } else {
    const fromReplica = o.steps.some((st) => st.step.startsWith('stage ') && (st.step === 'stage market' || st.step === 'stage ops'));
    const what = o.backup ? `backup #${o.backup.id} (${o.backup.tier}, ${bytes(o.backup.sizeBytes)}) restored` : fromReplica ? `${o.steps.filter((st) => st.step === 'stage market' || st.step === 'stage ops').map((st) => st.step.slice(6) + '.db').join(' and ')} restored from the replica` : o.kind === 'recover' && o.result !== 'failed' ? 'repaired in place' : 'nothing restored';
    const head = o.result === 'ok' ? `${o.kind === 'restore' ? 'restored' : 'recovered'}: ${what}${o.resync ? `, ${o.resync.candlesStored} candles fetched again` : ''}`
      : o.result === 'partial' ? `${what}, but the resync did not complete: run \`cfa-console sync\``
        : `${o.kind} failed: ${o.error ?? 'see the steps above'}`;
    lines.push(`${mark(o.result)} ${head}`);
    if (o.quarantine) lines.push(`  quarantine: ${o.quarantine} (kept until you delete it)`);
  }
  const recorded = o.recoveryId ? `; recorded as recovery #${o.recoveryId}` : '';
  lines.push(o.result === 'not-needed' ? `  checked in ${seconds(o.rtoMs)}${recorded}`
    : o.result === 'failed' ? `  gave up after ${seconds(o.rtoMs)}${recorded}`
      : `  RTO ${seconds(o.rtoMs)} (${seconds(o.rtoExcludingResyncMs)} without the resync)${recorded}`);
  ctx.stdout.write(`${lines.join('\n')}\n`);
}

/** `cfa-console restore <ID | --latest | --before 48h> [--yes]`: exit 0 restored and resynced, 1 otherwise, 2 refused. */
export function restoreCommand(rawId: string | undefined, o: RawRestoreOptions, ctx: CliContext): Promise<number> {
  if (o.replica !== undefined) {
    const replicaSelection = parseReplicaSelection(rawId, o);
    return restoreReplica({ selection: replicaSelection }, withConsent(ctx, !!o.yes), stepPrinter(ctx)).then((outcome) => finish(ctx, outcome));
  }
  if (o.at !== undefined || o.db !== undefined) throw new ConfigError('--at and --db go with --replica (a point-in-time restore from the Litestream replica)');
  const selection = parseRestoreSelection(rawId, o);
  return restore({ selection }, withConsent(ctx, !!o.yes), stepPrinter(ctx)).then((outcome) => finish(ctx, outcome));
}

/** `cfa-console recover [--yes]`: exit 0 healthy or recovered, 1 not (or not fully), 2 refused. */
export function recoverCommand(o: { yes?: boolean }, ctx: CliContext): Promise<number> {
  return recover({}, withConsent(ctx, !!o.yes), stepPrinter(ctx)).then((outcome) => finish(ctx, outcome));
}
