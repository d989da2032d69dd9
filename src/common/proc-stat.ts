import fs from 'node:fs';

/** The fields of /proc/<pid>/stat the project reads (proc(5)); times are in clock ticks. */
export interface ProcStat {
  pid: number;
  /** The command name (field 2), without its parentheses. */
  comm: string;
  /** R, S, D, Z (zombie), X (dead), T, ... */
  state: string;
  ppid: number;
  /** The process group (field 5). */
  pgrp: number;
  /** CPU time in user and kernel mode so far (fields 14 and 15). */
  utime: number;
  stime: number;
  /** When the process started, in ticks since boot (field 22): with the PID it names one process for good. */
  startTicks: number;
}

/**
 * Parses the text of /proc/<pid>/stat; null when it is not one. Pure. The command name may hold
 * spaces and parentheses, so the fields after it are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ") ": field 3 (state) is index 0.
  const f = text.slice(close + 2).trim().split(' ');
  const num = (i: number) => (f[i] !== undefined && /^-?\d+$/.test(f[i]!) ? Number(f[i]) : Number.NaN);
  const stat: ProcStat = {
    pid, comm: text.slice(open + 1, close), state: f[0] ?? '',
    ppid: num(1), pgrp: num(2), utime: num(11), stime: num(12), startTicks: num(19),
  };
  const valid = Number.isInteger(pid) && /^[A-Za-z]$/.test(stat.state)
    && [stat.ppid, stat.pgrp, stat.utime, stat.stime, stat.startTicks].every(Number.isInteger);
  return valid ? stat : null;
}

/** The stat of a process, or null when it is gone (or /proc cannot be read). */
export function readProcStat(pid: number | string): ProcStat | null {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The stats of every process visible in /proc (those gone while listing are left out); null when /proc cannot be listed. */
export function listProcStats(): ProcStat[] | null {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const out: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(entry);
    if (stat) out.push(stat);
  }
  return out;
}
