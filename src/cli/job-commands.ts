import { Command, Option } from 'commander';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import { SENTIMENT_SOURCES } from '../config/names.js';
import type { JobDefinition } from '../engine/job-definition.js';
import type { OperationName, OptionsOf } from '../ops/index.js';
import type { CliContext } from './context.js';

/**
 * Each operation a job runs, as a subcommand: its flags and the command that runs it with output
 * for people or scripts (how the flags become the operation's typed options: job-options.ts).
 * Commander lives here and nowhere else; a job file only names its operation and options.
 */
interface OperationCommand<K extends OperationName> {
  flags(command: Command): Command;
  run(options: OptionsOf<K>, ctx: CliContext): Promise<number>;
}

type OperationCommands = { [K in OperationName]: OperationCommand<K> };

// The command code (SQLite, HTTP clients, rclone) and the flags' checks are loaded when a command
// runs, not at start: `--help` declares every command and loads none of them.
export const OPERATION_COMMANDS: OperationCommands = {
  sync: {
    flags: (c) => c
      .option('--symbols <list>', 'all, or a comma list such as BTCUSDT,ETHUSDT', 'all')
      .option('--intervals <list>', 'comma list of intervals (default: from config, 15m,1h,4h,1d)')
      .option('--lookback <n>', 're-fetch the newest N stored candles of each series')
      .option('--backfill-days <d>', 'how far back an empty series is filled (default: from config)')
      .option('--weight-budget <n>', 'request weight per minute for this run (default: from config, 480)')
      .option('--timeout <duration>', 'stop after this long and exit 124 (default: from config, 30m)')
      .option('--untracked-intervals', 'allow intervals the config does not track (no freshness or gap checks for them)'),
    run: async (o, ctx) => (await import('./sync-command.js')).syncCommand(o, ctx),
  },
  validate: {
    flags: (c) => c
      .option('--heal', 'refetch gaps and backfill missing series from the exchange (the default)')
      .option('--no-heal', 'only report; write nothing to the store (market.db: but the scan checkpoints)'),
    run: async (o, ctx) => (await import('./validate-command.js')).validateCommand(o, ctx),
  },
  backup: {
    flags: (c) => c.option('--tier <tier>', 'hot, warm, offsite or all (all: tiers that are not configured are reported, not failed)', 'all'),
    run: async (o, ctx) => (await import('./backup-output.js')).backupCommand(o, ctx),
  },
  'backup-drill': {
    flags: (c) => c,
    run: async (_o, ctx) => (await import('./backup-output.js')).drillCommand(ctx),
  },
  compact: {
    flags: (c) => c,
    run: async (_o, ctx) => (await import('./backup-output.js')).compactCommand(ctx),
  },
  'alert-digest': {
    flags: (c) => c
      .option('--dry-run', 'print the digest instead of sending it')
      .option('--wait <duration>', 'how long to keep delivering before leaving the rest to the engine', '2m'),
    run: async (o, ctx) => (await import('./alert-commands.js')).digestCommand(o, ctx),
  },
  sentiment: {
    flags: (c) => c
      .option('--sources <list>', `comma list of ${SENTIMENT_SOURCES.join(', ')} (default: from config, all three)`)
      .option('--symbols <list>', 'all, or a comma list such as BTCUSDT,ETHUSDT (Binance sources only)', 'all'),
    run: async (o, ctx) => (await import('./sentiment-command.js')).sentimentCommand(o, ctx),
  },
  backtest: {
    flags: (c) => c.option('--timeout <duration>', 'stop the command after this long and exit 124 (the scheduled job: the job timeout, 2h)'),
    run: async (o, ctx) => (await import('./sentiment-command.js')).backtestCommand(o, ctx),
  },
};

/** The hidden flag through which the job runner hands a run its typed options. */
export const OPTIONS_JSON_FLAG = '--options-json';

export function operationCommand(job: JobDefinition): OperationCommand<OperationName> {
  const command = (OPERATION_COMMANDS as Record<string, OperationCommand<OperationName>>)[job.operation];
  if (!command) throw new ConfigError(`job ${job.name}: unknown operation ${JSON.stringify(job.operation)} (known: ${Object.keys(OPERATION_COMMANDS).join(', ')})`);
  return command;
}

/** The options a JSON document from the runner carries, refused with the reason when they are not an object. */
export function parseOptionsJson(job: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${OPTIONS_JSON_FLAG} for ${job} is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${OPTIONS_JSON_FLAG} for ${job} must be a JSON object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

/** Adds a job's subcommand: its operation's flags, `--json`, and the runner's hidden typed options. */
export function registerJobCommand(program: Command, job: JobDefinition, run: (options: Record<string, unknown>, json: boolean) => Promise<void>): Command {
  const command = program.command(job.name).description(`${job.summary} (job; default schedule ${job.schedule ?? 'on demand'} UTC, timeout ${job.timeout})`);
  operationCommand(job).flags(command)
    .option('--json', 'JSON lines on stdout: one per series or step, then a summary')
    .addOption(new Option(`${OPTIONS_JSON_FLAG} <json>`, 'the operation\'s typed options, as the job runner passes them').hideHelp())
    .action(async (options: Record<string, unknown>) => run(options, Boolean(options.json)));
  return command;
}

/**
 * A job's arguments as typed options: the runner's JSON when given, else the flags parsed the way
 * the job's subcommand parses them (for `run <job> -- --symbols BTCUSDT`).
 */
export async function jobOptions(job: JobDefinition, raw: Record<string, unknown>, config: Config): Promise<Record<string, unknown>> {
  if (typeof raw.optionsJson === 'string') return parseOptionsJson(job.name, raw.optionsJson);
  operationCommand(job); // refuses an unknown operation, naming the known ones
  const { OPERATION_OPTIONS } = await import('./job-options.js');
  return OPERATION_OPTIONS[job.operation as OperationName](raw, config) as Record<string, unknown>;
}

/** Parses `run <job> -- args` with the job's own flags, without running anything. */
export async function parseJobArgs(job: JobDefinition, args: readonly string[], config: Config): Promise<Record<string, unknown>> {
  const command = new Command(job.name).exitOverride().configureOutput({ writeErr: () => {} });
  operationCommand(job).flags(command).allowExcessArguments(false);
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    throw new ConfigError(`run ${job.name} -- ${args.join(' ')}: ${(error as Error).message.replace(/^error: /, '')}`);
  }
  return jobOptions(job, command.opts(), config);
}
