import type { CliContext } from '../cli/context.js';
import { ensureDataDir } from '../cli/context.js';
import { EXIT } from '../cli/exit-codes.js';
import { printJsonLine } from '../cli/progress.js';
import { ConfigError } from '../config/config-error.js';
import { durationMs } from '../config/schema.js';
import { openOpsDb } from '../store/ops-db.js';
import { parseId } from './commands.js';
import { confirmDestructive } from './confirm.js';
import { runRecover } from './recover.js';
import { bytes, mark, seconds, stepLine } from './report.js';
import { runRestore, type RecoveryEnv, type RecoveryOutcome, type RestoreSelection } from './restore.js';
import { StepLog } from './steps.js';
import { tierSettings } from './tiers.js';

export interface RawRestoreOptions {
  latest?: boolean;
  before?: string;
  yes?: boolean;
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

async function withEnv(ctx: CliContext, yes: boolean, fn: (env: RecoveryEnv, dataDir: string) => Promise<RecoveryOutcome>): Promise<number> {
  const { config } = ctx.loaded;
  const dataDir = ensureDataDir(config.dataDir);
  const ops = openOpsDb(dataDir);
  const log = new StepLog((s) => {
    if (ctx.json) printJsonLine(ctx.stdout, { event: 'step', ...s });
    else ctx.stdout.write(stepLine(s));
  });
  try {
    const env: RecoveryEnv = {
      ops, config, settings: tierSettings(config), log,
      confirm: (question) => confirmDestructive(question, { yes }),
    };
    const outcome = await fn(env, dataDir);
    report(ctx, outcome);
    return outcome.result === 'ok' || outcome.result === 'not-needed' ? EXIT.ok : EXIT.failure;
  } finally {
    ops.close();
  }
}

function report(ctx: CliContext, o: RecoveryOutcome): void {
  if (ctx.json) {
    printJsonLine(ctx.stdout, {
      event: 'summary', kind: o.kind, status: o.result, recoveryId: o.recoveryId, backupId: o.backup?.id ?? null,
      backupTier: o.backup?.tier ?? null, quarantine: o.quarantine, rtoMs: o.rtoMs, rtoExcludingResyncMs: o.rtoExcludingResyncMs,
      resync: o.resync ? { status: o.resync.status, candlesStored: o.resync.candlesStored, series: o.resync.series, failures: o.resync.failures } : null,
      steps: o.steps, error: o.error,
    });
    return;
  }
  const lines: string[] = [];
  if (o.result === 'not-needed') {
    lines.push(`${mark('ok')} market.db is healthy: nothing to recover`);
  } else {
    const what = o.backup ? `backup #${o.backup.id} (${o.backup.tier}, ${bytes(o.backup.sizeBytes)}) restored` : o.kind === 'recover' && o.result !== 'failed' ? 'repaired in place' : 'nothing restored';
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
  const selection = parseRestoreSelection(rawId, o);
  return withEnv(ctx, !!o.yes, (env, dataDir) => runRestore(env, dataDir, selection));
}

/** `cfa-console recover [--yes]`: exit 0 healthy or recovered, 1 not (or not fully), 2 refused. */
export function recoverCommand(o: { yes?: boolean }, ctx: CliContext): Promise<number> {
  return withEnv(ctx, !!o.yes, (env, dataDir) => runRecover(env, dataDir));
}
