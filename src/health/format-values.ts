/** Figures as people read them in details and tables; pure. */

const UNITS: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];

/** "9h 5m", "2d 3h", "45s", "250ms": the two largest units, rounded down. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  const rest = Math.abs(ms);
  for (let i = 0; i < UNITS.length; i++) {
    const [unit, size] = UNITS[i]!;
    if (rest < size) continue;
    const n = Math.floor(rest / size);
    const next = UNITS[i + 1];
    const m = next ? Math.floor((rest - n * size) / next[1]) : 0;
    return `${sign}${n}${unit}${next && m > 0 ? ` ${m}${next[0]}` : ''}`;
  }
  return `${sign}${Math.round(rest)}ms`;
}

export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function isoMinute(t: number): string {
  return new Date(t).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
