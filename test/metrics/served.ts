import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { RunningDaemon } from '../helpers/daemon.js';

/** promtool's path, or null when it is not installed (.ci/run installs it with Debian's prometheus). */
export const PROMTOOL = (() => {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
})();

/** The value of `series` (name and labels, exactly as exposed) in the exposition text. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The daemon's /metrics once `series` is in it (the first snapshot comes once the engine leads), within 30 s. */
export async function scrapeOnce(daemon: RunningDaemon, series: string): Promise<string> {
  const served = await daemon.waitFor((l) => l.msg === 'metrics served', 30_000);
  const url = `${served.url as string}/metrics`;
  let text = '';
  const deadline = Date.now() + 30_000;
  while (sample(text, series) === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    text = await (await fetch(url)).text();
  }
  return text;
}

/** `promtool check metrics` accepts the text (nothing to check without promtool). */
export function expectPromtoolAccepts(text: string): void {
  if (!PROMTOOL) return;
  const checked = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(checked.status, `${checked.stdout}\n${checked.stderr}`).toBe(0);
}
