import fs from 'node:fs';
import { readProcStat } from '../src/common/proc-stat.js';

/** USER_HZ on Linux: /proc/<pid>/stat counts CPU time in these ticks. */
export const TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process so far, in ticks. */
export function cpuTicks(pid: number): number {
  const stat = readProcStat(pid);
  if (!stat) throw new Error(`no /proc/${pid}/stat: process ${pid} is gone`);
  return stat.utime + stat.stime;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * The node flags a built entry's `#!/usr/bin/env -S node <flags>` line passes (the binary's
 * memory settings), so a bench that runs it as `node <flags> <file>` (to pick this node, or to add
 * profiling flags) measures what the installed binary runs.
 */
export function shebangNodeFlags(file: string): string[] {
  const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\S*env\s+-S\s+node\s+(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/) : [];
}
