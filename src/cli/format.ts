import ms from 'ms';

export function isoOrDash(t: number | null | undefined): string {
  return t == null ? '-' : new Date(t).toISOString().replace('.000Z', 'Z');
}

/** "in 5h" / "3m ago": how far `t` is from `now`, the way people say it. */
export function relative(t: number | null | undefined, now = Date.now()): string {
  if (t == null) return '-';
  const d = t - now;
  return d >= 0 ? `in ${ms(Math.max(d, 1000))}` : `${ms(Math.max(-d, 1000))} ago`;
}

export function durationOrDash(d: number | null | undefined): string {
  return d == null ? '-' : d < 1000 ? `${d}ms` : ms(d);
}

/** Status words with a symbol, so no meaning rides on colour alone: the one vocabulary's. */
export { statusMark } from '../status/vocabulary.js';

/** Left-aligned columns sized to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
