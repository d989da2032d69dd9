import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listHealthSnapshots } from '../../src/health/snapshot-store.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { parseJsonLines } from '../helpers/cli.js';
import { engineFixture, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';

const BIN = path.resolve('dist/components/main.js');
const MONITOR_EVERY_MS = 1_000;
const terminals: TmuxTerminal[] = [];
const daemons: RunningDaemon[] = [];
const levelBefore = process.env.CFA_LOG_LEVEL;

afterEach(async () => {
  for (const t of terminals.splice(0)) t.close();
  for (const d of daemons.splice(0)) {
    d.child.kill('SIGTERM');
    await d.child;
  }
  if (levelBefore === undefined) delete process.env.CFA_LOG_LEVEL;
  else process.env.CFA_LOG_LEVEL = levelBefore;
});

function logLines(dataDir: string): Record<string, unknown>[] {
  const file = path.join(dataDir, 'logs', 'cfa-console.log');
  return fs.existsSync(file) ? parseJsonLines(fs.readFileSync(file, 'utf8')) : [];
}

function storedSnapshots(dataDir: string) {
  const db = openOpsDb(dataDir);
  try {
    return listHealthSnapshots(db);
  } finally {
    db.close();
  }
}

async function until<T>(read: () => T, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; last seen: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!hasTmux())('one health snapshot with a daemon and two consoles open', () => {
  it('the leader computes it once per interval and stores it; the follower consoles read it and compute none', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const args = engineFixture(dir, sim.url, {
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: `${MONITOR_EVERY_MS}ms` },
    });
    // Every computation is logged (the leader's monitor at debug, a console's own at info), by PID.
    process.env.CFA_LOG_LEVEL = 'debug';
    const daemon = startDaemon(args);
    daemons.push(daemon);
    const leaderPid = (await daemon.waitFor((l) => l.msg === 'became leader')).pid as number;

    const consoles = [0, 1].map(() => {
      const term = new TmuxTerminal(`sh -c '${process.execPath} ${BIN} ${args.join(' ')}; echo "[console exited $?]"; sleep 300'`, 160, 30, { CFA_LOG_LEVEL: 'debug' });
      terminals.push(term);
      return term;
    });
    for (const term of consoles) {
      // A follower of the daemon (wide enough for the header to name it), showing health: the heatmap drawn, not the wait for a first check.
      await term.waitFor((s) => s.includes(`follower of PID ${leaderPid}`) && s.includes('Freshness') && !s.includes('waiting for the first health check'), 'a follower console showing health');
    }
    const consolePids = await until(
      () => [...new Set(logLines(dataDir).filter((l) => l.msg === 'following the current leader').map((l) => l.pid as number))],
      (pids) => pids.length === 2, 'both consoles to log that they follow');
    expect(consolePids).not.toContain(leaderPid);

    // The window: from both consoles open until four more snapshots are stored.
    const firstId = storedSnapshots(dataDir).at(-1)!.id;
    await until(() => storedSnapshots(dataDir).filter((r) => r.id > firstId).length, (n) => n >= 4, 'four more snapshots');
    for (const term of consoles) expect(term.screen()).toContain(`follower of PID ${leaderPid}`);

    const rows = storedSnapshots(dataDir);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(new Set(rows.map((r) => r.computedBy.pid))).toEqual(new Set([leaderPid]));
    // One per interval: never two computations within the same interval.
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.takenAt - rows[i - 1]!.takenAt).toBeGreaterThanOrEqual(MONITOR_EVERY_MS / 2);

    const computations = logLines(dataDir).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('health computed'));
    expect(computations.length).toBeGreaterThanOrEqual(rows.length);
    expect(new Set(computations.map((l) => l.pid))).toEqual(new Set([leaderPid]));
    for (const pid of consolePids) expect(computations.filter((l) => l.pid === pid)).toEqual([]);
  });
});
