import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';

const BIN = path.resolve('dist/components/main.js');

const terminals: TmuxTerminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});

/** `cfa-console --demo` in a tmux terminal; the shell stays after it exits, so what it said then can be read. */
function openDemo(dataDir: string): TmuxTerminal {
  const term = new TmuxTerminal(`sh -c '${process.execPath} ${BIN} --demo --data-dir ${dataDir}; echo "[console exited $?]"; sleep 300'`, 100, 30);
  terminals.push(term);
  return term;
}

/** Processes whose command line names this data dir (the engine's jobs, the supervised daemon, Litestream). */
function processesOf(dataDir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(dataDir) && !l.includes('sh -c') && !l.includes(' ps '));
}

async function gone(dataDir: string, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = processesOf(dataDir);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = processesOf(dataDir);
  }
  return left;
}

describe.skipIf(!hasTmux())('cfa-console --demo: the first frame before the demo environment', () => {
  it('draws a calm first frame, then runs the engine against the demo\'s simulator and config, and says what the demo set up once the screen is back', async () => {
    const dataDir = path.join(tempDir(), 'demo');
    const term = openDemo(dataDir);
    const first = await term.waitFor((s) => s.includes('Freshness') && s.includes('Jobs') && s.includes('? help'), 'the first full frame');
    // (The counters' `✖0` is a count, not a mark.)
    expect(first).not.toMatch(/CRITICAL|✖ /);
    expect(first).toContain(dataDir);
    await term.waitFor((s) => s.includes('? help') && !s.includes('starting…'), 'the engine up', 60_000);
    // The data dir's settings are the demo's (its config file, its loopback exchange), not the provisional first frame's.
    const settings = JSON.parse(fs.readFileSync(path.join(dataDir, 'data-dir.json'), 'utf8')) as { config: string; exchangeUrl: string };
    expect(settings.config).toBe(path.join(dataDir, 'demo-config.json'));
    expect(settings.exchangeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    // Every series of the demo's 60 symbols fresh: synced from its simulator.
    await term.waitFor((s) => /✔240 ▲0/.test(s), 'every series synced from the simulator', 90_000);

    term.keys('q');
    const after = await term.waitFor((s) => s.includes('[console exited'), 'the console gone', 30_000);
    expect(after).toContain('[console exited 0]');
    expect(after).toMatch(/demo: simulated exchange at http:\/\/127\.0\.0\.1:\d+, data dir /);
    expect(await gone(dataDir)).toEqual([]);
  }, 180_000);

  it('q at the first frame, while the demo starts, ends it with nothing of it left running', async () => {
    const dataDir = path.join(tempDir(), 'demo');
    const term = openDemo(dataDir);
    await term.waitFor((s) => s.includes('Freshness') && s.includes('? help'), 'the first full frame');
    term.keys('q');
    const after = await term.waitFor((s) => s.includes('[console exited'), 'the console gone', 30_000);
    expect(after).toContain('[console exited 0]');
    expect(term.state().alternate).toBe(false);
    expect(await gone(dataDir)).toEqual([]);
  }, 60_000);
});
