import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { redactUrlPasswords } from '../config/redact.js';
import { durationMs } from '../config/schema.js';
import { liveProcessFromPidFile, pidFilePath } from '../engine/supervisor/pid-file.js';
import {
  describeLogLine, LITESTREAM_DAEMON, lastLine, parseTable, replicasOf, resolveLitestreamBinary, STORE_FILES, STORES, writeLitestreamConfig,
  type ReplicationConfig, type StoreName,
} from './litestream.js';

/** What one replica holds of one store, as health sees it. */
export interface ReplicaFacts {
  store: StoreName;
  replica: string;
  /** The replica URL with any password masked. */
  url: string;
  reachable: boolean;
  /** Why it could not be read (Litestream's words, passwords masked). */
  error: string | null;
  generation: string | null;
  /** When the replica last received data of the store (second precision). */
  replicatedAt: number | null;
  lastSnapshotAt: number | null;
  /** When the local store (file or WAL) last changed. */
  localChangedAt: number | null;
  /** Unreplicated change: how long the replica has been behind the local store (0 when caught up). */
  lagMs: number | null;
}

export interface ReplicationFacts {
  enabled: boolean;
  /** The leader's Litestream (run/litestream.pid) runs. */
  running: boolean;
  replicas: ReplicaFacts[];
}

/** When the store's file or WAL last changed, or null when neither exists. */
function localChangedAt(dataDir: string, store: StoreName): number | null {
  let newest: number | null = null;
  for (const f of [STORE_FILES[store], `${STORE_FILES[store]}-wal`]) {
    try {
      newest = Math.max(newest ?? 0, fs.statSync(path.join(dataDir, f)).mtimeMs);
    } catch { /* absent */ }
  }
  return newest;
}

/**
 * The first time the local store was seen ahead of a replica's state, per store, replica and
 * replicated time: in a long-lived process (the leader's monitor) the lag grows from there.
 */
const firstSeenAhead = new Map<string, number>();

/**
 * Replication lag, pure. The local store is ahead when it changed after the replica's newest
 * data (with slack for the replica's second precision and one sync interval). Then:
 * Litestream not running means nothing is shipped: the lag is everything since the replica's
 * newest data; while it runs, the lag counts from when the change was first seen unreplicated
 * (`aheadSince`), so a write that the next sync ships is no lag.
 */
export function replicationLag(input: { now: number; localChangedAt: number | null; replicatedAt: number | null; running: boolean; syncIntervalMs: number; aheadSince: number | null }): number | null {
  const { now, localChangedAt: local, replicatedAt } = input;
  if (replicatedAt === null) return local === null ? 0 : null;
  if (local === null || local <= replicatedAt + 1000 + input.syncIntervalMs) return 0;
  if (!input.running) return Math.max(0, now - replicatedAt);
  return Math.max(0, now - (input.aheadSince ?? local));
}

function runSync(binary: string, configFile: string, env: Record<string, string>, args: string[]): { ok: boolean; stdout: string; error: string } {
  try {
    const [command, ...rest] = args;
    // node's own spawnSync, not execa's: `health` reads this on every run, and loading execa costs about 0.1 s.
    const r = spawnSync(binary, [command!, '-config', configFile, ...rest], {
      env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    const out = r.stdout ?? '';
    const err = r.stderr ?? '';
    // Litestream's listing commands exit 0 on a replica they cannot reach; the ERROR line says it.
    const errorLine = `${err}\n${out}`.split('\n').find((l) => l.includes('level=ERROR'));
    return { ok: r.status === 0 && !errorLine, stdout: out, error: redactUrlPasswords(errorLine ? describeLogLine(errorLine) : lastLine(err) || lastLine(out) || `exit ${r.status ?? r.signal}`) };
  } catch (error) {
    return { ok: false, stdout: '', error: redactUrlPasswords((error as Error).message) };
  }
}

/** Reads every replica of both stores with Litestream's CLI (`generations`, `snapshots`). */
export function gatherReplicationFacts(dataDir: string, replication: ReplicationConfig, now = Date.now()): ReplicationFacts {
  const replicas = replicasOf(replication);
  if (replicas.length === 0) return { enabled: false, running: false, replicas: [] };
  const running = liveProcessFromPidFile(pidFilePath(dataDir, LITESTREAM_DAEMON)) !== null;
  const facts: ReplicaFacts[] = [];
  let binary: string;
  const file = path.join(dataDir, 'run', `litestream-health.${process.pid}.yml`);
  let env: Record<string, string>;
  try {
    binary = resolveLitestreamBinary(replication);
    ({ env } = writeLitestreamConfig(dataDir, replication, file));
  } catch (error) {
    const message = redactUrlPasswords((error as Error).message);
    return { enabled: true, running, replicas: STORES.flatMap((store) => replicas.map((r) => ({
      store, replica: r.name, url: r.shownUrl, reachable: false, error: message, generation: null, replicatedAt: null, lastSnapshotAt: null,
      localChangedAt: localChangedAt(dataDir, store), lagMs: null,
    }))) };
  }
  const syncIntervalMs = durationMs(replication.syncInterval);
  try {
    for (const store of STORES) {
      const db = path.join(path.resolve(dataDir), STORE_FILES[store]);
      const local = localChangedAt(dataDir, store);
      const exists = fs.existsSync(db);
      for (const r of replicas) {
        const base: ReplicaFacts = {
          store, replica: r.name, url: r.shownUrl, reachable: false, error: null, generation: null, replicatedAt: null, lastSnapshotAt: null, localChangedAt: local, lagMs: null,
        };
        const snaps = runSync(binary, file, env, ['snapshots', '-replica', r.name, db]);
        if (!snaps.ok) {
          facts.push({ ...base, error: snaps.error });
          continue;
        }
        const snapshotRows = parseTable(snaps.stdout);
        const lastSnapshotAt = Math.max(-Infinity, ...snapshotRows.map((row) => Date.parse(row.created ?? '')).filter(Number.isFinite));
        let generation: string | null = null;
        let replicatedAt: number | null = null;
        if (exists) {
          const gens = runSync(binary, file, env, ['generations', '-replica', r.name, db]);
          if (!gens.ok) {
            facts.push({ ...base, error: gens.error });
            continue;
          }
          const newest = parseTable(gens.stdout).map((row) => ({ generation: row.generation ?? '', end: Date.parse(row.end ?? '') }))
            .filter((g) => g.generation && Number.isFinite(g.end)).sort((a, b) => b.end - a.end)[0];
          generation = newest?.generation ?? null;
          replicatedAt = newest?.end ?? null;
        }
        const key = `${path.resolve(dataDir)}|${store}|${r.name}|${replicatedAt}`;
        const ahead = local !== null && replicatedAt !== null && local > replicatedAt + 1000 + syncIntervalMs;
        if (ahead && !firstSeenAhead.has(key)) firstSeenAhead.set(key, local);
        const lagMs = replicationLag({ now, localChangedAt: local, replicatedAt, running, syncIntervalMs, aheadSince: firstSeenAhead.get(key) ?? null });
        facts.push({
          ...base, reachable: true, generation, replicatedAt, lastSnapshotAt: Number.isFinite(lastSnapshotAt) ? lastSnapshotAt : null, lagMs,
        });
      }
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
  if (firstSeenAhead.size > 1000) firstSeenAhead.clear();
  return { enabled: true, running, replicas: facts };
}
