import { Option } from 'commander';

/**
 * The global flags, declared once: the program adds them, and the binary's entry asks
 * `wantsConsole` whether argv means the full-screen console before anything heavy is loaded.
 */
export const GLOBAL_OPTIONS: readonly Option[] = [
  new Option('--data-dir <dir>', 'data directory (market.db, ops.db, logs, backups)').env('CFA_DATA_DIR'),
  new Option('--config <file>', 'config file (JSON)').env('CFA_CONFIG'),
  new Option('--exchange-url <url>', 'exchange REST base URL').env('CFA_EXCHANGE_URL'),
  new Option('--no-color', 'plain output without colour (also NO_COLOR)'),
  new Option('--daemon', 'run the engine headless (scheduler, jobs, supervisor) with JSON log lines on stdout, for systemd'),
  new Option('--demo', 'no exchange needed: run against the built-in simulator on loopback with a temporary data dir'),
];

/** Flags that leave no console to show: the daemon, help and version. */
const HEADLESS = new Set(['--daemon', '--help', '-h', '--version', '-V']);

/**
 * True when argv asks for the console: no subcommand, none of the headless flags, and a
 * terminal on stdout. Values of the global options (`--data-dir run`) are not subcommands.
 */
export function wantsConsole(argv: readonly string[], isTTY = Boolean(process.stdout.isTTY)): boolean {
  if (firstOperand(argv) !== null) return false;
  return !argv.slice(2).some((arg) => HEADLESS.has(arg)) && isTTY;
}

/** The first word of argv that is neither a global option nor its value: the subcommand asked for. */
export function firstOperand(argv: readonly string[]): string | null {
  const takesValue = new Set(GLOBAL_OPTIONS.filter((o) => o.required || o.optional).map((o) => o.long!));
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return null;
    if (takesValue.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}
