import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { KnownGapsStore } from '../../src/health/continuity/known-gaps-store.js';
import { readPidFile, pidFilePath } from '../../src/engine/supervisor/pid-file.js';
import { MarketStore } from '../../src/store/market-db.js';
import type { CliRun } from '../helpers/cli.js';
import type { RunningDaemon } from '../helpers/daemon.js';

const HOUR = 3_600_000;
/** Far in the past, so no configured series and no resync ever touches the markers. */
const MARK_BASE = Date.UTC(2020, 0, 1);

/** Config for replication to a local directory: a 1 s sync interval, the thresholds shortened. */
export function replicaSettings(replicaDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    replication: { replicas: [{ name: 'local', url: `file://${replicaDir}` }], syncInterval: '1s', ...extra },
    daemon: { restartBackoff: '300ms', restartBackoffMax: '1s', killGrace: '2s' },
  };
}

/**
 * Marker `i`: a row of market.db's known_gaps (a symbol no config names), which neither the sync
 * nor the resync after a restore ever touches: what comes back is what the replica had.
 */
export function markerOpenTime(i: number): number {
  return MARK_BASE + i * HOUR;
}

/** Writes `count` markers from `first`, each in its own committed transaction, `everyMs` apart; returns when each committed. */
export async function writeMarkers(dataDir: string, first: number, count: number, everyMs: number): Promise<{ i: number; at: number }[]> {
  const store = MarketStore.open(dataDir);
  const gaps = new KnownGapsStore(store.db);
  const commits: { i: number; at: number }[] = [];
  try {
    for (let i = first; i < first + count; i++) {
      gaps.record({ symbol: 'MARKUSDT', interval: '1h', fromOpenTime: markerOpenTime(i), toOpenTime: markerOpenTime(i), confirmedAt: Date.now() });
      commits.push({ i, at: Date.now() });
      if (everyMs && i < first + count - 1) await sleep(everyMs);
    }
  } finally {
    store.close();
  }
  return commits;
}

/** The markers (their open times) market.db holds. */
export function markersIn(dataDir: string): Set<number> {
  const store = MarketStore.open(dataDir);
  try {
    return new Set(new KnownGapsStore(store.db).list().filter((g) => g.symbol === 'MARKUSDT').map((g) => g.fromOpenTime));
  } finally {
    store.close();
  }
}

export function candleCountOf(dataDir: string): number {
  const store = MarketStore.open(dataDir);
  try {
    return store.db.prepare('SELECT count(*) FROM candles').pluck().get() as number;
  } finally {
    store.close();
  }
}

/** SIGKILL to the engine and to Litestream's process group (it runs detached, so it outlives the engine otherwise). */
export function killEverything(engine: RunningDaemon, dataDir: string): void {
  const litestream = readPidFile(pidFilePath(dataDir, 'litestream'));
  try { process.kill(engine.child.pid!, 'SIGKILL'); } catch { /* gone */ }
  if (litestream) {
    try { process.kill(-litestream.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 300): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export function summaryOf(run: CliRun): Record<string, any> {
  const summary = run.events.find((e) => e.event === 'summary');
  if (!summary) throw new Error(`no summary line (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  return summary as Record<string, any>;
}

export function readText(file: string): string {
  try { return fs.readFileSync(file, 'utf8'); } catch { return ''; }
}
