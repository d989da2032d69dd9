import type { Config } from '../config/schema.js';
import { openOpsDb } from '../store/ops-db.js';
import { DEFAULT_SCAN_BUDGET } from './continuity/scan.js';
import { HealthRefresher } from './health-refresher.js';
import { IntegrityVerdictStore } from './integrity-verdict-store.js';
import { renderHealthTable } from './report/health-table.js';
import { healthExitCode } from './status.js';

/**
 * `cfa-console health`: one snapshot, as a table or one JSON object; resolves to the exit code.
 * A monitoring script runs it every minute: the whole-file integrity check (about a second on a
 * year of candles) is reused from ops.db, under the leader's own rule (integrityDue), while
 * market.db is unchanged since that check and it is younger than `health.integrityRecheck`; the
 * probe then says when it was taken. A written file, an old verdict or one that was not ok is
 * checked again (no minimum gap: each run may be the only one).
 */
export function healthCommand(config: Config & { dataDir: string }, options: { json: boolean; only?: string[] }, out: NodeJS.WritableStream): number {
  const verdicts = new IntegrityVerdictStore(() => openOpsDb(config.dataDir));
  let snapshot;
  try {
    snapshot = new HealthRefresher(config, 0, { verdicts, continuityBudget: DEFAULT_SCAN_BUDGET }).refresh(Date.now(), options.only);
  } finally {
    verdicts.close();
  }
  out.write(options.json ? `${JSON.stringify(snapshot)}\n` : renderHealthTable(snapshot));
  return healthExitCode(snapshot.overall);
}
