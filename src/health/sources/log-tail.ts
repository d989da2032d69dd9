import fs from 'node:fs';
import path from 'node:path';
import { tailLines } from '../../common/log-tail.js';
import { jobLogsDir } from '../../engine/run-history.js';
import { parseConsoleLogLine, parseJobLogLine, type LogLine } from '../probes/log-lines.js';
import type { ErrorLine } from '../probes/logs.js';

/** Of each log, only this much of the end is read: health must not slow down as logs grow. */
export const TAIL_BYTES = 256 * 1024;
/** Job logs read per check, newest first. */
const MAX_JOB_LOGS = 20;

export const CONSOLE_LOG = 'cfa-console.log';

interface LogFile { file: string; mtimeMs: number; parse: (line: string) => LogLine | null }

function listJobLogs(dir: string): LogFile[] {
  const out: LogFile[] = [];
  let jobs: fs.Dirent[];
  try {
    jobs = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const job of jobs.filter((d) => d.isDirectory())) {
    const folder = path.join(dir, job.name);
    let names: string[];
    try { names = fs.readdirSync(folder); } catch { continue; }
    for (const name of names) {
      if (!name.endsWith('.log')) continue;
      const file = path.join(folder, name);
      try { out.push({ file, mtimeMs: fs.statSync(file).mtimeMs, parse: parseJobLogLine }); } catch { /* pruned meanwhile */ }
    }
  }
  return out;
}

export interface LogFacts {
  logsDir: string;
  files: number;
  newestActivityAt: number | null;
  errors: ErrorLine[];
}

/**
 * The console log and the job logs: how many, the newest write, and the error lines written
 * within the window (from the tails of the files written to within it).
 */
export function gatherLogFacts(dataDir: string, now: number, windowMs: number): LogFacts {
  const logsDir = path.join(dataDir, 'logs');
  const files: LogFile[] = listJobLogs(jobLogsDir(dataDir));
  const consoleLog = path.join(logsDir, CONSOLE_LOG);
  try { files.push({ file: consoleLog, mtimeMs: fs.statSync(consoleLog).mtimeMs, parse: parseConsoleLogLine }); } catch { /* none yet */ }
  const newestActivityAt = files.length ? Math.max(...files.map((f) => f.mtimeMs)) : null;
  const since = now - windowMs;
  const recent = files.filter((f) => f.mtimeMs >= since).sort((a, b) => b.mtimeMs - a.mtimeMs).slice(0, MAX_JOB_LOGS + 1);
  const errors: ErrorLine[] = [];
  for (const f of recent) {
    for (const line of tailLines(f.file, { maxBytes: TAIL_BYTES })) {
      const parsed = f.parse(line);
      if (parsed?.error && parsed.at !== null && parsed.at >= since && parsed.at <= now) {
        errors.push({ at: parsed.at, file: path.relative(logsDir, f.file), message: parsed.message });
      }
    }
  }
  return { logsDir, files: files.length, newestActivityAt: newestActivityAt === null ? null : Math.round(newestActivityAt), errors };
}
