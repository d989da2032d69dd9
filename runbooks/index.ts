import type { RunbookDecl } from '../src/runbook/types.js';
import { backupStale } from './backup-stale.js';
import { daemonCrashLoop } from './daemon-crash-loop.js';
import { daemonDead } from './daemon-dead.js';
import { daemonHung } from './daemon-hung.js';
import { dbCorruption } from './db-corruption.js';
import { diskLow } from './disk-low.js';
import { missingSymbols } from './missing-symbols.js';
import { rateLimited } from './rate-limited.js';
import { staleData } from './stale-data.js';
import { syncFailed } from './sync-failed.js';

/** Every runbook: adding one is a file beside this one and a line here (and its id in RunbookId). */
export const RUNBOOKS: readonly RunbookDecl[] = [
  daemonDead, staleData, dbCorruption, daemonHung, daemonCrashLoop, syncFailed, rateLimited, backupStale, diskLow, missingSymbols,
];

export function runbookById(id: string): RunbookDecl | undefined {
  return RUNBOOKS.find((r) => r.id === id);
}
