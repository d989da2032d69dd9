import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { configSchema, type ConfigInput } from '../../../src/config/schema.js';
import { DaemonStore, type DaemonEvent, type DaemonEventKind } from '../../../src/engine/supervisor/daemon-store.js';
import { processStateLetter } from '../../../src/engine/supervisor/pid-file.js';
import { Supervisor, type DaemonConfig, type SupervisorOptions } from '../../../src/engine/supervisor/supervisor.js';
import { openOpsDb } from '../../../src/store/ops-db.js';
import type { Db } from '../../../src/store/sqlite.js';
import { tempDir } from '../../helpers/temp-dir.js';

export const DAEMONS = path.resolve('test/fixtures/daemons');
export const NODE = process.execPath;

/** The real config schema with the short windows the tests need. */
export function daemonConfig(settings: NonNullable<ConfigInput['daemon']> = {}): DaemonConfig {
  return configSchema.parse({
    daemon: {
      heartbeatTimeout: '1500ms', killGrace: '300ms', restartBackoff: '100ms', restartBackoffMax: '1s', ...settings,
    },
  }).daemon;
}

const dbs: Db[] = [];
const supervisors: Supervisor[] = [];
const pids: number[] = [];

/** A data dir with its ops.db; everything made through it is cleaned up after the test. */
export function harness() {
  const dataDir = tempDir('cfa-supervisor-');
  const db = openOpsDb(dataDir);
  dbs.push(db);
  const store = new DaemonStore(db);
  return {
    dataDir,
    db,
    store,
    spawnLog: path.join(dataDir, 'spawns.txt'),
    supervisor(options: Omit<SupervisorOptions, 'db' | 'dataDir'> & { db?: Db }): Supervisor {
      const s = new Supervisor({ db, dataDir, tickMs: 50, sampleEvery: 100, ...options });
      supervisors.push(s);
      return s;
    },
    /** A second connection to the same ops.db, as another cfa-console process would have. */
    otherDb(): Db {
      const other = openOpsDb(dataDir);
      dbs.push(other);
      return other;
    },
    events(kinds?: DaemonEventKind[]): DaemonEvent[] {
      return store.recentEvents('backtest', 0, kinds);
    },
    kinds(): DaemonEventKind[] {
      return store.recentEvents('backtest', 0).map((e) => e.kind);
    },
  };
}

/** A PID to SIGKILL after the test whatever happens (decoys, daemons a failed test left behind). */
export function killAfterTest(pid: number | undefined): void {
  if (pid !== undefined) pids.push(pid);
}

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop(100).catch(() => {})));
  for (const pid of pids.splice(0)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const db of dbs.splice(0)) db.close();
});

/** Gone for good: no such process, or a zombie waiting to be reaped. */
export function gone(pid: number): boolean {
  const state = processStateLetter(pid);
  return state === null || state === 'Z';
}

export function spawnCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('start ')).length;
  } catch {
    return 0;
  }
}

export { waitFor } from '../../helpers/wait-for.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
