import fs from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import { storeMigrate, type StoreMigrateSummary } from '../ops/store-migrate.js';
import type { OpEvent } from '../ops/context.js';
import { runContext } from '../ops/context.js';
import { confirmOnTerminal } from './confirm.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { printJsonLine } from './progress.js';

function formatSummary(s: StoreMigrateSummary): string {
  const rows = s.tables.reduce((n, t) => n + t.rows, 0);
  const lines = s.status === 'verified'
    ? [`✔ copied ${rows} rows into ${s.target}; verified: ${s.series} series and ${s.tables.filter((t) => t.table !== 'candles').length} other tables match (row counts and SHA-256), ${(s.durationMs / 1000).toFixed(1)} s`,
      '  market.db was only read. To use PostgreSQL: store.backend postgres and store.url (or CFA_STORE_URL).']
    : [`✖ copied ${rows} rows into ${s.target}, but ${s.mismatches.length === 1 ? '1 check differs' : `${s.mismatches.length} checks differ`}:`,
      ...s.mismatches.slice(0, 20).map((m) => `  ✖ ${m.what}: SQLite ${m.sqlite.rows} rows ${m.sqlite.sha256.slice(0, 12)}, PostgreSQL ${m.postgres.rows} rows ${m.postgres.sha256.slice(0, 12)}`),
      ...(s.mismatches.length > 20 ? [`  … and ${s.mismatches.length - 20} more (use --json for all)`] : []),
      '  The copy adds and overwrites rows but never deletes: rows PostgreSQL has beyond market.db stay. Migrate into an empty database, or remove them there.'];
  return `${lines.join('\n')}\n`;
}

/** A person's progress: one line per table as it is copied (on a terminal, a rewritten line per page). */
function humanProgress(ctx: CliContext): (event: OpEvent) => void {
  const tty = ctx.stderr.isTTY;
  return (e) => {
    if (e.event === 'progress' && tty) ctx.stderr.write(`\r  ${String(e.table).padEnd(24)} ${e.copied}/${e.total} rows`);
    if (e.event === 'copied') ctx.stderr.write(`${tty ? '\r' : ''}  ${String(e.table).padEnd(24)} ${e.rows} rows copied\n`);
    if (e.event === 'verifying') ctx.stderr.write('  verifying: row counts and SHA-256 per series and table, on both sides…\n');
  };
}

/** `cfa-console store migrate --to postgres [--url URL] [--yes] [--json]`: exit 0 verified, 1 not, 2 refused. */
export async function storeMigrateCommand(o: { to: string; url?: string; yes?: boolean }, ctx: CliContext): Promise<number> {
  // Only read from: neither created nor stamped with data-dir.json as commands that write are.
  const { dataDir } = ctx.loaded.config;
  if (!fs.existsSync(dataDir)) throw new ConfigError(`data dir ${dataDir} does not exist: nothing to migrate (--data-dir or CFA_DATA_DIR names the synced one)`);
  const run = runContext(ctx.loaded, {
    emit: ctx.json ? (event) => printJsonLine(ctx.stdout, event) : humanProgress(ctx),
    confirm: (plan) => confirmOnTerminal(plan, { yes: !!o.yes }),
  });
  const summary = await storeMigrate({ to: o.to, url: o.url }, run);
  if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', ...summary });
  else ctx.stdout.write(formatSummary(summary));
  return summary.status === 'verified' ? EXIT.ok : EXIT.failure;
}
