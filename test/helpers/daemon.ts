import fs from 'node:fs';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { JOBS } from '../../jobs/index.js';
import { RUNBOOKS } from '../../runbooks/index.js';
import { listProcStats } from '../../src/common/proc-stat.js';
import { parseJsonLines, startCli, writeTestConfig } from './cli.js';

export interface RunningDaemon {
  child: ResultPromise;
  lines: () => Record<string, unknown>[];
  /** Resolves with the first log line that matches, or rejects after `timeoutMs`. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function startDaemon(args: string[], options: { env?: Record<string, string> } = {}): RunningDaemon {
  // A daemon's graceful stop may take longer than execa's 5 s before it sends SIGKILL (running
  // jobs get their grace, then the automatic runbooks their 5 s), more so on a loaded machine: the
  // tests want to see that stop end with exit 0, not be cut short by the helper.
  const child = startCli([...args, '--daemon'], { buffer: false, forceKillAfterDelay: 30_000, ...(options.env ? { env: { NO_COLOR: '1', ...options.env } } : {}) });
  let text = '';
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiters]) {
      const hit = parseJsonLines(text).find(w.match);
      if (hit) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => { text += `\n${chunk.toString()}\n`; });
  return {
    child,
    lines: () => parseJsonLines(text),
    waitFor(match, timeoutMs = 20_000) {
      const hit = parseJsonLines(text).find(match);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; log so far:\n${text.slice(-3000)}`)), timeoutMs);
        waiters.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
  };
}

/** A data dir and config for an engine test: short lease, short grace, the given schedule. */
export function engineFixture(dir: string, exchangeUrl: string, settings: Record<string, unknown> = {}): string[] {
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { recursive: true });
  // Only the jobs a test names run: another job's daily slot could otherwise be caught up
  // whenever the suite happens to run within its window.
  const named = (settings.jobs ?? {}) as Record<string, object>;
  const jobs = Object.fromEntries(JOBS.map((j) => [j.name, named[j.name] ?? { enabled: false }]));
  writeTestConfig(dir, {
    engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms' },
    sync: { backfillDays: 2 },
    symbols: ['BTCUSDT', 'ETHUSDT'],
    // The leader would run an automatic runbook when its alert fires (a hung daemon restarted under
    // the test's feet); an engine test turns one on by naming it here.
    runbooks: { auto: Object.fromEntries(RUNBOOKS.map((r) => [r.id, false])) },
    ...settings,
    jobs,
  });
  return ['--data-dir', data, '--config', path.join(dir, 'config.json'), '--exchange-url', exchangeUrl];
}

/** Ends the daemons a test started (SIGKILL: nothing of theirs is judged after the test) and empties the list. */
/** The processes below `pid` (its children, theirs, ...), as /proc says now. */
function descendantsOf(pid: number): number[] {
  const stats = listProcStats() ?? [];
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const s of stats) if (s.ppid === parent) { found.push(s.pid); walk(s.pid); }
  };
  walk(pid);
  return found;
}

/**
 * kill -9 of each engine, and of what it started: the supervised daemon outlives an engine killed
 * with -9 by design, and would go on writing its heartbeat into a data dir being removed.
 */
export async function killDaemons(started: RunningDaemon[]): Promise<void> {
  for (const d of started.splice(0)) {
    const below = d.child.pid === undefined ? [] : descendantsOf(d.child.pid);
    d.child.kill('SIGKILL');
    for (const pid of below) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await d.child.catch(() => {});
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
