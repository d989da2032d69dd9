/** Reading one log line: when it was written and whether it is an error. Pure. */

export interface LogLine {
  at: number | null;
  error: boolean;
  message: string;
}

/** pino's level numbers: 50 error, 60 fatal. */
const PINO_ERROR = 50;

function parseTime(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

function pinoLine(text: string): LogLine | null {
  if (!text.startsWith('{')) return null;
  try {
    const v = JSON.parse(text) as Record<string, unknown> | null;
    if (!v || typeof v !== 'object') return null;
    const level = typeof v.level === 'number' ? v.level : null;
    const err = v.err as { message?: unknown } | undefined;
    const msg = typeof v.msg === 'string' ? v.msg : '';
    const message = [msg, typeof err?.message === 'string' ? err.message : ''].filter(Boolean).join(': ');
    return { at: parseTime(v.time), error: level !== null && level >= PINO_ERROR, message };
  } catch {
    return null;
  }
}

/** A line of `logs/cfa-console.log`: pino JSON; level 50 and up is an error. */
export function parseConsoleLogLine(line: string): LogLine | null {
  return pinoLine(line.trim());
}

const JOB_LINE = /^(\d{4}-\d\d-\d\dT[^ ]+) (out|err|runner) (.*)$/;

/**
 * A line of `logs/jobs/<job>/<run>.log`: "<ISO time> <out|err|runner> <text>". What the job wrote
 * to stderr is an error line, and so is a pino line of level 50 or more on its stdout.
 */
export function parseJobLogLine(line: string): LogLine | null {
  const m = JOB_LINE.exec(line);
  if (!m) return null;
  const at = parseTime(m[1]);
  const stream = m[2]!;
  const text = m[3]!;
  if (stream === 'err') return { at, error: text.trim() !== '', message: text.trim() };
  const pino = stream === 'out' ? pinoLine(text) : null;
  return { at, error: pino?.error ?? false, message: pino?.message || text };
}
