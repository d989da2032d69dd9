import type { TierOutcome } from '../backup/backup.js';
import { ageText, bytes, isoOrNone, mark, seconds, stepLine } from '../backup/report.js';
import { ConfigError } from '../config/config-error.js';
import { backup, backupCatalog, backupDrill, compact, tierJson, verifyBackups, type BackupOptions } from '../ops/backup.js';
import { opContext, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { table } from './format.js';
import { printJsonLine } from './progress.js';

/**
 * The command side of the backup operations: option checks, output (lines for people, JSON lines
 * for scripts and the job runner, ending in a `summary`), exit codes. The work is in src/ops.
 */

// --- backup -------------------------------------------------------------------------------

export interface RawBackupOptions {
  tier?: string;
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
 * configured are reported as such and do not fail the run. A new data dir (no market.db, no sync
 * and no backup on record) is skipped with that reason, exit 0.
 */
export async function backupCommand(options: BackupOptions, ctx: CliContext): Promise<number> {
  const result = await backup(options, opContext(ctx), (o) => { if (!ctx.json) ctx.stdout.write(tierLine(o)); });
  if (!ctx.json) {
    for (const r of result.retention) {
      ctx.stdout.write(r.deleted
        ? `  retention: removed #${r.id} (${r.tier}, ${r.ageDays} days old; #${r.supersededBy} is newer and verified)\n`
        : `  retention: could not remove #${r.id} (${r.tier}): ${r.error}\n`);
    }
    if (result.staleTempsRemoved.length) ctx.stdout.write(`  removed ${result.staleTempsRemoved.length} temp file(s) left by a killed run\n`);
  }
  if (ctx.json) {
    printJsonLine(ctx.stdout, {
      event: 'summary', status: result.status, ...(result.reason ? { reason: result.reason } : {}), tiers: result.tiers.map(tierJson),
      retention: result.retention, staleTempsRemoved: result.staleTempsRemoved,
    });
  } else if (result.status === 'skipped') {
    ctx.stdout.write(`${mark('skipped')} backup skipped: ${result.reason}\n`);
  } else if (result.status !== 'success') {
    ctx.stdout.write(`${mark(result.status === 'partial' ? 'warn' : 'failed')} backup ${result.status}: see above; the failed attempts are recorded (\`cfa-console backups\`)\n`);
  }
  return result.status === 'success' || result.status === 'skipped' ? EXIT.ok : EXIT.failure;
}

// --- backups (list) -----------------------------------------------------------------------

export async function listCommand(options: { json?: boolean; all?: boolean }, ctx: CliContext): Promise<number> {
  const now = Date.now();
  const { tiers, backups: entries } = await backupCatalog(options, opContext(ctx));
  if (options.json) {
    printJsonLine(ctx.stdout, { tiers, backups: entries.map((e) => ({ ...e, ageMs: now - e.createdAt })) });
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
}

// --- backup verify ------------------------------------------------------------------------

export function parseId(raw: string): number {
  if (!/^\d+$/.test(raw.trim().replace(/^#/, ''))) throw new ConfigError(`backup ID ${JSON.stringify(raw)} is not valid: expected a number from \`cfa-console backups\``);
  return Number(raw.trim().replace(/^#/, ''));
}

/** `cfa-console backup verify [ID]`: exit 0 when every copy checked verified, 1 otherwise. */
export async function verifyCommand(rawId: string | undefined, ctx: CliContext): Promise<number> {
  const id = rawId === undefined ? undefined : parseId(rawId);
  const outcomes = await verifyBackups({ id }, opContext(ctx), (o) => {
    if (!ctx.json) ctx.stdout.write(`${mark(o.status)} #${String(o.entry.id).padEnd(5)} ${o.entry.tier.padEnd(8)} ${o.status.padEnd(10)} ${seconds(o.durationMs).padStart(8)}  ${o.problems.length ? o.problems.slice(0, 3).join('; ') : o.entry.location}\n`);
  });
  const bad = outcomes.filter((o) => o.status === 'failed' || o.status === 'unchecked');
  const summary = { event: 'summary', status: bad.length ? 'failed' : 'success', checked: outcomes.length, verified: outcomes.filter((o) => o.status === 'verified').length, failed: outcomes.filter((o) => o.status === 'failed').length, unchecked: outcomes.filter((o) => o.status === 'unchecked').length };
  if (ctx.json) printJsonLine(ctx.stdout, summary);
  else if (!outcomes.length) ctx.stdout.write('no backups in the catalog to verify\n');
  else ctx.stdout.write(`${summary.verified}/${summary.checked} verified${summary.failed ? `, ${summary.failed} failed (marked in the catalog; never restored from)` : ''}${summary.unchecked ? `, ${summary.unchecked} could not be checked` : ''}\n`);
  return bad.length ? EXIT.failure : EXIT.ok;
}

// --- drill --------------------------------------------------------------------------------

/** `cfa-console backup drill` (job `backup-drill`): exit 1 when any configured tier's drill did not pass. */
export async function drillCommand(ctx: CliContext): Promise<number> {
  const outcomes = await backupDrill({}, opContext(ctx), (o) => {
    if (!ctx.json) ctx.stdout.write(`${mark(o.result)} ${o.tier.padEnd(8)} ${o.result.padEnd(9)} ${seconds(o.durationMs).padStart(8)}  ${o.detail}\n`);
  });
  const ok = outcomes.every((o) => o.result === 'ok');
  if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', status: ok ? 'success' : 'failed', drills: outcomes.map((o) => ({ tier: o.tier, result: o.result, backupId: o.backup?.id ?? null, durationMs: o.durationMs })) });
  return ok ? EXIT.ok : EXIT.failure;
}

// --- compact ------------------------------------------------------------------------------

/** `cfa-console compact`: exit 0 when compacted, 1 when not (the reason is in the summary). */
export async function compactCommand(ctx: CliContext): Promise<number> {
  const r = await compact({}, opContext(ctx), (s) => { if (!ctx.json) ctx.stdout.write(stepLine(s)); });
  const saved = r.bytesBefore - r.bytesAfter;
  if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', ...r, savedBytes: saved });
  else ctx.stdout.write(r.status === 'success'
    ? `${mark('ok')} compacted: ${bytes(r.bytesBefore)} before, ${bytes(r.bytesAfter)} after (${saved >= 0 ? `${bytes(saved)} freed` : `${bytes(-saved)} more`}), ${seconds(r.durationMs)}\n`
    : `${mark('failed')} not compacted: ${r.error}\n`);
  return r.status === 'success' ? EXIT.ok : EXIT.failure;
}
