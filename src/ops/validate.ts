import { takeOpLock } from './job-lock.js';
import type { BinanceClient } from '../exchange/binance-client.js';
import { createHealClient } from '../health/validate/heal-exchange.js';
import { runValidation, type HealExchange, type ValidationEvent, type ValidationReport } from '../health/validate/run-validation.js';
import { eventJson } from '../health/validate/validation-text.js';
import { openOpsDb } from '../store/ops-db.js';
import type { OpEvent, RunContext } from './context.js';

export const VALIDATE_LOCK = 'validate';

export interface ValidateOptions {
  /** Refetch gaps and backfill missing series from the exchange (the nightly job does). Default true. */
  heal?: boolean;
}

/** One validation run under its lock: integrity, continuity and coverage, healed when asked. */
export async function validate(options: ValidateOptions, ctx: RunContext, onEvent?: (e: ValidationEvent) => void): Promise<ValidationReport> {
  const { config } = ctx.loaded;
  const ops = openOpsDb(ctx.dataDir);
  // Built on first use only (a clean store is validated offline); closed whatever happens.
  const exchange: { client: BinanceClient | null } = { client: null };
  try {
    const release = await takeOpLock(ctx, ops, VALIDATE_LOCK);
    try {
      const report = await runValidation({
        config, dataDir: ctx.dataDir, heal: options.heal !== false, signal: release.lost,
        exchange: (): HealExchange => (exchange.client ??= createHealClient(config)),
        onEvent: (e) => {
          ctx.emit(eventJson(e) as OpEvent);
          onEvent?.(e);
        },
      });
      // Lost for good to another host: healing stopped through the signal (its error in healError); the run fails.
      release.lost.throwIfAborted();
      return report;
    } finally {
      await release();
    }
  } finally {
    exchange.client?.close();
    ops.close();
  }
}
