import fs from 'node:fs';
import path from 'node:path';
import { RUN_DIR } from './pid-file.js';

/** The variable that tells a supervised daemon where to write its heartbeat. */
export const HEARTBEAT_ENV = 'CFA_HEARTBEAT_FILE';

export function heartbeatFilePath(dataDir: string, name: string): string {
  return path.join(dataDir, RUN_DIR, `${name}.heartbeat`);
}

/**
 * The epoch ms the daemon last wrote, or null for "no heartbeat yet": a missing file, or one
 * caught half-written or holding something else (the daemon owns the file; we cannot insist
 * it writes atomically).
 */
export function readHeartbeat(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const trimmed = text.trim();
  if (!/^\d{1,16}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** Writes one beat atomically (temp + rename), for our own daemons. */
export function writeHeartbeat(file: string, at = Date.now()): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${at}\n`);
  fs.renameSync(temp, file);
}

/**
 * How long the daemon has been silent. A beat older than the process's own start is a leftover
 * of an earlier run and says nothing about this one, so the start time is the reference until
 * the first beat. Never negative (a beat from a clock slightly ahead of ours counts as fresh).
 */
export function heartbeatAge(now: number, lastBeat: number | null, startedAt: number): number {
  const reference = lastBeat === null ? startedAt : Math.max(lastBeat, startedAt);
  return Math.max(0, now - reference);
}
