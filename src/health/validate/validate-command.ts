import { ensureDataDir, type CliContext } from '../../cli/context.js';
import { EXIT } from '../../cli/exit-codes.js';
import { printJsonLine } from '../../cli/progress.js';
import { acquireLock } from '../../engine/job-lock.js';
import type { BinanceClient } from '../../exchange/binance-client.js';
import { openOpsDb } from '../../store/ops-db.js';
import { createHealClient } from './heal-exchange.js';
import { runValidation, type HealExchange } from './run-validation.js';
import { eventJson, eventText, summaryJson, summaryText } from './validation-text.js';

export const VALIDATE_LOCK = 'validate';

/** `cfa-console validate`: one validation run under its lock; exit 0 clean, 1 when problems remain. */
export async function validateCommand(options: { heal: boolean }, ctx: CliContext): Promise<number> {
  const { config } = ctx.loaded;
  const ops = openOpsDb(ensureDataDir(config.dataDir));
  const release = acquireLock(ops, VALIDATE_LOCK);
  // Built on first use only (a clean store is validated offline); closed whatever happens.
  const exchange: { client: BinanceClient | null } = { client: null };
  try {
    const report = await runValidation({
      config, dataDir: config.dataDir, heal: options.heal,
      exchange: (): HealExchange => (exchange.client ??= createHealClient(config)),
      onEvent: (e) => {
        if (ctx.json) printJsonLine(ctx.stdout, eventJson(e));
        else ctx.stdout.write(`${eventText(e)}\n`);
      },
    });
    if (ctx.json) printJsonLine(ctx.stdout, summaryJson(report));
    else ctx.stdout.write(summaryText(report));
    return report.status === 'clean' ? EXIT.ok : EXIT.failure;
  } finally {
    exchange.client?.close();
    release();
    ops.close();
  }
}
