import fs from 'node:fs';
import path from 'node:path';
import { readProcStat } from '../../common/proc-stat.js';
import { isAlive, type ProcessIdentity } from '../process-identity.js';

/** `run/` in the data dir holds the PID and heartbeat files of supervised daemons. */
export const RUN_DIR = 'run';

export interface PidRecord extends ProcessIdentity {
  /** Epoch ms when the supervisor started the process. */
  startedAt: number;
  /** The argv it was started with, for the on-call engineer reading the file. */
  command: string[];
}

export function pidFilePath(dataDir: string, name: string): string {
  return path.join(dataDir, RUN_DIR, `${name}.pid`);
}

/**
 * Written to a temp file and renamed over the old one, so a reader (another console, a
 * supervisor taking over after a leader change) never sees half a record.
 */
export function writePidFile(file: string, record: PidRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(record)}\n`);
  fs.renameSync(temp, file);
}

/** The record, or null when the file is missing or is not one we wrote. */
export function readPidFile(file: string): PidRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const r = parsed as Record<string, unknown>;
  if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0) return null;
  return {
    pid: r.pid,
    startTicks: typeof r.startTicks === 'number' ? r.startTicks : null,
    startedAt: typeof r.startedAt === 'number' ? r.startedAt : 0,
    command: Array.isArray(r.command) ? r.command.filter((a): a is string => typeof a === 'string') : [],
  };
}

/**
 * Removes the file. With `owner`, only while it still names that process: a supervisor cleaning
 * up late must not delete the record of a daemon someone else has started since.
 */
export function removePidFile(file: string, owner?: ProcessIdentity): void {
  if (owner) {
    const current = readPidFile(file);
    if (current && (current.pid !== owner.pid || current.startTicks !== owner.startTicks)) return;
  }
  fs.rmSync(file, { force: true });
}

/** Process state letter from /proc/<pid>/stat (R, S, D, Z, …), or null when it is gone. */
export function processStateLetter(pid: number): string | null {
  return readProcStat(pid)?.state ?? null;
}

/** `isAlive`, and not a zombie: a zombie has exited already and only waits to be reaped. */
export function isRunning(identity: ProcessIdentity): boolean {
  return isAlive(identity) && processStateLetter(identity.pid) !== 'Z';
}

/**
 * The record when the very process it names still runs; null when the file is missing, garbled,
 * or names a dead process or a recycled PID (same number, other start time). A record without
 * start ticks cannot prove its identity, so it is not trusted either: we never signal on a guess.
 */
export function liveProcessFromPidFile(file: string): PidRecord | null {
  const record = readPidFile(file);
  if (!record || record.startTicks === null) return null;
  return isRunning(record) ? record : null;
}
