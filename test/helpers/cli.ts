import fs from 'node:fs';
import path from 'node:path';
import { execa, type Options, type ResultPromise } from 'execa';

export const CLI = path.resolve('dist/src/cli.js');

if (!fs.existsSync(CLI)) {
  throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`);
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (lines that are not JSON are left out). */
  events: Record<string, unknown>[];
}

export function parseJsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try { return [JSON.parse(line) as Record<string, unknown>]; } catch { return []; }
  });
}

/** Runs the built binary as a real child process; never throws on a non-zero exit. */
export async function runCli(args: string[], options: Options = {}): Promise<CliRun> {
  const result = await execa(process.execPath, [CLI, ...args], {
    reject: false, stdin: 'ignore', env: { NO_COLOR: '1', ...options.env }, extendEnv: true, timeout: 120_000, ...options,
  });
  const stdout = String(result.stdout ?? '');
  return { exitCode: result.exitCode ?? -1, stdout, stderr: String(result.stderr ?? ''), events: parseJsonLines(stdout) };
}

/** Starts the binary and hands back the child, for tests that signal it mid-run. */
export function startCli(args: string[], options: Options = {}): ResultPromise {
  return execa(process.execPath, [CLI, ...args], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1', ...options.env }, ...options });
}

/** A config file for tests: short windows and retry delays, so nothing waits for real minutes. */
export function writeTestConfig(dir: string, settings: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'config.json');
  const base = {
    exchange: {
      weightWindowMs: 1000,
      requestTimeoutMs: 1500,
      retry: {
        transport: { retries: 3, delaysMs: [20, 40, 80] },
        rateLimit: { retries: 2, delayMs: 200, jitterMs: 50 },
        server: { retries: 2, delaysMs: [20, 40] },
      },
    },
  };
  fs.writeFileSync(file, JSON.stringify(deepMerge(base, settings), null, 2));
  return file;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev && v && typeof prev === 'object' && typeof v === 'object' && !Array.isArray(v)
      ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
