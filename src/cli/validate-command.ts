import { eventText, summaryJson, summaryText } from '../health/validate/validation-text.js';
import { validate, type ValidateOptions } from '../ops/validate.js';
import { opContext, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { printJsonLine } from './progress.js';

/** `cfa-console validate`: one validation run; exit 0 clean, 1 when problems remain. */
export async function validateCommand(options: ValidateOptions, ctx: CliContext): Promise<number> {
  const report = await validate(options, opContext(ctx), (e) => { if (!ctx.json) ctx.stdout.write(`${eventText(e)}\n`); });
  if (ctx.json) printJsonLine(ctx.stdout, summaryJson(report));
  else ctx.stdout.write(summaryText(report));
  return report.status === 'clean' ? EXIT.ok : EXIT.failure;
}
