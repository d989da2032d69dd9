import type { Command } from 'commander';
import { PROBE_IDS, selectProbes } from '../health/probe-ids.js';
import { createContext, type GlobalOptions } from './context.js';
import type { ProgramResult } from './context.js';
import { usageError } from './usage.js';

/**
 * `health` and `sla-audit` (the validation job's `validate` comes from jobs/validate.ts). The
 * probes are loaded when one of these runs, not at every start of the binary.
 */
export function registerHealthCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  program.command('health')
    .description('check freshness, coverage, integrity, size, backups, logs, continuity, disk, last sync and the daemon; exit 0 ok, 1 warning or unknown, 2 critical')
    .option('--json', 'the health snapshot as one JSON object')
    .option('--only <ids>', `comma list of probes: ${PROBE_IDS.join(', ')}`)
    .action(async (o: { json?: boolean; only?: string }) => {
      // Refused before any store is opened: a typo must not cost a snapshot.
      const only = o.only === undefined ? undefined : o.only.split(',').map((s) => s.trim()).filter(Boolean);
      if (only !== undefined && only.length === 0) throw usageError(`--only needs at least one probe id; valid ids: ${PROBE_IDS.join(', ')}`);
      selectProbes(only);
      const { config } = (await createContext(globals(), !!o.json)).loaded;
      const { healthCommand } = await import('../health/health-command.js');
      result.exitCode = await healthCommand(config, { json: !!o.json, only }, process.stdout);
    });

  program.command('sla-audit')
    .description('audit the SLAs over the last days: sync availability, staleness, sync duration, backup age, restore drills; exit 0 met, 1 missed')
    .option('--days <n>', 'complete UTC days to audit, ending yesterday', '30')
    .option('--json', 'the audit as one JSON object')
    .action(async (o: { days: string; json?: boolean }) => {
      const days = Number(o.days);
      if (!/^\d+$/.test(o.days.trim()) || days < 1 || days > 3650) throw usageError(`--days ${JSON.stringify(o.days)} is not valid: expected a whole number from 1 to 3650`);
      const { config } = (await createContext(globals(), !!o.json)).loaded;
      const { slaAuditCommand } = await import('../health/sla/sla-command.js');
      result.exitCode = slaAuditCommand(config, { json: !!o.json, days }, process.stdout);
    });
}
