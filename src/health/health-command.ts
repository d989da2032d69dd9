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
export async function healthCommand(config: Config & { dataDir: string }, options: { json: boolean; only?: string[] }, out: NodeJS.WritableStream): Promise<number> {
  const verdicts = new IntegrityVerdictStore(() => openOpsDb(config.dataDir));
  let snapshot;
  try {
    let pgMarket;
    if (config.store.backend === 'postgres') {
      const { PgMarketFactsSource } = await import('./sources/pg-market-facts.js');
      const source = new PgMarketFactsSource(config);
      pgMarket = await source.gather();
      await source.close();
    }
    snapshot = new HealthRefresher(config, 0, { verdicts, continuityBudget: DEFAULT_SCAN_BUDGET }).refresh(Date.now(), options.only, pgMarket);
  } finally {
    verdicts.close();
  }
  out.write(options.json ? `${JSON.stringify(snapshot)}\n` : renderHealthTable(snapshot));
  return healthExitCode(snapshot.overall);
}
