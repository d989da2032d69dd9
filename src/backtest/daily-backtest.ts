import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';

/**
 * The daily backtest (the 23:30 job): the configured command, an argv run without a shell, with
 * CFA_DATA_DIR and CFA_BACKTEST_RESULT_FILE in its environment. Its exit, duration and result
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
  timeoutMs?: number;
  killGraceMs?: number;
  signal?: AbortSignal;
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
  error?: string;
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

export async function runDailyBacktest(req: DailyBacktestRequest): Promise<DailyBacktestResult> {
  const [file, ...args] = req.command;
  if (file === undefined) throw new RangeError('backtest.command is empty');
  fs.mkdirSync(path.dirname(req.resultFile), { recursive: true });
  const before = mtime(req.resultFile);
  const started = performance.now();
  const child = execa(file, args, {
    cwd: req.cwd,
    env: { CFA_DATA_DIR: req.dataDir, [RESULT_FILE_ENV]: req.resultFile },
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
  const done = await child;
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
