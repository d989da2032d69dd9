import type { Config } from '../../config/schema.js';
import { collectHealth } from '../collect-health.js';
import { gatherSlaInput } from './gather-sla.js';
import { auditSla } from './sla-audit.js';
import { renderSlaTable } from './sla-table.js';

/** `cfa-console sla-audit`: the audit as a table or one JSON object; 0 when every target is met, else 1. */
export function slaAuditCommand(config: Config & { dataDir: string }, options: { json: boolean; days: number }, out: NodeJS.WritableStream): number {
  const now = Date.now();
  const report = auditSla(gatherSlaInput(config, config.dataDir, options.days, now));
  // The data's age now, from the store: the history says how it went, this says where it stands.
  const freshness = collectHealth({ config, dataDir: config.dataDir, only: ['freshness'], now }).probes[0] ?? null;
  out.write(options.json ? `${JSON.stringify({ ...report, dataAge: freshness })}\n` : renderSlaTable(report, freshness));
  return report.met ? 0 : 1;
}
