import type { Command } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration-ms.js';
import { createContext, type GlobalOptions } from './context.js';
import type { ProgramResult } from './context.js';

export function registerExampleBacktestCommand(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  program.command('example-backtest')
    .description('a small real backtest worker to supervise: SMA crossover over the stored candles (market.db or PostgreSQL), a result file, and the heartbeat in CFA_HEARTBEAT_FILE')
    .option('--once', 'run one pass and exit instead of looping until SIGTERM')
    .option('--result-file <file>', 'where the JSON result goes (default: <data dir>/backtest/example-backtest.json)')
    .option('--interval <duration>', 'pause between passes', '60s')
    .action(async (o: { once?: boolean; resultFile?: string; interval: string }) => {
      const intervalMs = durationMs(o.interval);
      if (!(intervalMs > 0)) throw new ConfigError(`--interval ${JSON.stringify(o.interval)} is not valid: expected a duration like 500ms, 60s or 5m`);
      const { config } = (await createContext(globals(), false)).loaded;
      const { exampleBacktestCommand } = await import('../backtest/example-backtest.js');
      result.exitCode = await exampleBacktestCommand({ dataDir: config.dataDir, store: config.store, once: o.once, resultFile: o.resultFile, intervalMs });
    });
}
