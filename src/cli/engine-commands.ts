import type { Command } from 'commander';
import { JOBS } from '../../jobs/index.js';
import type { GlobalOptions, ProgramResult } from './context.js';

// The engine's modules, SQLite and execa are loaded when one of these commands runs.
const actions = () => import('./engine-actions.js');

/** `jobs`, `run` and `status`: the engine's state for people and scripts. */
export function registerEngineCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  program.command('jobs').description('list the jobs: schedule (UTC), next run, last result and duration')
    .option('--json', 'JSON instead of a table')
    .action(async (o: { json?: boolean }) => (await actions()).printJobs(globals(), !!o.json));

  program.command('run').description('run a job now, through the same lock and history as the scheduler')
    .argument('<job>', `one of: ${JOBS.map((j) => j.name).join(', ')}`)
    .argument('[args...]', 'passed to the job\'s subcommand (after --), e.g. run sync -- --symbols BTCUSDT')
    .option('--wait', 'wait for the run to end and exit with its exit code (default: start it in the background)')
    .option('--json', 'JSON lines: the job\'s progress, then the run')
    .action(async (job: string, args: string[], o: { wait?: boolean; json?: boolean }) => {
      result.exitCode = await (await actions()).runJobCommand(globals(), job, args, o);
    });

  program.command('status').description('who leads, the jobs, the supervised daemon and the last runs')
    .option('--json', 'JSON instead of text')
    .action(async (o: { json?: boolean }) => (await actions()).printStatus(globals(), !!o.json));
}
