import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { sampleProcess } from '../engine/resource-sampler.js';

/**
 * The daily backtest (the 23:30 job): the configured command, an argv run without a shell, with
 * CFA_DATA_DIR and CFA_BACKTEST_RESULT_FILE in its environment, and where the candles are:
 * CFA_STORE_BACKEND (`sqlite`: market.db in CFA_DATA_DIR; `postgres`: CFA_STORE_URL). Its exit, duration and result
 * file are what the run records. The job runner's timeout reaches it through the process group;
 * run directly, `timeoutMs` stops it the same way (SIGTERM, SIGKILL after a grace) and says 124.
 */

export const RESULT_FILE_ENV = 'CFA_BACKTEST_RESULT_FILE';
const MAX_RESULT_BYTES = 64 * 1024;

export interface DailyBacktestRequest {
  command: readonly string[];
  cwd?: string;
  dataDir: string;
  resultFile: string;
  /** Where the candles are (`store.backend`, `store.url`); default market.db in `dataDir`. */
  store?: { backend: 'sqlite' | 'postgres'; url?: string | undefined };
  timeoutMs?: number;
  killGraceMs?: number;
  signal?: AbortSignal;
  /** Share of the host's CPU the backtest may use (the seeds' budget: 30%). */
  cpuBudgetPercent?: number;
  /** Sampling period of its CPU and RSS (default 5 s). */
  sampleEveryMs?: number;
  /** The command's own output lines (stdout and stderr). */
  onOutput?(line: string): void;
}

export interface DailyBacktestResult {
  status: 'success' | 'failed' | 'timeout';
  command: string[];
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  resultFile: string;
  /** Written (or rewritten) by this run. */
  resultWritten: boolean;
  resultBytes: number | null;
  /** The result file's JSON when it is JSON and at most 64 KB. */
  result?: unknown;
  /** CPU (share of the host, like the budget) and RSS of the command's process while it ran. */
  usage: ResourceUsage;
  error?: string;
}

export interface ResourceUsage {
  samples: number;
  cpuPercentMax: number | null;
  cpuPercentMean: number | null;
  rssBytesMax: number | null;
  cpuBudgetPercent: number;
  /** Samples above the budget. */
  overBudget: number;
}

/** Per-core samples (pidusage: 100 = one core) as a share of the host, against the budget. Pure. */
export function summarizeUsage(samples: readonly { cpuPercent: number; rssBytes: number }[], cores: number, cpuBudgetPercent: number): ResourceUsage {
  const cpu = samples.map((s) => s.cpuPercent / Math.max(1, cores));
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    samples: samples.length,
    cpuPercentMax: cpu.length ? round(Math.max(...cpu)) : null,
    cpuPercentMean: cpu.length ? round(cpu.reduce((a, b) => a + b, 0) / cpu.length) : null,
    rssBytesMax: samples.length ? Math.max(...samples.map((s) => s.rssBytes)) : null,
    cpuBudgetPercent,
    overBudget: cpu.filter((c) => c > cpuBudgetPercent).length,
  };
}

/** Default result file: one per UTC day, beside the example backtest's. */
export function dailyResultFile(dataDir: string, now = Date.now()): string {
  return path.join(dataDir, 'backtest', `daily-${new Date(now).toISOString().slice(0, 10)}.json`);
}

function mtime(file: string): number | null {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** The command's own reads go where the sync writes: the backend, and the URL (in the environment, never on a command line). */
export function storeEnv(store: DailyBacktestRequest['store']): Record<string, string> {
  if (store?.backend !== 'postgres') return { CFA_STORE_BACKEND: 'sqlite' };
  return { CFA_STORE_BACKEND: 'postgres', ...(store.url ? { CFA_STORE_URL: store.url } : {}) };
}

export async function runDailyBacktest(req: DailyBacktestRequest): Promise<DailyBacktestResult> {
  const [file, ...args] = req.command;
  if (file === undefined) throw new RangeError('backtest.command is empty');
  fs.mkdirSync(path.dirname(req.resultFile), { recursive: true });
  const before = mtime(req.resultFile);
  const started = performance.now();
  const child = execa(file, args, {
    cwd: req.cwd,
    env: { CFA_DATA_DIR: req.dataDir, [RESULT_FILE_ENV]: req.resultFile, ...storeEnv(req.store) },
    stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', reject: false, buffer: false,
    timeout: req.timeoutMs, killSignal: 'SIGTERM', forceKillAfterDelay: req.killGraceMs ?? 30_000,
    cancelSignal: req.signal,
  });
  const forward = (stream: NodeJS.ReadableStream | null | undefined): void => {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) req.onOutput?.(l);
    });
    stream?.on('end', () => { if (rest) req.onOutput?.(rest); });
  };
  forward(child.stdout);
  forward(child.stderr);
  // The resource sampler's reading of the command, every sampleEveryMs while it runs.
  const samples: { cpuPercent: number; rssBytes: number }[] = [];
  let sampling = true;
  let wake = (): void => {};
  const sampler = (async () => {
    while (sampling && child.pid !== undefined) {
      // Woken at once when the command exits, so the run's duration is the command's.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, req.sampleEveryMs ?? 5000);
        wake = () => { clearTimeout(timer); resolve(); };
      });
      if (!sampling) break;
      const s = await sampleProcess(child.pid);
      if (s) samples.push({ cpuPercent: s.cpuPercent, rssBytes: s.rssBytes });
    }
  })();
  const done = await child;
  sampling = false;
  wake();
  await sampler;
  const durationMs = Math.round(performance.now() - started);
  const after = mtime(req.resultFile);
  const written = after !== null && after !== before;
  const out: DailyBacktestResult = {
    status: done.timedOut ? 'timeout' : done.exitCode === 0 ? 'success' : 'failed',
    command: [...req.command],
    pid: child.pid ?? null,
    exitCode: done.timedOut ? 124 : done.exitCode ?? null,
    signal: done.signal ?? null,
    durationMs,
    resultFile: req.resultFile,
    resultWritten: written,
    resultBytes: after === null ? null : fs.statSync(req.resultFile).size,
    usage: summarizeUsage(samples, os.cpus().length, req.cpuBudgetPercent ?? 30),
  };
  if (written && out.resultBytes !== null && out.resultBytes <= MAX_RESULT_BYTES) {
    try {
      out.result = JSON.parse(fs.readFileSync(req.resultFile, 'utf8'));
    } catch {
      // Not JSON: recorded by name and size only.
    }
  }
  if (done.failed && !done.timedOut) out.error = done.originalMessage || done.shortMessage;
  if (out.status === 'success' && !written) out.error = `the command exited 0 but did not write ${req.resultFile}`;
  return out;
}
