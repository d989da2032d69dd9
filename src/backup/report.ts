import { statusSymbol } from '../status/vocabulary.js';
import type { StepRecord } from './steps.js';

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
