import type { Command } from 'commander';
import type { RawRestoreOptions } from './restore-commands.js';
import { createContext, type GlobalOptions } from './context.js';
import type { ProgramResult } from './context.js';

// The command code (SQLite, rclone, the sync engine) is loaded when a command runs, not at start.
const commands = () => import('./backup-output.js');
const restoreCommands = () => import('./restore-commands.js');

/**
 * `backups`, `backup verify`, `backup drill`, `restore` and `recover`. The `backup`, `compact`
 * and `backup-drill` commands themselves are jobs (jobs/), registered with the other jobs; the
 * `backup` job's command gets the verify and drill subcommands here.
 */
export function registerBackupCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  program.command('backups').description('list the backup catalog: each tier\'s state, then every copy with its age, size, newest candle and verification')
    .option('--all', 'include copies removed by retention')
    .option('--json', 'one JSON document instead of tables')
    .action(async (o: { json?: boolean; all?: boolean }) => {
      result.exitCode = await (await commands()).listCommand(o, await createContext(globals(), !!o.json));
    });

  const backup = program.commands.find((c) => c.name() === 'backup') ?? program.command('backup').description('backups of market.db');
  backup.command('verify').description('verify catalogued backups again: local copies fully (SHA-256, integrity, schema, candle counts), offsite ones by the remote\'s hash')
    .argument('[id]', 'one backup (default: every copy that still exists)')
    .option('--json', 'JSON lines: one per backup, then a summary')
    .action(async (id: string | undefined, _o: unknown, command: Command) => {
      // `--json` after the subcommand is parsed by the parent `backup` command, which has one too.
      const json = !!command.optsWithGlobals<{ json?: boolean }>().json;
      result.exitCode = await (await commands()).verifyCommand(id, await createContext(globals(), json));
    });
  backup.command('drill').description('restore drill: the newest backup of each tier restored into a scratch dir (postgres: a scratch database) and verified; recorded for the SLA audit (also the monthly job backup-drill)')
    .option('--json', 'JSON lines: one per tier, then a summary')
    .action(async (_o: unknown, command: Command) => {
      const json = !!command.optsWithGlobals<{ json?: boolean }>().json;
      result.exitCode = await (await commands()).drillCommand(await createContext(globals(), json));
    });

  program.command('restore').description('replace market.db with a backup (with store.backend postgres: the market tables of the store, from a pg_dump, in one transaction), or market.db and ops.db with the Litestream replica (--replica): stop writers, quarantine the current files, verify, resync to now, validate, resume')
    .argument('[id]', 'the backup to restore (see `cfa-console backups`)')
    .option('--latest', 'the newest verified backup')
    .option('--before <age>', 'the newest verified backup taken at least this long ago, e.g. 48h; with --replica: the state as of that long ago')
    .option('--replica [name]', 'restore from the Litestream replica (default: the first configured that has the store) instead of a snapshot backup')
    .option('--at <time>', 'with --replica: the state as of this time (ISO 8601 UTC, e.g. 2026-05-01T13:45:00Z)')
    .option('--db <which>', 'with --replica: market, ops or both (default both; ops needs the engine stopped)')
    .option('-y, --yes', 'do not ask (required when not at a terminal)')
    .option('--json', 'JSON lines: one per step, then a summary with the RTO')
    .action(async (id: string | undefined, o: RawRestoreOptions & { json?: boolean }) => {
      result.exitCode = await (await restoreCommands()).restoreCommand(id, o, await createContext(globals(), !!o.json));
    });

  program.command('recover').description('detect corruption of market.db and repair it: REINDEX when only indexes are damaged, else restore the newest backup that verifies, then resync and validate (store.backend postgres: every candle read, a damaged store restored from the newest pg_dump that verifies, then resynced); prints each step and the RTO')
    .option('-y, --yes', 'do not ask (required when not at a terminal)')
    .option('--json', 'JSON lines: one per step, then a summary with the RTO')
    .action(async (o: { yes?: boolean; json?: boolean }) => {
      result.exitCode = await (await restoreCommands()).recoverCommand(o, await createContext(globals(), !!o.json));
    });
}
