import type { StepRecord } from '../common/step-log.js';
import { statusSymbol } from '../status/vocabulary.js';

/** Text for people; the JSON lines carry the raw numbers. Marks carry meaning without colour. */
export function bytes(n: number | null | undefined): string {
  if (n == null) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function isoOrNone(t: number | null | undefined): string {
  return t == null ? 'none' : new Date(t).toISOString().replace('.000Z', 'Z');
}

/** The symbol of a step, backup, drill or recovery status, from the one status vocabulary. */
export function mark(status: string): string {
  return statusSymbol(status);
}

export function stepLine(s: StepRecord): string {
  return `${mark(s.status)} ${s.step.padEnd(15)} ${seconds(s.ms).padStart(8)}  ${s.detail}\n`;
}

const DAY_MS = 86_400_000;

/** "42s", "5m", "3.5h", "2.0d": how old something is, short. */
export function ageText(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 2 * DAY_MS) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / DAY_MS).toFixed(1)}d`;
}
