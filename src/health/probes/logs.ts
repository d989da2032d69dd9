import { humanDuration } from '../format-values.js';
import { worstStatus } from '../status.js';
import type { HealthStatus, Offender, ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface ErrorLine {
  at: number;
  /** The log file, relative to the logs dir. */
  file: string;
  message: string;
}

export interface LogsInput {
  logsDir: string;
  /** Log files found (the console log and job logs). */
  files: number;
  /** Newest modification time among them. */
  newestActivityAt: number | null;
  /** Error lines written within the window. */
  errors: readonly ErrorLine[];
  now: number;
  windowMs: number;
  activityMaxAgeMs: number;
  errorsPerMinuteWarn: number;
}

/** Activity within 26 h and the error lines per minute over the newest window of the logs. */
export function judgeLogs(input: LogsInput): ProbeResult {
  const threshold = { warn: input.errorsPerMinuteWarn };
  if (input.files === 0 || input.newestActivityAt === null) {
    return probeResult('logs', { status: 'unknown', value: null, threshold, unit: 'per-minute', detail: `no logs in ${input.logsDir} yet (the engine writes cfa-console.log; job runs write logs/jobs/)` });
  }
  const perMinute = input.errors.length / Math.max(1, input.windowMs / 60_000);
  const idle = Math.max(0, input.now - input.newestActivityAt);
  const statuses: HealthStatus[] = [];
  const parts = [`last activity ${humanDuration(idle)} ago`];
  if (idle > input.activityMaxAgeMs) {
    statuses.push('warn');
    parts[0] += ` (nothing for over ${humanDuration(input.activityMaxAgeMs)}: is the engine running?)`;
  }
  parts.push(`${input.errors.length} error lines in the last ${humanDuration(input.windowMs)} (${perMinute.toFixed(1)}/min)`);
  if (perMinute > input.errorsPerMinuteWarn) {
    statuses.push('warn');
    parts.push(`over ${input.errorsPerMinuteWarn}/min`);
  }
  const byFile = new Map<string, ErrorLine[]>();
  for (const e of input.errors) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const offenders: Offender[] = [...byFile.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([file, lines]) => {
      const newest = lines.reduce((a, b) => (b.at > a.at ? b : a));
      return { name: file, value: lines.length, detail: `${lines.length} error lines, newest: ${newest.message.slice(0, 200)}` };
    });
  return probeResult('logs', {
    status: worstStatus(statuses), value: Math.round(perMinute * 100) / 100, threshold, unit: 'per-minute', detail: parts.join('; '), offenders,
  });
}
