import type { CliContext } from '../cli/context.js';
import { ensureDataDir } from '../cli/context.js';
import { EXIT } from '../cli/exit-codes.js';
import { printJsonLine } from '../cli/progress.js';
import { ConfigError } from '../config/config-error.js';
import { acquireLock } from '../engine/job-lock.js';
import { openOpsDb } from '../store/ops-db.js';
import type { Db } from '../store/sqlite.js';
import { runBackup, type TierOutcome } from './backup.js';
import { getBackup, listBackups, tierOverview, type BackupEntry } from './catalog.js';
import { runCompact } from './compact.js';
import { runDrill, type DrillOutcome } from './drill.js';
import { bytes, isoOrNone, mark, seconds, stepLine } from './report.js';
import { ageText } from './restore.js';
import { reverify, type ReverifyOutcome } from './reverify.js';
import { StepLog } from './steps.js';
import { isTier, notConfiguredReason, TIERS, tierSettings, type Tier } from './tiers.js';
import { BACKUP_LOCK, DRILL_LOCK } from './writers.js';

/**
 * The command side of src/backup: option checks, output (lines for people, JSON lines for scripts
 * and the job runner, ending in a `summary`), exit codes. The work is in the modules it calls.
 */

function withOps<T>(ctx: CliContext, fn: (ops: Db, dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = ensureDataDir(ctx.loaded.config.dataDir);
  const ops = openOpsDb(dataDir);
  return fn(ops, dataDir).finally(() => ops.close());
}

function entryJson(e: BackupEntry, now = Date.now()) {
  return { ...e, ageMs: now - e.createdAt };
}

// --- backup -------------------------------------------------------------------------------

export interface RawBackupOptions {
  tier?: string;
}

export function parseTierOption(raw: string | undefined): Tier | 'all' {
  const value = (raw ?? 'all').toLowerCase();
  if (value === 'all' || isTier(value)) return value;
  throw new ConfigError(`--tier ${JSON.stringify(raw)} is not valid: expected hot, warm, offsite or all`);
}

function tierLine(o: TierOutcome): string {
  const name = o.tier.padEnd(8);
  if (o.status === 'not-configured') return `${mark(o.status)} ${name} ${o.error}\n`;
  if (o.status === 'failed') return `${mark(o.status)} ${name} failed after ${seconds(o.durationMs)}: ${o.error}; earlier ${o.tier} backups are untouched\n`;
  const b = o.backup!;
  const timings = Object.entries(o.timings).map(([k, v]) => `${k} ${seconds(v)}`).join(', ');
  return `${mark(o.status)} ${name} backup #${b.id}  ${b.location}  ${bytes(b.sizeBytes)}  sha256 ${b.sha256.slice(0, 12)}…  newest candle ${isoOrNone(b.newestCandle)}  ${seconds(o.durationMs)} (${timings})\n`;
}

/**
 * `cfa-console backup [--tier hot|warm|offsite|all]`. Exit 0 when every configured tier asked for
 * verified, 1 when any failed (a configured offsite tier whose rclone is missing included), 2 when
 * a tier named explicitly is not configured. With `all` (the default), tiers that are not
 * configured are reported as such and do not fail the run.
 */
export async function backupCommand(raw: RawBackupOptions, ctx: CliContext): Promise<number> {
  const choice = parseTierOption(raw.tier);
  const settings = tierSettings(ctx.loaded.config);
  if (choice !== 'all' && settings[choice] === null) throw new ConfigError(`--tier ${choice}: the ${choice} tier is ${notConfiguredReason(choice)}`);
  return withOps(ctx, async (ops, dataDir) => {
    const release = acquireLock(ops, BACKUP_LOCK);
    try {
      const result = await runBackup({
        ops, dataDir, settings, tiers: choice === 'all' ? TIERS : [choice],
        onTier: (o) => {
          if (ctx.json) printJsonLine(ctx.stdout, { event: 'tier', ...tierJson(o) });
          else ctx.stdout.write(tierLine(o));
        },
      });
      for (const r of result.retention) {
        if (ctx.json) printJsonLine(ctx.stdout, { event: 'retention', ...r });
        else ctx.stdout.write(r.deleted
          ? `  retention: removed #${r.id} (${r.tier}, ${r.ageDays} days old; #${r.supersededBy} is newer and verified)\n`
          : `  retention: could not remove #${r.id} (${r.tier}): ${r.error}\n`);
      }
      if (!ctx.json && result.staleTempsRemoved.length) ctx.stdout.write(`  removed ${result.staleTempsRemoved.length} temp file(s) left by a killed run\n`);
      if (ctx.json) {
        printJsonLine(ctx.stdout, {
          event: 'summary', status: result.status, tiers: result.tiers.map(tierJson), retention: result.retention,
          staleTempsRemoved: result.staleTempsRemoved,
        });
      } else if (result.status !== 'success') {
        ctx.stdout.write(`${mark(result.status === 'partial' ? 'warn' : 'failed')} backup ${result.status}: see above; the failed attempts are recorded (\`cfa-console backups\`)\n`);
      }
      return result.status === 'success' ? EXIT.ok : EXIT.failure;
    } finally {
      release();
    }
  });
}

function tierJson(o: TierOutcome) {
  const b = o.backup;
  return {
    tier: o.tier, status: o.status, error: o.error, durationMs: o.durationMs, timings: o.timings,
    backupId: b?.id ?? null, location: b?.location ?? null, sizeBytes: b?.sizeBytes ?? null, sha256: b?.sha256 ?? null,
    newestCandle: b?.newestCandle ?? null, rowCounts: b?.rowCounts ?? null,
  };
}

// --- backups (list) -----------------------------------------------------------------------

export async function listCommand(options: { json?: boolean; all?: boolean }, ctx: CliContext): Promise<number> {
  const settings = tierSettings(ctx.loaded.config);
  return withOps(ctx, async (ops) => {
    const now = Date.now();
    const tiers = tierOverview(ops, settings);
    const entries = listBackups(ops, { includeDeleted: options.all });
    if (options.json) {
      printJsonLine(ctx.stdout, { tiers, backups: entries.map((e) => entryJson(e, now)) });
      return EXIT.ok;
    }
    const out: string[] = [];
    for (const t of tiers) {
      const state = !t.configured ? `${mark('not-configured')} not configured`
        : t.newestAt === null ? `${mark('failed')} no verified backup`
          : `${mark('ok')} newest ${ageText(now - t.newestAt)} ago (${bytes(t.sizeBytes)})`;
      const run = t.lastRun ? `; last attempt ${ageText(now - t.lastRun.at)} ago: ${t.lastRun.result}${t.lastRun.error ? ` (${t.lastRun.error.slice(0, 120)})` : ''}` : '';
      const drill = t.lastDrill ? `; last drill ${ageText(now - t.lastDrill.at)} ago: ${t.lastDrill.result}` : '';
      out.push(`${t.tier.padEnd(8)} ${state}${run}${drill}`);
    }
    out.push('');
    const rows = entries.map((e) => [
      `#${e.id}`, e.tier, `${ageText(now - e.createdAt)} ago`, bytes(e.sizeBytes), isoOrNone(e.newestCandle),
      e.verifiedAt ? `${ageText(now - e.verifiedAt)} ago` : '-',
      e.deletedAt ? `${mark('deleted')} deleted` : `${mark(e.result)} ${e.result}`, e.location,
    ]);
    if (!rows.length) out.push('no backups in the catalog yet: run `cfa-console backup`');
    else out.push(table(['ID', 'TIER', 'TAKEN', 'SIZE', 'NEWEST CANDLE', 'VERIFIED', 'RESULT', 'LOCATION'], rows).trimEnd());
    ctx.stdout.write(`${out.join('\n')}\n`);
    return EXIT.ok;
  });
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

// --- backup verify ------------------------------------------------------------------------

export function parseId(raw: string): number {
  if (!/^\d+$/.test(raw.trim().replace(/^#/, ''))) throw new ConfigError(`backup ID ${JSON.stringify(raw)} is not valid: expected a number from \`cfa-console backups\``);
  return Number(raw.trim().replace(/^#/, ''));
}

/** `cfa-console backup verify [ID]`: exit 0 when every copy checked verified, 1 otherwise. */
export async function verifyCommand(rawId: string | undefined, ctx: CliContext): Promise<number> {
  const id = rawId === undefined ? undefined : parseId(rawId);
  const settings = tierSettings(ctx.loaded.config);
  return withOps(ctx, async (ops) => {
    if (id !== undefined && !getBackup(ops, id)) throw new ConfigError(`no backup #${id} in the catalog (see \`cfa-console backups\`)`);
    const line = (o: ReverifyOutcome) => {
      if (ctx.json) printJsonLine(ctx.stdout, { event: 'backup', id: o.entry.id, tier: o.entry.tier, location: o.entry.location, status: o.status, problems: o.problems, durationMs: o.durationMs });
      else ctx.stdout.write(`${mark(o.status)} #${String(o.entry.id).padEnd(5)} ${o.entry.tier.padEnd(8)} ${o.status.padEnd(10)} ${seconds(o.durationMs).padStart(8)}  ${o.problems.length ? o.problems.slice(0, 3).join('; ') : o.entry.location}\n`);
    };
    const outcomes = await reverify(ops, settings, id, line);
    const bad = outcomes.filter((o) => o.status === 'failed' || o.status === 'unchecked');
    const summary = { event: 'summary', status: bad.length ? 'failed' : 'success', checked: outcomes.length, verified: outcomes.filter((o) => o.status === 'verified').length, failed: outcomes.filter((o) => o.status === 'failed').length, unchecked: outcomes.filter((o) => o.status === 'unchecked').length };
    if (ctx.json) printJsonLine(ctx.stdout, summary);
    else if (!outcomes.length) ctx.stdout.write('no backups in the catalog to verify\n');
    else ctx.stdout.write(`${summary.verified}/${summary.checked} verified${summary.failed ? `, ${summary.failed} failed (marked in the catalog; never restored from)` : ''}${summary.unchecked ? `, ${summary.unchecked} could not be checked` : ''}\n`);
    return bad.length ? EXIT.failure : EXIT.ok;
  });
}

// --- drill --------------------------------------------------------------------------------

/** `cfa-console backup drill` (job `backup-drill`): exit 1 when any configured tier's drill did not pass. */
export async function drillCommand(ctx: CliContext): Promise<number> {
  const settings = tierSettings(ctx.loaded.config);
  return withOps(ctx, async (ops) => {
    const release = acquireLock(ops, DRILL_LOCK);
    try {
      const line = (o: DrillOutcome) => {
        if (ctx.json) printJsonLine(ctx.stdout, { event: 'drill', tier: o.tier, result: o.result, backupId: o.backup?.id ?? null, durationMs: o.durationMs, detail: o.detail });
        else ctx.stdout.write(`${mark(o.result)} ${o.tier.padEnd(8)} ${o.result.padEnd(9)} ${seconds(o.durationMs).padStart(8)}  ${o.detail}\n`);
      };
      const outcomes = await runDrill({ ops, settings, onTier: line });
      const ok = outcomes.every((o) => o.result === 'ok');
      if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', status: ok ? 'success' : 'failed', drills: outcomes.map((o) => ({ tier: o.tier, result: o.result, backupId: o.backup?.id ?? null, durationMs: o.durationMs })) });
      return ok ? EXIT.ok : EXIT.failure;
    } finally {
      release();
    }
  });
}

// --- compact ------------------------------------------------------------------------------

/** `cfa-console compact`: exit 0 when compacted, 1 when not (the reason is in the summary). */
export async function compactCommand(ctx: CliContext): Promise<number> {
  const settings = tierSettings(ctx.loaded.config);
  return withOps(ctx, async (ops, dataDir) => {
    const log = new StepLog((s) => {
      if (ctx.json) printJsonLine(ctx.stdout, { event: 'step', ...s });
      else ctx.stdout.write(stepLine(s));
    });
    const r = await runCompact({ ops, dataDir, waitMs: settings.writerWaitMs, log });
    const saved = r.bytesBefore - r.bytesAfter;
    if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', ...r, savedBytes: saved, durationMs: log.totalMs() });
    else ctx.stdout.write(r.status === 'success'
      ? `${mark('ok')} compacted: ${bytes(r.bytesBefore)} before, ${bytes(r.bytesAfter)} after (${saved >= 0 ? `${bytes(saved)} freed` : `${bytes(-saved)} more`}), ${seconds(log.totalMs())}\n`
      : `${mark('failed')} not compacted: ${r.error}\n`);
    return r.status === 'success' ? EXIT.ok : EXIT.failure;
  });
}
