/**
 * A drill's sandbox: a fresh temporary data dir (`cfa-drill-*` in the temp dir), seeded by a short
 * synthetic backfill from an in-process simulator (or a read-only copy of the newest verified
 * backup of the real data dir: a market.db copied in, or on PostgreSQL a pg_dump restored into the
 * sandbox's scratch database), a config of its own (compressed monitor, rules that fire at once,
 * no scheduled jobs, no automatic runbooks: the drill runs the runbook itself), and an engine
 * leading it with the example backtest under supervision. Nothing is written outside it.
 *
 * The sandbox says who owns it (`drill-owner.json`: the drill's PID and start time). `close()`
 * stops the engine and removes the directory; a drill killed with kill -9 cannot, so every drill
 * first calls `cleanLeftovers()`, which stops the processes of sandboxes whose owner is gone
 * (found by the sandbox's unique path in their command line) and removes those directories. A
 * sandbox directory deleted from outside while its engine ran leaves processes that name a path
 * that is gone: `cleanLeftovers()` stops those too.
 *
 * A drill may ask for a small disk (the data dir on a tmpfs, root only: else `SandboxUnavailable`
 * says why) and for sentiment sources (stand-ins for fear & greed and FRED beside the simulator's
 * Binance data). Mounts are unmounted by close() and, after a kill -9, by the next drill.
 *
 * On an install whose store is PostgreSQL the sandbox's store is too (`postgresServer`): a scratch
 * database on the same server, made for the drill (`cfa_scratch_<host>_drill_<pid>_...`, as backup
 * verification makes its own: src/backup/postgres/connection.ts) and dropped by close(); one left
 * by a drill killed with kill -9 is dropped by the next scratch database made on this host. The
 * install's own database is never opened by the sandbox.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/load-config.js';
import { CLI_PATH } from '../../common/entry-points.js';
import { currentProcess, isAlive, type ProcessIdentity } from '../../engine/process-identity.js';
import { runContext, type RunContext } from '../../ops/context.js';
import { RULE_IDS } from '../../config/sections/alerts.js';
import type { FearGreedStandIn, FredStandIn, SimulatorHandle } from '../../exchange/simulator/index.js';
import { cannotMount, mountsUnder, mountTmpfs, unmount } from '../../common/mounts.js';
import { readLease } from '../../engine/leadership.js';
import { FRED_KEY_ENV } from '../../sentiment/fred.js';
import { listBackups, type BackupBackend, type BackupEntry } from '../../backup/catalog.js';
import { OPS_DB_FILE, openOpsDb } from '../../store/ops-db.js';
import { openSqlite } from '../../store/sqlite.js';
import { MARKET_DB_FILE } from '../../store/market-db.js';
import { createScratchDatabase } from '../../backup/postgres/connection.js';
import { restorePgInPlace } from '../../backup/postgres/dump.js';
import { sharedLeader } from '../../ops/leader.js';

export const SANDBOX_PREFIX = 'cfa-drill-';
/** The environment's store URL (load-config.ts), which wins over a config file's. */
const STORE_URL_ENV = 'CFA_STORE_URL';
const OWNER_FILE = 'drill-owner.json';
/** A directory to copy each sandbox into before it is removed (debugging a drill: its logs, ops.db and market.db). */
export const KEEP_SANDBOX_ENV = 'CFA_DRILL_KEEP_SANDBOX';
/** The symbols of a synthetic sandbox: few, so the backfill takes seconds. */
export const SANDBOX_SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

export interface SandboxOptions {
  /**
   * Seed from the newest verified backup of this (real) data dir instead of a backfill: a
   * market.db backup on SQLite, a pg_dump (restored into the scratch database) with `postgresServer`.
   */
  fromBackupOf?: string;
  /** Merged over the sandbox's config (a drill's own settings). */
  config?: Record<string, unknown>;
  /** Where sandboxes are made (default: the OS temp dir). */
  root?: string;
  /** Told of each stage (`sandbox` events). */
  emit?: (event: { event: string } & Record<string, unknown>) => void;
  /** The data dir on a tmpfs of this size (root only; else SandboxUnavailable). */
  smallDisk?: string;
  /** Sentiment sources (stand-ins), seeded by a sentiment run on the engine once it leads. */
  sentiment?: boolean;
  /**
   * The install's store is PostgreSQL at this URL: the sandbox's store is a scratch database made
   * on that server (the install's own database is never touched). Absent: market.db in the sandbox.
   */
  postgresServer?: string;
}

/** The store a sandbox runs on: market.db in its data dir, or a scratch database (its name) on the install's PostgreSQL server. */
export type SandboxStore = { backend: 'sqlite' } | { backend: 'postgres'; database: string };

/** A sandbox this machine cannot make (a mount that needs root): the drill is skipped, saying why. */
export class SandboxUnavailable extends Error {}

/** The FRED key of the sandbox's stand-in (not a secret: the stand-in accepts only it, and a real key never leaves for it). */
const SANDBOX_FRED_KEY = 'cfa-drill-sandbox-key';
/** The FRED series of a sandbox with sentiment: one daily series is enough to judge freshness. */
const SANDBOX_FRED_SERIES = 'DFF';

export interface Sandbox {
  /** The sandbox directory (removed by close). */
  dir: string;
  dataDir: string;
  configPath: string;
  simulator: SimulatorHandle;
  store: SandboxStore;
  /**
   * The environment of a process on the sandbox (its engine, a console on it): the install's
   * CFA_STORE_URL, which would win over the sandbox's config, replaced by the sandbox's own.
   */
  env(): NodeJS.ProcessEnv;
  /** The operations' context over the sandbox; consent: the given answer (the drill's script). */
  context(confirm: RunContext['confirm']): RunContext;
  /** The engine leading the sandbox (started by start()). */
  engine: ProcessIdentity | null;
  /** Starts the engine (leader, supervisor with the example backtest) and waits until it leads (then seeds sentiment, if asked). */
  startEngine(): Promise<void>;
  /** Stops the engine (SIGTERM, as a person would) and starts it again: it reads the config anew. */
  restartEngine(): Promise<void>;
  /** The stand-ins of the sentiment sources (with `sentiment`). */
  sentiment: { fearGreed: FearGreedStandIn; fred: FredStandIn } | null;
  /** Stops the engine, closes the simulator, drops the scratch database and removes the directory. Safe to call twice. */
  close(): Promise<void>;
}

interface Owner {
  drill: ProcessIdentity;
  createdAt: number;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
      ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

/** The sandbox's config: every rule fires at once, the leader judges every second, nothing runs on a schedule. */
export async function sandboxConfig(dataDir: string, exchangeUrl: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const { JOBS } = await import('../../../jobs/index.js');
  const { RUNBOOKS } = await import('../../../runbooks/index.js');
  const base: Record<string, unknown> = {
    symbols: SANDBOX_SYMBOLS,
    // A one-second weight window (the simulator's too), so a 429's Retry-After is a second, not a minute.
    exchange: { url: exchangeUrl, weightBudget: 2400, requestTimeoutMs: 5_000, weightWindowMs: 1_000 },
    sync: { backfillDays: 2 },
    // The drill's runbook fixes what is broken, not a job that happens to run.
    jobs: Object.fromEntries(JOBS.map((j) => [j.name, { enabled: false }])),
    engine: { leaseTtl: '3s', leaseRenewEvery: '500ms', monitorEvery: '1s', sampleEvery: '1s', stopGrace: '3s' },
    daemon: {
      command: [process.execPath, CLI_PATH, '--data-dir', dataDir, 'example-backtest', '--interval', '5s'],
      heartbeatTimeout: '60s', killGrace: '2s',
      // A dead daemon stays dead until the runbook restarts it (the drill's fault must hold).
      restartBackoff: '30m', restartBackoffMax: '30m',
    },
    alerts: { groupWait: '0s', for: Object.fromEntries(RULE_IDS.map((r) => [r, '0s'])) },
    runbooks: { auto: Object.fromEntries(RUNBOOKS.map((r) => [r.id, false])) },
  };
  return deepMerge(base, extra);
}

/** The PIDs (other than this process) whose command line passes `test`. */
function processesWhose(test: (args: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (test(fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0'))) pids.push(Number(name));
    } catch { /* gone */ }
  }
  return pids;
}

/** The processes whose command line names `dir` (the sandbox's engine, daemon and jobs). */
const processesUnder = (dir: string) => processesWhose((args) => args.some((arg) => arg === dir || arg.startsWith(`${dir}/`)));

/** SIGTERM to the processes `find` names, SIGKILL to those left after the grace. */
async function stopProcesses(find: () => number[], graceMs = 8_000): Promise<void> {
  const signal = (pids: number[], sig: NodeJS.Signals) => { for (const pid of pids) { try { process.kill(pid, sig); } catch { /* gone */ } } };
  const first = find();
  if (first.length === 0) return;
  signal(first, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (find().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  signal(find(), 'SIGKILL');
}

const stopProcessesUnder = (dir: string) => stopProcesses(() => processesUnder(dir));

/**
 * Removes the sandboxes left by drills that are gone (kill -9, a power cut): their processes are
 * stopped first. A sandbox whose drill still runs is left alone. Returns the directories removed.
 */
export async function cleanLeftovers(root = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try { names = fs.readdirSync(root); } catch { return removed; }
  for (const name of names) {
    if (!name.startsWith(SANDBOX_PREFIX)) continue;
    const dir = path.join(root, name);
    let owner: Owner | null = null;
    try { owner = JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as Owner; } catch { owner = null; }
    if (owner && isAlive(owner.drill)) continue;
    // No owner file: a sandbox killed while it was being made (the file is its first write), unless it is brand new.
    if (!owner) {
      try { if (Date.now() - fs.statSync(dir).mtimeMs < 60_000) continue; } catch { continue; }
    }
    await stopProcessesUnder(dir);
    for (const point of mountsUnder(dir)) unmount(point);
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  await stopProcesses(() => orphansOf(root));
  return removed;
}

/**
 * The processes of sandboxes whose directory is gone (deleted from outside while the engine ran):
 * their command line still names `<root>/cfa-drill-*` paths that no longer exist. A live drill's
 * sandbox exists for as long as its processes run (it is removed only after they are stopped).
 */
export function orphansOf(root = os.tmpdir()): number[] {
  const prefix = path.join(path.resolve(root), SANDBOX_PREFIX);
  const sandboxOf = (arg: string) => { const end = arg.indexOf('/', prefix.length); return end === -1 ? arg : arg.slice(0, end); };
  return processesWhose((args) => {
    const dirs = args.filter((a) => a.startsWith(prefix)).map(sandboxOf);
    return dirs.length > 0 && dirs.every((d) => !fs.existsSync(d));
  });
}


/**
 * The newest verified hot or warm backup of `realDataDir` of this backend whose file is on disk
 * (its ops.db only read), or the error naming the data dir and what to run.
 */
function newestVerifiedBackup(realDataDir: string, backend: BackupBackend): BackupEntry {
  const opsFile = path.join(realDataDir, OPS_DB_FILE);
  // No ops.db: nothing was ever backed up here (the catalog is in it).
  const ops = fs.existsSync(opsFile) ? openSqlite(opsFile, { readonly: true }) : null;
  try {
    const backup = (ops ? listBackups(ops) : [])
      .filter((b) => b.backend === backend && b.verifiedAt !== null && b.result === 'verified' && b.tier !== 'offsite' && fs.existsSync(b.location))
      .filter((b) => backend !== 'postgres' || b.pgFacts !== null)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!backup) {
      const what = backend === 'postgres' ? 'pg_dump backup (store.backend postgres)' : 'market.db backup';
      throw new Error(`no verified hot or warm ${what} of ${realDataDir} is on disk; run \`cfa-console backup\` first, or drill without --from-backup`);
    }
    return backup;
  } finally {
    ops?.close();
  }
}

/** Copies the newest verified hot or warm market.db backup of `realDataDir` into `dataDir` (read-only on the real side). */
function seedFromBackup(realDataDir: string, dataDir: string): { backupId: number; file: string; candles: null } {
  const backup = newestVerifiedBackup(realDataDir, 'sqlite');
  fs.copyFileSync(backup.location, path.join(dataDir, MARKET_DB_FILE));
  return { backupId: backup.id, file: backup.location, candles: null };
}

/**
 * Restores the newest verified hot or warm pg_dump of `realDataDir` into the sandbox's (empty)
 * scratch database, as `restore` would into a fresh store (restorePgInPlace: one transaction, the
 * backup's schema version stamped, the candles and rows counted against the catalog). The dump
 * file and the install's ops.db are only read; the install's database is never opened.
 */
async function seedFromPgBackup(realDataDir: string, scratchUrl: string): Promise<{ backupId: number; file: string; candles: number }> {
  const backup = newestVerifiedBackup(realDataDir, 'postgres');
  const { problems } = await restorePgInPlace(backup.location, scratchUrl, backup.pgFacts!, { lockTimeoutMs: 30_000, liveVersion: 0 }).catch((error: Error) => {
    throw new Error(`cannot seed the sandbox's scratch database from backup #${backup.id} (${backup.location}): ${error.message}`);
  });
  if (problems.length) throw new Error(`backup #${backup.id} (${backup.location}) restored into the sandbox does not hold what the catalog says: ${problems.slice(0, 3).join('; ')}`);
  return { backupId: backup.id, file: backup.location, candles: Object.values(backup.pgFacts!.series).reduce((n, s) => n + s.count, 0) };
}

/** Makes a sandbox, seeds it and (with `start`) starts its engine. */
export async function openSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const emit = options.emit ?? (() => {});
  const root = options.root ?? os.tmpdir();
  const dir = fs.mkdtempSync(path.join(root, SANDBOX_PREFIX));
  const owner: Owner = { drill: currentProcess(), createdAt: Date.now() };
  fs.writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(owner));
  const dataDir = path.join(dir, 'data');
  const configPath = path.join(dir, 'config.json');
  fs.mkdirSync(dataDir, { recursive: true });
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | null = null;
  if (options.postgresServer) {
    try {
      scratch = await createScratchDatabase(options.postgresServer, { tag: 'drill', why: 'give a game-day drill a scratch database for its sandbox' });
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    emit({ event: 'sandbox', stage: 'scratch-database', database: scratch.name });
  }
  const store: SandboxStore = scratch ? { backend: 'postgres', database: scratch.name } : { backend: 'sqlite' };
  if (options.smallDisk) {
    const why = cannotMount();
    const unmountDisk = why ? null : mountTmpfs(dataDir, options.smallDisk);
    if (!unmountDisk) {
      fs.rmSync(dir, { recursive: true, force: true });
      await scratch?.drop().catch(() => {});
      throw new SandboxUnavailable(`a ${options.smallDisk} disk for the sandbox cannot be mounted here: ${why ?? 'mount -t tmpfs was refused (a container without CAP_SYS_ADMIN?)'}`);
    }
    emit({ event: 'sandbox', stage: 'small-disk', size: options.smallDisk });
  }

  const { startSimulator, startFearGreedStandIn, startFredStandIn, syntheticFredSeries } = await import('../../exchange/simulator/index.js');
  const simulator = await startSimulator({ symbols: SANDBOX_SYMBOLS, windowMs: 1_000 });
  const sentiment = options.sentiment
    ? {
      fearGreed: await startFearGreedStandIn(),
      fred: await startFredStandIn({ apiKey: SANDBOX_FRED_KEY, series: { [SANDBOX_FRED_SERIES]: syntheticFredSeries(SANDBOX_FRED_SERIES, new Date().toISOString().slice(0, 10), 60) } }),
    }
    : null;
  let engineChild: ReturnType<typeof spawn> | null = null;
  let closed = false;

  const waitForLeader = async (pid: number, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (scratch) {
        // The lease is in the scratch database (the sandbox's store), as the engine leads there.
        const seen = await sharedLeader(sandbox.context(async () => 0).loaded.config, 5_000).catch(() => null);
        if (seen?.live && seen.holder?.pid === pid) return;
      } else {
        const ops = openOpsDb(dataDir);
        try {
          const holder = readLease(ops);
          if (holder && holder.pid === pid && holder.expiresAt > Date.now()) return;
        } finally {
          ops.close();
        }
      }
      if (engineChild?.exitCode !== null && engineChild?.exitCode !== undefined) throw new Error(`the sandbox's engine exited (code ${engineChild.exitCode}) before it led; see ${path.join(dir, 'engine.log')}`);
      if (Date.now() > deadline) throw new Error(`the sandbox's engine (PID ${pid}) did not lead within ${timeoutMs / 1000} s; see ${path.join(dir, 'engine.log')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const sandbox: Sandbox = {
    dir, dataDir, configPath, simulator, store, engine: null, sentiment,
    env() {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env[STORE_URL_ENV];
      if (scratch) env[STORE_URL_ENV] = scratch.url;
      return env;
    },
    context(confirm) {
      const loaded = loadConfig({ configPath, dataDir, exchangeUrl: simulator.url }, {});
      return runContext(loaded, { confirm });
    },
    async startEngine() {
      const log = fs.openSync(path.join(dir, 'engine.log'), 'a');
      // The stand-in's key replaces any real one: the sandbox never sends a real key anywhere.
      const env = { ...sandbox.env(), NO_COLOR: '1', ...(sentiment ? { [FRED_KEY_ENV]: SANDBOX_FRED_KEY } : {}) };
      engineChild = spawn(process.execPath, [CLI_PATH, '--data-dir', dataDir, '--config', configPath, '--exchange-url', simulator.url, '--daemon'], {
        stdio: ['ignore', log, log], detached: true, env,
      });
      fs.closeSync(log);
      engineChild.unref();
      sandbox.engine = { pid: engineChild.pid!, startTicks: null };
      emit({ event: 'sandbox', stage: 'engine', pid: engineChild.pid });
      await waitForLeader(engineChild.pid!);
      if (sentiment && !seededSentiment) {
        // As the 02:00 job would, on the leader (whose environment has the stand-in's key).
        const { runJobAnywhere } = await import('../../ops/run-job.js');
        const run = await runJobAnywhere(sandbox.context(async () => 0), 'sentiment', 'sentiment', {} as never, 5 * 60_000);
        if (run.status !== 'success') throw new Error(`the sandbox's sentiment sources could not be seeded: run ${run.runId ?? '-'} ${run.status}${run.error ? `: ${run.error}` : ''}`);
        seededSentiment = true;
        emit({ event: 'sandbox', stage: 'seeded', from: 'sentiment', runId: run.runId });
      }
    },
    async restartEngine() {
      const child = engineChild;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await sandbox.startEngine();
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopProcessesUnder(dir);
      await simulator.close().catch(() => {});
      await sentiment?.fearGreed.close().catch(() => {});
      await sentiment?.fred.close().catch(() => {});
      for (const point of mountsUnder(dir)) unmount(point);
      if (scratch) {
        // Its engine, daemon and jobs are stopped: nothing of the sandbox's holds the database now.
        await scratch.drop().then(
          () => emit({ event: 'sandbox', stage: 'scratch-dropped', database: scratch!.name }),
          (error: Error) => emit({ event: 'sandbox', stage: 'scratch-not-dropped', database: scratch!.name, why: error.message }),
        );
      }
      // Debugging a drill: its logs and stores copied out (under a name no leftover sweep matches).
      const keepIn = process.env[KEEP_SANDBOX_ENV];
      if (keepIn) {
        const kept = path.join(keepIn, `kept-${path.basename(dir)}`);
        fs.cpSync(dir, kept, { recursive: true });
        emit({ event: 'sandbox', stage: 'kept', dir: kept });
      }
      fs.rmSync(dir, { recursive: true, force: true });
      emit({ event: 'sandbox', stage: 'removed', dir });
    },
  };
  let seededSentiment = false;

  try {
    const extra = sentiment
      ? deepMerge({
        sentiment: {
          binance: { backfillDays: 2, fundingBackfillDays: 2, quotaWindowMs: 1_000 },
          fearGreed: { url: sentiment.fearGreed.url, backfillDays: 10 },
          fred: { url: sentiment.fred.url, series: [SANDBOX_FRED_SERIES], backfillDays: 30, windowMs: 1_000 },
        },
      }, options.config ?? {})
      : options.config;
    // The scratch database's URL carries the install's password: the file is the drill's user's only.
    const storeConfig = scratch ? { store: { backend: 'postgres', url: scratch.url, poolSize: 2 } } : {};
    fs.writeFileSync(configPath, JSON.stringify(await sandboxConfig(dataDir, simulator.url, deepMerge(storeConfig, extra ?? {})), null, 2), { mode: 0o600 });
    emit({ event: 'sandbox', stage: 'created', dir });
    const ctx = sandbox.context(async () => 0);
    const { runOperation } = await import('../../ops/index.js');
    if (options.fromBackupOf) {
      // A postgres sandbox from a pg_dump of the install, a SQLite one from a market.db copy.
      const seeded = scratch ? await seedFromPgBackup(options.fromBackupOf, scratch.url) : seedFromBackup(options.fromBackupOf, dataDir);
      emit({ event: 'sandbox', stage: 'seeded', from: 'backup', backupId: seeded.backupId, backend: store.backend, file: seeded.file, candles: seeded.candles });
      // The sandbox's own exchange continues from where the copy ends.
      await runOperation('sync', {} as never, ctx);
    } else {
      const summary = await runOperation('sync', {} as never, ctx);
      emit({ event: 'sandbox', stage: 'seeded', from: 'simulator', candles: (summary as unknown as { candlesStored?: number }).candlesStored ?? null });
    }
    // A verified backup, so a restore has something to restore.
    await runOperation('backup', { tier: 'hot' }, ctx);
    emit({ event: 'sandbox', stage: 'backed-up' });
    return sandbox;
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
