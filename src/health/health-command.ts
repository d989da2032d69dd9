import type { Config } from '../config/schema.js';
import { collectHealth } from './collect-health.js';
import { renderHealthTable } from './report/health-table.js';
import { healthExitCode } from './status.js';

/** `cfa-console health`: one snapshot, as a table or one JSON object; resolves to the exit code. */
export function healthCommand(config: Config & { dataDir: string }, options: { json: boolean; only?: string[] }, out: NodeJS.WritableStream): number {
  const snapshot = collectHealth({ config, dataDir: config.dataDir, only: options.only });
  out.write(options.json ? `${JSON.stringify(snapshot)}\n` : renderHealthTable(snapshot));
  return healthExitCode(snapshot.overall);
}
