/**
 * A drill's sandbox: a fresh temporary data dir (`cfa-drill-*` in the temp dir), seeded by a short
 * synthetic backfill from an in-process simulator (or a read-only copy of the newest verified
 * backup of the real data dir), a config of its own (compressed monitor, rules that fire at once,
 * no scheduled jobs, no automatic runbooks: the drill runs the runbook itself), and an engine
 * leading it with the example backtest under supervision. Nothing is written outside it.
 *
 * The sandbox says who owns it (`drill-owner.json`: the drill's PID and start time). `close()`
 * stops the engine and removes the directory; a drill killed with kill -9 cannot, so every drill
 * first calls `cleanLeftovers()`, which stops the processes of sandboxes whose owner is gone
 * (found by the sandbox's unique path in their command line) and removes those directories.
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
import type { SimulatorHandle } from '../../exchange/simulator/index.js';
import { listBackups } from '../../backup/catalog.js';
import { OPS_DB_FILE } from '../../store/ops-db.js';
import { openSqlite } from '../../store/sqlite.js';
import { MARKET_DB_FILE } from '../../store/market-db.js';

export const SANDBOX_PREFIX = 'cfa-drill-';
const OWNER_FILE = 'drill-owner.json';
/** The symbols of a synthetic sandbox: few, so the backfill takes seconds. */
export const SANDBOX_SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

export interface SandboxOptions {
  /** Seed from the newest verified backup of this (real) data dir instead of a backfill. */
  fromBackupOf?: string;
  /** Merged over the sandbox's config (a drill's own settings). */
  config?: Record<string, unknown>;
  /** Where sandboxes are made (default: the OS temp dir). */
  root?: string;
  /** Told of each stage (`sandbox` events). */
  emit?: (event: { event: string } & Record<string, unknown>) => void;
}

export interface Sandbox {
  /** The sandbox directory (removed by close). */
  dir: string;
  dataDir: string;
  configPath: string;
  simulator: SimulatorHandle;
  /** The operations' context over the sandbox; consent: the given answer (the drill's script). */
  context(confirm: RunContext['confirm']): RunContext;
  /** The engine leading the sandbox (started by start()). */
  engine: ProcessIdentity | null;
  /** Starts the engine (leader, supervisor with the example backtest). */
  startEngine(): Promise<void>;
  /** Stops the engine, closes the simulator and removes the directory. Safe to call twice. */
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

/** The processes whose command line names `dir` (the sandbox's engine, daemon and jobs). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((arg) => arg === dir || arg.startsWith(`${dir}/`))) pids.push(Number(name));
    } catch { /* gone */ }
  }
  return pids;
}

async function stopProcessesUnder(dir: string, graceMs = 8_000): Promise<void> {
  const signal = (pids: number[], sig: NodeJS.Signals) => { for (const pid of pids) { try { process.kill(pid, sig); } catch { /* gone */ } } };
  signal(processesUnder(dir), 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processesUnder(dir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  signal(processesUnder(dir), 'SIGKILL');
}

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
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Copies the newest verified hot or warm backup of `realDataDir` into `dataDir` (read-only on the real side). */
function seedFromBackup(realDataDir: string, dataDir: string): { backupId: number; file: string } {
  const ops = openSqlite(path.join(realDataDir, OPS_DB_FILE), { readonly: true });
  try {
    const backup = listBackups(ops)
      .filter((b) => b.verifiedAt !== null && b.result === 'verified' && b.tier !== 'offsite' && fs.existsSync(b.location))
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!backup) throw new Error(`no verified hot or warm backup of ${realDataDir} is on disk; run \`cfa-console backup\` first, or drill without --from-backup`);
    fs.copyFileSync(backup.location, path.join(dataDir, MARKET_DB_FILE));
    return { backupId: backup.id, file: backup.location };
  } finally {
    ops.close();
  }
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

  const { startSimulator } = await import('../../exchange/simulator/index.js');
  const simulator = await startSimulator({ symbols: SANDBOX_SYMBOLS, windowMs: 1_000 });
  let engineChild: ReturnType<typeof spawn> | null = null;
  let closed = false;

  const sandbox: Sandbox = {
    dir, dataDir, configPath, simulator, engine: null,
    context(confirm) {
      const loaded = loadConfig({ configPath, dataDir, exchangeUrl: simulator.url }, {});
      return runContext(loaded, { confirm });
    },
    async startEngine() {
      const log = fs.openSync(path.join(dir, 'engine.log'), 'a');
      engineChild = spawn(process.execPath, [CLI_PATH, '--data-dir', dataDir, '--config', configPath, '--exchange-url', simulator.url, '--daemon'], {
        stdio: ['ignore', log, log], detached: true, env: { ...process.env, NO_COLOR: '1' },
      });
      fs.closeSync(log);
      engineChild.unref();
      sandbox.engine = { pid: engineChild.pid!, startTicks: null };
      emit({ event: 'sandbox', stage: 'engine', pid: engineChild.pid });
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopProcessesUnder(dir);
      await simulator.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
      emit({ event: 'sandbox', stage: 'removed', dir });
    },
  };

  try {
    fs.writeFileSync(configPath, JSON.stringify(await sandboxConfig(dataDir, simulator.url, options.config), null, 2));
    emit({ event: 'sandbox', stage: 'created', dir });
    const ctx = sandbox.context(async () => 0);
    const { runOperation } = await import('../../ops/index.js');
    if (options.fromBackupOf) {
      const seeded = seedFromBackup(options.fromBackupOf, dataDir);
      emit({ event: 'sandbox', stage: 'seeded', from: 'backup', backupId: seeded.backupId });
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
