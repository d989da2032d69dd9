import { listProcStats, readProcStat } from '../common/proc-stat.js';

/**
 * A PID alone can be recycled by the kernel; the PID together with the process start time
 * (field 22 of /proc/<pid>/stat, in clock ticks since boot) names one process for good.
 */
export function processStartTicks(pid: number): number | null {
  return readProcStat(pid)?.startTicks ?? null;
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
  return readProcStat(pid)?.pgrp ?? null;
}

/**
 * True while a process of the group runs. Zombies do not count: an orphan whose reaper (PID 1 in
 * a container) never waits for it would otherwise keep the group "alive" forever. Without /proc,
 * whether the group can still be signalled.
 */
export function processGroupAlive(pgid: number): boolean {
  const processes = listProcStats();
  if (processes === null) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return processes.some((p) => p.pgrp === pgid && p.state !== 'Z' && p.state !== 'X');
}
