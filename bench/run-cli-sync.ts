import { execa } from 'execa';
import path from 'node:path';
import { shebangNodeFlags } from './proc-stats.js';

export const CLI = path.resolve('dist/src/cli.js');

/**
 * One `cfa-console sync --json` of the built binary in a child process, as cron or the engine
 * would run it (with the node flags of its shebang line), with the data dir's `bench-config.json` as its config: its wall time and summary.
 * The simulator lives in the calling process, so the child must be awaited, never run synchronously.
 */
export async function runCliSync(dataDir: string, url: string, args: string[]): Promise<{ wallMs: number; summary: Record<string, any> }> {
  const started = performance.now();
  const { stdout } = await execa(process.execPath, [...shebangNodeFlags(CLI), CLI, '--data-dir', dataDir, '--exchange-url', url, 'sync', '--json', ...args], {
    env: { CFA_CONFIG: path.join(dataDir, 'bench-config.json') },
  });
  const wallMs = performance.now() - started;
  const summary = stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'summary');
  return { wallMs, summary };
}
