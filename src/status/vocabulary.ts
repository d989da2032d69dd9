/**
 * The one status vocabulary of the project: every status word the CLI and the views show maps
 * to one symbol, one severity and one colour token here, so `hung` (or any word) means the same
 * everywhere and no meaning rides on colour alone. Pure data and functions.
 */

/**
 * How bad a status is. The first four are the health statuses (`HealthStatus`); `neutral` is a
 * state that is neither good nor bad (never run, not configured, stopped, deleted) and is shown
 * quietly.
 */
export type Severity = 'ok' | 'warn' | 'critical' | 'unknown' | 'neutral';

/** Semantic colour tokens; the views' theme maps each to a colour (or to none in monochrome). */
export type ColourToken = 'ok' | 'warn' | 'critical' | 'unknown' | 'muted';

export interface StatusEntry {
  word: string;
  symbol: string;
  severity: Severity;
  colour: ColourToken;
}

/** One symbol per severity, all distinct, so a monochrome terminal or NO_COLOR loses nothing. */
export const SEVERITY_SYMBOL: Readonly<Record<Severity, string>> = { ok: '✔', warn: '▲', critical: '✖', unknown: '?', neutral: '·' };

/** A run in progress: neither ok nor bad yet, so never the ok mark. */
export const RUNNING_SYMBOL = '↻';

export const SEVERITY_COLOUR: Readonly<Record<Severity, ColourToken>> = { ok: 'ok', warn: 'warn', critical: 'critical', unknown: 'unknown', neutral: 'muted' };

/** The freshness heatmap's cells: a quiet dot when fine, so problems stand out even without colour. */
export const HEATMAP_CELL: Readonly<Record<'ok' | 'warn' | 'critical' | 'unknown', string>> = { ok: '·', warn: '▲', critical: '✖', unknown: '?' };

/**
 * Every status word the project shows, by where it comes from. A word appears once: where two
 * sources use the same word it means the same thing.
 */
export const STATUS_WORDS = {
  /** Health probes and the overall health (`HealthStatus`). */
  health: { ok: 'ok', warn: 'warn', critical: 'critical', unknown: 'unknown', 'never-synced': 'neutral' },
  /** Job runs (`RunStatus`). `skipped`: the job's lock was held, so the slot did not run: a warning. */
  run: { running: 'ok', success: 'ok', partial: 'warn', skipped: 'warn', failed: 'critical', timeout: 'critical', cancelled: 'critical' },
  /**
   * The supervised daemon (`DaemonStateName`, plus `paused` for a daemon held on purpose).
   * `hung` is a warning, as the alert rule on it (daemon-heartbeat-stale) is: the supervisor is
   * already restarting it; `crash-loop` is critical (daemon-crash-loop), it needs a human.
   */
  daemon: { starting: 'warn', backoff: 'warn', hung: 'warn', 'crash-loop': 'critical', stopped: 'neutral', paused: 'neutral' },
  /** Alert states (`AlertState`). */
  alertState: { pending: 'warn', firing: 'critical', resolved: 'ok' },
  /** Alert severities (the rules' `severity`); `info` is told but is not a problem of health. */
  alertSeverity: { warning: 'warn', info: 'neutral' },
  /** Backups, verification, drills, recovery and their steps (`StepStatus`, catalog results). */
  backup: {
    verified: 'ok', 'not-needed': 'ok', unchecked: 'warn', 'no-backup': 'critical', deleted: 'neutral', 'not-configured': 'neutral',
  },
  /**
   * Runbook steps, steady-state checks and incidents (src/runbook). A step also uses `running`,
   * `failed`, `skipped`, `ok`, `pending` (not yet run) and `unknown` (its result died with the
   * process), an incident `resolved`, with the meanings above.
   */
  runbook: {
    done: 'ok', 'already-done': 'ok', planned: 'neutral', declined: 'warn', passed: 'ok', 'not-passed': 'critical',
    open: 'warn', escalated: 'critical', aborted: 'warn', sent: 'ok', noted: 'neutral',
  },
  /** Shown where nothing happened yet. */
  other: { never: 'neutral' },
} as const satisfies Record<string, Record<string, Severity>>;

type Words<T> = T extends Record<infer K, Severity> ? K : never;
export type StatusWord = { [G in keyof typeof STATUS_WORDS]: Words<(typeof STATUS_WORDS)[G]> }[keyof typeof STATUS_WORDS];

const SEVERITY_OF: ReadonlyMap<string, Severity> = new Map(
  Object.values(STATUS_WORDS).flatMap((group) => Object.entries(group) as [string, Severity][]),
);

/** True when `word` has an entry in the vocabulary. */
export function isKnownStatus(word: string): word is StatusWord {
  return SEVERITY_OF.has(word);
}

/**
 * The entry of a status word. A word outside the vocabulary is shown as it is, quietly (neutral)
 * and null or undefined is `never` (a job that never ran, a state never recorded).
 */
export function statusEntry(word: string | null | undefined): StatusEntry {
  const w = word ?? 'never';
  const severity = SEVERITY_OF.get(w) ?? 'neutral';
  return { word: w, symbol: SEVERITY_SYMBOL[severity], severity, colour: SEVERITY_COLOUR[severity] };
}

export function severityOf(word: string | null | undefined): Severity {
  return statusEntry(word).severity;
}

export function statusSymbol(word: string | null | undefined): string {
  return statusEntry(word).symbol;
}

/** Symbol and word, e.g. `✔ success`, `▲ hung`, `· never`. */
export function statusMark(word: string | null | undefined): string {
  const e = statusEntry(word);
  return `${e.symbol} ${e.word}`;
}
