import type { ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export type IntegrityInput =
  | { state: 'missing'; file: string }
  /** The file could not be opened: `damaged` when it is not a database or corrupt, else (permissions) no verdict. */
  | { state: 'unreadable'; file: string; reason: string; damaged: boolean }
  /** The check itself failed: SQLITE_CORRUPT is corruption; anything else (busy) is not a verdict. */
  | { state: 'check-failed'; file: string; reason: string; corrupt: boolean }
  | { state: 'checked'; file: string; mode: 'quick' | 'full'; messages: readonly string[] };

const PRAGMA = { quick: 'quick_check', full: 'integrity_check' } as const;

/** `PRAGMA quick_check` (every snapshot) or `integrity_check` (validation): anything but "ok" is critical. */
export function judgeIntegrity(input: IntegrityInput): ProbeResult {
  switch (input.state) {
    case 'missing':
      return probeResult('integrity', {
        status: 'critical', value: null, threshold: null, unit: 'count',
        detail: `${input.file} does not exist: nothing has been synced into this data dir (run \`cfa-console sync\`), or it was moved away`,
      });
    case 'unreadable':
      if (!input.damaged) return probeResult('integrity', { status: 'unknown', value: null, threshold: null, unit: 'count', detail: `not checked: ${input.reason}` });
      return probeResult('integrity', {
        status: 'critical', value: null, threshold: null, unit: 'count',
        detail: input.reason,
        offenders: [{ name: input.file, value: null, detail: 'cannot be opened as a database' }],
      });
    case 'check-failed':
      return probeResult('integrity', {
        status: input.corrupt ? 'critical' : 'unknown', value: null, threshold: null, unit: 'count',
        detail: input.corrupt
          ? `${input.file} is corrupt: the check stopped with ${input.reason}; restore a backup`
          : `the integrity check could not run: ${input.reason}`,
      });
    case 'checked': {
      const problems = input.messages.filter((m) => m !== 'ok');
      const pragma = PRAGMA[input.mode];
      if (problems.length === 0) {
        return probeResult('integrity', { status: 'ok', value: 0, threshold: { critical: 0 }, unit: 'count', detail: `${pragma}: ok` });
      }
      return probeResult('integrity', {
        status: 'critical', value: problems.length, threshold: { critical: 0 }, unit: 'count',
        detail: `${pragma} found ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in ${input.file}: ${problems[0]}; stop writers and restore a backup`,
        offenders: problems.map((m) => ({ name: input.file, value: null, detail: m })),
      });
    }
  }
}
