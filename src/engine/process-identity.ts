import fs from 'node:fs';

/**
 * A PID alone can be recycled by the kernel; the PID together with the process start time
 * (field 22 of /proc/<pid>/stat, in clock ticks since boot) names one process for good.
 */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

export interface ProcessIdentity {
  pid: number;
  startTicks: number | null;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startTicks: processStartTicks(process.pid) };
}

/** True while that very process runs (not merely some process with a recycled PID). */
export function isAlive(identity: ProcessIdentity): boolean {
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (identity.startTicks === null) return true;
  const now = processStartTicks(identity.pid);
  return now === null ? true : now === identity.startTicks;
}

/** The process group a process belongs to (field 5 of /proc/<pid>/stat), or null when it is gone. */
export function processGroupOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(pgrp) ? pgrp : null;
  } catch {
    return null;
  }
}
