import type { Command } from 'commander';
import { createContext, type GlobalOptions, type ProgramResult } from './context.js';

// The copy (pg, SQLite) is loaded when the command runs, not at start.
const commands = () => import('./store-migrate-command.js');

/** `store migrate`: the store's own maintenance, beside the jobs. */
export function registerStoreCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  const store = program.command('store').description('the market store itself: move it from the SQLite files to PostgreSQL');
  store.command('migrate').description('copy the data dir\'s market.db (candles, sentiment, gaps) into PostgreSQL, then verify row counts and SHA-256 per series; the SQLite files are only read, a re-run is idempotent')
    .requiredOption('--to <backend>', 'the backend to copy to: postgres')
    .option('--url <url>', 'postgresql://USER:PASSWORD@HOST:5432/DB (default: store.url or CFA_STORE_URL, which keep the password off the command line)')
    .option('-y, --yes', 'do not ask (required when not at a terminal)')
    .option('--json', 'JSON lines: the plan, progress per page, copied per table, each failed check, then a summary')
    .action(async (o: { to: string; url?: string; yes?: boolean; json?: boolean }) => {
      result.exitCode = await (await commands()).storeMigrateCommand(o, await createContext(globals(), !!o.json));
    });
}
